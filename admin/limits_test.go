package admin_test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

// The field limits are the column sizes of Identity Server's database
// scripts (see admin.FieldLimits for each source): every test below stores
// a value of exactly the limit, then refuses one character more with the
// fault Identity Server answers, and finds nothing of the refused request
// stored.

// TestFieldLimitDefaults pins the defaults to the columns they cite.
func TestFieldLimitDefaults(t *testing.T) {
	want := admin.FieldLimits{
		// IDN_OAUTH_CONSUMER_APPS, h2.sql lines 10-18.
		OAuthAppName: 255, OAuthConsumerKey: 255, OAuthConsumerSecret: 2048, OAuthVersion: 128,
		OAuthCallbackURL: 2048, OAuthGrantTypes: 1024,
		// IDN_OIDC_PROPERTY.PROPERTY_VALUE, line 892; SCOPE_VALIDATOR, line 32.
		OAuthProperty: 2047, OAuthScopeValidator: 128, OAuthSettingsBytes: 64 << 10,
		// IDN_OAUTH2_SCOPE.NAME, line 196; IDN_CLAIM.CLAIM_URI, line 815.
		ScopeName: 255, ScopeClaim: 255, ScopeClaimsBytes: 64 << 10,
		// SP_APP, lines 356-374; SP_INBOUND_AUTH, lines 396-400; SP_METADATA, lines 385-387.
		AppName: 255, AppDescription: 1024, AppURL: 1024,
		InboundKey: 255, InboundType: 255, InboundPropertyName: 255, InboundPropertyValue: 1024,
		AppProperty: 255, AppDocumentBytes: 256 << 10,
		// SP_TEMPLATE, lines 491-493.
		TemplateName: 255, TemplateDescription: 1023, TemplateContentBytes: 256 << 10,
	}
	if got := admin.DefaultFieldLimits(); got != want {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
	var l admin.FieldLimits
	if err := l.Set("oauth-callback-url", 1024); err != nil || l.OAuthCallbackURL != 1024 {
		t.Errorf("Set oauth-callback-url: %v, %d", err, l.OAuthCallbackURL)
	}
	if err := l.Set("callback", 10); err == nil || !strings.Contains(err.Error(), "oauth-callback-url") {
		t.Errorf("an unknown limit must be refused, naming the known ones: %v", err)
	}
	if err := l.Set("oauth-app-name", 0); err == nil {
		t.Error("a limit of 0 must be refused")
	}
}

// grantsOfLength is a list of the grant types x and yy of exactly n
// characters: "x x x" has an odd length, "x yy" an even one.
func grantsOfLength(n int) string {
	if n%2 == 1 {
		return strings.TrimSpace(strings.Repeat("x ", (n+1)/2))
	}
	return strings.Repeat("x ", n/2-1) + "yy"
}

// limitsOAuth is an OAuthAdmin on the fixture's database whose grant types
// let a grant list take any length.
func limitsOAuth(f *appMgtFixture, limits admin.FieldLimits) *admin.OAuthAdmin {
	return &admin.OAuthAdmin{Store: f.db, Config: admin.OAuthConfig{AllowedGrantTypes: []string{"x", "yy"}, Limits: limits}}
}

// limitDTO is a client registration whose every value is short.
func limitDTO(id string) *wsdl.OAuthConsumerAppDTO {
	return &wsdl.OAuthConsumerAppDTO{
		ApplicationName: strp("app " + id), OauthConsumerKey: strp("key-" + id), OauthConsumerSecret: strp("secret-" + id),
		GrantTypes: strp("x"), CallbackUrl: strp("https://client.example/cb"),
	}
}

// oauthLimitCase is one bounded value of a client.
type oauthLimitCase struct {
	name  string
	limit int
	// value makes a value of n characters.
	value func(n int) string
	// set puts the value into a registration.
	set func(dto *wsdl.OAuthConsumerAppDTO, v string)
	// get reads it back from the stored client.
	get func(dto *wsdl.OAuthConsumerAppDTO) string
}

func letters(c string) func(int) string { return func(n int) string { return strings.Repeat(c, n) } }

func oauthLimitCases(l admin.FieldLimits) []oauthLimitCase {
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	url := func(n int) string {
		return "https://client.example/" + strings.Repeat("p", n-len("https://client.example/"))
	}
	return []oauthLimitCase{
		{"applicationName", l.OAuthAppName, letters("n"),
			func(d *wsdl.OAuthConsumerAppDTO, v string) { d.ApplicationName = &v },
			func(d *wsdl.OAuthConsumerAppDTO) string { return deref(d.ApplicationName) }},
		{"oauthConsumerKey", l.OAuthConsumerKey, letters("k"),
			func(d *wsdl.OAuthConsumerAppDTO, v string) { d.OauthConsumerKey = &v },
			func(d *wsdl.OAuthConsumerAppDTO) string { return deref(d.OauthConsumerKey) }},
		{"oauthConsumerSecret", l.OAuthConsumerSecret, letters("s"),
			func(d *wsdl.OAuthConsumerAppDTO, v string) { d.OauthConsumerSecret = &v },
			func(d *wsdl.OAuthConsumerAppDTO) string { return deref(d.OauthConsumerSecret) }},
		{"OAuthVersion", l.OAuthVersion, letters("v"),
			func(d *wsdl.OAuthConsumerAppDTO, v string) { d.OAuthVersion = &v },
			func(d *wsdl.OAuthConsumerAppDTO) string { return deref(d.OAuthVersion) }},
		{"callbackUrl", l.OAuthCallbackURL, url,
			func(d *wsdl.OAuthConsumerAppDTO, v string) { d.CallbackUrl = &v },
			func(d *wsdl.OAuthConsumerAppDTO) string { return deref(d.CallbackUrl) }},
		// VARCHAR(n) counts characters: é takes two bytes and counts one.
		{"callbackUrl in characters", l.OAuthCallbackURL, letters("é"),
			func(d *wsdl.OAuthConsumerAppDTO, v string) { d.CallbackUrl = &v },
			func(d *wsdl.OAuthConsumerAppDTO) string { return deref(d.CallbackUrl) }},
		{"grantTypes", l.OAuthGrantTypes, grantsOfLength,
			func(d *wsdl.OAuthConsumerAppDTO, v string) { d.GrantTypes = &v },
			func(d *wsdl.OAuthConsumerAppDTO) string { return deref(d.GrantTypes) }},
		{"backChannelLogoutUrl (an IDN_OIDC_PROPERTY row)", l.OAuthProperty, url,
			func(d *wsdl.OAuthConsumerAppDTO, v string) { d.BackChannelLogoutUrl = &v },
			func(d *wsdl.OAuthConsumerAppDTO) string { return deref(d.BackChannelLogoutUrl) }},
		{"audiences", l.OAuthProperty, letters("a"),
			func(d *wsdl.OAuthConsumerAppDTO, v string) { d.Audiences = []string{"short", v} },
			func(d *wsdl.OAuthConsumerAppDTO) string { return d.Audiences[len(d.Audiences)-1] }},
		{"scopeValidators", l.OAuthScopeValidator, letters("z"),
			func(d *wsdl.OAuthConsumerAppDTO, v string) { d.ScopeValidators = []string{v} },
			func(d *wsdl.OAuthConsumerAppDTO) string { return d.ScopeValidators[0] }},
	}
}

// TestRegisterFieldLimits registers a client with each value exactly as
// long as its column, then one character longer.
func TestRegisterFieldLimits(t *testing.T) {
	for _, profile := range []struct {
		name   string
		limits admin.FieldLimits
	}{
		{"is-next", admin.FieldLimits{}},
		// The IS 5.0 generation's narrower columns, as its profile sets them.
		{"is-5.0", admin.FieldLimits{OAuthConsumerSecret: 512, OAuthCallbackURL: 1024}},
	} {
		t.Run(profile.name, func(t *testing.T) {
			f := newAppMgt(t)
			svc := limitsOAuth(f, profile.limits)
			for i, c := range oauthLimitCases(withDefaults(profile.limits)) {
				t.Run(c.name, func(t *testing.T) {
					for _, n := range []int{c.limit, c.limit + 1} {
						id := fmt.Sprintf("case%d-%d", i, n)
						dto := limitDTO(id)
						value := c.value(n)
						c.set(dto, value)
						err := svc.RegisterOAuthApplicationData(f.ctx, dto)
						key, name := *dto.OauthConsumerKey, *dto.ApplicationName
						if n == c.limit {
							if err != nil {
								t.Fatalf("%d characters: %v", n, err)
							}
							got, err := svc.GetOAuthApplicationData(f.ctx, key)
							if err != nil {
								t.Fatal(err)
							}
							if c.get(got) != value {
								t.Errorf("%d characters: stored %q", n, c.get(got))
							}
							continue
						}
						de := wantCode(t, err, "oauth.register-too-long")
						if de.Kind != admin.ClientError {
							t.Errorf("kind %v, want a client error", de.Kind)
						}
						if got, want := text(de), "Error when executing SQL to create OAuth app "+name+"@carbon.super "; got != want {
							t.Errorf("text %q, want %q", got, want)
						}
						assertNoClient(t, f, key, name)
					}
				})
			}
		})
	}
}

// withDefaults fills the zero limits of l with the defaults; l sets only
// the limits an IS 5.0 profile sets.
func withDefaults(l admin.FieldLimits) admin.FieldLimits {
	d := admin.DefaultFieldLimits()
	if l.OAuthConsumerSecret != 0 {
		d.OAuthConsumerSecret = l.OAuthConsumerSecret
	}
	if l.OAuthCallbackURL != 0 {
		d.OAuthCallbackURL = l.OAuthCallbackURL
	}
	return d
}

func assertNoClient(t *testing.T, f *appMgtFixture, key, name string) {
	t.Helper()
	if app, err := f.db.FindOAuthAppByKey(f.ctx, admin.SuperTenantID, key); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("client %.40q stored: %+v, %v", key, app, err)
	}
	if app, err := f.db.FindOAuthAppByName(f.ctx, admin.SuperTenantID, name); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("client named %.40q stored: %+v, %v", name, app, err)
	}
}

