package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/schema"
)

// sqliteOnly makes a test server use SQLite even when the suite runs on
// PostgreSQL: backup and restore copy SQLite files.
func sqliteOnly(dir string) func(*Config) {
	return func(c *Config) { c.DatabaseURL, c.DataDir = "", dir }
}

// TestBackupRestore: a backup taken while the server writes is complete:
// restored alone into a fresh data directory (with the key file), a
// server finds every client.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := startServer(t, "is-7.3", sqliteOnly(dir))
	keys := []string{"b1", "b2", "b3"}
	for _, k := range keys {
		s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("app-"+k, k, "secret-"+k, "", "client_credentials")}).ok(t)
	}
	backup := filepath.Join(t.TempDir(), "isadmin.backup")
	var out, errOut strings.Builder
	if err := run(ctx, []string{"backup", "--data-dir", dir, backup}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut.String())
	}
	if err := run(ctx, []string{"backup", "--data-dir", dir, backup}, func(string) string { return "" }, &out, &errOut); err == nil {
		t.Error("a backup over an existing file")
	}

	fresh := t.TempDir()
	key, err := os.ReadFile(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(fresh, "secret.key"), key, 0o600)
	if err := run(ctx, []string{"restore", "--data-dir", fresh, backup}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("restore: %v\n%s", err, errOut.String())
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(filepath.Join(fresh, "isadmin.db"+suffix)); err == nil {
			t.Errorf("restore left isadmin.db%s", suffix)
		}
	}
	restored := startServer(t, "is-7.3", sqliteOnly(fresh))
	for _, k := range keys {
		if secret, _, ok := soapSecret(t, restored, k); !ok || secret != "secret-"+k {
			t.Errorf("client %s after the restore: %q %v", k, secret, ok)
		}
	}
	// Restoring over a database keeps the old one beside.
	stopServer(t, restored)
	out.Reset()
	if err := run(ctx, []string{"restore", "--data-dir", fresh, backup}, func(string) string { return "" }, &out, &errOut); err != nil || !strings.Contains(out.String(), "kept the database it replaced as") {
		t.Errorf("restore over a database: %v %s", err, out.String())
	}
	// What is no backup is refused.
	junk := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(junk, []byte("not a database"), 0o600)
	if err := run(ctx, []string{"restore", "--data-dir", t.TempDir(), junk}, func(string) string { return "" }, &out, &errOut); err == nil {
		t.Error("restored junk")
	}
}

// TestWALTrap: a stopped server leaves everything in isadmin.db (a copy of
// the file alone is complete), and a data directory with the write-ahead
// log but without the database is refused, not started empty.
func TestWALTrap(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, "is-7.3", sqliteOnly(dir))
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("wal", "wal-key", "wal-secret", "", "client_credentials")}).ok(t)
	stopServer(t, s)
	if fi, err := os.Stat(filepath.Join(dir, "isadmin.db-wal")); err == nil && fi.Size() > 0 {
		t.Errorf("a clean stop left %d bytes in the write-ahead log", fi.Size())
	}
	copyDir := t.TempDir()
	for _, f := range []string{"isadmin.db", "secret.key"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(copyDir, f), data, 0o600)
	}
	copied := startServer(t, "is-7.3", sqliteOnly(copyDir))
	if _, _, ok := soapSecret(t, copied, "wal-key"); !ok {
		t.Error("a copy of isadmin.db after a clean stop lacks the client")
	}

	orphan := t.TempDir()
	os.WriteFile(filepath.Join(orphan, "isadmin.db-wal"), []byte("log"), 0o600)
	m := testMain(t, "is-7.3", nil, nil, sqliteOnly(orphan))
	err := m.Run(context.Background())
	m.Close(context.Background())
	if !errors.Is(err, schema.ErrOrphanLog) {
		t.Errorf("serve beside a lone write-ahead log: %v", err)
	}
	if _, err := os.Stat(filepath.Join(orphan, "isadmin.db")); err == nil {
		t.Error("an empty database was made beside the lone write-ahead log")
	}
}
