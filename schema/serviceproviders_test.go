package schema_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
)

func newSP(tenantID int64, name string, keys ...string) *admin.ServiceProviderRecord {
	if keys == nil {
		keys = []string{}
	}
	return &admin.ServiceProviderRecord{
		TenantID:    tenantID,
		Name:        name,
		UUID:        "uuid-" + name + "-" + time.Now().Format("150405.000000000"),
		Description: "the " + name + " application",
		Owner:       "admin",
		Document:    []byte(`{"saasApp":true}`),
		OAuthKeys:   keys,
	}
}

func mustCreateSP(t *testing.T, db *schema.DB, sp *admin.ServiceProviderRecord) *admin.ServiceProviderRecord {
	t.Helper()
	if err := db.CreateServiceProvider(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	return sp
}

func assertSP(tb testing.TB, got, want *admin.ServiceProviderRecord) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("service provider mismatch:\n got %+v\nwant %+v", got, want)
	}
}

func TestServiceProvider_RoundTrip(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	start := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	db.Now = fixedClock(start)

	sp := mustCreateSP(t, db, newSP(admin.SuperTenantID, "travelocity.com", "key-a", "key-b"))
	if sp.ID == 0 || sp.CreatedAt != start || sp.UpdatedAt != start {
		t.Fatalf("create did not set ID and times: %+v", sp)
	}
	for name, find := range map[string]func() (*admin.ServiceProviderRecord, error){
		"by name": func() (*admin.ServiceProviderRecord, error) {
			return db.FindServiceProviderByName(ctx, admin.SuperTenantID, "travelocity.com")
		},
		"by id": func() (*admin.ServiceProviderRecord, error) {
			return db.FindServiceProviderByID(ctx, admin.SuperTenantID, sp.ID)
		},
		"by key": func() (*admin.ServiceProviderRecord, error) {
			return db.FindServiceProviderByOAuthKey(ctx, admin.SuperTenantID, "key-b")
		},
	} {
		got, err := find()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertSP(t, got, sp)
	}

	// Update: every column but uuid and created_at, links replaced.
	up := *sp
	up.Name, up.Description, up.Owner = "renamed", "", "alice"
	up.Document = []byte(`{"saasApp":false}`)
	up.UUID = "ignored"
	up.OAuthKeys = []string{"key-c", "key-a"}
	if err := db.UpdateServiceProvider(ctx, &up); err != nil {
		t.Fatal(err)
	}
	if up.UUID != sp.UUID || up.CreatedAt != start || up.UpdatedAt != start.Add(time.Second) {
		t.Errorf("update: uuid %q created %v updated %v", up.UUID, up.CreatedAt, up.UpdatedAt)
	}
	got, err := db.FindServiceProviderByID(ctx, admin.SuperTenantID, sp.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertSP(t, got, &up)
	if _, err := db.FindServiceProviderByOAuthKey(ctx, admin.SuperTenantID, "key-b"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("unlinked key still found: %v", err)
	}
	if _, err := db.FindServiceProviderByName(ctx, admin.SuperTenantID, "travelocity.com"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("old name still found: %v", err)
	}
}

func TestServiceProvider_NamesPerTenant(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	mustCreateSP(t, db, newSP(1, "app"))
	dup := newSP(1, "app")
	if err := db.CreateServiceProvider(ctx, dup); !errors.Is(err, admin.ErrDuplicateName) {
		t.Fatalf("duplicate name: %v, want ErrDuplicateName", err)
	}
	if dup.ID != 0 {
		t.Errorf("failed create set ID %d", dup.ID)
	}
	mustCreateSP(t, db, newSP(2, "app"))

	// Renaming onto a taken name is refused too.
	other := mustCreateSP(t, db, newSP(1, "other"))
	other.Name = "app"
	if err := db.UpdateServiceProvider(ctx, other); !errors.Is(err, admin.ErrDuplicateName) {
		t.Fatalf("rename onto taken name: %v, want ErrDuplicateName", err)
	}
}

func TestServiceProvider_KeyLinkedOnce(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	first := mustCreateSP(t, db, newSP(1, "first", "shared"))

	// Create: refused, nothing stored.
	second := newSP(1, "second", "own", "shared")
	if err := db.CreateServiceProvider(ctx, second); !errors.Is(err, admin.ErrDuplicateKey) {
		t.Fatalf("create linking a linked key: %v, want ErrDuplicateKey", err)
	}
	if _, err := db.FindServiceProviderByName(ctx, 1, "second"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("refused create left a row: %v", err)
	}
	if _, err := db.FindServiceProviderByOAuthKey(ctx, 1, "own"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("refused create left a link: %v", err)
	}
	// Another tenant's key of the same name is another key.
	elsewhere := mustCreateSP(t, db, newSP(2, "elsewhere", "shared"))
	if got, err := db.FindServiceProviderByOAuthKey(ctx, 2, "shared"); err != nil || got.ID != elsewhere.ID {
		t.Fatalf("link in another tenant: %+v %v", got, err)
	}
	if got, err := db.FindServiceProviderByOAuthKey(ctx, 1, "shared"); err != nil || got.ID != first.ID {
		t.Fatalf("link of the tenant after another tenant linked the key: %+v %v", got, err)
	}
	// The same key twice in one provider.
	if err := db.CreateServiceProvider(ctx, newSP(1, "twice", "k", "k")); !errors.Is(err, admin.ErrDuplicateKey) {
		t.Fatalf("key twice: %v, want ErrDuplicateKey", err)
	}

	// Update: refused, the row and its links unchanged.
	third := mustCreateSP(t, db, newSP(1, "third", "third-key"))
	before, _ := db.FindServiceProviderByID(ctx, 1, third.ID)
	up := *third
	up.Name, up.Document, up.OAuthKeys = "third-renamed", []byte(`{}`), []string{"new-key", "shared"}
	if err := db.UpdateServiceProvider(ctx, &up); !errors.Is(err, admin.ErrDuplicateKey) {
		t.Fatalf("update linking a linked key: %v, want ErrDuplicateKey", err)
	}
	after, err := db.FindServiceProviderByID(ctx, 1, third.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertSP(t, after, before)
	if _, err := db.FindServiceProviderByOAuthKey(ctx, 1, "new-key"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("refused update left a link: %v", err)
	}
	owner, err := db.FindServiceProviderByOAuthKey(ctx, 1, "shared")
	if err != nil || owner.ID != first.ID {
		t.Errorf("shared key owner = %+v, %v; want %d", owner, err, first.ID)
	}
}

func TestServiceProvider_KeyLookupIsTenantScoped(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	mustCreateSP(t, db, newSP(1, "app", "k"))
	if _, err := db.FindServiceProviderByOAuthKey(ctx, 2, "k"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("key of tenant 1 found from tenant 2: %v", err)
	}
}

func TestServiceProvider_List(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for _, name := range []string{"beta", "alpha", "app-2", "app-1", "apple", "app_x"} {
		mustCreateSP(t, db, newSP(1, name, "key-"+name))
	}
	mustCreateSP(t, db, newSP(2, "app-other-tenant"))

	names := func(sps []*admin.ServiceProviderRecord) []string {
		var out []string
		for _, sp := range sps {
			out = append(out, sp.Name)
		}
		return out
	}
	for _, tc := range []struct {
		like          string
		offset, limit int
		want          []string
		total         int
	}{
		{"", 0, 0, []string{"alpha", "app-1", "app-2", "app_x", "apple", "beta"}, 6},
		{"app%", 0, 0, []string{"app-1", "app-2", "app_x", "apple"}, 4},
		{"app%", 1, 2, []string{"app-2", "app_x"}, 4},
		{"app%", 3, 10, []string{"apple"}, 4},
		{"app%", 10, 10, nil, 4},
		{`app\_%`, 0, 0, []string{"app_x"}, 1},
		{"beta", 0, 0, []string{"beta"}, 1},
		{"nothing", 0, 0, nil, 0},
	} {
		got, total, err := db.ListServiceProviders(ctx, 1, tc.like, tc.offset, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if got == nil {
			t.Errorf("%q: nil slice", tc.like)
		}
		if !slices.Equal(names(got), tc.want) || total != tc.total {
			t.Errorf("List(%q, %d, %d) = %v, %d; want %v, %d", tc.like, tc.offset, tc.limit, names(got), total, tc.want, tc.total)
		}
		for _, sp := range got {
			if !slices.Equal(sp.OAuthKeys, []string{"key-" + sp.Name}) {
				t.Errorf("%s: keys %v", sp.Name, sp.OAuthKeys)
			}
		}
	}
}

func TestServiceProvider_DeleteCascades(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	sp := mustCreateSP(t, db, newSP(1, "app", "k1", "k2"))
	if err := db.DeleteServiceProvider(ctx, 2, sp.ID); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("delete from another tenant: %v, want ErrNotFound", err)
	}
	if err := db.DeleteServiceProvider(ctx, 1, sp.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindServiceProviderByOAuthKey(ctx, 1, "k1"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("link survived delete: %v", err)
	}
	// The keys are free again; the id is never handed out twice.
	again := mustCreateSP(t, db, newSP(1, "app", "k1", "k2"))
	if again.ID == sp.ID {
		t.Errorf("id %d reused", sp.ID)
	}
	var links int
	if err := schema.SQLDB(db).QueryRow(`SELECT COUNT(*) FROM sp_oauth_links`).Scan(&links); err != nil {
		t.Fatal(err)
	}
	if links != 2 {
		t.Errorf("%d links, want 2", links)
	}
}

func TestServiceProvider_NotFound(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	sp := mustCreateSP(t, db, newSP(1, "app"))
	for name, err := range map[string]error{
		"find by name":           second(db.FindServiceProviderByName(ctx, 1, "nope")),
		"find by name in tenant": second(db.FindServiceProviderByName(ctx, 2, "app")),
		"find by id":             second(db.FindServiceProviderByID(ctx, 1, sp.ID+100)),
		"find by id in tenant":   second(db.FindServiceProviderByID(ctx, 2, sp.ID)),
		"find by key":            second(db.FindServiceProviderByOAuthKey(ctx, 1, "nope")),
		"update unknown id":      db.UpdateServiceProvider(ctx, &admin.ServiceProviderRecord{ID: sp.ID + 100, TenantID: 1, Name: "x"}),
		"update in tenant":       db.UpdateServiceProvider(ctx, &admin.ServiceProviderRecord{ID: sp.ID, TenantID: 2, Name: "x"}),
		"delete":                 db.DeleteServiceProvider(ctx, 1, sp.ID+100),
	} {
		if !errors.Is(err, admin.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestSPTemplates(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	tmpl := &admin.SPTemplate{TenantID: 1, Name: "web", Description: "web apps", Content: "<ServiceProvider/>"}
	if err := db.CreateSPTemplate(ctx, tmpl); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSPTemplate(ctx, &admin.SPTemplate{TenantID: 1, Name: "web"}); !errors.Is(err, admin.ErrDuplicateName) {
		t.Fatalf("duplicate template: %v", err)
	}
	if err := db.CreateSPTemplate(ctx, &admin.SPTemplate{TenantID: 2, Name: "web"}); err != nil {
		t.Fatalf("same name in another tenant: %v", err)
	}
	if err := db.CreateSPTemplate(ctx, &admin.SPTemplate{TenantID: 1, Name: "mobile"}); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindSPTemplate(ctx, 1, "web")
	if err != nil || !reflect.DeepEqual(got, tmpl) {
		t.Fatalf("find = %+v, %v", got, err)
	}
	list, err := db.ListSPTemplates(ctx, 1)
	if err != nil || len(list) != 2 || list[0].Name != "mobile" || list[1].Name != "web" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if err := db.UpdateSPTemplate(ctx, 1, "web", &admin.SPTemplate{Name: "mobile"}); !errors.Is(err, admin.ErrDuplicateName) {
		t.Errorf("rename onto taken name: %v", err)
	}
	if err := db.UpdateSPTemplate(ctx, 1, "nope", &admin.SPTemplate{Name: "x"}); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("update unknown: %v", err)
	}
	if err := db.UpdateSPTemplate(ctx, 1, "web", &admin.SPTemplate{Name: "site", Description: "d", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindSPTemplate(ctx, 1, "site"); err != nil || got.Content != "c" || got.Description != "d" {
		t.Errorf("after rename: %+v, %v", got, err)
	}
	if err := db.DeleteSPTemplate(ctx, 1, "site"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSPTemplate(ctx, 1, "site"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, err := db.FindSPTemplate(ctx, 1, "site"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("find deleted: %v", err)
	}
}
