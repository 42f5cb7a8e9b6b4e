package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/isadmin/isadmin/soap"
)

// hangUp sends one complete HTTP request on a connection of its own and
// closes the connection without reading anything, as a client of a one-way
// operation may (PHP's SoapClient does). With overTLS the connection is
// HTTPS, and the client reads nothing after the handshake either.
func hangUp(t *testing.T, addr string, overTLS bool, path string, header http.Header, body string) {
	t.Helper()
	var c net.Conn
	var err error
	c, err = net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if overTLS {
		// A session cache makes the client offer resumption, as OpenSSL
		// always does, and a TLS 1.3 server then sends its tickets.
		tc := tls.Client(byteReader{c}, &tls.Config{InsecureSkipVerify: true, ClientSessionCache: tls.NewLRUClientSessionCache(1)})
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		c = tc
	}
	req := "POST " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	for k, vs := range header {
		for _, v := range vs {
			req += k + ": " + v + "\r\n"
		}
	}
	// Headers and body in writes of their own, as PHP's SoapClient sends
	// them: the server has read the headers when the body arrives.
	if _, err := c.Write([]byte(req + "\r\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if _, err := c.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// byteReader reads one byte at a time, so that a TLS client on it takes
// from the socket exactly the records it needs, as OpenSSL does, and leaves
// whatever the server sent after its handshake unread in the kernel.
type byteReader struct{ net.Conn }

func (c byteReader) Read(p []byte) (int, error) { return c.Conn.Read(p[:min(len(p), 1)]) }

// TestHangUpCompletesRequest: a request read completely is carried out to
// the end even when its client closes the connection at once. IS 5.0's
// registerOAuthApplicationData and every profile's AuthenticationAdmin
// logout are one-way (HTTP 202, no answer), so their clients have no reason
// to wait; Axis2 runs the operation to its end before its servlet
// answers 202, and nothing on the way looks at the connection
// (wso2/wso2-axis2 modules/transport/http/src/org/apache/axis2/transport/
// http/AxisServlet.java, doPost ≈ lines 126-182: the engine receives the
// message, then the servlet sets SC_ACCEPTED).
// The same holds over HTTPS (TestTLSLeavesNothingUnread covers the
// reset that a client closing on unread session tickets sends).
func TestHangUpCompletesRequest(t *testing.T) {
	for _, overTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[overTLS], func(t *testing.T) {
			testHangUp(t, overTLS)
		})
	}
}

func testHangUp(t *testing.T, overTLS bool) {
	s := startServer(t, "is-5.0")
	addr := s.HTTPAddr()
	if overTLS {
		addr = s.HTTPSAddr()
	}
	basic := http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "Authorization": {"Basic YWRtaW46YWRtaW4="}}

	const n = 20
	for i := range n {
		basic.Set("SOAPAction", `"urn:registerOAuthApplicationData"`)
		hangUp(t, addr, overTLS, oauthSvc, basic, envelope(soap11, fmt.Sprintf(`<xsd:registerOAuthApplicationData><xsd:application>`+
			`<dto:OAuthVersion>OAuth-2.0</dto:OAuthVersion><dto:applicationName>hangup-%d</dto:applicationName>`+
			`<dto:callbackUrl>https://localhost/cb</dto:callbackUrl><dto:grantTypes>client_credentials</dto:grantTypes>`+
			`<dto:oauthConsumerKey>hangup-key-%d</dto:oauthConsumerKey></xsd:application></xsd:registerOAuthApplicationData>`, i, i)))
	}
	for i := range n {
		key := fmt.Sprintf("hangup-key-%d", i)
		eventually(t, "client "+key+" stored", func() bool {
			r := s.do(t, call{action: "getOAuthApplicationData", body: `<xsd:getOAuthApplicationData><xsd:consumerKey>` + key + `</xsd:consumerKey></xsd:getOAuthApplicationData>`})
			return r.Status == http.StatusOK && r.payload(t).Tag != "Fault"
		})
	}

	// Logout, sent and left at once, still ends the session.
	for i := range 5 {
		ok, cookie := login(t, s, "", "admin", "admin")
		if !ok {
			t.Fatal("login failed")
		}
		use := func() int {
			return s.do(t, call{action: "getAllOAuthApplicationData", noAuth: true, header: withCookie(cookie), body: listApps}).Status
		}
		if st := use(); st != http.StatusOK {
			t.Fatalf("session %d before logout: HTTP %d", i, st)
		}
		h := http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "SOAPAction": {`"urn:logout"`}, "Cookie": {cookie.Name + "=" + cookie.Value}}
		hangUp(t, addr, overTLS, authSvc, h, envelope(soap11, `<ns:logout xmlns:ns="http://authentication.services.core.carbon.wso2.org"/>`))
		eventually(t, "session ended by the abandoned logout", func() bool { return use() == http.StatusUnauthorized })
	}
}

