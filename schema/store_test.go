package schema_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/store"
	"github.com/isadmin/isadmin/storeapi"
	"github.com/isadmin/isadmin/wsdl"
)

func newStoreApp(tenantID int64, owner, name string) *store.Application {
	return &store.Application{UUID: fmt.Sprintf("uuid-%d-%s-%s", tenantID, owner, name), TenantID: tenantID, Owner: owner, Name: name, ThrottlingPolicy: "Unlimited"}
}

func mustCreateStoreApp(t *testing.T, db *schema.DB, app *store.Application) *store.Application {
	t.Helper()
	if err := db.CreateStoreApplication(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	return app
}

func mapping(app *store.Application, keyType, km, key, mode string) *store.KeyMapping {
	return &store.KeyMapping{UUID: fmt.Sprintf("km-%d-%s-%s-%s", app.ID, keyType, km, key), ApplicationID: app.ID,
		KeyType: keyType, KeyManager: km, ConsumerKey: key, Mode: mode, State: store.StateCompleted}
}

func addTenant(t *testing.T, db *schema.DB, domain string) int64 {
	t.Helper()
	tenant := &admin.Tenant{Domain: domain, Active: true}
	if err := db.CreateTenant(context.Background(), tenant); err != nil {
		t.Fatal(err)
	}
	return tenant.ID
}

func TestStoreApplication_RoundTrip(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.Now = fixedClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	app := newStoreApp(admin.SuperTenantID, "admin", "Calc")
	app.Groups, app.Attributes, app.CallbackURL = []string{"g1"}, map[string]string{"ref": "42"}, "https://cb"
	mustCreateStoreApp(t, db, app)
	if app.ID == 0 || app.Status != store.StatusApproved || app.TokenType != "JWT" || app.CreatedAt.IsZero() {
		t.Errorf("created %+v", app)
	}
	got, err := db.FindStoreApplication(ctx, admin.SuperTenantID, app.UUID)
	if err != nil || got.Name != "Calc" || got.Groups[0] != "g1" || got.Attributes["ref"] != "42" || got.CallbackURL != "https://cb" || !got.CreatedAt.Equal(app.CreatedAt) {
		t.Fatalf("found %+v %v", got, err)
	}
	if _, err := db.FindStoreApplication(ctx, 7, app.UUID); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("another tenant finds it: %v", err)
	}
	if got, err := db.FindStoreApplicationByName(ctx, admin.SuperTenantID, "admin", "Calc"); err != nil || got.ID != app.ID {
		t.Errorf("by name: %v %v", got, err)
	}
	if _, err := db.FindStoreApplicationByName(ctx, admin.SuperTenantID, "bob", "Calc"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("another owner finds it by name: %v", err)
	}
	got.Name, got.Description, got.TokenType, got.Groups = "Calculator", "d", "OAUTH", nil
	if err := db.UpdateStoreApplication(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got.UUID != app.UUID || got.Owner != "admin" || !got.UpdatedAt.After(got.CreatedAt) || got.Groups == nil {
		t.Errorf("updated %+v", got)
	}
	missing := &store.Application{ID: 999, TenantID: admin.SuperTenantID, Name: "x", ThrottlingPolicy: "y"}
	if err := db.UpdateStoreApplication(ctx, missing); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("update missing: %v", err)
	}
}

func TestStoreApplication_NamesPerOwner(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	other := addTenant(t, db, "other.com")
	mustCreateStoreApp(t, db, newStoreApp(admin.SuperTenantID, "admin", "A"))
	dup := newStoreApp(admin.SuperTenantID, "admin", "A")
	dup.UUID = "another-uuid"
	if err := db.CreateStoreApplication(ctx, dup); !errors.Is(err, admin.ErrDuplicateName) || dup.ID != 0 {
		t.Errorf("duplicate name: %v (id %d)", err, dup.ID)
	}
	mustCreateStoreApp(t, db, newStoreApp(admin.SuperTenantID, "bob", "A"))
	mustCreateStoreApp(t, db, newStoreApp(other, "admin", "A"))
	b := mustCreateStoreApp(t, db, newStoreApp(admin.SuperTenantID, "admin", "B"))
	b.Name = "A"
	if err := db.UpdateStoreApplication(ctx, b); !errors.Is(err, admin.ErrDuplicateName) {
		t.Errorf("rename onto a taken name: %v", err)
	}
}

