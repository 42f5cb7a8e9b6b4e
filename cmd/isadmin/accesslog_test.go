package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
)

// lines returns the JSON lines logged so far.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("a log line is no JSON: %q", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// TestAccessLog: every request's line has its id (the client's, when
// plain, else the server's, returned as X-Request-ID), the client's
// address, the operation, the user (the name a refused caller gave, marked
// unauthenticated) and the outcome; net/http's errors (a TLS handshake)
// come through the same JSON logger.
func TestAccessLog(t *testing.T) {
	var logs syncBuffer
	s := startServerLogging(t, "is-7.3", &logs)
	r := s.do(t, call{action: "getAllOAuthApplicationData", body: `<xsd:getAllOAuthApplicationData/>`, header: http.Header{"X-Request-Id": {"trace-42"}}})
	if got := r.Header.Get("X-Request-Id"); got != "trace-42" {
		t.Errorf("X-Request-ID %q, want the client's", got)
	}
	r = s.do(t, call{action: "getAllOAuthApplicationData", body: `<xsd:getAllOAuthApplicationData/>`, user: "admin", pass: "wrong",
		header: http.Header{"X-Request-Id": {"not a plain id; " + strings.Repeat("x", 80)}}})
	generated := r.Header.Get("X-Request-Id")
	if generated == "" || strings.Contains(generated, " ") {
		t.Errorf("X-Request-ID %q, want one of the server's", generated)
	}
	// Plain HTTP to the HTTPS listener: a TLS handshake error.
	if c, err := net.Dial("tcp", strings.TrimPrefix(s.HTTPSURL, "https://")); err == nil {
		c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		c.Read(make([]byte, 512))
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	var ok, refused, tls map[string]any
	for time.Now().Before(deadline) && (ok == nil || refused == nil || tls == nil) {
		for _, l := range logs.lines(t) {
			switch {
			case l["request_id"] == "trace-42":
				ok = l
			case l["request_id"] == generated:
				refused = l
			case l["level"] == "warn" && strings.Contains(l["message"].(string), "TLS handshake error"):
				tls = l
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ok == nil || ok["client"] != "127.0.0.1" || ok["service"] != "OAuthAdminService" || ok["operation"] != "getAllOAuthApplicationData" ||
		ok["user"] != "admin@carbon.super" || ok["authenticated"] != true || ok["status"] != float64(200) {
		t.Errorf("the line of a served request: %v", ok)
	}
	if refused == nil || refused["user"] != "admin" || refused["authenticated"] != false || refused["fault"] == "" {
		t.Errorf("the line of a refused login: %v", refused)
	}
	if tls == nil {
		t.Error("no JSON warning of the TLS handshake error")
	}
	if strings.Contains(logs.String(), "wrong") {
		t.Error("a password was logged")
	}
}

// TestSessionCacheAcrossInstances: a session used on another instance
// ends there at once when it ends here (logout), and its user's changed
// permissions count at once too.
func TestSessionCacheAcrossInstances(t *testing.T) {
	a := startServer(t, "is-7.3")
	b := startServer(t, "is-7.3", sharedDatabase(t, a))
	addUser(t, a, "carol", "pw", "/permission/admin")
	ok, cookie := login(t, a, authSvc, "carol", "pw")
	if !ok || cookie == nil {
		t.Fatal("login failed")
	}
	get := func(s *testServer) *result {
		return s.do(t, call{action: "getAllOAuthApplicationData", body: `<xsd:getAllOAuthApplicationData/>`, noAuth: true,
			header: http.Header{"Cookie": {"JSESSIONID=" + cookie.Value}}})
	}
	for range 3 {
		if r := get(b); r.Status != http.StatusOK {
			t.Fatalf("the session on b: HTTP %d\n%s", r.Status, r.Body)
		}
	}
	// The user loses the permission on a: b refuses the session's calls.
	if err := a.Main.DB.RemoveUserFromRole(t.Context(), admin.SuperTenantID, "carol", "role-carol"); err != nil {
		t.Fatal(err)
	}
	if r := get(b); r.Status == http.StatusOK {
		t.Errorf("b served a session whose user lost the permission on a")
	}
	addUser(t, a, "dave", "pw", "/permission/admin")
	ok, cookie = login(t, a, authSvc, "dave", "pw")
	if !ok {
		r := a.do(t, call{path: authSvc, action: "login", noAuth: true, body: loginBody("dave", "pw")})
		t.Fatalf("dave's login failed:\n%s", r.Body)
	}
	for range 3 {
		if r := get(b); r.Status != http.StatusOK {
			t.Fatalf("dave's session on b: HTTP %d", r.Status)
		}
	}
	a.do(t, call{path: authSvc, action: "logout", noAuth: true, body: `<ns:logout xmlns:ns="http://authentication.services.core.carbon.wso2.org"/>`,
		header: http.Header{"Cookie": {"JSESSIONID=" + cookie.Value}}})
	if r := get(b); r.Status != http.StatusUnauthorized {
		t.Errorf("b served a session that ended on a: HTTP %d", r.Status)
	}
}

// TestAccessLogPages: the pages log too: a refused sign-in with the name
// given (never the password), a signed-in page with its user and route,
// each with the request's id and client.
func TestAccessLogPages(t *testing.T) {
	var logs syncBuffer
	s := startServerLogging(t, "is-7.3", &logs)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) string {
		resp, err := c.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	signIn := func(password, id string) {
		token := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(get("/carbon/login"))
		if token == nil {
			t.Fatal("no sign-in form")
		}
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/carbon/login",
			strings.NewReader(url.Values{"csrf_token": {token[1]}, "username": {"admin"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Request-Id", id)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	signIn("wrong-pw", "page-refused")
	signIn("admin", "page-signed-in")
	get("/carbon/service-providers")
	deadline := time.Now().Add(5 * time.Second)
	var refused, page map[string]any
	for time.Now().Before(deadline) && (refused == nil || page == nil) {
		for _, l := range logs.lines(t) {
			switch {
			case l["request_id"] == "page-refused":
				refused = l
			case l["message"] == "page request" && l["route"] == "/carbon/service-providers":
				page = l
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if refused == nil || refused["message"] != "page request" || refused["route"] != "/carbon/login" || refused["method"] != "POST" ||
		refused["user"] != "admin" || refused["status"] != float64(http.StatusUnauthorized) || refused["client"] != "127.0.0.1" {
		t.Errorf("the line of a refused sign-in: %v", refused)
	}
	if page == nil || page["user"] != "admin@carbon.super" || page["status"] != float64(http.StatusOK) || page["request_id"] == "" {
		t.Errorf("the line of a console page: %v", page)
	}
	if strings.Contains(logs.String(), "wrong-pw") {
		t.Error("a password was logged")
	}
}