// TestRegisterSettingsBound bounds the settings document as a whole:
// audiences of at most IDN_OIDC_PROPERTY's 2047 characters each that add
// up to exactly 64 KiB of settings are stored, a byte more is refused.
func TestRegisterSettingsBound(t *testing.T) {
	f := newAppMgt(t)
	svc := limitsOAuth(f, admin.FieldLimits{})
	audiences := func(last int) []string {
		var out []string
		for i := range 32 {
			out = append(out, fmt.Sprintf("%02d", i)+strings.Repeat("a", 2000))
		}
		return append(out, strings.Repeat("b", last))
	}
	register := func(id string, last int) error {
		dto := limitDTO(id)
		dto.Audiences = audiences(last)
		return svc.RegisterOAuthApplicationData(f.ctx, dto)
	}
	// The settings grow by one byte a character of the last audience.
	if err := register("probe", 1); err != nil {
		t.Fatal(err)
	}
	probe, err := f.db.FindOAuthAppByKey(f.ctx, admin.SuperTenantID, "key-probe")
	if err != nil {
		t.Fatal(err)
	}
	last := 1 + admin.DefaultSettingsBytes - len(probe.Settings)
	if last < 1 || last > 2047 {
		t.Fatalf("the probe's settings take %d bytes; the last audience would need %d characters", len(probe.Settings), last)
	}
	if err := register("exact", last); err != nil {
		t.Fatalf("settings of exactly %d bytes: %v", admin.DefaultSettingsBytes, err)
	}
	exact, err := f.db.FindOAuthAppByKey(f.ctx, admin.SuperTenantID, "key-exact")
	if err != nil || len(exact.Settings) != admin.DefaultSettingsBytes {
		t.Fatalf("stored settings of %d bytes, %v", len(exact.Settings), err)
	}
	de := wantCode(t, register("over", last+1), "oauth.register-too-long")
	if !strings.Contains(de.Error(), "settings") {
		t.Errorf("the cause should name the settings: %v", de)
	}
	assertNoClient(t, f, "key-over", "app over")
}

