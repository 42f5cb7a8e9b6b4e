package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/isadmin/isadmin/schema/schematest"
	"github.com/isadmin/isadmin/storeapi"
)

// servedSerial is the serial number of the certificate the HTTPS listener
// of addr presents to a new connection.
func servedSerial(t *testing.T, addr string) string {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

func fileSerial(t *testing.T, certFile string) string {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(certFile, strings.TrimSuffix(certFile, ".crt")+".key")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return cert.SerialNumber.String()
}

// TestReloadCertificate: a renewed certificate serves the next connections
// after Reload; one that cannot be read leaves the one in use.
func TestReloadCertificate(t *testing.T) {
	dir := t.TempDir()
	crt, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := writeSelfSigned(crt, key, time.Now()); err != nil {
		t.Fatal(err)
	}
	first := fileSerial(t, crt)
	s := startServer(t, "is-7.3", func(c *Config) { c.TLSCert, c.TLSKey = crt, key })
	addr := strings.TrimPrefix(s.HTTPSURL, "https://")
	if got := servedSerial(t, addr); got != first {
		t.Fatalf("served %s, want %s", got, first)
	}
	os.Remove(crt)
	os.Remove(key)
	if err := writeSelfSigned(crt, key, time.Now()); err != nil {
		t.Fatal(err)
	}
	second := fileSerial(t, crt)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := servedSerial(t, addr); got != second {
		t.Errorf("after Reload served %s, want the renewed %s", got, second)
	}
	os.WriteFile(crt, []byte("broken"), 0o600)
	if err := s.Reload(); err == nil {
		t.Error("a broken certificate was taken")
	}
	if got := servedSerial(t, addr); got != second {
		t.Errorf("after a failed Reload served %s, want %s", got, second)
	}
}

// TestSIGHUP: SIGHUP does not end a serving process; it reads the
// certificate again.
func TestSIGHUP(t *testing.T) {
	bin := isadminBinary(t)
	dir := t.TempDir()
	p := startServerProcess(t, bin, dir, "--https-addr", "127.0.0.1:0")
	client := &http.Client{Timeout: 5 * time.Second}
	p.waitReady(t, client)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	resp, err := client.Get(p.URL + "/health/live")
	if err != nil {
		t.Fatalf("after SIGHUP: %v\n%s", err, p.log.String())
	}
	resp.Body.Close()
	if !strings.Contains(p.log.String(), "reload") {
		t.Errorf("no reload in the log:\n%s", p.log.String())
	}
}

// startConfigured runs isadmin serve in-process as the command does: its
// configuration read by ParseFlags from args (after the test's listeners
// and data directory) and the variables of env, so that Reload reads it
// again; the log goes to logs.
func startConfigured(t *testing.T, logs io.Writer, env map[string]string, args ...string) *testServer {
	t.Helper()
	m := NewMain()
	m.Stderr = logs
	all := []string{"--data-dir", t.TempDir(), "--https-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--http-admin-services=true", "--hostname", "127.0.0.1"}
	if schematest.PostgresURL() != "" {
		all = append(all, "--database-url", schematest.NewSchema(t, schematest.PostgresURL()))
	}
	if err := m.ParseFlags(append(all, args...), func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	m.hashCost = bcrypt.MinCost
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("starting server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m.Close(ctx)
	})
	return &testServer{Main: m, URL: "http://" + m.HTTPAddr(), HTTPSURL: "https://" + m.HTTPSAddr(), Client: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}}
}

// logLine returns the last JSON log line whose message starts with
// prefix, or nil.
func logLine(logs, prefix string) map[string]any {
	var found map[string]any
	for _, line := range strings.Split(logs, "\n") {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) == nil {
			if msg, _ := e["message"].(string); strings.HasPrefix(msg, prefix) {
				found = e
			}
		}
	}
	return found
}