// eventually polls cond for up to five seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 5 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTLSLeavesNothingUnread: after the handshake the server sends nothing
// a client has not asked for. A TLS 1.3 server that issues session tickets
// sends them with its handshake flight; OpenSSL reads only the records the
// handshake needs, so PHP's SoapClient, which sends a one-way request and
// closes without reading, closed its socket with the tickets unread. The
// kernel then answers the close with a TCP reset instead of a FIN, and the
// reset makes the server's kernel drop the request bytes not yet read: the
// call was lost (TestPHPSoapClient replays it with PHP itself).
func TestTLSLeavesNothingUnread(t *testing.T) {
	s := startServer(t, "is-next")
	raw, err := net.Dial("tcp", s.HTTPSAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// Offering resumption, as OpenSSL always does, asks for tickets.
	c := tls.Client(byteReader{raw}, &tls.Config{InsecureSkipVerify: true, ClientSessionCache: tls.NewLRUClientSessionCache(1)})
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	if v := c.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Fatalf("TLS version %x, want 1.3", v)
	}
	raw.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 4096)
	if n, err := raw.Read(buf); n > 0 {
		t.Fatalf("%d bytes unread after the handshake (session tickets?)", n)
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("reading after the handshake: %v", err)
	}
}

// TestHTTPSIsHTTP11Only: Carbon's Tomcat connector speaks HTTP/1.1 only:
// its HTTPS connector declares no Http2Protocol UpgradeProtocol
// (wso2/carbon-kernel distribution/kernel/carbon-home/repository/conf/
// tomcat/catalina-server.xml @1a11fee, lines 53-78; catalina-server.xml.j2
// @0166682, lines 41-57), so a client offering h2 by ALPN still gets
// HTTP/1.1.
func TestHTTPSIsHTTP11Only(t *testing.T) {
	s := startServer(t, "is-next")
	c, err := tls.Dial("tcp", s.HTTPSAddr(), &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if p := c.ConnectionState().NegotiatedProtocol; p == "h2" {
		t.Fatalf("ALPN chose %q", p)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(s.HTTPSURL + oauthSvc + "?wsdl")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 1 || resp.ProtoMinor != 1 {
		t.Fatalf("answered in %s, want HTTP/1.1", resp.Proto)
	}
}

// TestHangUpSeenByListings: a request's context ignores the client's
// hang-up, but tells it under soap.HangUpKey, so that a listing waiting for
// its turn gives it up when no one is left to read it.
func TestHangUpSeenByListings(t *testing.T) {
	r, _ := http.NewRequest(http.MethodPost, "/", nil)
	ctx, hangUp := context.WithCancel(r.Context())
	var seen context.Context
	carryOut(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = context.WithValue(r.Context(), struct{}{}, "derived")
	}), time.Minute).ServeHTTP(httptest.NewRecorder(), r.WithContext(ctx))
	gone, ok := seen.Value(soap.HangUpKey{}).(<-chan struct{})
	if !ok {
		t.Fatal("no hang-up channel")
	}
	select {
	case <-gone:
		t.Fatal("hung up before the client did")
	default:
	}
	hangUp()
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the hang-up is not told")
	}
	if seen.Err() != nil {
		t.Errorf("the request itself ended at the hang-up: %v", seen.Err())
	}
}
