// Package schematest gives tests a database of their own: an SQLite file in
// the test's temporary directory, or, when ISADMIN_TEST_DATABASE_URL names a
// PostgreSQL database, a fresh PostgreSQL schema in it, dropped when the
// test ends. The whole suite runs against either backend this way.
package schematest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/sealed"
)

// EnvURL names the variable that switches tests to PostgreSQL.
const EnvURL = "ISADMIN_TEST_DATABASE_URL"

// PostgresURL returns the PostgreSQL URL tests run against, or "".
func PostgresURL() string { return os.Getenv(EnvURL) }

// Location returns where a test's database lives: a fresh PostgreSQL schema
// when ISADMIN_TEST_DATABASE_URL is set, else an SQLite file under dir.
func Location(tb testing.TB, dir string) string {
	tb.Helper()
	base := PostgresURL()
	if base == "" {
		return filepath.Join(dir, "isadmin.db")
	}
	return NewSchema(tb, base)
}

// NewSchema creates a schema of a random name in the database at base and
// returns base with search_path set to it; the schema is dropped when the
// test ends.
func NewSchema(tb testing.TB, base string) string {
	tb.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "isadmin_test_" + hex.EncodeToString(b[:])
	if err := exec(base, `CREATE SCHEMA `+name); err != nil {
		tb.Fatalf("schematest: creating schema %s: %v", name, err)
	}
	tb.Cleanup(func() {
		if err := exec(base, `DROP SCHEMA `+name+` CASCADE`); err != nil {
			tb.Errorf("schematest: dropping schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("schematest: %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// exec runs one statement on a connection of its own, closed afterwards:
// a test holding a schema holds no connection for it, so that the tests
// alive at once stay below the server's max_connections.
func exec(base, statement string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, statement)
	return err
}

var secretKeys = sync.OnceValue(func() *sealed.Keyring {
	r, err := sealed.NewKeyring(sealed.NewKey())
	if err != nil {
		panic(err)
	}
	return r
})

// SecretKeys returns the secret keys of the test run: one key, the same for
// every database, so that a database reopened or copied opens its secrets.
func SecretKeys() *sealed.Keyring { return secretKeys() }

// Open opens the database at location with SecretKeys and closes it when
// the test ends.
func Open(tb testing.TB, location string) *schema.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := schema.Open(ctx, location)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	if _, err := db.UseSecretKeys(ctx, SecretKeys()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// RecordedMigrations returns the migrations the SQLite file at path
// records, oldest first, reading it without changing it.
func RecordedMigrations(tb testing.TB, path string) []string {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		tb.Fatalf("schematest: migrations of %s: %v", path, err)
	}
	defer rows.Close()
	var versions []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			tb.Fatal(err)
		}
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return versions
}