// TestReloadConfig: Reload reads the configuration file again, with the
// flags and variables the server started with still over it, and applies
// what can change without a restart, as seen on the wire: the metrics
// token, the CORS origins, the allowed hosts, the login policy and the
// store's mapping. A restart-only setting changed is a warning and changes
// nothing; a file that cannot be read or is not valid, or a certificate
// that cannot be read, changes nothing at all.
func TestReloadConfig(t *testing.T) {
	const profile, portal = "is-7.3", "https://portal.example"
	file := filepath.Join(t.TempDir(), "isadmin.toml")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`
wire-profile = "is-7.3"
log-format = "json"
max-body-bytes = 1048576
metrics-token = "first"
max-failed-logins = 5
map-existing-auth-apps = true
session-idle-timeout = "15m"
failed-logins-per-source = 30
`)
	var logs syncBuffer
	// The variable and the flag win over the file, at the start and at
	// every reload.
	s := startConfigured(t, &logs, map[string]string{"ISADMIN_SESSION_IDLE_TIMEOUT": "15m"},
		"--config", file, "--failed-logins-per-source", "30")
	addUser(t, s, "carol", "right", "/permission")
	addUser(t, s, "dave", "right", "/permission")

	metrics := func(token string) int {
		resp, _ := s.raw(t, "GET", "/metrics", http.Header{"Authorization": {"Bearer " + token}}, "")
		return resp.StatusCode
	}
	preflight := func() *http.Response {
		resp, _ := s.raw(t, "OPTIONS", storeapi.BasePath+"/applications", http.Header{"Origin": {portal},
			"Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type"}}, "")
		return resp
	}
	aliasStatus := func() int {
		req, _ := http.NewRequest("GET", s.URL+oauthSvc+"?wsdl", nil)
		req.Host = "alias.example"
		resp, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	isAuthFault := func(r *result) bool {
		code, _ := r.fault(t)
		return strings.HasSuffix(code, ":50977")
	}
	basic := func(user, pass string) *result {
		return s.do(t, call{action: "getAllOAuthApplicationData", user: user, pass: pass, body: listApps})
	}
	mappingOn := func() bool {
		var settings struct {
			MapExistingAuthApps bool `json:"mapExistingAuthApps"`
		}
		s.api(t, sreq{method: "GET", path: "/settings", noAuth: true}).want(t, http.StatusOK, &settings)
		return settings.MapExistingAuthApps
	}

	// As started.
	if metrics("first") != 200 || metrics("second") != 401 {
		t.Fatalf("/metrics: the first token %d, the second %d", metrics("first"), metrics("second"))
	}
	if resp := preflight(); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("a preflight of an origin not yet allowed: HTTP %d %v", resp.StatusCode, resp.Header)
	}
	if st := aliasStatus(); st != http.StatusMisdirectedRequest {
		t.Fatalf("Host alias.example before it is allowed: HTTP %d", st)
	}
	for range 2 {
		basic("carol", "wrong")
	}
	basic("carol", "right").ok(t)
	if !mappingOn() {
		t.Fatal("mapping is off at the start")
	}
	soapRegister(t, s, profile, "before", "before-key", "before-secret")
	app := createApp(t, s, "", "Reloaded")
	mapKeys(t, s, "", app.ApplicationID, mapBody("before-key", "before-secret", "PRODUCTION")).want(t, http.StatusOK, nil)

	write(`
wire-profile = "is-7.3"
log-format = "console"
max-body-bytes = 1000
metrics-token = "second"
cors-allowed-origins = "` + portal + `"
allowed-hosts = "alias.example"
max-failed-logins = 2
lock-duration = "20m"
map-existing-auth-apps = false
session-idle-timeout = "1m"
failed-logins-per-source = 1
`)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}

	if metrics("second") != 200 || metrics("first") != 401 {
		t.Errorf("/metrics after the reload: the new token %d, the old %d", metrics("second"), metrics("first"))
	}
	if resp := preflight(); resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != portal {
		t.Errorf("a preflight of the origin allowed by the reload: HTTP %d %v", resp.StatusCode, resp.Header)
	}
	if st := aliasStatus(); st != http.StatusOK {
		t.Errorf("Host alias.example allowed by the reload: HTTP %d", st)
	}
	for range 2 {
		basic("dave", "wrong")
	}
	if r := basic("dave", "right"); !isAuthFault(r) {
		t.Errorf("two failures did not lock with max-failed-logins 2: HTTP %d %s", r.Status, r.Body)
	}
	if mappingOn() {
		t.Error("the settings say mapping is on after the reload switched it off")
	}
	soapRegister(t, s, profile, "after", "after-key", "after-secret")
	other := createApp(t, s, "", "Reloaded too")
	mapKeys(t, s, "", other.ApplicationID, mapBody("after-key", "after-secret", "PRODUCTION")).wantError(t, http.StatusForbidden, "switched off")

	// The flag and the variable still win over the file.
	if p := s.identity.Policy(); p.FailedLoginsPerSource != 30 || p.SessionIdleTimeout != 15*time.Minute || p.MaxFailedLogins != 2 || p.LockDuration != 20*time.Minute {
		t.Errorf("login policy after the reload: %+v", p)
	}
	applied := logLine(logs.String(), "reload: the configuration")
	if got := jsonString(applied["applied"]); got != `["metrics-token","cors-allowed-origins","allowed-hosts","max-failed-logins","lock-duration","map-existing-auth-apps"]` {
		t.Errorf("applied %s, want the settings changed", got)
	}

	// Restart-only settings: a warning naming them; the old values serve.
	warning := logLine(logs.String(), "reload: max-body-bytes")
	if warning == nil || warning["level"] != "warn" || warning["message"] != "reload: max-body-bytes, log-format changed in the configuration; takes effect at the next start" {
		t.Errorf("no warning naming the restart-only settings:\n%s", logs.String())
	}
	padded := envelope(soap11, strings.Repeat(" ", 2000)+listApps)
	if r := s.do(t, call{action: "getAllOAuthApplicationData", raw: []byte(padded)}); r.Status != 200 {
		t.Errorf("a body of %d bytes after max-body-bytes = 1000 was reloaded: HTTP %d", len(padded), r.Status)
	}
	if s.Config.MaxBodyBytes != 1048576 || s.Config.LogFormat != "json" {
		t.Errorf("restart-only settings taken: %d %s", s.Config.MaxBodyBytes, s.Config.LogFormat)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if last := lines[len(lines)-1]; !json.Valid([]byte(last)) {
		t.Errorf("the log is no longer JSON: %s", last)
	}

	// Reloads while requests run: every request sees one value or the
	// other, and the race detector sees no data race.
	reloaded := `
metrics-token = "second"
cors-allowed-origins = "` + portal + `"
allowed-hosts = "alias.example"
max-failed-logins = 2
lock-duration = "20m"
map-existing-auth-apps = false
`
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				metrics("second")
				preflight()
				aliasStatus()
				basic("admin", "admin")
				mappingOn()
			}
		})
	}
	for i := range 6 {
		write(reloaded + map[bool]string{true: "provision-unknown-keys = false\nsession-idle-timeout = \"10m\"\n", false: ""}[i%2 == 0])
		if err := s.Reload(); err != nil {
			t.Error(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	// Broken: nothing changes, whatever else the file says.
	dir := t.TempDir()
	for name, c := range map[string]struct{ body, want string }{
		"syntax":      {"metrics-token = \"third\nmax-failed-logins = 9\n", "--config"},
		"no setting":  {"metrics-token = \"third\"\nmax-failed-login = 9\n", `"max-failed-login" is no setting`},
		"bad value":   {"metrics-token = \"third\"\nmax-failed-logins = 0\n", "--max-failed-logins"},
		"certificate": {"metrics-token = \"third\"\ntls-cert = \"" + filepath.Join(dir, "missing.crt") + "\"\ntls-key = \"" + filepath.Join(dir, "missing.key") + "\"\n", "missing.crt"},
	} {
		write(c.body)
		if err := s.Reload(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Reload: %v, want an error with %q", name, err, c.want)
		}
		if metrics("second") != 200 || metrics("third") != 401 {
			t.Errorf("%s: a failed reload changed the metrics token", name)
		}
		if p := s.identity.Policy(); p.MaxFailedLogins != 2 || s.Config.TLSCert != "" {
			t.Errorf("%s: a failed reload changed the configuration: %+v, tls-cert %q", name, p, s.Config.TLSCert)
		}
		if e := logLine(logs.String(), "reload: the "); e == nil || e["level"] != "error" || !strings.Contains(e["message"].(string), "everything stays as it was") {
			t.Errorf("%s: no error logged: %v", name, e)
		}
	}
	if st := aliasStatus(); st != http.StatusOK {
		t.Errorf("Host alias.example after failed reloads: HTTP %d", st)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSettingsCover: every field of Config is one setting of the reload
// table, named as its flag, so that a new setting cannot be left out of
// the reload's comparison.
func TestSettingsCover(t *testing.T) {
	var usage bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &usage, io.Discard
	m.ParseFlags([]string{"-h"}, func(string) string { return "" })
	seen := map[string]bool{}
	for _, st := range settings {
		if seen[st.name] {
			t.Errorf("%s: twice", st.name)
		}
		seen[st.name] = true
		if !strings.Contains(usage.String(), "--"+st.name+" ") && !strings.Contains(usage.String(), "--"+st.name+"[=") {
			t.Errorf("%s: no such flag", st.name)
		}
	}
	// Each field, changed alone, is one setting changed.
	var fields func(v reflect.Value, path string)
	fields = func(v reflect.Value, path string) {
		for i := range v.NumField() {
			f, name := v.Field(i), path+v.Type().Field(i).Name
			if f.Kind() == reflect.Struct {
				fields(f, name+".")
				continue
			}
			var a, b Config
			target := reflect.ValueOf(&b).Elem().FieldByIndex(fieldIndex(reflect.TypeOf(b), name))
			switch target.Kind() {
			case reflect.String:
				target.SetString("changed")
			case reflect.Bool:
				target.SetBool(true)
			case reflect.Int, reflect.Int64:
				target.SetInt(7)
			case reflect.Slice:
				target.Set(reflect.Append(target, reflect.Zero(target.Type().Elem())))
			default:
				t.Errorf("%s: a field of kind %s", name, target.Kind())
				continue
			}
			var changed []string
			for _, st := range settings {
				if st.differs(&a, &b) {
					changed = append(changed, st.name)
				}
			}
			if len(changed) != 1 {
				t.Errorf("Config.%s changed: settings %v changed, want one", name, changed)
			}
		}
	}
	fields(reflect.ValueOf(Config{}), "")
	// What a reload applies it also copies.
	var a, b Config
	b.MetricsToken, b.CORSOrigins, b.MaxFailedLogins, b.MapExistingAuthApps = "t", []string{"https://x.example"}, 3, true
	for _, st := range settings {
		if st.apply != nil {
			st.apply(&a, &b)
		}
	}
	if a.MetricsToken != "t" || !slices.Equal(a.CORSOrigins, b.CORSOrigins) || a.MaxFailedLogins != 3 || !a.MapExistingAuthApps {
		t.Errorf("applied: %+v", a)
	}
}

// fieldIndex is the index path of a dotted field name.
func fieldIndex(typ reflect.Type, name string) []int {
	f, _ := typ.FieldByName(name[strings.LastIndex(name, ".")+1:])
	if i := strings.Index(name, "."); i >= 0 {
		outer, _ := typ.FieldByName(name[:i])
		return append(outer.Index, fieldIndex(outer.Type, name[i+1:])...)
	}
	return f.Index
}

// TestSIGHUPReadsConfig: a real SIGHUP makes a serving process read its
// configuration file again: /metrics asks for the new token.
func TestSIGHUPReadsConfig(t *testing.T) {
	bin := isadminBinary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "isadmin.toml")
	os.WriteFile(file, []byte(`metrics-token = "first"`+"\n"), 0o600)
	p := startServerProcess(t, bin, filepath.Join(dir, "data"), "--config", file)
	client := &http.Client{Timeout: 5 * time.Second}
	p.waitReady(t, client)
	metrics := func(token string) int {
		req, _ := http.NewRequest("GET", p.URL+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if metrics("first") != 200 || metrics("second") != 401 {
		t.Fatalf("/metrics before SIGHUP: the first token %d, the second %d", metrics("first"), metrics("second"))
	}
	os.WriteFile(file, []byte(`metrics-token = "second"`+"\n"+`http-addr = "127.0.0.1:1"`+"\n"), 0o600)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the new token asked for after SIGHUP", func() bool { return metrics("second") == 200 && metrics("first") == 401 })
	// http-addr is given as a flag, which wins: no warning, the same address.
	if strings.Contains(p.log.String(), "takes effect at the next start") {
		t.Errorf("a setting the flag overrides was reported as changed:\n%s", p.log.String())
	}
}
