package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
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

// noEnv is the environment of a command run by a test: empty.
func noEnv(string) string { return "" }

// runCommand runs an isadmin command line and returns its output and
// error.
func runCommand(args ...string) (stdout, stderr string, err error) {
	var out, errOut strings.Builder
	err = run(context.Background(), args, noEnv, &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestRestoreLockedByServer: a server on a data directory holds its lock
// (isadmin.lock, mode 0600) for its whole life: restore refuses to replace
// the database under it, naming the directory, and leaves everything as it
// was; a second server on the directory refuses to start. Once the server
// stopped, restore goes, and a server starts on what it restored.
func TestRestoreLockedByServer(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, "is-7.3", sqliteOnly(dir))
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("before", "lock-before", "secret-before", "", "client_credentials")}).ok(t)
	backup := filepath.Join(t.TempDir(), "isadmin.backup")
	if _, errOut, err := runCommand("backup", "--data-dir", dir, backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut)
	}
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("after", "lock-after", "secret-after", "", "client_credentials")}).ok(t)
	wantModes(t, filepath.Join(dir, "isadmin.lock"), 0o600)

	_, _, err := runCommand("restore", "--data-dir", dir, backup)
	if want := "a server is running on " + dir + ": stop it before restoring"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("restore under a running server: %v, want an error with %q", err, want)
	}
	if kept, _ := filepath.Glob(filepath.Join(dir, "isadmin.db.before-restore-*")); len(kept) > 0 {
		t.Errorf("a refused restore moved the database aside: %v", kept)
	}
	// The server still serves its own database, the write after the backup
	// included, and keeps writing to it.
	if _, _, ok := soapSecret(t, s, "lock-after"); !ok {
		t.Error("the server lost the client registered after the backup")
	}

	err = startFails(t, sqliteOnly(dir))
	if want := "another isadmin server is running on this data directory"; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), dir) {
		t.Errorf("a second server on the data directory: %v, want %q naming %s", err, want, dir)
	}
	if _, _, ok := soapSecret(t, s, "lock-after"); !ok {
		t.Error("the first server stopped serving after a second one was refused")
	}

	stopServer(t, s)
	if out, errOut, err := runCommand("restore", "--data-dir", dir, backup); err != nil {
		t.Fatalf("restore after the stop: %v\n%s%s", err, out, errOut)
	}
	restored := startServer(t, "is-7.3", sqliteOnly(dir))
	if _, _, ok := soapSecret(t, restored, "lock-before"); !ok {
		t.Error("the restored database lacks the client of the backup")
	}
	if _, _, ok := soapSecret(t, restored, "lock-after"); ok {
		t.Error("the restored database has a client registered after the backup")
	}
	// The lock goes with the server's Close: a restore may run again.
	stopServer(t, restored)
	if _, errOut, err := runCommand("restore", "--data-dir", dir, backup); err != nil {
		t.Errorf("restore after the restored server stopped: %v\n%s", err, errOut)
	}
}