// TestUpdateFieldLimits updates a client's columns up to their limits and
// refuses one character more, leaving the stored client as it was.
func TestUpdateFieldLimits(t *testing.T) {
	f := newAppMgt(t)
	svc := limitsOAuth(f, admin.FieldLimits{})
	if err := svc.RegisterOAuthApplicationData(f.ctx, limitDTO("upd")); err != nil {
		t.Fatal(err)
	}
	for _, c := range oauthLimitCases(admin.DefaultFieldLimits()) {
		if c.name == "oauthConsumerKey" || c.name == "oauthConsumerSecret" {
			// The key names the client and the secret must match.
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			update := func(n int) (*wsdl.OAuthConsumerAppDTO, error) {
				dto := limitDTO("upd")
				c.set(dto, c.value(n))
				return dto, svc.UpdateConsumerApplication(f.ctx, dto)
			}
			dto, err := update(c.limit)
			if err != nil {
				t.Fatalf("%d characters: %v", c.limit, err)
			}
			before, err := f.db.FindOAuthAppByKey(f.ctx, admin.SuperTenantID, "key-upd")
			if err != nil {
				t.Fatal(err)
			}
			stored, err := svc.GetOAuthApplicationData(f.ctx, "key-upd")
			if err != nil || c.get(stored) != c.get(dto) {
				t.Fatalf("stored %q, %v", c.get(stored), err)
			}
			_, err = update(c.limit + 1)
			if de := wantCode(t, err, "oauth.update-too-long"); text(de) != "Error when updating OAuth application" {
				t.Errorf("text %q", text(de))
			}
			after, err := f.db.FindOAuthAppByKey(f.ctx, admin.SuperTenantID, "key-upd")
			if err != nil {
				t.Fatal(err)
			}
			if after.Name != before.Name || after.CallbackURL != before.CallbackURL || after.GrantTypes != before.GrantTypes ||
				after.OAuthVersion != before.OAuthVersion || string(after.Settings) != string(before.Settings) || !after.UpdatedAt.Equal(before.UpdatedAt) {
				t.Errorf("the refused update changed the client:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

// claimsOfJSONSize returns distinct claims of at most 250 characters whose
// JSON list takes exactly size bytes.
func claimsOfJSONSize(size int) []string {
	// ["c1","c2"] takes 1 + Σ(len+3) bytes.
	k := (size-1)/253 + 1
	last := size - 1 - 3*k - 250*(k-1)
	var out []string
	for i := range k - 1 {
		out = append(out, fmt.Sprintf("%04d", i)+strings.Repeat("c", 246))
	}
	return append(out, strings.Repeat("l", last))
}

// TestScopeFieldLimits bounds a scope's name, each claim and the claim list.
func TestScopeFieldLimits(t *testing.T) {
	f := newAppMgt(t)
	svc := limitsOAuth(f, admin.FieldLimits{})
	l := admin.DefaultFieldLimits()
	add := func(name string, claims []string) error { return svc.AddScope(f.ctx, name, claims) }
	noScope := func(name string) {
		t.Helper()
		if sc, err := f.db.FindScope(f.ctx, admin.SuperTenantID, name); !errors.Is(err, admin.ErrNotFound) {
			t.Errorf("scope %.40q stored: %+v, %v", name, sc, err)
		}
	}
	addTooLong := func(err error) {
		t.Helper()
		if de := wantCode(t, err, "oauth.scope-add-too-long"); text(de) != "Error while inserting OIDC scopes and claims." {
			t.Errorf("text %q", text(de))
		}
	}

	if err := add(strings.Repeat("s", l.ScopeName), nil); err != nil {
		t.Fatalf("a name of %d characters: %v", l.ScopeName, err)
	}
	addTooLong(add(strings.Repeat("t", l.ScopeName+1), nil))
	noScope(strings.Repeat("t", l.ScopeName+1))

	if err := add("claim-ok", []string{strings.Repeat("c", l.ScopeClaim)}); err != nil {
		t.Fatalf("a claim of %d characters: %v", l.ScopeClaim, err)
	}
	addTooLong(add("claim-long", []string{"email", strings.Repeat("c", l.ScopeClaim+1)}))
	noScope("claim-long")

	exact := claimsOfJSONSize(l.ScopeClaimsBytes)
	if b, _ := json.Marshal(exact); len(b) != l.ScopeClaimsBytes {
		t.Fatalf("claims of %d bytes, want %d", len(b), l.ScopeClaimsBytes)
	}
	if err := add("claims-exact", exact); err != nil {
		t.Fatalf("claims of exactly %d bytes: %v", l.ScopeClaimsBytes, err)
	}
	addTooLong(add("claims-over", claimsOfJSONSize(l.ScopeClaimsBytes+1)))
	noScope("claims-over")

	// updateScope: the claims the scope ends with are bounded alike.
	if err := svc.UpdateScope(f.ctx, "claim-ok", []string{strings.Repeat("d", l.ScopeClaim)}, nil); err != nil {
		t.Fatalf("adding a claim of %d characters: %v", l.ScopeClaim, err)
	}
	before, err := f.db.FindScope(f.ctx, admin.SuperTenantID, "claim-ok")
	if err != nil {
		t.Fatal(err)
	}
	de := wantCode(t, svc.UpdateScope(f.ctx, "claim-ok", []string{strings.Repeat("e", l.ScopeClaim+1)}, nil), "oauth.scope-update-too-long")
	if text(de) != "Error while updating OIDC claims for the scope: claim-ok in tenant: -1234" {
		t.Errorf("text %q", text(de))
	}
	if after, err := f.db.FindScope(f.ctx, admin.SuperTenantID, "claim-ok"); err != nil || strings.Join(after.Claims, ",") != strings.Join(before.Claims, ",") {
		t.Errorf("claims changed: %v, %v", after, err)
	}
}

// TestCreateApplicationFieldLimits bounds SP_APP's name and description.
func TestCreateApplicationFieldLimits(t *testing.T) {
	f := newAppMgt(t)
	l := admin.DefaultFieldLimits()
	create := func(name, description string) error {
		_, err := f.svc.CreateApplication(f.ctx, &wsdl.ServiceProvider{ApplicationName: &name, Description: &description})
		return err
	}
	noApp := func(name string) {
		t.Helper()
		if rec, err := f.db.FindServiceProviderByName(f.ctx, admin.SuperTenantID, name); !errors.Is(err, admin.ErrNotFound) {
			t.Errorf("application %.40q stored: %+v, %v", name, rec, err)
		}
	}
	tooLong := func(err error, name string) {
		t.Helper()
		if de := wantCode(t, err, "appmgt.create-too-long"); text(de) != "Error while creating application: "+name+" for tenant: carbon.super" {
			t.Errorf("text %.80q", text(de))
		}
	}

	if err := create(strings.Repeat("n", l.AppName), ""); err != nil {
		t.Fatalf("a name of %d characters: %v", l.AppName, err)
	}
	long := strings.Repeat("m", l.AppName+1)
	tooLong(create(long, ""), long)
	noApp(long)

	if err := create("described", strings.Repeat("d", l.AppDescription)); err != nil {
		t.Fatalf("a description of %d characters: %v", l.AppDescription, err)
	}
	got, err := f.svc.GetApplication(f.ctx, "described")
	if err != nil || len(*got.Description) != l.AppDescription {
		t.Fatalf("stored description: %v", err)
	}
	tooLong(create("overdescribed", strings.Repeat("d", l.AppDescription+1)), "overdescribed")
	noApp("overdescribed")
}

// TestUpdateApplicationFieldLimits bounds the values of an application's
// tree that have columns upstream, and the stored tree as a whole.
func TestUpdateApplicationFieldLimits(t *testing.T) {
	f := newAppMgt(t)
	l := admin.DefaultFieldLimits()
	id := f.create(t, f.ctx, "tree")
	inbound := func(key, typ, propName, propValue string) *wsdl.InboundAuthenticationRequestConfig {
		return &wsdl.InboundAuthenticationRequestConfig{InboundAuthKey: &key, InboundAuthType: &typ,
			Properties: []*wsdl.Property{{Name: &propName, Value: &propValue}}}
	}
	cases := []struct {
		name  string
		limit int
		tree  func(v string) *wsdl.ServiceProvider
	}{
		{"description", l.AppDescription, func(v string) *wsdl.ServiceProvider {
			return &wsdl.ServiceProvider{ApplicationID: id, ApplicationName: strp("tree"), Description: &v}
		}},
		{"imageUrl", l.AppURL, func(v string) *wsdl.ServiceProvider {
			return &wsdl.ServiceProvider{ApplicationID: id, ApplicationName: strp("tree"), ImageUrl: &v}
		}},
		{"accessUrl", l.AppURL, func(v string) *wsdl.ServiceProvider {
			return &wsdl.ServiceProvider{ApplicationID: id, ApplicationName: strp("tree"), AccessUrl: &v}
		}},
		// A SAML issuer: no OAuth client has to exist for its key.
		{"inboundAuthKey", l.InboundKey, func(v string) *wsdl.ServiceProvider {
			return withInbound(id, "tree", inbound(v, "samlsso", "p", "v"))
		}},
		{"inboundAuthType", l.InboundType, func(v string) *wsdl.ServiceProvider {
			return withInbound(id, "tree", inbound("issuer", v, "p", "v"))
		}},
		{"property name", l.InboundPropertyName, func(v string) *wsdl.ServiceProvider {
			return withInbound(id, "tree", inbound("issuer", "samlsso", v, "v"))
		}},
		{"property value", l.InboundPropertyValue, func(v string) *wsdl.ServiceProvider {
			return withInbound(id, "tree", inbound("issuer", "samlsso", "p", v))
		}},
		{"spProperties value", l.AppProperty, func(v string) *wsdl.ServiceProvider {
			return &wsdl.ServiceProvider{ApplicationID: id, ApplicationName: strp("tree"),
				SpProperties: []*wsdl.ServiceProviderProperty{{Name: strp("custom"), Value: &v}}}
		}},
		{"spProperties name", l.AppProperty, func(v string) *wsdl.ServiceProvider {
			return &wsdl.ServiceProvider{ApplicationID: id, ApplicationName: strp("tree"),
				SpProperties: []*wsdl.ServiceProviderProperty{{Name: &v, Value: strp("x")}}}
		}},
		{"applicationName", l.AppName, func(v string) *wsdl.ServiceProvider {
			return &wsdl.ServiceProvider{ApplicationID: id, ApplicationName: &v}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok := c.tree(strings.Repeat("v", c.limit))
			if err := f.svc.UpdateApplication(f.ctx, ok); err != nil {
				t.Fatalf("%d characters: %v", c.limit, err)
			}
			before, err := f.db.FindServiceProviderByID(f.ctx, admin.SuperTenantID, int64(id))
			if err != nil {
				t.Fatal(err)
			}
			over := c.tree(strings.Repeat("w", c.limit+1))
			de := wantCode(t, f.svc.UpdateApplication(f.ctx, over), "appmgt.update-too-long")
			if want := "Error while updating application: " + *over.ApplicationName + " for tenant: carbon.super"; text(de) != want {
				t.Errorf("text %.80q, want %.80q", text(de), want)
			}
			after, err := f.db.FindServiceProviderByID(f.ctx, admin.SuperTenantID, int64(id))
			if err != nil {
				t.Fatal(err)
			}
			if after.Name != before.Name || after.Description != before.Description || string(after.Document) != string(before.Document) {
				t.Errorf("the refused update changed the application")
			}
			// Back to the short name for the next case.
			if err := f.svc.UpdateApplication(f.ctx, &wsdl.ServiceProvider{ApplicationID: id, ApplicationName: strp("tree")}); err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("document", func(t *testing.T) {
		// The stored tree grows by one byte a character of the certificate.
		withCert := func(n int) *wsdl.ServiceProvider {
			return &wsdl.ServiceProvider{ApplicationID: id, ApplicationName: strp("tree"), CertificateContent: strp(strings.Repeat("c", n))}
		}
		if err := f.svc.UpdateApplication(f.ctx, withCert(1)); err != nil {
			t.Fatal(err)
		}
		probe, err := f.db.FindServiceProviderByID(f.ctx, admin.SuperTenantID, int64(id))
		if err != nil {
			t.Fatal(err)
		}
		n := 1 + l.AppDocumentBytes - len(probe.Document)
		if err := f.svc.UpdateApplication(f.ctx, withCert(n)); err != nil {
			t.Fatalf("a tree of exactly %d bytes: %v", l.AppDocumentBytes, err)
		}
		exact, err := f.db.FindServiceProviderByID(f.ctx, admin.SuperTenantID, int64(id))
		if err != nil || len(exact.Document) != l.AppDocumentBytes {
			t.Fatalf("stored a tree of %d bytes, %v", len(exact.Document), err)
		}
		wantCode(t, f.svc.UpdateApplication(f.ctx, withCert(n+1)), "appmgt.update-too-long")
		after, err := f.db.FindServiceProviderByID(f.ctx, admin.SuperTenantID, int64(id))
		if err != nil || string(after.Document) != string(exact.Document) {
			t.Errorf("the refused update changed the tree: %v", err)
		}
	})
}

// templateContent is a service provider document of exactly size bytes.
func templateContent(size int) string {
	head, tail := `<ServiceProvider><ApplicationName>t</ApplicationName><Description>`, `</Description></ServiceProvider>`
	return head + strings.Repeat("d", size-len(head)-len(tail)) + tail
}

// TestTemplateFieldLimits bounds SP_TEMPLATE's name and description, and
// its content (a BLOB upstream) by the project's bound.
func TestTemplateFieldLimits(t *testing.T) {
	f := newAppMgt(t)
	l := admin.DefaultFieldLimits()
	create := func(name, description, content string) error {
		return f.svc.CreateApplicationTemplate(f.ctx, &wsdl.SpTemplate{Name: &name, Description: &description, Content: &content})
	}
	refused := func(err error, name string) {
		t.Helper()
		if de := wantCode(t, err, "appmgt.template-too-long"); text(de) != "Server error occurred." {
			t.Errorf("text %q", text(de))
		}
		if ok, err := f.svc.IsExistingApplicationTemplate(f.ctx, name); ok || err != nil {
			t.Errorf("template %.40q stored: %v", name, err)
		}
	}
	small := templateContent(200)
	if err := create(strings.Repeat("n", l.TemplateName), "", small); err != nil {
		t.Fatalf("a name of %d characters: %v", l.TemplateName, err)
	}
	refused(create(strings.Repeat("o", l.TemplateName+1), "", small), strings.Repeat("o", l.TemplateName+1))
	if err := create("described", strings.Repeat("d", l.TemplateDescription), small); err != nil {
		t.Fatalf("a description of %d characters: %v", l.TemplateDescription, err)
	}
	refused(create("overdescribed", strings.Repeat("d", l.TemplateDescription+1), small), "overdescribed")
	if err := create("full", "", templateContent(l.TemplateContentBytes)); err != nil {
		t.Fatalf("content of exactly %d bytes: %v", l.TemplateContentBytes, err)
	}
	refused(create("overfull", "", templateContent(l.TemplateContentBytes+1)), "overfull")

	// An update is bounded alike and leaves the template as it was.
	err := f.svc.UpdateApplicationTemplate(f.ctx, "described", &wsdl.SpTemplate{Name: strp("described"), Content: strp(templateContent(l.TemplateContentBytes + 1))})
	wantCode(t, err, "appmgt.template-too-long")
	got, err := f.svc.GetApplicationTemplate(f.ctx, "described")
	if err != nil || *got.Content != small || len(*got.Description) != l.TemplateDescription {
		t.Errorf("the refused update changed the template: %v", err)
	}
}

// exportDocument is an application in the export format with an embedded
// OAuth client.
func exportDocument(t *testing.T, name, description string, client *admin.OAuthApp) string {
	t.Helper()
	blob, err := xml.Marshal(struct {
		XMLName                                                                  xml.Name `xml:"OAuthClient"`
		ConsumerKey, ConsumerSecret, Name, CallbackURL, GrantTypes, OAuthVersion string
	}{ConsumerKey: client.ConsumerKey, ConsumerSecret: client.ConsumerSecret, Name: client.Name,
		CallbackURL: client.CallbackURL, GrantTypes: client.GrantTypes, OAuthVersion: "OAuth-2.0"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"ServiceProvider"`
		wsdl.ServiceProvider
	}{ServiceProvider: wsdl.ServiceProvider{ApplicationName: &name, Description: &description,
		InboundAuthenticationConfig: &wsdl.InboundAuthenticationConfig{InboundAuthenticationRequestConfigs: []*wsdl.InboundAuthenticationRequestConfig{{
			InboundAuthKey: &client.ConsumerKey, InboundAuthType: strp("oauth2"), InboundConfiguration: strp(string(blob)),
		}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(doc)
}

// TestImportFieldLimits refuses an import whose application or embedded
// OAuth client is too long before anything of it is written.
func TestImportFieldLimits(t *testing.T) {
	f := newAppMgt(t)
	l := admin.DefaultFieldLimits()
	client := func(key, callback string) *admin.OAuthApp {
		return &admin.OAuthApp{ConsumerKey: key, ConsumerSecret: "s", Name: "client " + key, CallbackURL: callback, GrantTypes: "client_credentials"}
	}
	importApp := func(name, description string, c *admin.OAuthApp) *wsdl.ImportResponse {
		t.Helper()
		resp, err := f.svc.ImportApplication(f.ctx, &wsdl.SpFileContent{Content: strp(exportDocument(t, name, description, c)), FileName: strp(name + ".xml")})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	refused := func(resp *wsdl.ImportResponse, want, name, key string) {
		t.Helper()
		if resp.ResponseCode != 400 || len(resp.Errors) != 1 || resp.Errors[0] != want {
			t.Errorf("import answered %d %q, want 400 %q", resp.ResponseCode, resp.Errors, want)
		}
		if _, err := f.db.FindServiceProviderByName(f.ctx, admin.SuperTenantID, name); !errors.Is(err, admin.ErrNotFound) {
			t.Errorf("application %s stored: %v", name, err)
		}
		assertNoClient(t, f, key, "client "+key)
	}

	okResp := importApp("fits", strings.Repeat("d", l.AppDescription), client("fits-key", "https://c.example/"+strings.Repeat("p", l.OAuthCallbackURL-len("https://c.example/"))))
	if okResp.ResponseCode != 201 {
		t.Fatalf("import at the limits answered %+v", okResp)
	}
	refused(importApp("long-description", strings.Repeat("d", l.AppDescription+1), client("desc-key", "https://c.example/")),
		"Error while creating application: long-description for tenant: carbon.super", "long-description", "desc-key")
	refused(importApp("long-callback", "", client("cb-key", "https://c.example/"+strings.Repeat("p", l.OAuthCallbackURL))),
		"Error when executing SQL to create OAuth app client cb-key@carbon.super ", "long-callback", "cb-key")

	// Importing over an existing application fails as its update does and
	// leaves it as it was.
	before, err := f.db.FindServiceProviderByName(f.ctx, admin.SuperTenantID, "fits")
	if err != nil {
		t.Fatal(err)
	}
	resp := importApp("fits", strings.Repeat("e", l.AppDescription+1), client("fits-key", "https://c.example/"))
	if want := "Error while updating application: fits for tenant: carbon.super"; resp.ResponseCode != 400 || len(resp.Errors) != 1 || resp.Errors[0] != want {
		t.Errorf("import over fits answered %d %q, want 400 %q", resp.ResponseCode, resp.Errors, want)
	}
	after, err := f.db.FindServiceProviderByName(f.ctx, admin.SuperTenantID, "fits")
	if err != nil || after.Description != before.Description || string(after.Document) != string(before.Document) {
		t.Errorf("the refused import changed the application: %v", err)
	}
}
