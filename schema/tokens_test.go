package schema_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
	"github.com/isadmin/isadmin/schema/sealed"
)

func newToken(app *admin.OAuthApp, text string) *admin.Token {
	return &admin.Token{
		AppID: app.ID, AuthzUser: "admin@carbon.super", UserType: admin.UserTypeApplication, Scope: "",
		AccessToken: text, AccessHash: admin.HashToken(text), RefreshToken: text + "-r", RefreshHash: admin.HashToken(text + "-r"),
		Reusable: true, State: admin.TokenActive, IssuedAt: time.UnixMilli(1_700_000_000_000).UTC(),
		Validity: time.Hour, RefreshValidity: 24 * time.Hour,
	}
}

// rawSealed reads a token's sealed column as it is stored.
func rawSealed(tb testing.TB, db *schema.DB, text string) string {
	tb.Helper()
	var stored *string
	if err := schema.SQLDB(db).QueryRow(`SELECT sealed FROM oauth_tokens WHERE access_hash = ?`, admin.HashToken(text)).Scan(&stored); err != nil {
		tb.Fatal(err)
	}
	if stored == nil {
		return ""
	}
	return *stored
}

// TestTokens_Store: one active token per client, user, type and scope, by
// constraint; tokens found by hash, their texts sealed; ended tokens make
// room; a client's revocation, new secret and removal reach its tokens.
func TestTokens_Store(t *testing.T) {
	ctx := context.Background()
	key := sealed.NewKey()
	db := openWith(t, schematest.Location(t, t.TempDir()), keyring(t, key))
	app := newApp(admin.SuperTenantID, "admin", "tk", "tk")
	other := newApp(admin.SuperTenantID, "admin", "other", "other")
	for _, a := range []*admin.OAuthApp{app, other} {
		if err := db.CreateOAuthApp(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	first := newToken(app, "first")
	if err := db.CreateToken(ctx, first); err != nil {
		t.Fatal(err)
	}
	if stored := rawSealed(t, db, "first"); sealed.KeyID(stored) != key.ID || strings.Contains(stored, "first") {
		t.Errorf("stored copy %q, want it sealed", stored)
	}
	if err := db.CreateToken(ctx, newToken(app, "second")); !errors.Is(err, admin.ErrActiveTokenExists) {
		t.Fatalf("a second active token: %v, want ErrActiveTokenExists", err)
	}
	got, err := db.FindActiveToken(ctx, app.ID, "admin@carbon.super", admin.UserTypeApplication, "")
	if err != nil || got.AccessToken != "first" || got.RefreshToken != "first-r" || !got.Reusable || got.ConsumerKey != "tk" || !got.IssuedAt.Equal(first.IssuedAt) || got.Validity != time.Hour {
		t.Fatalf("active token: %+v, %v", got, err)
	}
	if got, err := db.FindTokenByRefresh(ctx, admin.HashToken("first-r")); err != nil || got.ID != first.ID {
		t.Errorf("by refresh token: %+v, %v", got, err)
	}
	if ok, err := db.EndToken(ctx, first.ID, admin.TokenActive, admin.TokenExpired); !ok || err != nil {
		t.Fatalf("ending: %v, %v", ok, err)
	}
	if ok, _ := db.EndToken(ctx, first.ID, admin.TokenActive, admin.TokenRevoked); ok {
		t.Error("ended twice")
	}
	if rawSealed(t, db, "first") != "" {
		t.Error("an ended token kept its sealed copy")
	}
	// A lifetime without end stays one, however short its negative value.
	forever := newToken(app, "forever")
	forever.Scope, forever.Validity, forever.RefreshValidity = "forever", -1, -time.Second
	if err := db.CreateToken(ctx, forever); err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindToken(ctx, admin.HashToken("forever")); err != nil || got.Validity >= 0 || got.RefreshValidity >= 0 || got.Expired(time.Now().AddDate(100, 0, 0)) {
		t.Errorf("a token that never expires: %+v, %v", got, err)
	}
	second, third := newToken(app, "second"), newToken(other, "third")
	for _, tok := range []*admin.Token{second, third} {
		if err := db.CreateToken(ctx, tok); err != nil {
			t.Fatalf("a token after the first ended: %v", err)
		}
	}

	state := func(text string) string {
		t.Helper()
		got, err := db.FindToken(ctx, admin.HashToken(text))
		if errors.Is(err, admin.ErrNotFound) {
			return "gone"
		}
		if err != nil {
			t.Fatal(err)
		}
		return got.State
	}
	// Changing other settings leaves tokens alone; revoking the client or
	// changing its secret revokes them; other clients' stay.
	app.CallbackURL = "https://example.com/cb"
	if err := db.UpdateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if s := state("second"); s != admin.TokenActive {
		t.Errorf("after another change: %s", s)
	}
	app.ConsumerSecret = "new secret"
	if err := db.UpdateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if s, o := state("second"), state("third"); s != admin.TokenRevoked || o != admin.TokenActive {
		t.Errorf("after a new secret: %s, the other client's %s", s, o)
	}
	fourth := newToken(app, "fourth")
	if err := db.CreateToken(ctx, fourth); err != nil {
		t.Fatal(err)
	}
	app.State = admin.StateRevoked
	if err := db.UpdateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if s := state("fourth"); s != admin.TokenRevoked {
		t.Errorf("after revoking the client: %s", s)
	}
	if err := db.DeleteOAuthApp(ctx, admin.SuperTenantID, "tk"); err != nil {
		t.Fatal(err)
	}
	if s, o := state("fourth"), state("third"); s != "gone" || o != admin.TokenActive {
		t.Errorf("after removing the client: %s, the other client's %s", s, o)
	}
}

// TestTokens_Rewrap: a rewrap drops the copies sealed under retired keys;
// the tokens stay, without a text to answer again.
func TestTokens_Rewrap(t *testing.T) {
	ctx := context.Background()
	location := schematest.Location(t, t.TempDir())
	old, fresh := sealed.NewKey(), sealed.NewKey()
	before := openWith(t, location, keyring(t, old))
	app := newApp(admin.SuperTenantID, "admin", "tk", "tk")
	if err := before.CreateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if err := before.CreateToken(ctx, newToken(app, "old-token")); err != nil {
		t.Fatal(err)
	}
	during := openWith(t, location, keyring(t, fresh, old))
	if _, err := during.RewrapSecrets(ctx); err != nil {
		t.Fatal(err)
	}
	if rawSealed(t, during, "old-token") != "" {
		t.Error("a copy sealed under the retired key survived the rewrap")
	}
	after := openWith(t, location, keyring(t, fresh))
	got, err := after.FindToken(ctx, admin.HashToken("old-token"))
	if err != nil || got.State != admin.TokenActive || got.Reusable || got.AccessToken != "" {
		t.Errorf("the token after the rewrap: %+v, %v", got, err)
	}
}
