package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
)

func TestParseFlags(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cases := []struct {
		name    string
		args    []string
		env     func(string) string
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{name: "defaults bind loopback with the default password", env: env(), check: func(t *testing.T, c Config) {
			if c.HTTPSAddr != "127.0.0.1:9443" || c.HTTPAddr != "127.0.0.1:9763" || c.WireProfile != "is-7.3" || c.MaxBodyBytes != 10<<20 {
				t.Errorf("%+v", c)
			}
		}},
		{name: "a real password keeps the wildcard", args: []string{"--admin-password", "s3cret"}, env: env(), check: func(t *testing.T, c Config) {
			if c.HTTPSAddr != ":9443" || c.HTTPAddr != ":9763" {
				t.Errorf("%+v", c)
			}
		}},
		{name: "database pool defaults", env: env(), check: func(t *testing.T, c Config) {
			if c.Pool != schema.DefaultPoolLimits() {
				t.Errorf("pool %+v, want %+v", c.Pool, schema.DefaultPoolLimits())
			}
		}},
		{name: "database pool flags", args: []string{"--db-max-conns", "40", "--db-conn-max-lifetime", "0", "--db-conn-max-idle-time", "5m"}, env: env(), check: func(t *testing.T, c Config) {
			if want := (schema.PoolLimits{MaxConns: 40, MaxIdleConns: 40, MaxLifetime: 0, MaxIdleTime: 5 * time.Minute}); c.Pool != want {
				t.Errorf("pool %+v, want %+v", c.Pool, want)
			}
		}},
		{name: "database pool from the environment", env: env("ISADMIN_DB_MAX_CONNS", "10", "ISADMIN_DB_MAX_IDLE_CONNS", "4"), check: func(t *testing.T, c Config) {
			if c.Pool.MaxConns != 10 || c.Pool.MaxIdleConns != 4 {
				t.Errorf("pool %+v", c.Pool)
			}
		}},
		{name: "more idle connections than connections", args: []string{"--db-max-conns", "4", "--db-max-idle-conns", "8"}, env: env(), wantErr: "need 0 to 4"},
		{name: "no connections", args: []string{"--db-max-conns", "0"}, env: env(), wantErr: "need at least 1"},
		{name: "a connection lifetime that is no duration", args: []string{"--db-conn-max-lifetime", "soon"}, env: env(), wantErr: "--db-conn-max-lifetime"},
		{name: "default password refuses a public address", args: []string{"--https-addr", "0.0.0.0:9443"}, env: env(), wantErr: "only listens on loopback"},
		{name: "default password refuses a public address from the environment", env: env("ISADMIN_HTTP_ADDR", ":8080"), wantErr: "only listens on loopback"},
		{name: "default password allows an explicit loopback address", args: []string{"--http-addr", "localhost:8080"}, env: env(), check: func(t *testing.T, c Config) {
			if c.HTTPAddr != "localhost:8080" {
				t.Errorf("%+v", c)
			}
		}},
		{name: "environment", env: env("ISADMIN_WIRE_PROFILE", "is-5.0", "ISADMIN_ADMIN_USER", "root", "ISADMIN_ADMIN_PASSWORD", "pw", "ISADMIN_MAX_BODY_BYTES", "2048"), check: func(t *testing.T, c Config) {
			if c.WireProfile != "is-5.0" || c.AdminUser != "root" || c.AdminPassword != "pw" || c.MaxBodyBytes != 2048 {
				t.Errorf("%+v", c)
			}
		}},
		{name: "a flag wins over its variable", args: []string{"--wire-profile", "is-next"}, env: env("ISADMIN_WIRE_PROFILE", "is-5.0"), check: func(t *testing.T, c Config) {
			if c.WireProfile != "is-next" {
				t.Errorf("%+v", c)
			}
		}},
		{name: "both listeners off", args: []string{"--https-addr", "", "--http-addr", ""}, env: env(), wantErr: "both listeners are off"},
		{name: "bad body cap", args: []string{"--max-body-bytes", "lots"}, env: env(), wantErr: "--max-body-bytes"},
		{name: "cert without key", args: []string{"--tls-cert", "x.pem"}, env: env(), wantErr: "go together"},
		{name: "empty password", args: []string{"--admin-password", ""}, env: env(), wantErr: "must not be empty"},
		{name: "bad log format", args: []string{"--log-format", "xml"}, env: env(), wantErr: "--log-format"},
		{name: "stray argument", args: []string{"extra"}, env: env(), wantErr: "unexpected argument"},
		{name: "locks per user and source, throttled, by default", env: env(), check: func(t *testing.T, c Config) {
			if c.LockScope != admin.LockPerUserAndSource || c.FailedLoginsPerSource != admin.DefaultFailedLoginsPerSource {
				t.Errorf("%+v", c)
			}
		}},
		{name: "Identity Server's lock", args: []string{"--lock-scope", "user", "--failed-logins-per-source", "0"}, env: env(), check: func(t *testing.T, c Config) {
			if c.LockScope != admin.LockPerUser || c.FailedLoginsPerSource != 0 {
				t.Errorf("%+v", c)
			}
		}},
		{name: "bad lock scope", args: []string{"--lock-scope", "tenant"}, env: env(), wantErr: "--lock-scope"},
		{name: "bad source limit", args: []string{"--failed-logins-per-source", "-1"}, env: env(), wantErr: "--failed-logins-per-source"},

		// true|false flags are boolean flags: bare means true.
		{name: "a bare true|false flag before another flag", args: []string{"--http-admin-services", "--log-format", "json"}, env: env(), check: func(t *testing.T, c Config) {
			if !c.HTTPAdminServices || c.LogFormat != "json" {
				t.Errorf("%+v", c)
			}
		}},
		{name: "every true|false flag bare", args: []string{"--reset-admin-password", "--http-admin-services", "--hash-tokens", "-map-existing-auth-apps", "--provision-unknown-keys"}, env: env(), check: func(t *testing.T, c Config) {
			if !c.ResetAdminPassword || !c.HTTPAdminServices || !c.HashTokens || !c.MapExistingAuthApps || !c.ProvisionUnknownKeys {
				t.Errorf("%+v", c)
			}
		}},
		{name: "every true|false flag =false", args: []string{"--reset-admin-password=false", "--http-admin-services=false", "--hash-tokens=false", "--map-existing-auth-apps=false", "--provision-unknown-keys=0"}, env: env(), check: func(t *testing.T, c Config) {
			if c.ResetAdminPassword || c.HTTPAdminServices || c.HashTokens || c.MapExistingAuthApps || c.ProvisionUnknownKeys {
				t.Errorf("%+v", c)
			}
		}},
		{name: "true|false defaults", env: env(), check: func(t *testing.T, c Config) {
			if c.ResetAdminPassword || c.HTTPAdminServices || c.HashTokens || !c.MapExistingAuthApps || !c.ProvisionUnknownKeys {
				t.Errorf("%+v", c)
			}
		}},
		{name: "true|false flag =true", args: []string{"--hash-tokens=true"}, env: env(), check: func(t *testing.T, c Config) {
			if !c.HashTokens {
				t.Errorf("%+v", c)
			}
		}},
		{name: "a true|false flag's value as the next argument", args: []string{"--map-existing-auth-apps", "false"}, env: env(),
			wantErr: `unexpected argument "false" after --map-existing-auth-apps: a true|false flag takes its value after "=" (--map-existing-auth-apps=false)`},
		{name: "a word after a bare true|false flag", args: []string{"--hash-tokens", "json"}, env: env(), wantErr: `unexpected argument "json" after --hash-tokens`},
		{name: "a true|false flag's value that is neither", args: []string{"--hash-tokens=yes"}, env: env(), wantErr: `invalid boolean value "yes" for -hash-tokens: want true or false`},
		{name: "a true|false variable", env: env("ISADMIN_HASH_TOKENS", "true", "ISADMIN_MAP_EXISTING_AUTH_APPS", "false"), check: func(t *testing.T, c Config) {
			if !c.HashTokens || c.MapExistingAuthApps {
				t.Errorf("%+v", c)
			}
		}},
		{name: "a true|false flag wins over its variable", args: []string{"--hash-tokens=false", "--map-existing-auth-apps"}, env: env("ISADMIN_HASH_TOKENS", "true", "ISADMIN_MAP_EXISTING_AUTH_APPS", "false"), check: func(t *testing.T, c Config) {
			if c.HashTokens || !c.MapExistingAuthApps {
				t.Errorf("%+v", c)
			}
		}},
		{name: "a true|false variable that is neither", env: env("ISADMIN_HASH_TOKENS", "yes"), wantErr: `--hash-tokens: want true or false, got "yes"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMain()
			m.Stderr = io.Discard
			err := m.ParseFlags(tc.args, tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, m.Config)
		})
	}
}

// TestBoolFlagsBare: every flag serve -h shows as true|false takes no
// separate value: bare, and with =false, it parses.
func TestBoolFlagsBare(t *testing.T) {
	var help bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &help, io.Discard
	if err := m.ParseFlags([]string{"-h"}, func(string) string { return "" }); !errors.Is(err, errHelp) {
		t.Fatalf("serve -h: %v", err)
	}
	var flags []string
	for _, line := range strings.Split(help.String(), "\n") {
		if name, ok := strings.CutSuffix(strings.TrimPrefix(line, "  --"), "[=true|false]"); ok {
			flags = append(flags, name)
		}
	}
	if len(flags) < 5 {
		t.Fatalf("serve -h shows %d true|false flags: %q\n%s", len(flags), flags, help.String())
	}
	for _, name := range flags {
		for _, args := range [][]string{{"--" + name, "--log-format", "json"}, {"--" + name + "=false"}, {"--" + name + "=true"}} {
			m := NewMain()
			m.Stdout, m.Stderr = io.Discard, io.Discard
			if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
				t.Errorf("%q: %v", args, err)
			}
		}
		m := NewMain()
		m.Stdout, m.Stderr = io.Discard, io.Discard
		if err := m.ParseFlags([]string{"--" + name, "false"}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "--"+name+"=false") {
			t.Errorf("--%s false: %v, want it to name --%s=false", name, err, name)
		}
	}
}

// TestStartLog: a start logs the migrations it applied (a new database:
// all of them; then none) and a reset of the admin password, never the
// password.
func TestStartLog(t *testing.T) {
	dir := t.TempDir()
	url := ""
	start := func(password string, reset bool) string {
		t.Helper()
		var logs syncBuffer
		s := startServerLogging(t, "is-7.3", &logs, func(c *Config) {
			c.DataDir, c.AdminPassword, c.ResetAdminPassword = dir, password, reset
			if url != "" {
				c.DatabaseURL = url
			}
		})
		url = s.Config.DatabaseURL
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
		return logs.String()
	}
	messages := func(log string) map[string]map[string]any {
		t.Helper()
		byMessage := map[string]map[string]any{}
		for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("not a JSON line: %q", l)
			}
			byMessage[m["message"].(string)] = m
		}
		return byMessage
	}
	for _, step := range []struct {
		name     string
		password string
		reset    bool
		// The log has the line of the migrations applied (all of them),
		// and the line of the reset.
		migrated, wasReset bool
	}{
		{name: "first start", password: "first-pw", migrated: true},
		{name: "restart", password: "first-pw"},
		{name: "restart with another password, not reset", password: "second-pw"},
		{name: "restart with --reset-admin-password, the same password", password: "first-pw", reset: true},
		{name: "restart with --reset-admin-password", password: "second-pw", reset: true, wasReset: true},
	} {
		t.Run(step.name, func(t *testing.T) {
			log := start(step.password, step.reset)
			if strings.Contains(log, "first-pw") || strings.Contains(log, "second-pw") {
				t.Errorf("the log shows a password:\n%s", log)
			}
			lines := messages(log)
			m, ok := lines["applied database migrations"]
			switch {
			case ok != step.migrated:
				t.Errorf("migrations line: %v, want %v:\n%s", ok, step.migrated, log)
			case ok:
				got, _ := m["migrations"].([]any)
				if len(got) < 14 || got[0] != "0001_oauth.sql" {
					t.Errorf("migrations %v, want every one from 0001_oauth.sql", m["migrations"])
				}
			}
			m, ok = lines["reset the admin password to the one given (--reset-admin-password)"]
			if ok != step.wasReset || ok && m["user"] != "admin" {
				t.Errorf("reset line: %v %v, want %v:\n%s", ok, m, step.wasReset, log)
			}
		})
	}
}

func TestUnknownProfileFailsToStart(t *testing.T) {
	m := NewMain()
	m.Stderr = io.Discard
	m.Config = Config{WireProfile: "is-4", AdminUser: "a", AdminPassword: "b", DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", LogFormat: "json"}
	err := m.Run(context.Background())
	defer m.Close(context.Background())
	if err == nil || !strings.Contains(err.Error(), "unknown profile") {
		t.Fatalf("err = %v", err)
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRequestLog: one JSON line per request with the request's facts, and
// never a password or a client secret.
func TestRequestLog(t *testing.T) {
	var logs syncBuffer
	logged := startServerLogging(t, "is-next", &logs, func(c *Config) { c.AdminPassword = "pw-not-in-logs" })
	logged.do(t, call{action: "registerOAuthApplicationData", user: "admin", pass: "pw-not-in-logs",
		body: registerBody("logged", "log-key", "secret-not-in-logs", "", "password")}).ok(t)
	logged.do(t, call{action: "getOAuthApplicationData", user: "admin", pass: "wrong-pw-not-in-logs",
		body: `<xsd:getOAuthApplicationData><xsd:consumerKey>log-key</xsd:consumerKey></xsd:getOAuthApplicationData>`})
	out := logs.String()
	for _, secret := range []string{"pw-not-in-logs", "secret-not-in-logs"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		if m["message"] == "soap request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("want 2 request lines, got %d:\n%s", len(lines), out)
	}
	first, second := lines[0], lines[1]
	if first["service"] != "OAuthAdminService" || first["operation"] != "registerOAuthApplicationData" || first["profile"] != "is-next" ||
		first["user"] != "admin@carbon.super" || first["status"] != float64(200) || first["duration"] == nil {
		t.Errorf("first line: %v", first)
	}
	if second["status"] != float64(500) || second["fault"] != "50977" {
		t.Errorf("second line: %v", second)
	}
}

// TestProcess runs the real binary: it serves over HTTPS with a certificate
// it keeps, and SIGTERM stops it cleanly.
func TestProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "isadmin")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir := t.TempDir()
	run := func() (fingerprint []byte) {
		addr := freeAddr(t)
		cmd := exec.Command(bin, "serve", "--data-dir", dataDir, "--https-addr", addr, "--http-addr", "", "--log-format", "json")
		var stderr syncBuffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		var resp *http.Response
		var err error
		for i := 0; i < 100; i++ {
			resp, err = client.Get("https://" + addr + "/services/OAuthAdminService?wsdl")
			if err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			cmd.Process.Kill()
			t.Fatalf("server did not answer: %v\n%s", err, stderr.String())
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.TLS == nil {
			t.Errorf("?wsdl over HTTPS: %d", resp.StatusCode)
		}
		fingerprint = resp.TLS.PeerCertificates[0].Raw
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("exit after SIGTERM: %v\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatal("server ignored SIGTERM")
		}
		return fingerprint
	}
	first := run()
	if _, err := os.Stat(filepath.Join(dataDir, "tls.crt")); err != nil {
		t.Errorf("certificate not kept: %v", err)
	}
	if second := run(); !bytes.Equal(first, second) {
		t.Error("the self-signed certificate changed between runs")
	}
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestFirstStartAdminHash: a first start on a new SQLite database gives
// the admin user a hash of the password given, made while the database is
// created, at the server's cost; a restart keeps it.
func TestFirstStartAdminHash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const password = "first-start-pw"
	check := func(s *testServer) {
		t.Helper()
		u, err := s.DB.FindUser(ctx, admin.SuperTenantID, "admin")
		if err != nil {
			t.Fatal(err)
		}
		if err := bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)); err != nil {
			t.Fatalf("the admin's hash does not match the password given: %v", err)
		}
		if cost, _ := bcrypt.Cost([]byte(u.PasswordHash)); cost != s.hashCost {
			t.Errorf("hash cost %d, want the server's %d", cost, s.hashCost)
		}
	}
	setPassword := func(c *Config) { c.AdminPassword = password }
	s := startServer(t, "is-7.3", sqliteOnly(dir), setPassword)
	check(s)
	stopServer(t, s)
	check(startServer(t, "is-7.3", sqliteOnly(dir), setPassword))
}
