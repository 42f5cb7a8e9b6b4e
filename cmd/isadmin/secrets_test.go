package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/sealed"
)

// storedSecret reads a client's consumer_secret column as it is stored.
func storedSecret(t *testing.T, s *testServer, consumerKey string) string {
	t.Helper()
	var stored string
	if err := rawDatabase(t, s).QueryRow(`SELECT consumer_secret FROM oauth_apps WHERE consumer_key = $1`, consumerKey).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	return stored
}

// secretOf reads a client's secret through the server.
func secretOf(t *testing.T, s *testServer, consumerKey string) string {
	t.Helper()
	secret, _ := text(getByKey(t, s, soap11, consumerKey), "oauthConsumerSecret")
	return secret
}

// onSameData configures a server on the data directory and database of s.
func onSameData(s *testServer) func(*Config) {
	return func(c *Config) {
		c.DataDir = s.Config.DataDir
		c.DatabaseURL = s.Config.DatabaseURL
	}
}

// startFails runs a server that must refuse to start, and returns its error.
func startFails(t *testing.T, configure ...func(*Config)) error {
	t.Helper()
	m := testMain(t, "is-next", nil, nil, configure...)
	err := m.Run(context.Background())
	m.Close(context.Background())
	if err == nil {
		t.Fatal("the server started")
	}
	return err
}

// TestSecretKeyFile: the server makes its key file on first start with mode
// 0600, and refuses to start, saying why and changing nothing, without it
// or with another key.
func TestSecretKeyFile(t *testing.T) {
	s := startServer(t, "is-next")
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("kf", "kf-key", "kf-secret", "https://cb", "authorization_code")}).ok(t)
	stored := storedSecret(t, s, "kf-key")
	stopServer(t, s)
	keyFile := filepath.Join(s.Config.DataDir, "secret.key")
	original, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := sealed.ParseKeyFile(original)
	if err != nil || len(keys) != 1 {
		t.Fatalf("key file: %d keys, %v", len(keys), err)
	}
	if sealed.KeyID(stored) != keys[0].ID {
		t.Errorf("the secret is sealed under %q, want the key file's %s", sealed.KeyID(stored), keys[0].ID)
	}

	// Without its key file: refused, and no new key made in its place.
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	err = startFails(t, onSameData(s))
	for _, want := range []string{"no key file at " + keyFile, keys[0].ID, "--secret-key-file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("start without the key file: %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(keyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused start left a key file: %v", err)
	}

	// Another instance's key file.
	other, err := sealed.CreateKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	err = startFails(t, onSameData(s))
	if !errors.Is(err, schema.ErrSecretKeys) {
		t.Errorf("start with another key file: %v; want ErrSecretKeys", err)
	}
	for _, want := range []string{keys[0].ID, other.SealingKeyID(), keyFile, "same key file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("start with another key file: %q does not say %q", err, want)
		}
	}

	// Its own key again: the secret reads, still sealed as it was.
	if err := os.WriteFile(keyFile, original, 0o600); err != nil {
		t.Fatal(err)
	}
	again := startServer(t, "is-next", onSameData(s))
	if got := secretOf(t, again, "kf-key"); got != "kf-secret" {
		t.Errorf("secret after the refused starts: %q", got)
	}
	if got := storedSecret(t, again, "kf-key"); got != stored {
		t.Errorf("the refused starts changed the stored secret")
	}
}

