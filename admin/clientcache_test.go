package admin

import (
	"context"
	"testing"
)

// countingApps is an OAuthAppStore holding one client, counting reads.
type countingApps struct {
	OAuthAppStore
	app      OAuthApp
	reads    int
	UpdateFn func(*OAuthApp)
}

func (c *countingApps) UpdateOAuthApp(ctx context.Context, app *OAuthApp) error {
	c.UpdateFn(app)
	return nil
}

func (c *countingApps) FindOAuthAppByKey(ctx context.Context, tenantID int64, key string) (*OAuthApp, error) {
	c.reads++
	if tenantID != c.app.TenantID || key != c.app.ConsumerKey {
		return nil, ErrNotFound
	}
	app := c.app
	return &app, nil
}

func TestClientCache(t *testing.T) {
	store := &countingApps{app: OAuthApp{TenantID: 1, Owner: "u", Name: "n", ConsumerKey: "k", ConsumerSecret: "s1", State: StateActive}}
	o := &OAuthAdmin{Store: store}
	read := func(version int64) (*OAuthApp, int) {
		t.Helper()
		store.reads = 0
		ctx := WithPrincipal(context.Background(), Principal{TenantID: 1, TenantDomain: "a.example", Username: "u", oauthVersion: version})
		app, _, err := o.find(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		return app, store.reads
	}
	if _, n := read(5); n != 1 {
		t.Errorf("first read: %d store reads", n)
	}
	app, n := read(5)
	if n != 0 || app.ConsumerSecret != "s1" {
		t.Errorf("same version: %d store reads, secret %q", n, app.ConsumerSecret)
	}
	app.ConsumerSecret = "changed by the caller"
	if app, _ := read(5); app.ConsumerSecret != "s1" {
		t.Error("a caller's change reached the cache")
	}
	store.app.ConsumerSecret = "s2"
	if app, n := read(6); n != 1 || app.ConsumerSecret != "s2" {
		t.Errorf("a new version must read again: %d reads, secret %q", n, app.ConsumerSecret)
	}
	// A request's own write is seen by its later reads, although its
	// version is the one it started with.
	ctx := WithPrincipal(context.Background(), Principal{TenantID: 1, TenantDomain: "a.example", Username: "u", oauthVersion: 6})
	changed := store.app
	changed.ConsumerSecret = "s3"
	store.UpdateFn = func(a *OAuthApp) { store.app = *a }
	if err := o.save(ctx, &changed); err != nil {
		t.Fatal(err)
	}
	if app, n := read(6); n != 1 || app.ConsumerSecret != "s3" {
		t.Errorf("after the request's own write: %d reads, secret %q", n, app.ConsumerSecret)
	}
	if _, n := read(0); n != 1 {
		t.Errorf("an unknown version must read: %d", n)
	}
	if _, n := read(0); n != 1 {
		t.Errorf("an unknown version must always read: %d", n)
	}
}

// TestClientCacheDTO checks the cached wire view of a client: kept while the
// version stands, built again at a new version or after the request's own
// write, and not changed by a caller setting the fields of its copy.
func TestClientCacheDTO(t *testing.T) {
	store := &countingApps{app: OAuthApp{TenantID: 1, Owner: "u", Name: "n", ConsumerKey: "k", ConsumerSecret: "s1", State: StateActive,
		Settings: []byte(`{"pkceMandatory":true}`)}}
	store.UpdateFn = func(a *OAuthApp) { store.app = *a }
	o := &OAuthAdmin{Store: store}
	ctxAt := func(version int64) context.Context {
		return WithPrincipal(context.Background(), Principal{TenantID: 1, TenantDomain: "a.example", Username: "u", oauthVersion: version})
	}
	get := func(ctx context.Context) (secret string, reads int) {
		t.Helper()
		store.reads = 0
		dto, err := o.GetOAuthApplicationData(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		if !dto.PkceMandatory || str(dto.Username) != "u@a.example" {
			t.Fatalf("settings or owner lost: pkce %v, user %q", dto.PkceMandatory, str(dto.Username))
		}
		secret = str(dto.OauthConsumerSecret)
		dto.OauthConsumerSecret = ptr("set by the caller")
		return secret, store.reads
	}
	if s, n := get(ctxAt(5)); n != 1 || s != "s1" {
		t.Errorf("first read: %d store reads, secret %q", n, s)
	}
	if s, n := get(ctxAt(5)); n != 0 || s != "s1" {
		t.Errorf("same version: %d store reads, secret %q", n, s)
	}
	store.app.ConsumerSecret = "s2"
	if s, n := get(ctxAt(6)); n != 1 || s != "s2" {
		t.Errorf("new version: %d store reads, secret %q", n, s)
	}
	changed := store.app
	changed.ConsumerSecret = "s3"
	if err := o.save(ctxAt(6), &changed); err != nil {
		t.Fatal(err)
	}
	if s, n := get(ctxAt(6)); n != 1 || s != "s3" {
		t.Errorf("after the request's own write: %d store reads, secret %q", n, s)
	}
	if _, n := get(ctxAt(0)); n != 1 {
		t.Errorf("an unknown version must read: %d", n)
	}
}
