package main

// Security hardening: each finding of the hostile review, reproduced.

import (
	"net/http"
	"strings"
	"testing"
)

// TestHostAllowlist: a request naming a host this server does not serve is
// refused before anything runs, so a page whose name an attacker rebinds to
// the server's address (DNS rebinding) cannot talk to it as its own origin.
// The configured host names, loopback names and IP literals are served.
// A Host that would break the served WSDL (a&b) is refused as well.
func TestHostAllowlist(t *testing.T) {
	s := startServer(t, "is-7", func(c *Config) { c.Hostname = "is.example.com"; c.AllowedHosts = []string{"alias.example"} })
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