// TestSecretKeyRotation runs the rotation the README describes: add a key,
// restart, rewrap, drop the old key, restart.
func TestSecretKeyRotation(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, "is-next")
	for _, key := range []string{"rot-1", "rot-2"} {
		s.do(t, call{action: "registerOAuthApplicationData", body: registerBody(key, key, key+"-secret", "https://cb", "authorization_code")}).ok(t)
	}
	oldID := sealed.KeyID(storedSecret(t, s, "rot-1"))
	stopServer(t, s)
	dir, keyFile := s.Config.DataDir, filepath.Join(s.Config.DataDir, "secret.key")
	noEnv := func(string) string { return "" }

	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"secret-key", "add", "--data-dir", dir}, noEnv, &out, &errOut); err != nil {
		t.Fatalf("secret-key add: %v\n%s", err, errOut.String())
	}
	during, err := sealed.ReadKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	newID := during.SealingKeyID()
	if newID == oldID || !strings.Contains(out.String(), newID) {
		t.Fatalf("secret-key add: new key %s (old %s), output %q", newID, oldID, out.String())
	}
	if st, _ := os.Stat(keyFile); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode after secret-key add: %04o", st.Mode().Perm())
	}

	// Restarted with both keys: new secrets under the new key, old ones
	// still read.
	s2 := startServer(t, "is-next", onSameData(s))
	s2.do(t, call{action: "registerOAuthApplicationData", body: registerBody("rot-3", "rot-3", "rot-3-secret", "https://cb", "authorization_code")}).ok(t)
	if id := sealed.KeyID(storedSecret(t, s2, "rot-3")); id != newID {
		t.Errorf("a new secret is sealed under %s, want %s", id, newID)
	}
	if id := sealed.KeyID(storedSecret(t, s2, "rot-1")); id != oldID {
		t.Errorf("an old secret is sealed under %s before the rewrap, want %s", id, oldID)
	}
	if got := secretOf(t, s2, "rot-1"); got != "rot-1-secret" {
		t.Errorf("an old secret reads %q with both keys", got)
	}

	out.Reset()
	args := []string{"rewrap", "--data-dir", dir}
	if u := s.Config.DatabaseURL; u != "" {
		args = append(args, "--database-url", u)
	}
	if err := run(ctx, args, noEnv, &out, &errOut); err != nil {
		t.Fatalf("rewrap: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "sealed 2 client secrets again under key "+newID) || !strings.Contains(out.String(), oldID) {
		t.Errorf("rewrap output %q", out.String())
	}
	for _, key := range []string{"rot-1", "rot-2", "rot-3"} {
		stored := storedSecret(t, s2, key)
		if sealed.KeyID(stored) != newID || strings.Contains(stored, key+"-secret") {
			t.Errorf("%s after the rewrap: %q, want it sealed under %s", key, stored, newID)
		}
	}
	stopServer(t, s2)

	// The old key leaves the file; everything still reads.
	keys, err := sealed.ParseKeyFile(mustRead(t, keyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, sealed.FormatKeyFile(keys[:1]), 0o600); err != nil {
		t.Fatal(err)
	}
	s3 := startServer(t, "is-next", onSameData(s))
	for _, key := range []string{"rot-1", "rot-2", "rot-3"} {
		if got := secretOf(t, s3, key); got != key+"-secret" {
			t.Errorf("%s with the new key alone: %q", key, got)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSecretKeyFileFlag: --secret-key-file and ISADMIN_SECRET_KEY_FILE name
// the key file, the flag winning; the default is secret.key in the data
// directory.
func TestSecretKeyFileFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{nil, "", ""},
		{nil, "/etc/isadmin/env.key", "/etc/isadmin/env.key"},
		{[]string{"--secret-key-file", "/run/flag.key"}, "/etc/isadmin/env.key", "/run/flag.key"},
	} {
		m := NewMain()
		m.Stderr = &bytes.Buffer{}
		err := m.ParseFlags(tc.args, func(k string) string {
			if k == "ISADMIN_SECRET_KEY_FILE" {
				return tc.env
			}
			return ""
		})
		if err != nil {
			t.Fatal(err)
		}
		if m.Config.SecretKeyFile != tc.want {
			t.Errorf("%v, env %q: SecretKeyFile %q, want %q", tc.args, tc.env, m.Config.SecretKeyFile, tc.want)
		}
	}
	if got := secretKeyFile("d", ""); got != filepath.Join("d", "secret.key") {
		t.Errorf("default key file %q", got)
	}
}
