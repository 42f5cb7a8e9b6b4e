package main

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// rawDatabase opens the server's database with no isadmin code in between:
// the SQLite file, or its PostgreSQL schema.
func rawDatabase(t *testing.T, s *testServer) *sql.DB {
	t.Helper()
	if u := s.Config.DatabaseURL; u != "" {
		config, err := pgx.ParseConfig(u)
		if err != nil {
			t.Fatal(err)
		}
		db := stdlib.OpenDB(*config)
		t.Cleanup(func() { db.Close() })
		return db
	}
	db, err := sql.Open("sqlite", filepath.Join(s.Config.DataDir, "isadmin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSecretsAtRest: no client secret is kept on disk as it is, whichever
// way the client got it (supplied, generated, regenerated); the server
// still answers each one.
func TestSecretsAtRest(t *testing.T) {
	s := startServer(t, "is-next")
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("supplied", "supplied-key", "supplied-secret-f8", "https://cb", "authorization_code")}).ok(t)
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("regenerated", "regenerated-key", "regenerated-secret-f8", "https://cb", "authorization_code")}).ok(t)
	s.do(t, call{action: "updateAndRetrieveOauthSecretKey", body: `<xsd:updateAndRetrieveOauthSecretKey><xsd:consumerKey>regenerated-key</xsd:consumerKey></xsd:updateAndRetrieveOauthSecretKey>`}).ok(t)
	generated := s.do(t, call{action: "registerAndRetrieveOAuthApplicationData", body: strings.NewReplacer(
		"registerOAuthApplicationData>", "registerAndRetrieveOAuthApplicationData>",
	).Replace(registerBody("generated", "", "", "https://cb", "authorization_code"))}).ok(t)
	generatedKey, _ := text(generated.SelectElement("return"), "oauthConsumerKey")

	// The first secret of the regenerated client must be gone too.
	secrets := map[string]string{"regenerated-key (first)": "regenerated-secret-f8"}
	for _, key := range []string{"supplied-key", "regenerated-key", generatedKey} {
		secret, ok := text(getByKey(t, s, soap11, key), "oauthConsumerSecret")
		if !ok || secret == "" {
			t.Fatalf("client %s answers no secret", key)
		}
		secrets[key] = secret
	}
	if secrets["supplied-key"] != "supplied-secret-f8" {
		t.Errorf("the supplied secret reads back as %q", secrets["supplied-key"])
	}
	if secrets["regenerated-key"] == "regenerated-secret-f8" {
		t.Error("the secret was not regenerated")
	}

	raw := rawDatabase(t, s)
	for key, secret := range secrets {
		if strings.HasSuffix(key, " (first)") {
			continue
		}
		var stored string
		if err := raw.QueryRow(`SELECT consumer_secret FROM oauth_apps WHERE consumer_key = $1`, key).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, secret) {
			t.Errorf("client %s: consumer_secret holds the secret as it is: %q", key, stored)
		}
	}
	if s.Config.DatabaseURL != "" {
		return
	}
	// Nowhere in the SQLite files either, the write-ahead log included.
	for _, name := range []string{"isadmin.db", "isadmin.db-wal"} {
		data, err := os.ReadFile(filepath.Join(s.Config.DataDir, name))
		if err != nil {
			t.Fatal(err)
		}
		for key, secret := range secrets {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds the secret of client %s", name, key)
			}
		}
	}
}

// stopServer stops a test server before the test ends, for a test that
// starts another one on its data.
func stopServer(t *testing.T, s *testServer) {
	t.Helper()
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.DB = nil // closed: the test's cleanup has nothing left to close
}

// TestDataFileModes: a data directory made by the server is its owner's
// alone, and so is every file in it; one that exists with wider modes (as
// the server used to leave them) is tightened at start, with a warning
// naming each path.
func TestDataFileModes(t *testing.T) {
	fresh := startServer(t, "is-next", func(c *Config) { c.DataDir = filepath.Join(t.TempDir(), "data") })
	fresh.do(t, call{action: "registerOAuthApplicationData", body: registerBody("modes", "modes-key", "modes-secret", "https://cb", "authorization_code")}).ok(t)
	dir := fresh.Config.DataDir
	wantModes(t, dir, 0o700)
	files := []string{"tls.crt", "tls.key", "secret.key"}
	if fresh.Config.DatabaseURL == "" {
		files = append(files, "isadmin.db", "isadmin.db-wal", "isadmin.db-shm")
	}
	for _, name := range files {
		wantModes(t, filepath.Join(dir, name), 0o600)
	}
	stopServer(t, fresh)

	// Widen everything, then start again on it.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var widened []string
	for _, e := range entries {
		if err := os.Chmod(filepath.Join(dir, e.Name()), 0o644); err != nil {
			t.Fatal(err)
		}
		widened = append(widened, e.Name())
	}
	var log syncBuffer
	again := startServerLogging(t, "is-next", &log, func(c *Config) {
		c.DataDir = dir
		c.DatabaseURL = fresh.Config.DatabaseURL
	})
	again.do(t, call{action: "getOAuthApplicationData", body: `<xsd:getOAuthApplicationData><xsd:consumerKey>modes-key</xsd:consumerKey></xsd:getOAuthApplicationData>`}).ok(t)
	wantModes(t, dir, 0o700)
	for _, name := range widened {
		wantModes(t, filepath.Join(dir, name), 0o600)
	}
	warnings := map[string]string{}
	for line := range strings.SplitSeq(log.String(), "\n") {
		if strings.Contains(line, `"level":"warn"`) {
			for _, name := range append(widened, "") {
				if strings.Contains(line, `"path":"`+filepath.Join(dir, name)+`"`) {
					warnings[name] = line
				}
			}
		}
	}
	for _, name := range append(widened, "") {
		line, ok := warnings[name]
		if !ok {
			t.Errorf("no warning about %s at start; log:\n%s", filepath.Join(dir, name), log.String())
			continue
		}
		if !strings.Contains(line, `"mode":"0644"`) && !strings.Contains(line, `"mode":"0755"`) {
			t.Errorf("the warning does not name the mode found: %s", line)
		}
	}
	// Nothing to warn about once the modes are right.
	stopServer(t, again)
	var quiet syncBuffer
	startServerLogging(t, "is-next", &quiet, func(c *Config) {
		c.DataDir = dir
		c.DatabaseURL = fresh.Config.DatabaseURL
	})
	if strings.Contains(quiet.String(), `"level":"warn"`) {
		t.Errorf("a warning with every mode right:\n%s", quiet.String())
	}
}

func wantModes(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Error(err)
		return
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", path, got, want)
	}
}
