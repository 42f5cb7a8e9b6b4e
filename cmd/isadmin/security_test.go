package main

// Security hardening: each finding of the hostile review, reproduced.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
)

// TestHostAllowlist: a request naming a host this server does not serve is
// refused before anything runs, so a page whose name an attacker rebinds to
// the server's address (DNS rebinding) cannot talk to it as its own origin.
// The configured host names, loopback names and IP literals are served.
// A Host that would break the served WSDL (a&b) is refused as well.
func TestHostAllowlist(t *testing.T) {
	s := startServer(t, "is-next", func(c *Config) { c.Hostname = "is.example.com"; c.AllowedHosts = []string{"alias.example"} })
	_, port, _ := strings.Cut(strings.TrimPrefix(s.URL, "http://"), ":")
	for _, c := range []struct {
		host string
		ok   bool
	}{
		{"is.example.com", true},
		{"IS.example.com:" + port, true},
		{"alias.example", true},
		{"localhost:" + port, true},
		{"admin.localhost", true},
		{"127.0.0.1:" + port, true},
		{"[::1]:" + port, true},
		{"10.1.2.3", true},
		{"attacker.example:" + port, false},
		{"is.example.com.attacker.example", false},
		{"a&b", false},
	} {
		for _, target := range []struct{ method, path, body string }{
			{"GET", oauthSvc + "?wsdl", ""},
			{"POST", oauthSvc, envelope(soap11, `<xsd:getAllowedGrantTypes/>`)},
			{"GET", "/api/am/devportal/v3/applications", ""},
		} {
			req, _ := http.NewRequest(target.method, s.URL+target.path, strings.NewReader(target.body))
			req.Host = c.host
			req.Header = soap11Header("getAllowedGrantTypes")
			resp, err := s.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			refused := resp.StatusCode == http.StatusMisdirectedRequest
			if refused == c.ok {
				t.Errorf("Host %q, %s %s: HTTP %d", c.host, target.method, target.path, resp.StatusCode)
			}
		}
	}
}

// TestRequestHeaderLimit: a request's line and headers may take 8 KiB
// together, as Tomcat's default maxHttpHeaderSize allows; more is refused
// (431) before anything runs.
func TestRequestHeaderLimit(t *testing.T) {
	s := startServer(t, "is-next")
	for _, c := range []struct {
		size int
		ok   bool
	}{{6 << 10, true}, {9 << 10, false}, {1 << 20, false}} {
		h := soap11Header("getAllowedGrantTypes")
		h.Set("X-Padding", strings.Repeat("a", c.size))
		r := s.send(t, "POST", s.URL+oauthSvc, h, []byte(envelope(soap11, `<xsd:getAllowedGrantTypes/>`)))
		if (r.StatusCode == http.StatusOK) != c.ok || !c.ok && r.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%d bytes of header: HTTP %d", c.size, r.StatusCode)
		}
	}
}

// TestTLSCipherSuites: TLS 1.2 offers AEAD suites with forward secrecy
// only; a client offering only CBC (SHA-1 MAC) or static RSA suites gets no
// connection.
func TestTLSCipherSuites(t *testing.T) {
	s := startServer(t, "is-next")
	for _, c := range []struct {
		suite uint16
		ok    bool
	}{
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, true},
		{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, true},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, false},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, false},
		{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, false},
	} {
		conn, err := tls.Dial("tcp", s.HTTPSAddr(), &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{c.suite}})
		if err == nil {
			conn.Close()
		}
		if (err == nil) != c.ok {
			t.Errorf("%s: handshake error %v", tls.CipherSuiteName(c.suite), err)
		}
	}
}

// TestNoStore: answers carry client secrets, keys and session cookies; none
// may be kept by a cache.
func TestNoStore(t *testing.T) {
	s := startStore(t, "is-next")
	registerApp(t, s, soap11, "cache app", "cache-key", "cache-secret")
	r := s.send(t, "POST", s.URL+oauthSvc, soap11Header("getOAuthApplicationData"),
		[]byte(envelope(soap11, `<xsd:getOAuthApplicationData><xsd:consumerKey>cache-key</xsd:consumerKey></xsd:getOAuthApplicationData>`)))
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("SOAP answer with a secret: Cache-Control %q", got)
	}
	resp := s.api(t, sreq{method: "GET", path: "/applications"})
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("store answer: Cache-Control %q", got)
	}
}