func TestStoreApplication_List(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for _, n := range []string{"b", "C", "a", "D"} {
		mustCreateStoreApp(t, db, newStoreApp(admin.SuperTenantID, "admin", n))
	}
	mustCreateStoreApp(t, db, newStoreApp(admin.SuperTenantID, "bob", "z"))
	names := func(f store.ApplicationFilter) ([]string, int) {
		t.Helper()
		apps, total, err := db.ListStoreApplications(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, a := range apps {
			out = append(out, a.Name)
		}
		return out, total
	}
	all := store.ApplicationFilter{TenantID: admin.SuperTenantID, Owner: "admin"}
	if got, total := names(all); fmt.Sprint(got) != "[a b C D]" || total != 4 {
		t.Errorf("all: %v %d", got, total)
	}
	page := all
	page.Offset, page.Limit, page.Descending = 1, 2, true
	if got, total := names(page); fmt.Sprint(got) != "[C b]" || total != 4 {
		t.Errorf("page: %v %d", got, total)
	}
	one := all
	one.Name = "C"
	if got, total := names(one); fmt.Sprint(got) != "[C]" || total != 1 {
		t.Errorf("by name: %v %d", got, total)
	}
	bad := all
	bad.SortBy = "owner; DROP TABLE x"
	if _, _, err := db.ListStoreApplications(ctx, bad); err == nil {
		t.Error("unknown sort key accepted")
	}
}

func TestKeyMapping_Constraints(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	other := addTenant(t, db, "other.com")
	a := mustCreateStoreApp(t, db, newStoreApp(admin.SuperTenantID, "admin", "A"))
	b := mustCreateStoreApp(t, db, newStoreApp(admin.SuperTenantID, "admin", "B"))
	c := mustCreateStoreApp(t, db, newStoreApp(other, "eve", "C"))
	const res = storeapi.ResidentKeyManager

	m := mapping(a, "PRODUCTION", res, "k1", store.ModeMapped)
	if err := db.CreateKeyMapping(ctx, m); err != nil || m.ID == 0 || m.TenantID != admin.SuperTenantID {
		t.Fatalf("create: %v %+v", err, m)
	}
	for _, c := range []struct {
		m    *store.KeyMapping
		want error
	}{
		{mapping(a, "PRODUCTION", res, "k2", store.ModeCreated), store.ErrKeyTypeTaken},
		{mapping(b, "PRODUCTION", res, "k1", store.ModeMapped), store.ErrConsumerKeyMapped},
		{&store.KeyMapping{UUID: "x", ApplicationID: 999, KeyType: "PRODUCTION", KeyManager: res, ConsumerKey: "k9", Mode: store.ModeMapped, State: "COMPLETED"}, admin.ErrNotFound},
	} {
		if err := db.CreateKeyMapping(ctx, c.m); !errors.Is(err, c.want) || c.m.ID != 0 {
			t.Errorf("%+v: %v, want %v", c.m, err, c.want)
		}
	}
	// Other key types, key managers and tenants are free: keys are unique
	// per tenant.
	for _, m := range []*store.KeyMapping{
		mapping(a, "SANDBOX", res, "k2", store.ModeCreated),
		mapping(a, "PRODUCTION", "Other", "k1", store.ModeMapped),
		mapping(c, "PRODUCTION", res, "k1", store.ModeMapped),
	} {
		if err := db.CreateKeyMapping(ctx, m); err != nil {
			t.Errorf("%+v: %v", m, err)
		}
	}
	keys, err := db.ListKeyMappings(ctx, a.ID)
	if err != nil || len(keys) != 3 || keys[0].ConsumerKey != "k1" || keys[1].Mode != store.ModeCreated {
		t.Errorf("list: %v %v", keys, err)
	}
	got, err := db.FindKeyMapping(ctx, a.ID, m.UUID)
	if err != nil || got.ConsumerKey != "k1" || got.KeyManager != res || got.Mode != store.ModeMapped {
		t.Errorf("find: %+v %v", got, err)
	}
	if _, err := db.FindKeyMapping(ctx, b.ID, m.UUID); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("another application's mapping: %v", err)
	}
	for _, tc := range []struct {
		what     string
		tenantID int64
		app      *store.Application
		key      string
		want     store.MappingConflicts
	}{
		{"k1 for its own application", admin.SuperTenantID, a, "k1", store.MappingConflicts{TypeTaken: true, Holder: a.ID}},
		{"k1 for another application", admin.SuperTenantID, b, "k1", store.MappingConflicts{Holder: a.ID}},
		{"an unmapped key", admin.SuperTenantID, b, "nobody", store.MappingConflicts{}},
		{"k1 in another tenant", other, c, "k1", store.MappingConflicts{TypeTaken: true, Holder: c.ID}},
	} {
		app, got, err := db.FindStoreApplicationForMapping(ctx, tc.tenantID, tc.app.UUID, m.KeyType, res, tc.key)
		if err != nil || app.ID != tc.app.ID || app.Name != tc.app.Name || got != tc.want {
			t.Errorf("conflicts of %s: %+v, %+v, %v; want application %d, %+v", tc.what, app, got, err, tc.app.ID, tc.want)
		}
	}
	if _, _, err := db.FindStoreApplicationForMapping(ctx, other, a.UUID, m.KeyType, res, "k1"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("another tenant's application for mapping: %v", err)
	}
	bad := mapping(b, "TESTING", res, "k5", store.ModeMapped)
	if err := db.CreateKeyMapping(ctx, bad); err == nil {
		t.Error("a bad key type was stored")
	}

	// Deleting an application deletes its mappings; the key is free again.
	if err := db.DeleteStoreApplication(ctx, admin.SuperTenantID, a.ID); err != nil {
		t.Fatal(err)
	}
	if keys, _ := db.ListKeyMappings(ctx, a.ID); len(keys) != 0 {
		t.Errorf("mappings outlived their application: %v", keys)
	}
	if err := db.CreateKeyMapping(ctx, mapping(b, "PRODUCTION", res, "k1", store.ModeMapped)); err != nil {
		t.Errorf("remapping: %v", err)
	}
	if err := db.DeleteStoreApplication(ctx, admin.SuperTenantID, a.ID); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	keys, _ = db.ListKeyMappings(ctx, b.ID)
	if err := db.DeleteKeyMapping(ctx, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteKeyMapping(ctx, keys[0].ID); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("deleting a mapping twice: %v", err)
	}
}

