package schema_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
)

// newApp returns an application with every column set.
func newApp(tenantID int64, owner, name, key string) *admin.OAuthApp {
	return &admin.OAuthApp{
		TenantID:       tenantID,
		Owner:          owner,
		Name:           name,
		ConsumerKey:    key,
		ConsumerSecret: "secret-" + key,
		CallbackURL:    "https://example.com/" + key + "/callback",
		GrantTypes:     "authorization_code refresh_token",
		OAuthVersion:   "OAuth-2.0",
		State:          admin.StateActive,
		Settings:       []byte(`{"pkceMandatory":true,"userAccessTokenExpiryTime":3600}`),
	}
}

// assertApp fails the test unless got equals want in every field.
func assertApp(tb testing.TB, got, want *admin.OAuthApp) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("app mismatch:\n got %+v\nwant %+v", got, want)
	}
}

// fixedClock returns a Now function that returns t and then advances it by a
// second on every call.
func fixedClock(t time.Time) func() time.Time {
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := t
		t = t.Add(time.Second)
		return now
	}
}

func TestOAuthApp_RoundTrip(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	start := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CEST", 2*3600))
	db.Now = fixedClock(start)

	app := newApp(admin.SuperTenantID, "admin", "playground", "key1")
	if err := db.CreateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if app.ID == 0 {
		t.Fatal("CreateOAuthApp did not set ID")
	}
	if want := start.UTC(); app.CreatedAt != want || app.UpdatedAt != want {
		t.Fatalf("CreatedAt, UpdatedAt = %v, %v, want %v", app.CreatedAt, app.UpdatedAt, want)
	}

	byKey, err := db.FindOAuthAppByKey(ctx, admin.SuperTenantID, "key1")
	if err != nil {
		t.Fatal(err)
	}
	assertApp(t, byKey, app)
	byName, err := db.FindOAuthAppByName(ctx, admin.SuperTenantID, "playground")
	if err != nil {
		t.Fatal(err)
	}
	assertApp(t, byName, app)

	// Every column changes except id, tenant_id and created_at.
	upd := &admin.OAuthApp{
		ID:             app.ID,
		TenantID:       app.TenantID,
		Owner:          "bob",
		Name:           "renamed",
		ConsumerKey:    "key2",
		ConsumerSecret: "other secret",
		CallbackURL:    "regexp=(https://a|https://b)",
		GrantTypes:     "client_credentials",
		OAuthVersion:   "OAuth-1.0a",
		State:          admin.StateRevoked,
		Settings:       nil,
	}
	if err := db.UpdateOAuthApp(ctx, upd); err != nil {
		t.Fatal(err)
	}
	if want := start.Add(time.Second).UTC(); upd.UpdatedAt != want {
		t.Errorf("UpdatedAt = %v, want %v", upd.UpdatedAt, want)
	}
	if upd.CreatedAt != app.CreatedAt {
		t.Errorf("CreatedAt = %v, want %v", upd.CreatedAt, app.CreatedAt)
	}
	got, err := db.FindOAuthAppByKey(ctx, admin.SuperTenantID, "key2")
	if err != nil {
		t.Fatal(err)
	}
	assertApp(t, got, upd)
	if _, err := db.FindOAuthAppByKey(ctx, admin.SuperTenantID, "key1"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("find old key: err = %v, want ErrNotFound", err)
	}

	list, err := db.ListOAuthApps(ctx, admin.SuperTenantID, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("ListOAuthApps returned %d apps, want 1", len(list))
	}
	assertApp(t, list[0], upd)

	if err := db.DeleteOAuthApp(ctx, admin.SuperTenantID, "key2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindOAuthAppByKey(ctx, admin.SuperTenantID, "key2"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("find deleted: err = %v, want ErrNotFound", err)
	}
	list, err = db.ListOAuthApps(ctx, admin.SuperTenantID, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if list == nil || len(list) != 0 {
		t.Errorf("ListOAuthApps after delete = %#v, want empty slice", list)
	}
}

func TestOAuthApp_NowIsStored(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	want := time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC)
	db.Now = func() time.Time { return want }

	if err := db.CreateOAuthApp(ctx, newApp(1, "alice", "app", "key")); err != nil {
		t.Fatal(err)
	}
	var createdAt, updatedAt string
	if err := schema.SQLDB(db).QueryRow(
		`SELECT created_at, updated_at FROM oauth_apps WHERE consumer_key = 'key'`,
	).Scan(&createdAt, &updatedAt); err != nil {
		t.Fatal(err)
	}
	if w := "2001-02-03T04:05:06.000000007Z"; createdAt != w || updatedAt != w {
		t.Errorf("created_at, updated_at = %q, %q, want %q", createdAt, updatedAt, w)
	}
	got, err := db.FindOAuthAppByKey(ctx, 1, "key")
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(want) || !got.UpdatedAt.Equal(want) {
		t.Errorf("CreatedAt, UpdatedAt = %v, %v, want %v", got.CreatedAt, got.UpdatedAt, want)
	}
}

