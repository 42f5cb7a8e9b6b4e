package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
	"github.com/isadmin/isadmin/schema/sealed"
)

// requirePostgres returns the PostgreSQL URL of the run, or skips without
// one: these tests belong to the suite's PostgreSQL pass, which .ci/run
// always makes.
func requirePostgres(t *testing.T) string {
	t.Helper()
	u := schematest.PostgresURL()
	if u == "" {
		t.Skipf("skipped: PostgreSQL tests run when %s is set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", schematest.EnvURL)
	}
	return u
}

// TestCopyToPostgres fills an SQLite deployment through the real server,
// copies it with isadmin copy, and compares every table of both databases.
func TestCopyToPostgres(t *testing.T) {
	base := requirePostgres(t)
	dir := t.TempDir()
	s := startServer(t, "is-next", func(c *Config) { c.DataDir = dir; c.DatabaseURL = "" })
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("copied", "copy-key", "copy-secret", "https://cb", "authorization_code password")}).ok(t)
	s.do(t, call{action: "addScope", body: `<xsd:addScope><xsd:scope>copy-scope</xsd:scope><xsd:claims>email</xsd:claims></xsd:addScope>`}).ok(t)
	amCall(t, s, soap11, "createApplication", amCreateBody("copied-sp", "d")).ok(t)
	addUser(t, s, "carol@c.example", "pw", "/permission/admin/manage")
	login(t, s, "", "admin", "admin")
	target := schematest.NewSchema(t, base)

	var out, errOut bytes.Buffer
	from := filepath.Join(dir, "isadmin.db")
	if err := run(context.Background(), []string{"copy", "--from", from, "--to", target}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("isadmin copy: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "copied") {
		t.Errorf("output %q", out.String())
	}
	// Progress, as plain lines off a terminal: each table with rows.
	for _, want := range []string{"oauth_apps: 1 to do\n", "oauth_apps: 1/1 done in ", "service_providers: 1/1 done in "} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, errOut.String())
		}
	}
	ctx := context.Background()
	src, err := schema.Open(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := schema.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	tables, err := src.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rawSQLite, err := sql.Open("sqlite", from)
	if err != nil {
		t.Fatal(err)
	}
	defer rawSQLite.Close()
	pgConfig, err := pgx.ParseConfig(target)
	if err != nil {
		t.Fatal(err)
	}
	rawPG := stdlib.OpenDB(*pgConfig)
	defer rawPG.Close()
	rows := 0
	for _, table := range tables {
		a, b := dumpTable(t, rawSQLite, table), dumpTable(t, rawPG, table)
		if a != b {
			t.Errorf("table %s differs after the copy:\nsqlite:\n%s\npostgres:\n%s", table, a, b)
		}
		rows += strings.Count(a, "\n")
	}
	if rows < 8 {
		t.Errorf("only %d rows copied: the fixture is too thin to prove anything", rows)
	}
	// Copying again is refused: the target is no longer empty.
	if err := run(context.Background(), []string{"copy", "--from", from, "--to", target}, func(string) string { return "" }, &out, &errOut); err == nil {
		t.Error("a second copy into a filled database succeeded")
	}
	// The secrets are copied sealed, as they were.
	var copied string
	if err := rawPG.QueryRow(`SELECT consumer_secret FROM oauth_apps WHERE consumer_key = 'copy-key'`).Scan(&copied); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(copied, "copy-secret") || !strings.HasPrefix(copied, "v1:") {
		t.Errorf("the copied secret is stored as %q, want it sealed", copied)
	}
	// A server with another key file refuses the copy.
	otherKey := filepath.Join(t.TempDir(), "other.key")
	if _, err := sealed.CreateKeyFile(otherKey); err != nil {
		t.Fatal(err)
	}
	if err := startFails(t, func(c *Config) { c.DatabaseURL = target; c.SecretKeyFile = otherKey }); !errors.Is(err, schema.ErrSecretKeys) {
		t.Errorf("a server with another key file on the copy: %v; want ErrSecretKeys", err)
	}
	// A server on the copy with the key file of the SQLite deployment
	// serves the copied data, and its ids continue.
	s2 := startServer(t, "is-next", func(c *Config) { c.DatabaseURL = target; c.SecretKeyFile = filepath.Join(dir, "secret.key") })
	if got := secretOf(t, s2, "copy-key"); got != "copy-secret" {
		t.Errorf("the copied secret reads %q", got)
	}
	s2.do(t, call{action: "registerOAuthApplicationData", body: registerBody("after-copy", "", "", "", "password")}).ok(t)
	amCall(t, s2, soap11, "createApplication", amCreateBody("after-copy-sp", "d")).ok(t)
}

// dumpTable renders a table's rows in a stable, backend-neutral form.
func dumpTable(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM ` + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			switch x := v.(type) {
			case bool:
				if x {
					v = int64(1)
				} else {
					v = int64(0)
				}
			case []byte:
				v = string(x)
			}
			fmt.Fprintf(&b, "%s=%v|", cols[i], v)
		}
		lines = append(lines, b.String())
	}
	sortStrings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--data-dir", dir}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("migrate: %v %s", err, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "migrated:") {
		t.Errorf("output %q", out.String())
	}
	if err := run(context.Background(), []string{"migrate", "--database-url", "mysql://x"}, func(string) string { return "" }, &out, &errOut); err == nil {
		t.Error("a non-PostgreSQL URL was accepted")
	}
	if u := schematest.PostgresURL(); u != "" {
		target := schematest.NewSchema(t, u)
		if err := run(context.Background(), []string{"migrate"}, func(k string) string {
			if k == "ISADMIN_DATABASE_URL" {
				return target
			}
			return ""
		}, &out, &errOut); err != nil {
			t.Fatalf("migrate PostgreSQL: %v %s", err, errOut.String())
		}
	}
}

// TestPostgresPoolFlags starts a server on PostgreSQL with connection
// limits of its own: its pool takes them.
func TestPostgresPoolFlags(t *testing.T) {
	base := requirePostgres(t)
	limits := schema.PoolLimits{MaxConns: 5, MaxIdleConns: 3, MaxLifetime: time.Minute, MaxIdleTime: time.Minute}
	s := startServer(t, "is-next", func(c *Config) { c.DatabaseURL = schematest.NewSchema(t, base); c.Pool = limits })
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("pooled", "pooled-key", "s", "", "password")}).ok(t)
	if st := s.DB.PoolStats(); st.MaxOpenConnections != 5 || st.OpenConnections > 5 {
		t.Errorf("pool %+v, want at most 5 connections", st)
	}
}
