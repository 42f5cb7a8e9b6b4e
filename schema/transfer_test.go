package schema_test

import (
	"context"
	"errors"
	"testing"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
)

func TestTransferPutServiceProvider(t *testing.T) {
	ctx := context.Background()
	db := schematest.Open(t, schematest.Location(t, t.TempDir()))
	for _, key := range []string{"k1", "k2"} {
		if err := db.CreateOAuthApp(ctx, &admin.OAuthApp{TenantID: admin.SuperTenantID, Owner: "admin", Name: key, ConsumerKey: key,
			ConsumerSecret: "s", OAuthVersion: "OAuth-2.0", State: admin.StateActive}); err != nil {
			t.Fatal(err)
		}
	}
	sp := &admin.ServiceProviderRecord{TenantID: admin.SuperTenantID, Name: "one", UUID: "uuid-1", Owner: "admin", Document: []byte(`{}`), OAuthKeys: []string{"k1", "missing"}}
	if err := db.PutServiceProvider(ctx, sp); !errors.Is(err, schema.ErrUnknownClient) || sp.ID != 0 {
		t.Fatalf("a link to a missing client: %v", err)
	}
	if _, err := db.FindServiceProviderByName(ctx, admin.SuperTenantID, "one"); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("written after all: %v", err)
	}
	sp.OAuthKeys = []string{"k1"}
	if err := db.PutServiceProvider(ctx, sp); err != nil || sp.ID == 0 {
		t.Fatal(err)
	}
	other := &admin.ServiceProviderRecord{TenantID: admin.SuperTenantID, Name: "two", UUID: "uuid-1", Document: []byte(`{}`), OAuthKeys: []string{}}
	if err := db.PutServiceProvider(ctx, other); !errors.Is(err, schema.ErrDuplicateUUID) {
		t.Fatalf("a taken uuid: %v", err)
	}
	other.UUID, other.OAuthKeys = "uuid-2", []string{"k1"}
	if err := db.PutServiceProvider(ctx, other); !errors.Is(err, admin.ErrDuplicateKey) {
		t.Fatalf("a key another provider links: %v", err)
	}
	// Replacing the links deletes no client; an empty uuid keeps the one stored.
	sp.OAuthKeys, sp.UUID, sp.Description = []string{"k2"}, "", "new"
	if err := db.PutServiceProvider(ctx, sp); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindServiceProviderByName(ctx, admin.SuperTenantID, "one")
	if err != nil || got.UUID != "uuid-1" || got.Description != "new" || len(got.OAuthKeys) != 1 || got.OAuthKeys[0] != "k2" {
		t.Fatalf("%v %+v", err, got)
	}
	if _, err := db.FindOAuthAppByKey(ctx, admin.SuperTenantID, "k1"); err != nil {
		t.Fatalf("the unlinked client is gone: %v", err)
	}
	sp.UUID = "uuid-3"
	if err := db.PutServiceProvider(ctx, sp); err != nil || sp.UUID != "uuid-3" {
		t.Fatalf("a new uuid: %v %s", err, sp.UUID)
	}
}
