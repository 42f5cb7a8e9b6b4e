package main

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// hangUp sends one complete HTTP request on a connection of its own and
// closes the connection without reading anything, as a client of a one-way
// operation may.
func hangUp(t *testing.T, addr, path string, header http.Header, body string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	req := "POST " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	for k, vs := range header {
		for _, v := range vs {
			req += k + ": " + v + "\r\n"
		}
	}
	if _, err := c.Write([]byte(req + "\r\n" + body)); err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// TestHangUpCompletesRequest: a request read completely is carried out to
// the end even when its client closes the connection at once. IS 5.0's
// registerOAuthApplicationData and every profile's AuthenticationAdmin
// logout are one-way (HTTP 202, no answer), so their clients have no reason
// to wait; Axis2 runs an in-only operation to the end whatever the
// connection does (wso2-axis2 AbstractInMessageReceiver.receive calls
// invokeBusinessLogic without consulting the transport).
func TestHangUpCompletesRequest(t *testing.T) {
	s := startServer(t, "is-5.0")
	addr := s.HTTPAddr()
	basic := http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "Authorization": {"Basic YWRtaW46YWRtaW4="}}

	const n = 20
	for i := range n {
		basic.Set("SOAPAction", `"urn:registerOAuthApplicationData"`)
		hangUp(t, addr, oauthSvc, basic, envelope(soap11, fmt.Sprintf(`<xsd:registerOAuthApplicationData><xsd:application>`+
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
		hangUp(t, addr, authSvc, h, envelope(soap11, `<ns:logout xmlns:ns="http://authentication.services.core.carbon.wso2.org"/>`))
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
