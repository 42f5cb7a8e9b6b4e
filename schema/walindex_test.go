package schema

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema/sealed"
)

// openTwice opens one SQLite file through two DBs, as two processes would.
func openTwice(t *testing.T) (a, b *DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "isadmin.db")
	var err error
	keys, err := sealed.NewKeyring(sealed.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, db := range []**DB{&a, &b} {
		if *db, err = Open(t.Context(), path); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { (*db).Close() })
		if _, err := (*db).UseSecretKeys(t.Context(), keys); err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

// TestWALIndexSkipsQueriesUntilACommit checks that the versions are read
// once while nothing is committed, and read again after a commit by this
// DB or by another one on the same file.
func TestWALIndexSkipsQueriesUntilACommit(t *testing.T) {
	a, b := openTwice(t)
	if a.wal == nil {
		t.Fatal("no wal-index watched on an SQLite file")
	}
	ctx := t.Context()
	queries := 0
	query := func() (admin.Versions, error) {
		queries++
		return a.readVersions(ctx)
	}
	read := func() admin.Versions {
		t.Helper()
		v, err := a.wal.versions(query)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	first := read()
	read()
	if queries != 1 {
		t.Fatalf("%d queries for two reads with no commit between, want 1", queries)
	}
	tn := &admin.Tenant{Domain: "t.example", Active: true}
	if err := b.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	first = read()
	for i, writer := range []*DB{b, a} {
		if err := writer.SetTenantActive(ctx, tn.ID, i%2 == 1); err != nil {
			t.Fatal(err)
		}
		before := queries
		v := read()
		if queries != before+1 {
			t.Errorf("commit %d: no query after it", i)
		}
		if v.Identity == first.Identity {
			t.Errorf("commit %d: identity version still %d", i, v.Identity)
		}
		first = v
	}
}

// TestVersionsSeeOtherDBsAtOnce interleaves changes through one DB with
// reads through another: every read sees every change made before it.
func TestVersionsSeeOtherDBsAtOnce(t *testing.T) {
	a, b := openTwice(t)
	ctx := context.Background()
	tn := &admin.Tenant{Domain: "t.example", Active: true}
	if err := b.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	last, err := a.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		var want func(admin.Versions) bool
		if i%2 == 0 {
			if err := b.SetTenantActive(ctx, tn.ID, i%4 == 0); err != nil {
				t.Fatal(err)
			}
			want = func(v admin.Versions) bool { return v.Identity > last.Identity }
		} else {
			app := &admin.OAuthApp{TenantID: admin.SuperTenantID, Owner: "admin", Name: fmt.Sprintf("app%d", i),
				ConsumerKey: fmt.Sprintf("key%d", i), ConsumerSecret: "s", OAuthVersion: "OAuth-2.0", State: admin.StateActive}
			if err := b.CreateOAuthApp(ctx, app); err != nil {
				t.Fatal(err)
			}
			want = func(v admin.Versions) bool { return v.OAuth > last.OAuth }
		}
		v, err := a.Versions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !want(v) {
			t.Fatalf("change %d through the other DB not seen: %+v after %+v", i, v, last)
		}
		last = v
	}
}
