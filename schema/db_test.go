package schema_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
)

// MustOpenDB opens a new database, an SQLite file in a temporary
// directory or a fresh PostgreSQL schema when ISADMIN_TEST_DATABASE_URL is
// set, and closes it when the test ends.
func MustOpenDB(tb testing.TB) *schema.DB {
	tb.Helper()
	return MustOpenDBPath(tb, schematest.Location(tb, tb.TempDir()))
}

// MustOpenSQLite opens a new SQLite file database, whatever the backend of
// the run; for tests of SQLite itself.
func MustOpenSQLite(tb testing.TB) *schema.DB {
	tb.Helper()
	return MustOpenDBPath(tb, filepath.Join(tb.TempDir(), "isadmin.db"))
}

// MustOpenDBPath opens the database at path with the test run's secret keys
// and closes it when the test ends.
func MustOpenDBPath(tb testing.TB, path string) *schema.DB {
	tb.Helper()
	return schematest.Open(tb, path)
}

func TestOpen_Pragmas(t *testing.T) {
	ctx := context.Background()
	db := MustOpenSQLite(t)

	// Hold two connections at once so that the pragmas are seen on more
	// than the connection that ran the migrations.
	for i := range 2 {
		conn, err := schema.SQLDB(db).Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()

		var journalMode string
		var synchronous, foreignKeys, busyTimeout int
		for _, q := range []struct {
			pragma string
			dest   any
		}{
			{"journal_mode", &journalMode},
			{"synchronous", &synchronous},
			{"foreign_keys", &foreignKeys},
			{"busy_timeout", &busyTimeout},
		} {
			if err := conn.QueryRowContext(ctx, "PRAGMA "+q.pragma).Scan(q.dest); err != nil {
				t.Fatalf("conn %d: PRAGMA %s: %v", i, q.pragma, err)
			}
		}
		if journalMode != "wal" {
			t.Errorf("conn %d: journal_mode = %q, want wal", i, journalMode)
		}
		if synchronous != 2 {
			t.Errorf("conn %d: synchronous = %d, want 2 (FULL)", i, synchronous)
		}
		if foreignKeys != 1 {
			t.Errorf("conn %d: foreign_keys = %d, want 1", i, foreignKeys)
		}
		if busyTimeout != 10000 {
			t.Errorf("conn %d: busy_timeout = %d, want 10000", i, busyTimeout)
		}
	}
}

func TestOpen_Memory(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDBPath(t, ":memory:")

	app := newApp(admin.SuperTenantID, "admin", "app", "key")
	if err := db.CreateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindOAuthAppByKey(ctx, admin.SuperTenantID, "key"); err != nil {
		t.Fatal(err)
	}
}

func TestOpen_BadPath(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{"", filepath.Join(dir, "a?b"), filepath.Join(dir, "missing", "dir", "db")} {
		if db, err := schema.Open(context.Background(), path); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("refused paths left files behind: %v", left)
	}
}

func TestOpen_Reopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "isadmin.db")

	db, err := schema.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UseSecretKeys(ctx, schematest.SecretKeys()); err != nil {
		t.Fatal(err)
	}
	app := newApp(7, "alice", "app", "key")
	if err := db.CreateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	before := migrations(t, db)
	if len(before) == 0 {
		t.Fatal("no migrations recorded")
	}
	if want := slices.Sorted(maps.Keys(before)); !slices.Equal(db.Migrated, want) {
		t.Errorf("Migrated of a new database = %v, want %v", db.Migrated, want)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	time.Sleep(time.Millisecond) // a re-applied migration would get a later applied_at
	db = MustOpenDBPath(t, path)
	if after := migrations(t, db); !maps.Equal(before, after) {
		t.Errorf("migrations after reopen = %v, want %v", after, before)
	}
	if len(db.Migrated) != 0 {
		t.Errorf("Migrated after reopen = %v, want none", db.Migrated)
	}
	got, err := db.FindOAuthAppByKey(ctx, 7, "key")
	if err != nil {
		t.Fatal(err)
	}
	assertApp(t, got, app)
}

// SQLite files are made readable by their owner only: the database and
// the -wal and -shm files SQLite makes beside it.
func TestOpen_FileModes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "isadmin.db")
	db := MustOpenDBPath(t, path)
	if err := db.CreateOAuthApp(ctx, newApp(admin.SuperTenantID, "admin", "app", "key")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", filepath.Base(name), st.Mode().Perm())
		}
	}
}

func TestIntegrityCheck(t *testing.T) {
	db := MustOpenDB(t)
	got, err := db.IntegrityCheck(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got != "ok" {
		t.Errorf("IntegrityCheck = %q, want ok", got)
	}
}

// migrations returns the applied_at of every recorded migration by version.
func migrations(tb testing.TB, db *schema.DB) map[string]string {
	tb.Helper()
	rows, err := schema.SQLDB(db).Query(`SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var version, appliedAt string
		if err := rows.Scan(&version, &appliedAt); err != nil {
			tb.Fatal(err)
		}
		m[version] = appliedAt
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return m
}
