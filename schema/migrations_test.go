package schema_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
	"github.com/isadmin/isadmin/store"
	"github.com/isadmin/isadmin/storeapi"
)

// TestMigration0009_TenantConsumerKeys takes a database of migration 0008,
// when consumer keys were unique across tenants, through migration 0009:
// every client, link and key mapping is kept, consumer keys become unique
// per tenant, and the indexes and triggers of the rebuilt tables still work.
func TestMigration0009_TenantConsumerKeys(t *testing.T) {
	ctx := context.Background()
	location := schematest.Location(t, t.TempDir())
	raw, err := schema.OpenThrough(ctx, location, "0008_login_attempts.sql")
	if err != nil {
		t.Fatal(err)
	}
	const stamp = "2024-01-01T00:00:00Z"
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO oauth_apps (tenant_id, owner, name, consumer_key, consumer_secret, oauth_version, state, created_at, updated_at)
			VALUES (?, 'admin', 'one', 'k1', 'plain:s1', 'OAuth-2.0', 'ACTIVE', ?, ?)`, []any{admin.SuperTenantID, stamp, stamp}},
		{`INSERT INTO oauth_apps (tenant_id, owner, name, consumer_key, consumer_secret, oauth_version, state, created_at, updated_at)
			VALUES (?, 'admin', 'two', 'k2', 'plain:s2', 'OAuth-2.0', 'ACTIVE', ?, ?)`, []any{admin.SuperTenantID, stamp, stamp}},
		{`INSERT INTO service_providers (tenant_id, name, uuid, created_at, updated_at) VALUES (?, 'sp', 'sp-uuid', ?, ?)`,
			[]any{admin.SuperTenantID, stamp, stamp}},
		{`INSERT INTO sp_oauth_links (sp_id, tenant_id, consumer_key) SELECT id, tenant_id, 'k1' FROM service_providers WHERE uuid = 'sp-uuid'`, nil},
		{`INSERT INTO store_applications (uuid, tenant_id, owner, name, throttling_policy, created_at, updated_at)
			VALUES ('app-uuid', ?, 'admin', 'App', 'Unlimited', ?, ?)`, []any{admin.SuperTenantID, stamp, stamp}},
		{`INSERT INTO store_key_mappings (uuid, application_id, tenant_id, key_type, key_manager, consumer_key, mode, state, created_at)
			SELECT 'm-uuid', id, tenant_id, 'PRODUCTION', ?, 'k2', 'MAPPED', 'COMPLETED', ? FROM store_applications WHERE uuid = 'app-uuid'`,
			[]any{storeapi.ResidentKeyManager, stamp}},
	} {
		if _, err := raw.ExecContext(ctx, q.sql, q.args...); err != nil {
			raw.Close()
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db := schematest.Open(t, location)
	other := addTenant(t, db, "other.com")

	// Everything is kept.
	for key, secret := range map[string]string{"k1": "s1", "k2": "s2"} {
		if app, err := db.FindOAuthAppByKey(ctx, admin.SuperTenantID, key); err != nil || app.ConsumerSecret != secret {
			t.Errorf("client %s after the migration: %+v %v", key, app, err)
		}
	}
	sp, err := db.FindServiceProviderByOAuthKey(ctx, admin.SuperTenantID, "k1")
	if err != nil || sp.Name != "sp" {
		t.Errorf("link of k1 after the migration: %+v %v", sp, err)
	}
	_, conflicts, err := db.FindStoreApplicationForMapping(ctx, admin.SuperTenantID, "app-uuid", "", storeapi.ResidentKeyManager, "k2")
	if holder := conflicts.Holder; err != nil || holder == 0 {
		t.Errorf("mapping of k2 after the migration: held by %d, %v", holder, err)
	} else if ms, err := db.ListKeyMappings(ctx, holder); err != nil || len(ms) != 1 || ms[0].UUID != "m-uuid" || ms[0].ConsumerKey != "k2" {
		t.Errorf("mapping of k2 after the migration: %+v %v", ms, err)
	}

	// Keys are unique per tenant now.
	before, err := db.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateOAuthApp(ctx, newApp(admin.SuperTenantID, "bob", "three", "k1")); !errors.Is(err, admin.ErrDuplicateKey) {
		t.Errorf("k1 again in its tenant: %v, want ErrDuplicateKey", err)
	}
	if err := db.CreateOAuthApp(ctx, newApp(other, "eve", "one", "k1")); err != nil {
		t.Errorf("k1 in another tenant: %v", err)
	}
	// The trigger of the rebuilt oauth_apps still counts changes.
	if after, err := db.Versions(ctx); err != nil || after.OAuth == before.OAuth {
		t.Errorf("oauth version %d before a create, %+v %v after", before.OAuth, after, err)
	}
	if err := db.CreateServiceProvider(ctx, newSP(admin.SuperTenantID, "sp2", "k1")); !errors.Is(err, admin.ErrDuplicateKey) {
		t.Errorf("linking k1 again in its tenant: %v, want ErrDuplicateKey", err)
	}
	mustCreateSP(t, db, newSP(other, "sp", "k1"))
	app := mustCreateStoreApp(t, db, newStoreApp(admin.SuperTenantID, "admin", "Other"))
	if err := db.CreateKeyMapping(ctx, mapping(app, "PRODUCTION", storeapi.ResidentKeyManager, "k2", store.ModeMapped)); !errors.Is(err, store.ErrConsumerKeyMapped) {
		t.Errorf("mapping k2 again in its tenant: %v, want ErrConsumerKeyMapped", err)
	}
	foreign := mustCreateStoreApp(t, db, newStoreApp(other, "eve", "App"))
	if err := db.CreateKeyMapping(ctx, mapping(foreign, "PRODUCTION", storeapi.ResidentKeyManager, "k2", store.ModeMapped)); err != nil {
		t.Errorf("mapping k2 in another tenant: %v", err)
	}

	// Cascades of the rebuilt tables: deleting the parents deletes the rows.
	if err := db.DeleteServiceProvider(ctx, admin.SuperTenantID, sp.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindServiceProviderByOAuthKey(ctx, admin.SuperTenantID, "k1"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("link outlived its provider: %v", err)
	}
	if got, err := db.IntegrityCheck(ctx); err != nil || got != "ok" {
		t.Errorf("integrity check: %q %v", got, err)
	}
}

// TestNewerSchemaRefused: a database a newer binary migrated is refused,
// with both versions named, and left as it is.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	location := schematest.Location(t, t.TempDir())
	db, err := schema.Open(ctx, location)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema.SQLDB(db).Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES ('9999_from_the_future.sql', '2030-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = schema.Open(ctx, location)
	if !errors.Is(err, schema.ErrNewerSchema) || !strings.Contains(err.Error(), "9999_from_the_future.sql") || !strings.Contains(err.Error(), "this binary knows up to 0") {
		t.Fatalf("opening a newer database: %v", err)
	}
}