// TestKeyMapping_ConcurrentSameKey: one consumer key, many applications, at
// once: the database lets exactly one mapping in.
func TestKeyMapping_ConcurrentSameKey(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	const n = 20
	apps := make([]*store.Application, n)
	for i := range apps {
		apps[i] = mustCreateStoreApp(t, db, newStoreApp(admin.SuperTenantID, "admin", fmt.Sprintf("app-%d", i)))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.CreateKeyMapping(ctx, mapping(apps[i], "PRODUCTION", storeapi.ResidentKeyManager, "race", store.ModeMapped))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrConsumerKeyMapped):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d mappings stored, want 1", ok)
	}
}

// TestKeyMapping_ServiceProviderDeletion: deleting a service provider
// spares the OAuth clients the store holds as MAPPED.
func TestKeyMapping_ServiceProviderDeletion(t *testing.T) {
	db := MustOpenDB(t)
	ctx := admin.WithPrincipal(context.Background(), admin.Principal{TenantID: admin.SuperTenantID, TenantDomain: admin.SuperTenantDomain, Username: "admin"})
	oauth := &admin.OAuthAdmin{Store: db, Config: admin.OAuthConfig{AllowedGrantTypes: []string{"client_credentials"}}}
	svc := &admin.AppMgt{Store: db, OAuth: db}
	for _, key := range []string{"mapped", "created"} {
		name, secret := key, key+"-secret"
		if err := oauth.RegisterOAuthApplicationData(ctx, &wsdl.OAuthConsumerAppDTO{ApplicationName: &name, OauthConsumerKey: &name, OauthConsumerSecret: &secret}); err != nil {
			t.Fatal(err)
		}
	}
	app := mustCreateStoreApp(t, db, newStoreApp(admin.SuperTenantID, "admin", "A"))
	for _, m := range []*store.KeyMapping{
		mapping(app, "PRODUCTION", storeapi.ResidentKeyManager, "mapped", store.ModeMapped),
		mapping(app, "SANDBOX", storeapi.ResidentKeyManager, "created", store.ModeCreated),
	} {
		if err := db.CreateKeyMapping(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	spName := "sp"
	id, err := svc.CreateApplication(ctx, &wsdl.ServiceProvider{ApplicationName: &spName})
	if err != nil {
		t.Fatal(err)
	}
	inbound := func(key string) *wsdl.InboundAuthenticationRequestConfig {
		typ := "oauth2"
		return &wsdl.InboundAuthenticationRequestConfig{InboundAuthKey: &key, InboundAuthType: &typ}
	}
	if err := svc.UpdateApplication(ctx, &wsdl.ServiceProvider{ApplicationID: id, ApplicationName: &spName,
		InboundAuthenticationConfig: &wsdl.InboundAuthenticationConfig{InboundAuthenticationRequestConfigs: []*wsdl.InboundAuthenticationRequestConfig{inbound("mapped"), inbound("created")}}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteApplication(ctx, spName); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindOAuthAppByKey(ctx, admin.SuperTenantID, "mapped"); err != nil {
		t.Errorf("the MAPPED client was deleted with the service provider: %v", err)
	}
	if _, err := db.FindOAuthAppByKey(ctx, admin.SuperTenantID, "created"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("the service provider's own client survived: %v", err)
	}
}