func TestOAuthApp_EmptyNameAndSettings(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)

	// OAuth 1.0a consumers have no name.
	app := newApp(1, "alice", "", "oauth1")
	app.OAuthVersion = "OAuth-1.0a"
	app.Settings = nil
	if err := db.CreateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindOAuthAppByKey(ctx, 1, "oauth1")
	if err != nil {
		t.Fatal(err)
	}
	assertApp(t, got, app)
}

func TestOAuthApp_FindByKeyIsTenantScoped(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if err := db.CreateOAuthApp(ctx, newApp(1, "alice", "app", "key")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindOAuthAppByKey(ctx, 2, "key"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("FindOAuthAppByKey in other tenant: err = %v, want ErrNotFound", err)
	}
	if _, err := db.FindOAuthAppByName(ctx, 2, "app"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("FindOAuthAppByName in other tenant: err = %v, want ErrNotFound", err)
	}
	if err := db.DeleteOAuthApp(ctx, 2, "key"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("DeleteOAuthApp in other tenant: err = %v, want ErrNotFound", err)
	}
	if _, err := db.FindOAuthAppByKey(ctx, 1, "key"); err != nil {
		t.Errorf("app gone after delete in other tenant: %v", err)
	}
}

func TestOAuthApp_FindByNameLowestID(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	var first *admin.OAuthApp
	for i, owner := range []string{"carol", "alice", "bob"} {
		app := newApp(1, owner, "shared", fmt.Sprintf("key%d", i))
		if err := db.CreateOAuthApp(ctx, app); err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = app
		}
	}
	got, err := db.FindOAuthAppByName(ctx, 1, "shared")
	if err != nil {
		t.Fatal(err)
	}
	assertApp(t, got, first)
}

func TestOAuthApp_ListOrder(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for i, name := range []string{"b", "c", "a", ""} {
		if err := db.CreateOAuthApp(ctx, newApp(1, "alice", name, fmt.Sprintf("key%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	// Another owner and another tenant are not listed.
	if err := db.CreateOAuthApp(ctx, newApp(1, "bob", "a", "bob")); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateOAuthApp(ctx, newApp(2, "alice", "a", "tenant2")); err != nil {
		t.Fatal(err)
	}
	list, err := db.ListOAuthApps(ctx, 1, "alice")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, app := range list {
		names = append(names, app.Name)
	}
	if want := []string{"", "a", "b", "c"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
}

func TestOAuthApp_Duplicates(t *testing.T) {
	for _, tt := range []struct {
		name string
		app  *admin.OAuthApp
		want error
	}{
		{"same key other tenant", newApp(2, "bob", "other", "key"), nil},
		{"same key other owner", newApp(1, "bob", "other", "key"), admin.ErrDuplicateKey},
		{"same key same owner", newApp(1, "alice", "other", "key"), admin.ErrDuplicateKey},
		{"same name same owner", newApp(1, "alice", "app", "key2"), admin.ErrDuplicateName},
		{"same name other owner", newApp(1, "bob", "app", "key2"), nil},
		{"same name other tenant", newApp(2, "alice", "app", "key2"), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := MustOpenDB(t)
			if err := db.CreateOAuthApp(ctx, newApp(1, "alice", "app", "key")); err != nil {
				t.Fatal(err)
			}
			err := db.CreateOAuthApp(ctx, tt.app)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.app.ID != 0 || !tt.app.CreatedAt.IsZero() {
				t.Errorf("failed create changed app: %+v", tt.app)
			}
		})
	}
}

func TestOAuthApp_UpdateConflicts(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(*admin.OAuthApp)
		want   error
	}{
		{"rename into existing name", func(a *admin.OAuthApp) { a.Name = "first" }, admin.ErrDuplicateName},
		{"rekey into existing key", func(a *admin.OAuthApp) { a.ConsumerKey = "key1" }, admin.ErrDuplicateKey},
		{"missing id", func(a *admin.OAuthApp) { a.ID += 1000 }, admin.ErrNotFound},
		{"other tenant", func(a *admin.OAuthApp) { a.TenantID = 2 }, admin.ErrNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := MustOpenDB(t)
			first := newApp(1, "alice", "first", "key1")
			second := newApp(1, "alice", "second", "key2")
			for _, app := range []*admin.OAuthApp{first, second} {
				if err := db.CreateOAuthApp(ctx, app); err != nil {
					t.Fatal(err)
				}
			}

			upd := *second
			upd.ConsumerSecret = "changed"
			tt.change(&upd)
			if err := db.UpdateOAuthApp(ctx, &upd); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			for _, want := range []*admin.OAuthApp{first, second} {
				got, err := db.FindOAuthAppByKey(ctx, 1, want.ConsumerKey)
				if err != nil {
					t.Fatal(err)
				}
				assertApp(t, got, want)
			}
		})
	}
}

func TestOAuthApp_BadState(t *testing.T) {
	db := MustOpenDB(t)
	app := newApp(1, "alice", "app", "key")
	app.State = "DELETED"
	err := db.CreateOAuthApp(context.Background(), app)
	if err == nil {
		t.Fatal("CreateOAuthApp accepted state DELETED")
	}
	for _, sentinel := range []error{admin.ErrDuplicateKey, admin.ErrDuplicateName, admin.ErrNotFound} {
		if errors.Is(err, sentinel) {
			t.Errorf("err = %v, is %v", err, sentinel)
		}
	}
}

func TestOAuthApp_DeleteMissing(t *testing.T) {
	db := MustOpenDB(t)
	err := db.DeleteOAuthApp(context.Background(), 1, "nope")
	if !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

func TestOAuthApp_ConcurrentCreateSameKey(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)

	const n = 20
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = db.CreateOAuthApp(ctx, newApp(1, fmt.Sprintf("owner%d", i), "app", "same-key"))
		})
	}
	close(start)
	wg.Wait()

	var ok int
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, admin.ErrDuplicateKey):
			t.Errorf("goroutine %d: err = %v, want ErrDuplicateKey", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("%d creates succeeded, want 1", ok)
	}
}

