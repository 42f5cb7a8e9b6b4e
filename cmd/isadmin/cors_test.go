package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/storeapi"
)

// raw sends one request to s and returns the answer with its body read.
func (s *testServer) raw(t *testing.T, method, path string, header http.Header, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestStoreUnrouted: the store answers unknown paths and methods with the
// spec's JSON error body.
func TestStoreUnrouted(t *testing.T) {
	s := startStore(t, "is-7.3")
	for _, c := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", storeapi.BasePath + "/nothing-here", 404, ""},
		{"GET", storeapi.BasePath, 404, ""},
		{"PATCH", storeapi.BasePath + "/applications", 405, "GET, OPTIONS, POST"},
		{"DELETE", storeapi.BasePath + "/settings", 405, "GET, OPTIONS"},
	} {
		resp, body := s.raw(t, c.method, c.path, http.Header{"Authorization": {"Basic YWRtaW46YWRtaW4="}}, "")
		var e struct {
			Code        int    `json:"code"`
			Message     string `json:"message"`
			Description string `json:"description"`
			Error       []any  `json:"error"`
		}
		if resp.StatusCode != c.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
			json.Unmarshal([]byte(body), &e) != nil || e.Code != c.status || e.Message == "" || e.Description == "" || e.Error == nil {
			t.Errorf("%s %s: HTTP %d %q %s", c.method, c.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if got := resp.Header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}
	// Outside the store, plain answers as before.
	if resp, _ := s.raw(t, "GET", "/nothing-here", nil, ""); resp.StatusCode != 404 || strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("/nothing-here: HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestCORS: pages of allowed origins may call the store and the token
// endpoint with credentials; others get no CORS headers, their preflight is
// refused, and their state changes stay refused as cross-site.
func TestCORS(t *testing.T) {
	const page, stranger = "https://portal.example", "https://evil.example"
	s := startStore(t, "is-7.3", func(c *Config) { c.CORSOrigins = []string{page} })
	preflight := func(origin, method, headers string) *http.Response {
		resp, _ := s.raw(t, "OPTIONS", storeapi.BasePath+"/applications", http.Header{"Origin": {origin},
			"Access-Control-Request-Method": {method}, "Access-Control-Request-Headers": {headers}}, "")
		return resp
	}
	resp := preflight(page, "POST", "authorization,content-type")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != page || resp.Header.Get("Access-Control-Allow-Credentials") != "true" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") || resp.Header.Get("Access-Control-Allow-Headers") != "authorization,content-type" {
		t.Errorf("preflight of the allowed origin: HTTP %d %v", resp.StatusCode, resp.Header)
	}
	for _, c := range []struct{ origin, method, headers string }{
		{stranger, "POST", "content-type"}, {page, "PATCH", ""}, {page, "POST", "x-other"},
	} {
		if resp := preflight(c.origin, c.method, c.headers); resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight %v: HTTP %d %v", c, resp.StatusCode, resp.Header)
		}
	}
	create := func(origin, name string) *http.Response {
		resp, _ := s.raw(t, "POST", storeapi.BasePath+"/applications", http.Header{"Origin": {origin}, "Sec-Fetch-Site": {"cross-site"},
			"Authorization": {"Basic YWRtaW46YWRtaW4="}, "Content-Type": {"application/json"}}, `{"name":"`+name+`","throttlingPolicy":"Unlimited"}`)
		return resp
	}
	if resp := create(page, "from-portal"); resp.StatusCode != 201 || resp.Header.Get("Access-Control-Allow-Origin") != page ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Location") {
		t.Errorf("a state change of the allowed origin: HTTP %d %v", resp.StatusCode, resp.Header)
	}
	if resp := create(stranger, "from-elsewhere"); resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a state change of another origin: HTTP %d %v", resp.StatusCode, resp.Header)
	}
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("cors", "cors-key", "cors-secret", "", "client_credentials")})
	tok, body := s.raw(t, "POST", "/oauth2/token", http.Header{"Origin": {page}, "Sec-Fetch-Site": {"cross-site"},
		"Authorization": {"Basic Y29ycy1rZXk6Y29ycy1zZWNyZXQ="}, "Content-Type": {"application/x-www-form-urlencoded"}}, "grant_type=client_credentials")
	if tok.StatusCode != 200 || tok.Header.Get("Access-Control-Allow-Origin") != page {
		t.Errorf("the token endpoint for the allowed origin: HTTP %d %v %s", tok.StatusCode, tok.Header, body)
	}
	// The admin services take no cross-origin calls.
	soapResp, _ := s.raw(t, "POST", oauthSvc, http.Header{"Origin": {page}, "Sec-Fetch-Site": {"cross-site"}, "Content-Type": {"text/xml"},
		"SOAPAction": {"urn:getAllOAuthApplicationData"}, "Authorization": {"Basic YWRtaW46YWRtaW4="}}, envelope(soap11, `<xsd:getAllOAuthApplicationData/>`))
	if soapResp.StatusCode != 403 || soapResp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the admin services for the allowed origin: HTTP %d %v", soapResp.StatusCode, soapResp.Header)
	}

	// Without an allow-list nothing is allowed.
	plain := startStore(t, "is-7.3")
	resp, _ = plain.raw(t, "OPTIONS", storeapi.BasePath+"/applications", http.Header{"Origin": {page}, "Access-Control-Request-Method": {"GET"}}, "")
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight without an allow-list: %v", resp.Header)
	}
}