// TestSessionIdlePrecision: a session ends its idle timeout after its last
// use, give or take a thirtieth: uses are recorded often enough even when
// the idle timeout is short.
func TestSessionIdlePrecision(t *testing.T) {
	clk := newClock()
	s := startServerWith(t, "is-next", nil, clk.Now, func(c *Config) { c.SessionIdleTimeout = 10 * time.Second })
	ok, cookie := login(t, s, "", "admin", "admin")
	if !ok {
		t.Fatal("login failed")
	}
	use := func() int {
		return s.do(t, call{action: "getAllOAuthApplicationData", noAuth: true, header: withCookie(cookie), body: listApps}).Status
	}
	for i := range 6 {
		clk.Advance(9 * time.Second)
		if st := use(); st != http.StatusOK {
			t.Fatalf("use %d, 9 s after the one before: HTTP %d", i, st)
		}
	}
	clk.Advance(11 * time.Second)
	if st := use(); st != http.StatusUnauthorized {
		t.Fatalf("11 s idle: HTTP %d, want 401", st)
	}
}

// TestStoreStrictJSON: the store API refuses with its JSON error body what
// encoding/json would pass silently, and stores nothing: control
// characters in names, bytes that are no UTF-8 (replaced otherwise), a key
// given twice (the last won), a key in other letter case (matched anyway).
func TestStoreStrictJSON(t *testing.T) {
	s := startStore(t, "is-next")
	for _, c := range []struct{ name, body string }{
		{"NUL in the name", `{"name":"evil\u0000app","throttlingPolicy":"Unlimited"}`},
		{"line break in the name", `{"name":"evil\napp","throttlingPolicy":"Unlimited"}`},
		{"C1 control in the name", "{\"name\":\"evil\u0085app\",\"throttlingPolicy\":\"Unlimited\"}"},
		{"not UTF-8", "{\"name\":\"evil\xffapp\",\"throttlingPolicy\":\"Unlimited\"}"},
		{"duplicate key", `{"name":"good","name":"evil app","throttlingPolicy":"Unlimited"}`},
		{"key in other case", `{"Name":"evil app","throttlingPolicy":"Unlimited"}`},
		{"NUL elsewhere", `{"name":"good","throttlingPolicy":"Unlimited","description":"a\u0000b"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := s.api(t, sreq{method: "POST", path: "/applications", body: c.body})
			var e struct {
				Code        int    `json:"code"`
				Description string `json:"description"`
			}
			r.want(t, http.StatusBadRequest, &e)
			if e.Code != 400 || e.Description == "" {
				t.Errorf("error body %s", r.Body)
			}
		})
	}
	var apps struct {
		Count int `json:"count"`
	}
	s.api(t, sreq{method: "GET", path: "/applications"}).want(t, http.StatusOK, &apps)
	if apps.Count != 0 {
		t.Errorf("%d applications stored", apps.Count)
	}
	// Tabs and line breaks stay allowed where text is free.
	s.api(t, sreq{method: "POST", path: "/applications", body: `{"name":"good","throttlingPolicy":"Unlimited","description":"line one\nline two"}`}).want(t, http.StatusCreated, nil)
}

// TestRememberMe: a remember-me value opens a session through
// loginWithRememberMeCookie only, never as a session id itself; logout
// ends it; and a user who lost the login permission gets no session from
// it.
func TestRememberMe(t *testing.T) {
	s := startServer(t, "is-next")
	const ns = `xmlns:ns="http://authentication.services.core.carbon.wso2.org"`
	remember := func(user, pass string) string {
		r := s.do(t, call{path: authSvc, action: "loginWithRememberMeOption", noAuth: true,
			body: `<ns:loginWithRememberMeOption ` + ns + `><ns:username>` + user + `</ns:username><ns:password>` + pass + `</ns:password><ns:remoteAddress>127.0.0.1</ns:remoteAddress></ns:loginWithRememberMeOption>`})
		v, ok := text(r.ok(t).SelectElement("return"), "value")
		if !ok || v == "" {
			t.Fatalf("no remember-me value:\n%s", r.Body)
		}
		return v
	}
	withValue := func(v string) (bool, *http.Cookie) {
		r := s.do(t, call{path: authSvc, action: "loginWithRememberMeCookie", noAuth: true,
			body: `<ns:loginWithRememberMeCookie ` + ns + `><ns:cookie>` + v + `</ns:cookie></ns:loginWithRememberMeCookie>`})
		got, _ := text(r.ok(t), "return")
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name == "JSESSIONID" {
				return got == "true", c
			}
		}
		return got == "true", nil
	}
	use := func(c *http.Cookie) int {
		return s.do(t, call{action: "getAllOAuthApplicationData", noAuth: true, header: withCookie(c), body: listApps}).Status
	}

	v := remember("admin", "admin")
	if st := use(&http.Cookie{Name: "JSESSIONID", Value: v}); st != http.StatusUnauthorized {
		t.Errorf("the remember-me value as a session id: HTTP %d, want 401", st)
	}
	ok, session := withValue(v)
	if !ok || session == nil || use(session) != http.StatusOK {
		t.Fatalf("loginWithRememberMeCookie: %v %v", ok, session)
	}
	r := s.do(t, call{path: authSvc, action: "logout", noAuth: true, header: withCookie(session), body: `<ns:logout ` + ns + `/>`})
	if r.Status != http.StatusAccepted {
		t.Fatalf("logout: HTTP %d", r.Status)
	}
	if ok, _ := withValue(v); ok {
		t.Error("the remember-me value survived logout")
	}

	addUser(t, s, "leaver", "pw", "/permission/admin/login", "/permission/admin/manage")
	v = remember("leaver", "pw")
	if err := s.DB.RevokePermission(context.Background(), admin.SuperTenantID, "role-leaver", "/permission/admin/login"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := withValue(v); ok {
		t.Error("a user without the login permission logged in with a remember-me value")
	}
}

// fromSource returns a copy of the test server's client whose connections
// come from another loopback address, as another machine's would.
func (s *testServer) fromSource(address string) *testServer {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(address)}}
	other := *s
	other.Client = &http.Client{Timeout: s.Client.Timeout, Transport: &http.Transport{DialContext: dialer.DialContext}}
	return &other
}

// TestLockPerSource: five wrong passwords from a stranger's address lock
// the administrator out of that address only, and leave its sessions; a
// source that keeps failing is refused unchecked for a while; with
// --lock-scope user the lock is Identity Server's, everywhere, ending the
// sessions.
func TestLockPerSource(t *testing.T) {
	isAuthFault := func(r *result) bool {
		code, _ := r.fault(t)
		return strings.HasSuffix(code, ":50977")
	}
	for _, scope := range []admin.LockScope{admin.LockPerUserAndSource, admin.LockPerUser} {
		s := startServer(t, "is-next", func(c *Config) { c.LockScope, c.FailedLoginsPerSource = scope, 10 })
		basic := func(s *testServer, pass string) *result {
			return s.do(t, call{action: "getAllOAuthApplicationData", user: "admin", pass: pass, body: listApps})
		}
		_, cookie := login(t, s, "", "admin", "admin")
		stranger := s.fromSource("127.0.0.2")
		for i := 0; i < 5; i++ {
			if r := basic(stranger, "guess"); !isAuthFault(r) {
				t.Fatalf("a guess: %d %s", r.Status, r.Body)
			}
		}
		if r := basic(stranger, "admin"); !isAuthFault(r) {
			t.Errorf("scope %d: the stranger's address is not locked: %s", scope, r.Body)
		}
		session := s.do(t, call{action: "getAllOAuthApplicationData", noAuth: true, header: withCookie(cookie), body: listApps})
		if scope == admin.LockPerUser {
			if r := basic(s, "admin"); !isAuthFault(r) {
				t.Errorf("--lock-scope user: the administrator is not locked everywhere")
			}
			if session.Status != http.StatusUnauthorized {
				t.Errorf("--lock-scope user: the session outlived the lock: %d", session.Status)
			}
			continue
		}
		basic(s, "admin").ok(t)
		session.ok(t)

		// Ten failures spend another address's budget: even the right
		// password is refused from there, and only from there.
		noisy := s.fromSource("127.0.0.3")
		for i := 0; i < 10; i++ {
			noisy.do(t, call{action: "getAllOAuthApplicationData", user: "nobody" + strconv.Itoa(i), pass: "guess", body: listApps})
		}
		if r := basic(noisy, "admin"); !isAuthFault(r) {
			t.Errorf("a source past its failed logins is not refused: %s", r.Body)
		}
		basic(s, "admin").ok(t)
	}
}

// TestWriteDeadlines: a client that stops reading its answer is cut after
// the idle time, so that it holds nothing for long; one that reads slowly
// but steadily gets its answer whole, however long that takes.
func TestWriteDeadlines(t *testing.T) {
	const idle = 300 * time.Millisecond
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
	written := make(chan error, 1)
	srv := &http.Server{WriteTimeout: idle, Handler: writeDeadlines(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := w.Write(body)
		written <- err
	}), idle)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	request := func() net.Conn {
		t.Helper()
		conn, err := stalledDialer.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		return conn
	}

	stalled := request()
	defer stalled.Close()
	select {
	case err := <-written:
		if err == nil {
			t.Error("a client that reads nothing took 16 MiB")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a client that reads nothing holds its answer for 30 s")
	}

	slow := request()
	defer slow.Close()
	start := time.Now()
	got, buf := 0, make([]byte, 512<<10)
	resp, err := http.ReadResponse(bufio.NewReader(slow), nil)
	if err != nil {
		t.Fatal(err)
	}
	for {
		time.Sleep(100 * time.Millisecond) // about 5 MiB/s: 3 s for the whole
		n, err := io.ReadFull(resp.Body, buf)
		got += n
		if err != nil {
			break
		}
	}
	if err := <-written; err != nil || got != len(body) {
		t.Errorf("a steady reader got %d of %d bytes in %v (%d idle times): %v", got, len(body), time.Since(start), time.Since(start)/idle, err)
	}
}

// poxRegister is a registerOAuthApplicationData payload for the HTTP
// (plain XML) endpoint.
func poxRegister(name string) []byte {
	return []byte(strings.Replace(registerBody(name, "", "", "https://cb.example", "client_credentials"),
		"<xsd:registerOAuthApplicationData>", `<xsd:registerOAuthApplicationData xmlns:xsd="`+axis2NS+`" xmlns:dto="`+dtoNS+`">`, 1))
}

// TestCrossSite: a page of another site cannot change anything with the
// cookies or HTTP Basic credentials a browser keeps for this server: the
// session cookie is SameSite=Strict, the plain XML endpoint takes no
// text/plain nor form bodies, and every request a browser marks as coming
// from another site (Sec-Fetch-Site, Origin, Referer) is refused, on the
// SOAP endpoints, the store API and the legacy store alike. Clients that
// are no browser send none of those headers and are served as before.
func TestCrossSite(t *testing.T) {
	s := startServer(t, "is-next")
	_, cookie := login(t, s, "", "admin", "admin")
	if c := s.do(t, call{path: authSvc, action: "login", noAuth: true, body: loginBody("admin", "admin")}).Header.Get("Set-Cookie"); !strings.Contains(c, "; SameSite=Strict") {
		t.Errorf("session cookie %q: want SameSite=Strict", c)
	}
	pox := s.URL + "/services/OAuthAdminService.OAuthAdminServiceHttpEndpoint/registerOAuthApplicationData"
	withSession := func(h http.Header) http.Header {
		h = h.Clone()
		h.Set("Cookie", cookie.Name+"="+cookie.Value)
		return h
	}
	registered := func(name string) bool {
		t.Helper()
		r := s.do(t, call{action: "getAllOAuthApplicationData", body: listApps})
		return strings.Contains(string(r.Body), ">"+name+"<")
	}
	for _, c := range []struct {
		name   string
		url    string
		header http.Header
		status int
	}{
		{"a text/plain form to the plain XML endpoint", pox, http.Header{"Content-Type": {"text/plain"}}, http.StatusUnsupportedMediaType},
		{"an urlencoded form to the plain XML endpoint", pox, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, http.StatusUnsupportedMediaType},
		{"a fetch of another origin", pox, http.Header{"Content-Type": {"application/xml"}, "Origin": {"http://evil.example"}}, http.StatusForbidden},
		{"a fetch of an opaque origin", pox, http.Header{"Content-Type": {"application/xml"}, "Origin": {"null"}}, http.StatusForbidden},
		{"a cross-site fetch", s.URL + oauthSvc, http.Header{"Content-Type": {"text/xml"}, "Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"a request referred by another site", s.URL + oauthSvc, http.Header{"Content-Type": {"text/xml"}, "Referer": {"http://evil.example/page"}}, http.StatusForbidden},
	} {
		name := "csrf-" + strings.ReplaceAll(c.name, " ", "-")
		body := poxRegister(name)
		if c.url != pox {
			body = []byte(envelope(soap11, registerBody(name, "", "", "https://cb.example", "client_credentials")))
			c.header.Set("SOAPAction", `"urn:registerOAuthApplicationData"`)
		}
		r := s.send(t, http.MethodPost, c.url, withSession(c.header), body)
		if r.StatusCode != c.status || registered(name) {
			t.Errorf("%s: HTTP %d, registered %v; want %d and nothing registered\n%s", c.name, r.StatusCode, registered(name), c.status, r.Body)
		}
	}
	// The same requests from the server's own origin, or from no browser,
	// are served.
	for i, h := range []http.Header{
		{"Content-Type": {"application/xml"}, "Origin": {"http://" + strings.TrimPrefix(s.URL, "http://")}, "Sec-Fetch-Site": {"same-origin"}},
		{"Content-Type": {"application/xml"}},
	} {
		name := "same-origin-" + strconv.Itoa(i)
		if r := s.send(t, http.MethodPost, pox, withSession(h), poxRegister(name)); r.StatusCode != http.StatusOK || !registered(name) {
			t.Errorf("%v: HTTP %d, registered %v\n%s", h, r.StatusCode, registered(name), r.Body)
		}
	}
	// GET invoking an operation, with HTTP Basic a browser keeps.
	get := s.URL + oauthSvc + "/removeOAuthApplicationData?consumerKey=x"
	if r := s.send(t, http.MethodGet, get, http.Header{"Authorization": {basicAdmin}, "Sec-Fetch-Site": {"cross-site"}}, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site GET of an operation: HTTP %d\n%s", r.StatusCode, r.Body)
	}
	// The store API and the legacy store.
	store := s.URL + "/api/am/devportal/v3/applications"
	r := s.send(t, http.MethodPost, store, withSession(http.Header{"Content-Type": {"application/json"}, "Origin": {"http://evil.example"}}),
		[]byte(`{"name":"csrf-store","throttlingPolicy":"Unlimited"}`))
	if r.StatusCode != http.StatusForbidden || !strings.Contains(string(r.Body), "another site") {
		t.Errorf("a cross-site store request: HTTP %d %s", r.StatusCode, r.Body)
	}
	r = s.send(t, http.MethodPost, s.URL+"/store/site/blocks/application/application-add/ajax/application-add.jag",
		withSession(http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}}),
		[]byte("action=addApplication&application=csrf-legacy&tier=Unlimited"))
	if !strings.Contains(string(r.Body), `"error":true`) || !strings.Contains(string(r.Body), "another site") {
		t.Errorf("a cross-site legacy store request: HTTP %d %s", r.StatusCode, r.Body)
	}
}