func TestScope_RoundTrip(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)

	for _, s := range []*admin.Scope{
		{TenantID: 1, Name: "profile", Claims: []string{"http://wso2.org/claims/givenname", "http://wso2.org/claims/lastname"}},
		{TenantID: 1, Name: "email", Claims: nil},
		{TenantID: 1, Name: "address", Claims: []string{}},
		{TenantID: 2, Name: "profile", Claims: []string{"other"}},
	} {
		if err := db.CreateScope(ctx, s); err != nil {
			t.Fatal(err)
		}
	}

	got, err := db.FindScope(ctx, 1, "profile")
	if err != nil {
		t.Fatal(err)
	}
	want := &admin.Scope{TenantID: 1, Name: "profile", Claims: []string{"http://wso2.org/claims/givenname", "http://wso2.org/claims/lastname"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FindScope = %+v, want %+v", got, want)
	}
	got, err = db.FindScope(ctx, 1, "email")
	if err != nil {
		t.Fatal(err)
	}
	if got.Claims == nil || len(got.Claims) != 0 {
		t.Errorf("claims of email = %#v, want empty list", got.Claims)
	}

	list, err := db.ListScopes(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	if want := []string{"address", "email", "profile"}; !reflect.DeepEqual(names, want) {
		t.Errorf("ListScopes names = %q, want %q", names, want)
	}

	upd := &admin.Scope{TenantID: 1, Name: "email", Claims: []string{"http://wso2.org/claims/emailaddress"}}
	if err := db.UpdateScope(ctx, upd); err != nil {
		t.Fatal(err)
	}
	got, err = db.FindScope(ctx, 1, "email")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, upd) {
		t.Errorf("after update FindScope = %+v, want %+v", got, upd)
	}

	if err := db.DeleteScope(ctx, 1, "profile"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindScope(ctx, 1, "profile"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("find deleted scope: err = %v, want ErrNotFound", err)
	}
	if _, err := db.FindScope(ctx, 2, "profile"); err != nil {
		t.Errorf("scope of tenant 2 gone: %v", err)
	}
	list, err = db.ListScopes(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if list == nil || len(list) != 0 {
		t.Errorf("ListScopes of empty tenant = %#v, want empty slice", list)
	}
}

func TestScope_Errors(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if err := db.CreateScope(ctx, &admin.Scope{TenantID: 1, Name: "openid"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		err  error
		want error
	}{
		{"create duplicate", db.CreateScope(ctx, &admin.Scope{TenantID: 1, Name: "openid"}), admin.ErrDuplicateName},
		{"update missing", db.UpdateScope(ctx, &admin.Scope{TenantID: 2, Name: "openid"}), admin.ErrNotFound},
		{"delete missing", db.DeleteScope(ctx, 1, "nope"), admin.ErrNotFound},
		{"find missing", func() error { _, err := db.FindScope(ctx, 1, "nope"); return err }(), admin.ErrNotFound},
	} {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
}

// TestGroupCommitIsolatesFailures: concurrent writes share commits, and a
// write that fails inside a shared commit takes only itself down.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	taken := &admin.OAuthApp{TenantID: admin.SuperTenantID, Owner: "o", Name: "taken", ConsumerKey: "taken", ConsumerSecret: "s", OAuthVersion: "OAuth-2.0", State: admin.StateActive}
	if err := db.CreateOAuthApp(ctx, taken); err != nil {
		t.Fatal(err)
	}
	const n = 150
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("k%d", i)
			if i%3 == 0 {
				key = "taken"
			}
			errs[i] = db.CreateOAuthApp(ctx, &admin.OAuthApp{TenantID: admin.SuperTenantID, Owner: "o", Name: fmt.Sprintf("n%d", i),
				ConsumerKey: key, ConsumerSecret: "s", OAuthVersion: "OAuth-2.0", State: admin.StateActive})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case i%3 == 0 && !errors.Is(err, admin.ErrDuplicateKey):
			t.Errorf("write %d: want the duplicate key error, got %v", i, err)
		case i%3 != 0 && err != nil:
			t.Errorf("write %d failed with its neighbour: %v", i, err)
		}
	}
	apps, err := db.ListOAuthApps(ctx, admin.SuperTenantID, "o")
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + n - (n+2)/3; len(apps) != want {
		t.Errorf("%d clients stored, want %d", len(apps), want)
	}
}