// makeDatabaseThrough makes an SQLite database at path in WAL mode, as the
// server keeps it, with this source tree's SQLite migrations applied up to
// and including the one named last, as an older isadmin left it, and
// returns the migrations it records.
func makeDatabaseThrough(t *testing.T, path, last string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("..", "..", "schema", "migrations", "sqlite", "*.sql"))
	if err != nil || len(names) == 0 {
		t.Fatalf("the migrations: %v %v", names, err)
	}
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version TEXT NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	var applied []string
	for _, name := range names {
		body, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		version := filepath.Base(name)
		if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, '2026-01-01T00:00:00Z')`, version); err != nil {
			t.Fatal(err)
		}
		applied = append(applied, version)
		if version == last {
			return applied
		}
	}
	t.Fatalf("no migration %s", last)
	return nil
}

// TestBackupChangesNothing: a backup by this binary of a database an older
// isadmin migrated leaves the database as it was, byte for byte, and
// copies it as it is: neither records a migration the older one did not
// apply. The copy restores, and a server started on it migrates it then.
// A database a newer isadmin migrated backs up too, as it is, with a note
// that this binary cannot restore it.
func TestBackupChangesNothing(t *testing.T) {
	dir := t.TempDir()
	location := filepath.Join(dir, "isadmin.db")
	old := makeDatabaseThrough(t, location, "0010_oauth_version_shards.sql")
	before, err := os.ReadFile(location)
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "isadmin.backup")
	out, errOut, err := runCommand("backup", "--data-dir", dir, backup)
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "migration 0010_oauth_version_shards.sql") {
		t.Errorf("the backup does not name the schema's migration: %q", out)
	}
	if got := schematest.RecordedMigrations(t, location); !slices.Equal(got, old) {
		t.Errorf("after the backup the database records %v, want %v", got, old)
	}
	if after, err := os.ReadFile(location); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the backup changed the database file (%v)", err)
	}
	if got := schematest.RecordedMigrations(t, backup); !slices.Equal(got, old) {
		t.Errorf("the backup records %v, want %v", got, old)
	}
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the backup's mode: %v %v", fi, err)
	}

	// Restored and served, the older database is migrated by the server.
	fresh := t.TempDir()
	if _, errOut, err := runCommand("restore", "--data-dir", fresh, backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, errOut)
	}
	s := startServer(t, "is-7.3", sqliteOnly(fresh))
	stopServer(t, s)
	if got := schematest.RecordedMigrations(t, filepath.Join(fresh, "isadmin.db")); len(got) <= len(old) {
		t.Errorf("the server did not migrate the restored database: %v", got)
	}

	// Newer than this binary: copied as it is.
	newer := t.TempDir()
	makeDatabaseThrough(t, filepath.Join(newer, "isadmin.db"), "0001_oauth.sql")
	db, err := sql.Open("sqlite", filepath.Join(newer, "isadmin.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES ('9999_from_the_future.sql', '2030-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	want := schematest.RecordedMigrations(t, filepath.Join(newer, "isadmin.db"))
	newerBackup := filepath.Join(t.TempDir(), "newer.backup")
	out, errOut, err = runCommand("backup", "--data-dir", newer, newerBackup)
	if err != nil {
		t.Fatalf("backup of a newer database: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "9999_from_the_future.sql, which this isadmin does not know") {
		t.Errorf("no note that the database is newer: %q", out)
	}
	if got := schematest.RecordedMigrations(t, newerBackup); !slices.Equal(got, want) {
		t.Errorf("the backup of a newer database records %v, want %v", got, want)
	}
	if _, _, err := runCommand("restore", "--data-dir", t.TempDir(), newerBackup); !errors.Is(err, schema.ErrNewerSchema) {
		t.Errorf("restore of a newer backup: %v, want %v", err, schema.ErrNewerSchema)
	}

	// What holds no migration is no isadmin database to back up.
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "isadmin.db"), nil, 0o600)
	if _, _, err := runCommand("backup", "--data-dir", empty, filepath.Join(t.TempDir(), "empty.backup")); err == nil || !strings.Contains(err.Error(), "records no migrations") {
		t.Errorf("backup of an empty file: %v", err)
	}
}

// emptyWALDatabase writes what copying isadmin.db alone from a server
// that has just started leaves: an SQLite file in WAL mode whose tables
// are all in the write-ahead log, so none in the file.
func emptyWALDatabase(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q: %v", mode, err)
	}
	db.Close()
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("the empty database: %v %v", fi, err)
	}
}

// TestCreatedWarning: a server started on an isadmin.db that holds no
// table (empty, or copied alone while its data sat in the write-ahead log)
// warns as loudly as one that made a new database; on its own database it
// does not.
func TestCreatedWarning(t *testing.T) {
	const warning = "created a new, empty database"
	for _, tc := range []struct {
		name string
		make func(t *testing.T, path string)
	}{
		{"absent", func(*testing.T, string) {}},
		{"empty file", func(t *testing.T, path string) { os.WriteFile(path, nil, 0o600) }},
		{"no table", emptyWALDatabase},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			location := filepath.Join(dir, "isadmin.db")
			tc.make(t, location)
			var log syncBuffer
			s := startServerLogging(t, "is-7.3", &log, sqliteOnly(dir))
			if !strings.Contains(log.String(), warning) || !strings.Contains(log.String(), location) {
				t.Errorf("no warning naming %s; log:\n%s", location, log.String())
			}
			stopServer(t, s)
			var again syncBuffer
			startServerLogging(t, "is-7.3", &again, sqliteOnly(dir))
			if strings.Contains(again.String(), warning) {
				t.Errorf("the warning on a database the server made:\n%s", again.String())
			}
		})
	}
}

// TestRestoreOwner: restore run as root gives the restored database the
// owner and group of the database it replaces, or of the data directory
// when there is none, and so the lock file it makes: the server's own user
// (uid 65532 in the container) can open them.
func TestRestoreOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: only root can give files to another user; run the test as root")
	}
	const uid, gid = 65532, 65533
	backup := filepath.Join(t.TempDir(), "isadmin.backup")
	src := t.TempDir()
	makeDatabaseThrough(t, filepath.Join(src, "isadmin.db"), "0002_identity.sql")
	if _, errOut, err := runCommand("backup", "--data-dir", src, backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut)
	}
	owner := func(path string) (int, int) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		return int(st.Uid), int(st.Gid)
	}

	// Over a database of the service's user, in a directory of root's.
	over := t.TempDir()
	makeDatabaseThrough(t, filepath.Join(over, "isadmin.db"), "0001_oauth.sql")
	if err := os.Chown(filepath.Join(over, "isadmin.db"), uid, gid); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := runCommand("restore", "--data-dir", over, backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, errOut)
	}
	if u, g := owner(filepath.Join(over, "isadmin.db")); u != uid || g != gid {
		t.Errorf("restored over a database of %d:%d: owned by %d:%d", uid, gid, u, g)
	}

	// Into a directory of the service's user, with no database.
	into := t.TempDir()
	if err := os.Chown(into, uid, gid); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := runCommand("restore", "--data-dir", into, backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, errOut)
	}
	for _, name := range []string{"isadmin.db", "isadmin.lock"} {
		if u, g := owner(filepath.Join(into, name)); u != uid || g != gid {
			t.Errorf("%s restored into a directory of %d:%d: owned by %d:%d", name, uid, gid, u, g)
		}
	}
}

// TestRestoreHintPostgres: backup and restore refuse a PostgreSQL URL and
// name the tool that does it; pg_restore's line works on an empty
// database too (--if-exists), as the README's does.
func TestRestoreHintPostgres(t *testing.T) {
	url := "postgres://isadmin@db:5432/isadmin"
	_, _, err := runCommand("restore", "--database-url", url, "isadmin.dump")
	if want := "pg_restore --clean --if-exists --dbname '" + url + "' isadmin.dump"; !errors.Is(err, schema.ErrNotSQLite) || !strings.Contains(err.Error(), want) {
		t.Errorf("restore of a PostgreSQL URL: %v, want %q", err, want)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "pg_restore --clean --if-exists --dbname") {
		t.Error("the README's pg_restore line lacks --if-exists")
	}
	out, errOut, _ := runCommand("restore", "-h")
	if !strings.Contains(errOut+out, "pg_restore --clean --if-exists") {
		t.Errorf("restore's usage lacks --if-exists:\n%s", errOut+out)
	}
	_, _, err = runCommand("backup", "--database-url", url, "isadmin.dump")
	if !errors.Is(err, schema.ErrNotSQLite) || !strings.Contains(err.Error(), "pg_dump --format=custom") {
		t.Errorf("backup of a PostgreSQL URL: %v", err)
	}
}

// sharedDatabase configures a second server on the database of s: the
// same PostgreSQL database, or on SQLite a data directory of its own (a
// server holds its data directory's lock) whose isadmin.db is a symbolic
// link to that of s, beside a copy of its key file. SQLite keeps the -wal
// and -shm files beside the file the link names, so both processes share
// them, as a server and isadmin client do.
func sharedDatabase(t *testing.T, s *testServer) func(*Config) {
	t.Helper()
	if s.Config.DatabaseURL != "" {
		return func(c *Config) { c.DataDir, c.DatabaseURL = s.Config.DataDir, s.Config.DatabaseURL }
	}
	dir := t.TempDir()
	target, err := filepath.Abs(filepath.Join(s.Config.DataDir, "isadmin.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "isadmin.db")); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(secretKeyFile(s.Config.DataDir, s.Config.SecretKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, suffix := range []string{"-wal", "-shm"} {
			if _, err := os.Stat(filepath.Join(dir, "isadmin.db"+suffix)); err == nil {
				t.Errorf("a second write-ahead log beside the link: isadmin.db%s", suffix)
			}
		}
	})
	return func(c *Config) { c.DataDir, c.DatabaseURL = dir, "" }
}