func TestParseOrigins(t *testing.T) {
	got, err := parseOrigins(" https://Portal.example:8443 , http://localhost:3000/")
	if err != nil || strings.Join(got, " ") != "https://portal.example:8443 http://localhost:3000" {
		t.Errorf("parseOrigins: %v %v", got, err)
	}
	for _, bad := range []string{"portal.example", "https://portal.example/page", "ftp://x", "https://user@x", "*"} {
		if _, err := parseOrigins(bad); err == nil {
			t.Errorf("parseOrigins(%q) accepted it", bad)
		}
	}
}

// TestHealth: live and ready answer without credentials and say only
// their state; ready answers 503 once the database is gone.
func TestHealth(t *testing.T) {
	s := startServer(t, "is-7.3")
	for _, p := range []string{"/health/live", "/health/ready"} {
		resp, body := s.raw(t, "GET", p, nil, "")
		if resp.StatusCode != 200 || body != `{"status":"UP"}`+"\n" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: HTTP %d %q", p, resp.StatusCode, body)
		}
	}
	s.DB.Close()
	if resp, body := s.raw(t, "GET", "/health/ready", nil, ""); resp.StatusCode != 503 || body != `{"status":"DOWN"}`+"\n" {
		t.Errorf("ready without a database: HTTP %d %q", resp.StatusCode, body)
	}
	if resp, _ := s.raw(t, "GET", "/health/live", nil, ""); resp.StatusCode != 200 {
		t.Errorf("live without a database: HTTP %d", resp.StatusCode)
	}
}

// TestVersionCommand prints the version, the Go version and the profiles.
func TestVersionCommand(t *testing.T) {
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"version"}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"isadmin ", "commit ", "go1.", "profiles is-5.0 ", "(default is-7.3)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("version output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(t.Context(), []string{"version", "extra"}, func(string) string { return "" }, &out, &errOut); err != errUsage {
		t.Errorf("version with an argument: %v", err)
	}
}

// TestServeExitCodes: a command line serve cannot take exits 2 and names
// the flag; a server that cannot start (its port taken) exits 1.
func TestServeExitCodes(t *testing.T) {
	var out, errOut strings.Builder
	err := run(t.Context(), []string{"serve", "--log-format", "xml"}, func(string) string { return "" }, &out, &errOut)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--log-format") {
		t.Errorf("a bad flag value: exit %d, %v", exitCode(err), err)
	}
	taken, lerr := net.Listen("tcp", "127.0.0.1:0")
	if lerr != nil {
		t.Fatal(lerr)
	}
	defer taken.Close()
	err = run(t.Context(), []string{"serve", "--data-dir", t.TempDir(), "--https-addr", "", "--http-addr", taken.Addr().String()}, func(string) string { return "" }, &out, &errOut)
	if exitCode(err) != 1 || err == nil {
		t.Errorf("a taken port: exit %d, %v", exitCode(err), err)
	}
}

// TestHealthCommand: isadmin health exits 0 for a ready server and 1 for
// one that does not answer.
func TestHealthCommand(t *testing.T) {
	s := startServer(t, "is-7.3")
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"health", "--url", s.URL + "/health/ready"}, func(string) string { return "" }, &out, &errOut); err != nil || !strings.Contains(out.String(), "UP") {
		t.Errorf("a ready server: %v %q", err, out.String())
	}
	err := run(t.Context(), []string{"health", "--url", "http://127.0.0.1:1/health/ready", "--timeout", "1s"}, func(string) string { return "" }, &out, &errOut)
	if exitCode(err) != 1 {
		t.Errorf("no server: exit %d, %v", exitCode(err), err)
	}
}

// TestSystemdUnit: deploy/isadmin.service passes systemd-analyze verify
// where systemd is there (the binary path pointed at an executable).
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("skipped: systemd-analyze is not installed")
	}
	unit, err := os.ReadFile("../../deploy/isadmin.service")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "isadmin.service")
	os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/isadmin", self)), 0o644)
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestDockerfile: the image builds a static binary and runs it without
// privileges with a health check. (No image is built here: the suite has
// no container engine.)
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0", "USER 65532:65532", "HEALTHCHECK", `"/isadmin", "health"`, "./cmd/isadmin"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("deploy/Dockerfile lacks %q", want)
		}
	}
}
