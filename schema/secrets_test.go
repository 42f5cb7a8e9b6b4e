package schema_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
	"github.com/isadmin/isadmin/schema/sealed"
)

// rawSecret reads a client's consumer_secret column as it is stored.
func rawSecret(tb testing.TB, db *schema.DB, consumerKey string) string {
	tb.Helper()
	var stored string
	if err := schema.SQLDB(db).QueryRow(`SELECT consumer_secret FROM oauth_apps WHERE consumer_key = ?`, consumerKey).Scan(&stored); err != nil {
		tb.Fatal(err)
	}
	return stored
}

func keyring(tb testing.TB, keys ...sealed.Key) *sealed.Keyring {
	tb.Helper()
	r, err := sealed.NewKeyring(keys...)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// openWith opens the database at location with keys, or fails the test.
func openWith(tb testing.TB, location string, keys *sealed.Keyring) *schema.DB {
	tb.Helper()
	db, err := openKeyed(tb, location, keys)
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

// openKeyed opens the database at location and gives it keys; the database
// is closed when the test ends.
func openKeyed(tb testing.TB, location string, keys *sealed.Keyring) (*schema.DB, error) {
	tb.Helper()
	db, err := schema.Open(context.Background(), location)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	_, err = db.UseSecretKeys(context.Background(), keys)
	return db, err
}

// The secret column holds no secret: every way a client is written stores
// it sealed under the sealing key, and every way it is read opens it.
func TestSecrets_SealedOnDisk(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	app := newApp(admin.SuperTenantID, "admin", "sealed", "sealed-key")
	app.ConsumerSecret = "the-secret-itself"
	if err := db.CreateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	prefix := "v1:" + schematest.SecretKeys().SealingKeyID() + ":"
	stored := rawSecret(t, db, "sealed-key")
	if strings.Contains(stored, "the-secret-itself") || !strings.HasPrefix(stored, prefix) {
		t.Errorf("stored secret %q: want it sealed (%s...)", stored, prefix)
	}
	app.ConsumerSecret = "the-renewed-secret"
	if err := db.UpdateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	renewed := rawSecret(t, db, "sealed-key")
	if strings.Contains(renewed, "the-renewed-secret") || !strings.HasPrefix(renewed, prefix) {
		t.Errorf("stored secret after an update %q: want it sealed", renewed)
	}

	byKey, err := db.FindOAuthAppByKey(ctx, admin.SuperTenantID, "sealed-key")
	if err != nil {
		t.Fatal(err)
	}
	byName, err := db.FindOAuthAppByName(ctx, admin.SuperTenantID, "sealed")
	if err != nil {
		t.Fatal(err)
	}
	listed, err := db.ListOAuthApps(ctx, admin.SuperTenantID, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 {
		t.Fatalf("listed %d clients", len(listed))
	}
	for how, got := range map[string]*admin.OAuthApp{"by key": byKey, "by name": byName, "listed": listed[0]} {
		if got.ConsumerSecret != "the-renewed-secret" {
			t.Errorf("read %s: secret %q, want the-renewed-secret", how, got.ConsumerSecret)
		}
	}
}

// A secret sealed for one client's row does not open as another's: copying
// or swapping the stored values makes the reads fail instead of handing
// out another client's secret.
func TestSecrets_BoundToTheirRow(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for _, key := range []string{"row-a", "row-b"} {
		if err := db.CreateOAuthApp(ctx, newApp(admin.SuperTenantID, "admin", key, key)); err != nil {
			t.Fatal(err)
		}
	}
	a, b := rawSecret(t, db, "row-a"), rawSecret(t, db, "row-b")
	raw := schema.SQLDB(db)
	for key, value := range map[string]string{"row-a": b, "row-b": a} {
		if _, err := raw.Exec(`UPDATE oauth_apps SET consumer_secret = ? WHERE consumer_key = ?`, value, key); err != nil {
			t.Fatal(err)
		}
	}
	for _, key := range []string{"row-a", "row-b"} {
		got, err := db.FindOAuthAppByKey(ctx, admin.SuperTenantID, key)
		if !errors.Is(err, sealed.ErrNotOpened) {
			t.Errorf("client %s with the other's sealed secret: %+v, %v; want ErrNotOpened", key, got, err)
		}
	}
	if _, err := db.ListOAuthApps(ctx, admin.SuperTenantID, "admin"); !errors.Is(err, sealed.ErrNotOpened) {
		t.Errorf("listing with swapped secrets: %v; want ErrNotOpened", err)
	}
}

// A database refuses keys other than the ones its secrets are sealed
// under, with an error that says so, and changes nothing.
func TestSecrets_WrongKeyRefused(t *testing.T) {
	ctx := context.Background()
	location := schematest.Location(t, t.TempDir())
	first := sealed.NewKey()
	db := openWith(t, location, keyring(t, first))
	if err := db.CreateOAuthApp(ctx, newApp(admin.SuperTenantID, "admin", "app", "key")); err != nil {
		t.Fatal(err)
	}
	stored := rawSecret(t, db, "key")

	// Another key file: another instance made its own key.
	other := sealed.NewKey()
	_, err := openKeyed(t, location, keyring(t, other))
	if !errors.Is(err, schema.ErrSecretKeys) {
		t.Fatalf("another key file: %v; want ErrSecretKeys", err)
	}
	for _, want := range []string{first.ID, "lacks", "same key file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// Another key under the same id.
	impostor := sealed.NewKey()
	impostor.ID = first.ID
	_, err = openKeyed(t, location, keyring(t, impostor))
	if !errors.Is(err, schema.ErrSecretKeys) || !strings.Contains(err.Error(), "another key") {
		t.Fatalf("another key of the same id: %v; want ErrSecretKeys saying so", err)
	}
	if ids, err := db.SecretKeyIDs(ctx); err != nil || !slices.Equal(ids, []string{first.ID}) {
		t.Errorf("refused keys were recorded: %v, %v", ids, err)
	}
	if got := rawSecret(t, db, "key"); got != stored {
		t.Errorf("a refused start changed the stored secret: %q, was %q", got, stored)
	}
	// A database opened without keys neither stores nor reads secrets.
	bare, err := schema.Open(ctx, location)
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	if err := bare.CreateOAuthApp(ctx, newApp(admin.SuperTenantID, "admin", "bare", "bare")); err == nil {
		t.Error("a client was stored without secret keys")
	}
	if _, err := bare.FindOAuthAppByKey(ctx, admin.SuperTenantID, "key"); err == nil {
		t.Error("a client was read without secret keys")
	}
}

// Rotation: a new key goes first and seals new secrets while the old one
// still opens; RewrapSecrets seals every secret again under the new key,
// after which the old key can go and is refused no more.
func TestSecrets_Rotation(t *testing.T) {
	ctx := context.Background()
	location := schematest.Location(t, t.TempDir())
	old, fresh := sealed.NewKey(), sealed.NewKey()
	before := openWith(t, location, keyring(t, old))
	for _, key := range []string{"k1", "k2", "k3"} {
		if err := before.CreateOAuthApp(ctx, newApp(admin.SuperTenantID, "admin", key, key)); err != nil {
			t.Fatal(err)
		}
	}

	during := openWith(t, location, keyring(t, fresh, old))
	if err := during.CreateOAuthApp(ctx, newApp(admin.SuperTenantID, "admin", "k4", "k4")); err != nil {
		t.Fatal(err)
	}
	if id := sealed.KeyID(rawSecret(t, during, "k4")); id != fresh.ID {
		t.Errorf("a new secret is sealed under %s, want the new key %s", id, fresh.ID)
	}
	if id := sealed.KeyID(rawSecret(t, during, "k1")); id != old.ID {
		t.Errorf("an old secret is sealed under %s before the rewrap, want %s", id, old.ID)
	}
	if got, err := during.FindOAuthAppByKey(ctx, admin.SuperTenantID, "k1"); err != nil || got.ConsumerSecret != "secret-k1" {
		t.Fatalf("the old key no longer opens: %+v, %v", got, err)
	}
	// Dropping the old key before the rewrap is refused.
	if _, err := openKeyed(t, location, keyring(t, fresh)); !errors.Is(err, schema.ErrSecretKeys) {
		t.Errorf("the old key left the key file before the rewrap: %v; want ErrSecretKeys", err)
	}

	n, err := during.RewrapSecrets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("RewrapSecrets sealed %d secrets again, want 3", n)
	}
	for _, key := range []string{"k1", "k2", "k3", "k4"} {
		stored := rawSecret(t, during, key)
		if sealed.KeyID(stored) != fresh.ID || strings.Contains(stored, "secret-"+key) {
			t.Errorf("%s after the rewrap: %q, want it sealed under %s", key, stored, fresh.ID)
		}
	}
	if ids, err := during.SecretKeyIDs(ctx); err != nil || !slices.Equal(ids, []string{fresh.ID}) {
		t.Errorf("keys recorded after the rewrap: %v, %v; want only %s", ids, err, fresh.ID)
	}
	if n, err := during.RewrapSecrets(ctx); err != nil || n != 0 {
		t.Errorf("a second rewrap: %d, %v; want nothing to do", n, err)
	}

	after := openWith(t, location, keyring(t, fresh))
	for _, key := range []string{"k1", "k2", "k3", "k4"} {
		got, err := after.FindOAuthAppByKey(ctx, admin.SuperTenantID, key)
		if err != nil || got.ConsumerSecret != "secret-"+key {
			t.Errorf("%s with the new key alone: %+v, %v", key, got, err)
		}
	}
	if _, err := openKeyed(t, location, keyring(t, old)); !errors.Is(err, schema.ErrSecretKeys) {
		t.Errorf("the retired key alone was accepted: %v", err)
	}
}

// Secrets stored before sealing existed still read, even one that looks
// sealed, and are sealed when the database is given its keys.
func TestSecrets_LegacyPlainValues(t *testing.T) {
	ctx := context.Background()
	location := schematest.Location(t, t.TempDir())
	db, err := schema.Open(ctx, location)
	if err != nil {
		t.Fatal(err)
	}
	// Take the database back to before migration 0007, with clients stored
	// as they were then.
	raw := schema.SQLDB(db)
	for _, q := range []string{
		`DROP TABLE secret_keys`,
		`DROP INDEX oauth_apps_unsealed_idx`,
		`DELETE FROM schema_migrations WHERE version = '0007_sealed_secrets.sql'`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	legacy := map[string]string{
		"legacy-1":     "plain-secret-1",
		"legacy-2":     "plain:with-the-marker",
		"looks-sealed": "v1:" + schematest.SecretKeys().SealingKeyID() + ":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	}
	for key, secret := range legacy {
		if _, err := raw.Exec(`INSERT INTO oauth_apps (tenant_id, owner, name, consumer_key, consumer_secret,
			oauth_version, state, created_at, updated_at) VALUES (?, 'admin', ?, ?, ?, 'OAuth-2.0', 'ACTIVE',
			'2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')`, admin.SuperTenantID, key, key, secret); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	reopened, err := schema.Open(ctx, location)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	n, err := reopened.UseSecretKeys(ctx, schematest.SecretKeys())
	if err != nil {
		t.Fatal(err)
	}
	if n != len(legacy) {
		t.Errorf("UseSecretKeys sealed %d secrets, want %d", n, len(legacy))
	}
	for key, secret := range legacy {
		stored := rawSecret(t, reopened, key)
		if sealed.KeyID(stored) != schematest.SecretKeys().SealingKeyID() || stored == secret {
			t.Errorf("%s is stored as %q after the start, want it sealed", key, stored)
		}
		got, err := reopened.FindOAuthAppByKey(ctx, admin.SuperTenantID, key)
		if err != nil || got.ConsumerSecret != secret {
			t.Errorf("%s reads %+v, %v; want the secret %q", key, got, err, secret)
		}
	}
}

// TestSecrets_SealsManyAtStart seals more secrets at a start than one
// statement writes: every batch lands, each secret on its own row.
func TestSecrets_SealsManyAtStart(t *testing.T) {
	ctx := context.Background()
	location := schematest.Location(t, t.TempDir())
	db, err := schema.Open(ctx, location)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1201 // more than two batches of 500
	if _, err := schema.SQLDB(db).Exec(`INSERT INTO oauth_apps (tenant_id, owner, name, consumer_key, consumer_secret,
		oauth_version, state, created_at, updated_at)
		WITH RECURSIVE g (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ?)
		SELECT ?, 'admin', 'many-' || i, 'many-' || i, 'plain:secret-' || i, 'OAuth-2.0', 'ACTIVE',
			'2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z' FROM g`, n, admin.SuperTenantID); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	reopened, err := schema.Open(ctx, location)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	sealedNow, err := reopened.UseSecretKeys(ctx, schematest.SecretKeys())
	if err != nil || sealedNow != n {
		t.Fatalf("UseSecretKeys sealed %d secrets, %v; want %d", sealedNow, err, n)
	}
	for _, i := range []int{1, 500, 501, 1000, 1001, n} {
		key := fmt.Sprintf("many-%d", i)
		if stored := rawSecret(t, reopened, key); sealed.KeyID(stored) != schematest.SecretKeys().SealingKeyID() {
			t.Errorf("%s is stored as %q", key, stored)
		}
		if got, err := reopened.FindOAuthAppByKey(ctx, admin.SuperTenantID, key); err != nil || got.ConsumerSecret != fmt.Sprintf("secret-%d", i) {
			t.Errorf("%s reads %+v, %v", key, got, err)
		}
	}
}
