package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
	"github.com/isadmin/isadmin/store"
	"github.com/isadmin/isadmin/storeapi"
	"github.com/isadmin/isadmin/wsdl"
)

type appMgtFixture struct {
	db    *schema.DB
	svc   *admin.AppMgt
	oauth *admin.OAuthAdmin
	ctx   context.Context
	// other is a context of another tenant.
	other context.Context
}

func newAppMgt(t *testing.T) *appMgtFixture {
	t.Helper()
	db := schematest.Open(t, schematest.Location(t, t.TempDir()))
	n := 0
	svc := &admin.AppMgt{Store: db, OAuth: db,
		NewUUID: func() string { n++; return fmt.Sprintf("uuid-%d", n) }}
	// The store holds "mapped-key" as out-of-band keys of an application.
	ctx := context.Background()
	app := &store.Application{UUID: "store-app", TenantID: admin.SuperTenantID, Owner: "admin", Name: "store-app", ThrottlingPolicy: "Unlimited", TokenType: "JWT", Status: "APPROVED"}
	if err := db.CreateStoreApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateKeyMapping(ctx, &store.KeyMapping{UUID: "m1", ApplicationID: app.ID, KeyType: store.KeyTypeProduction,
		KeyManager: storeapi.ResidentKeyManager, ConsumerKey: "mapped-key", Mode: store.ModeMapped, State: "COMPLETED"}); err != nil {
		t.Fatal(err)
	}
	oauth := &admin.OAuthAdmin{Store: db, Config: admin.OAuthConfig{AllowedGrantTypes: []string{"client_credentials", "password"}}}
	return &appMgtFixture{
		db: db, svc: svc, oauth: oauth,
		ctx:   admin.WithPrincipal(context.Background(), admin.Principal{TenantID: admin.SuperTenantID, TenantDomain: admin.SuperTenantDomain, Username: "admin"}),
		other: admin.WithPrincipal(context.Background(), admin.Principal{TenantID: 7, TenantDomain: "wso2.com", Username: "bob"}),
	}
}

func sp(name string) *wsdl.ServiceProvider {
	return &wsdl.ServiceProvider{ApplicationName: &name}
}

func strp(s string) *string { return &s }

func oauthInbound(key string, props ...*wsdl.Property) *wsdl.InboundAuthenticationRequestConfig {
	return &wsdl.InboundAuthenticationRequestConfig{InboundAuthKey: strp(key), InboundAuthType: strp("oauth2"), Properties: props}
}

// withInbound returns a full update request for the application.
func withInbound(id int32, name string, inbound ...*wsdl.InboundAuthenticationRequestConfig) *wsdl.ServiceProvider {
	return &wsdl.ServiceProvider{
		ApplicationID: id, ApplicationName: &name,
		InboundAuthenticationConfig: &wsdl.InboundAuthenticationConfig{InboundAuthenticationRequestConfigs: inbound},
	}
}

func (f *appMgtFixture) register(t *testing.T, ctx context.Context, name, key string) {
	t.Helper()
	err := f.oauth.RegisterOAuthApplicationData(ctx, &wsdl.OAuthConsumerAppDTO{
		ApplicationName: &name, OauthConsumerKey: &key, OauthConsumerSecret: strp(key + "-secret"), GrantTypes: strp("client_credentials"),
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *appMgtFixture) create(t *testing.T, ctx context.Context, name string) int32 {
	t.Helper()
	id, err := f.svc.CreateApplication(ctx, sp(name))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func wantCode(t *testing.T, err error, code string) *admin.Error {
	t.Helper()
	var de *admin.Error
	if !errors.As(err, &de) || de.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	return de
}

func text(e *admin.Error) string { return fmt.Sprintf(e.Default, e.Args...) }

func TestAppMgt_CreateAndFreshTree(t *testing.T) {
	f := newAppMgt(t)
	id, err := f.svc.CreateApplication(f.ctx, &wsdl.ServiceProvider{
		ApplicationName: strp("travelocity.com"), Description: strp("sample"), ApplicationID: 99,
		SaasApp: true, Owner: &wsdl.User{UserName: strp("mallory")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if id != 1 {
		t.Errorf("id = %d, want 1 (the request's applicationID is ignored)", id)
	}
	got, err := f.svc.GetApplication(f.ctx, "travelocity.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.ApplicationID != 1 || *got.ApplicationName != "travelocity.com" || *got.Description != "sample" || got.SaasApp {
		t.Errorf("basic fields: %+v", got)
	}
	if *got.ApplicationResourceId != "uuid-1" || *got.TenantDomain != "carbon.super" {
		t.Errorf("resource id %q tenant %q", *got.ApplicationResourceId, *got.TenantDomain)
	}
	o := got.Owner
	if *o.UserName != "admin" || *o.TenantDomain != "carbon.super" || o.TenantId != -1234 || *o.UserStoreDomain != "PRIMARY" {
		t.Errorf("owner %+v", o)
	}
	if c := got.ClaimConfig; c.AlwaysSendMappedLocalSubjectId || !c.LocalClaimDialect || c.ClaimMappings == nil || len(c.ClaimMappings) != 0 {
		t.Errorf("claimConfig %+v", c)
	}
	if lo := got.LocalAndOutBoundAuthenticationConfig; *lo.AuthenticationType != "default" || !lo.UseUserstoreDomainInRoles || len(lo.AuthenticationSteps) != 0 {
		t.Errorf("localAndOutBound %+v", lo)
	}
	if ip := got.InboundProvisioningConfig; ip.ProvisioningEnabled || ip.DumbMode {
		t.Errorf("inboundProvisioning %+v", ip)
	}
	if got.OutboundProvisioningConfig.ProvisionByRoleList != nil {
		t.Errorf("provisionByRoleList should be null")
	}
	if got.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs == nil || got.PermissionAndRoleConfig.Permissions == nil {
		t.Errorf("empty sections must be empty, not null")
	}
	var props []string
	for _, p := range got.SpProperties {
		props = append(props, *p.Name+"="+*p.Value)
	}
	if !slices.Equal(props, []string{"USE_DOMAIN_IN_ROLES=true", "USE_USER_ID_FOR_DEFAULT_SUBJECT=true"}) {
		t.Errorf("spProperties %v", props)
	}
	if !got.ApplicationEnabled {
		t.Errorf("applicationEnabled false")
	}

	// Unknown: null.
	if got, err := f.svc.GetApplication(f.ctx, "nope"); got != nil || err != nil {
		t.Errorf("unknown: %v, %v", got, err)
	}
	// Another tenant does not see it.
	if got, err := f.svc.GetApplication(f.other, "travelocity.com"); got != nil || err != nil {
		t.Errorf("other tenant: %v, %v", got, err)
	}
}

func TestAppMgt_NameRules(t *testing.T) {
	f := newAppMgt(t)
	f.create(t, f.ctx, "app")
	for _, tc := range []struct {
		name, code, text string
	}{
		{"", "appmgt.name-required", "Application name cannot be empty."},
		{"   ", "appmgt.name-required", "Application name cannot be empty."},
		{"bad/name", "appmgt.name-invalid", "The Application name: 'bad/name' is not valid! It is not adhering to the regex: ^[a-zA-Z0-9 ._-]*$"},
		{"app", "appmgt.name-exists", "An application with name: 'app' already exists in tenantDomain: carbon.super"},
	} {
		_, err := f.svc.CreateApplication(f.ctx, sp(tc.name))
		if got := text(wantCode(t, err, tc.code)); got != tc.text {
			t.Errorf("%q: %q, want %q", tc.name, got, tc.text)
		}
	}
	wantCode(t, second(f.svc.CreateApplication(f.ctx, nil)), "appmgt.no-application")
	// The same name in another tenant is fine.
	f.create(t, f.other, "app")

	// Renames follow the same rules.
	id := f.create(t, f.ctx, "second")
	wantCode(t, f.svc.UpdateApplication(f.ctx, withInbound(id, "app")), "appmgt.rename-exists")
	wantCode(t, f.svc.UpdateApplication(f.ctx, withInbound(id, "")), "appmgt.name-required")
	wantCode(t, f.svc.UpdateApplication(f.ctx, withInbound(id, "a*b")), "appmgt.name-invalid")
	if err := f.svc.UpdateApplication(f.ctx, withInbound(id, "third")); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.GetApplication(f.ctx, "third"); got == nil || got.ApplicationID != id {
		t.Errorf("rename lost: %+v", got)
	}
	de := wantCode(t, f.svc.UpdateApplication(f.ctx, withInbound(99, "x")), "appmgt.id-not-found")
	if text(de) != "Cannot find application with id: 99 in tenantDomain: carbon.super" {
		t.Errorf("unknown id: %q", text(de))
	}
	// An id of another tenant is unknown.
	wantCode(t, f.svc.UpdateApplication(f.other, withInbound(id, "x")), "appmgt.id-not-found")
}

func second[T any](_ T, err error) error { return err }

func TestAppMgt_OAuthLink(t *testing.T) {
	f := newAppMgt(t)
	f.register(t, f.ctx, "client", "ck")
	id := f.create(t, f.ctx, "app")

	// The request's secret property is never stored; the client's is shown.
	err := f.svc.UpdateApplication(f.ctx, withInbound(id, "app", oauthInbound("ck",
		&wsdl.Property{Name: strp("oauthConsumerSecret"), Value: strp("forged")},
		&wsdl.Property{Name: strp("other"), Value: strp("kept")})))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := f.db.FindServiceProviderByName(f.ctx, admin.SuperTenantID, "app")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(rec.Document), "forged") || strings.Contains(string(rec.Document), "oauthConsumerSecret") {
		t.Errorf("secret stored: %s", rec.Document)
	}
	if !slices.Equal(rec.OAuthKeys, []string{"ck"}) {
		t.Errorf("links %v", rec.OAuthKeys)
	}
	got, _ := f.svc.GetApplication(f.ctx, "app")
	ic := got.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs
	if len(ic) != 1 || *ic[0].InboundAuthKey != "ck" {
		t.Fatalf("inbound %+v", ic)
	}
	var props []string
	for _, p := range ic[0].Properties {
		props = append(props, *p.Name+"="+*p.Value)
	}
	if !slices.Equal(props, []string{"other=kept", "oauthConsumerSecret=ck-secret"}) {
		t.Errorf("properties %v", props)
	}

	// Unknown clients, and clients of another tenant, cannot be linked.
	f.register(t, f.other, "foreign", "foreign-key")
	for _, key := range []string{"missing", "foreign-key"} {
		de := wantCode(t, f.svc.UpdateApplication(f.ctx, withInbound(id, "app", oauthInbound(key))), "appmgt.oauth-client-not-found")
		if text(de) != "Cannot find a valid OAuth client for consumerKey: "+key {
			t.Errorf("%q", text(de))
		}
	}

	// A key linked to another provider of the tenant is refused, naming it.
	other := f.create(t, f.ctx, "other")
	de := wantCode(t, f.svc.UpdateApplication(f.ctx, withInbound(other, "other", oauthInbound("ck"))), "appmgt.oauth-client-linked")
	if text(de) != "The OAuth client ck is already linked to the service provider app" {
		t.Errorf("%q", text(de))
	}
	// A provider of another tenant linking a key of the same name changes
	// nothing: links, like keys, are unique per tenant.
	f.register(t, f.ctx, "shared", "shared-key")
	f.register(t, f.other, "shared", "shared-key")
	foreign := f.create(t, f.other, "foreign-app")
	if err := f.svc.UpdateApplication(f.other, withInbound(foreign, "foreign-app", oauthInbound("shared-key"))); err != nil {
		t.Fatalf("other tenant links its own shared-key: %v", err)
	}
	if err := f.svc.UpdateApplication(f.ctx, withInbound(other, "other", oauthInbound("shared-key"))); err != nil {
		t.Fatalf("linking a key another tenant links too: %v", err)
	}
	if err := f.svc.UpdateApplication(f.ctx, withInbound(other, "other")); err != nil {
		t.Fatal(err)
	}
	// Nothing changed by the refused updates.
	if rec, _ := f.db.FindServiceProviderByName(f.ctx, admin.SuperTenantID, "other"); len(rec.OAuthKeys) != 0 {
		t.Errorf("refused update linked %v", rec.OAuthKeys)
	}
}

func TestAppMgt_UnlinkDeletesClientUnlessMapped(t *testing.T) {
	f := newAppMgt(t)
	f.register(t, f.ctx, "c1", "ck1")
	f.register(t, f.ctx, "c2", "mapped-key")
	f.register(t, f.ctx, "c3", "ck3")
	id := f.create(t, f.ctx, "app")
	if err := f.svc.UpdateApplication(f.ctx, withInbound(id, "app", oauthInbound("ck1"), oauthInbound("mapped-key"), oauthInbound("ck3"))); err != nil {
		t.Fatal(err)
	}
	// Dropping ck1 and the mapped key: ck1 goes, the mapped client stays.
	if err := f.svc.UpdateApplication(f.ctx, withInbound(id, "app", oauthInbound("ck3"))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.FindOAuthAppByKey(f.ctx, admin.SuperTenantID, "ck1"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("unlinked client survived: %v", err)
	}
	if _, err := f.db.FindOAuthAppByKey(f.ctx, admin.SuperTenantID, "mapped-key"); err != nil {
		t.Errorf("mapped client deleted: %v", err)
	}
	// Delete takes the remaining linked client along.
	if err := f.svc.DeleteApplication(f.ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.FindOAuthAppByKey(f.ctx, admin.SuperTenantID, "ck3"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("client of deleted app survived: %v", err)
	}
	if got, _ := f.svc.GetApplication(f.ctx, "app"); got != nil {
		t.Errorf("deleted app found")
	}
	// Unknown names delete silently.
	if err := f.svc.DeleteApplication(f.ctx, "app"); err != nil {
		t.Errorf("unknown delete: %v", err)
	}
}

func TestAppMgt_DeleteKeepsMappedClient(t *testing.T) {
	f := newAppMgt(t)
	f.register(t, f.ctx, "c", "mapped-key")
	id := f.create(t, f.ctx, "app")
	if err := f.svc.UpdateApplication(f.ctx, withInbound(id, "app", oauthInbound("mapped-key"))); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteApplication(f.ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.FindOAuthAppByKey(f.ctx, admin.SuperTenantID, "mapped-key"); err != nil {
		t.Errorf("mapped client deleted: %v", err)
	}
}

func TestAppMgt_FullReplace(t *testing.T) {
	f := newAppMgt(t)
	id := f.create(t, f.ctx, "app")
	full := withInbound(id, "app")
	full.Description = strp("d")
	full.ClaimConfig = &wsdl.ClaimConfig{RoleClaimURI: strp("http://wso2.org/claims/role")}
	full.LocalAndOutBoundAuthenticationConfig = &wsdl.LocalAndOutboundAuthenticationConfig{AuthenticationType: strp("flow")}
	full.PermissionAndRoleConfig = &wsdl.PermissionsAndRoleConfig{Permissions: []*wsdl.ApplicationPermission{{Value: strp("p")}}}
	if err := f.svc.UpdateApplication(f.ctx, full); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.GetApplication(f.ctx, "app")
	if *got.ClaimConfig.RoleClaimURI != "http://wso2.org/claims/role" || got.ClaimConfig.LocalClaimDialect ||
		*got.LocalAndOutBoundAuthenticationConfig.AuthenticationType != "flow" || len(got.PermissionAndRoleConfig.Permissions) != 1 {
		t.Errorf("update not stored: %+v", got)
	}
	if *got.SpProperties[0].Value != "false" {
		t.Errorf("USE_DOMAIN_IN_ROLES follows useUserstoreDomainInRoles: %v", *got.SpProperties[0].Value)
	}
	// Omitted sections read back fresh.
	if err := f.svc.UpdateApplication(f.ctx, withInbound(id, "app")); err != nil {
		t.Fatal(err)
	}
	got, _ = f.svc.GetApplication(f.ctx, "app")
	if got.ClaimConfig.RoleClaimURI != nil || *got.LocalAndOutBoundAuthenticationConfig.AuthenticationType != "default" ||
		len(got.PermissionAndRoleConfig.Permissions) != 0 || got.Description != nil {
		t.Errorf("omitted sections kept: %+v", got)
	}
	if !got.ApplicationEnabled {
		t.Errorf("applicationEnabled is kept from the store")
	}
	if got.ApplicationVersion == nil || *got.ApplicationVersion != "v2.0.0" {
		t.Errorf("applicationVersion not kept: %v", got.ApplicationVersion)
	}
	var props []string
	for _, p := range got.SpProperties {
		props = append(props, *p.Name)
	}
	if !slices.Equal(props, []string{"USE_DOMAIN_IN_ROLES", "USE_USER_ID_FOR_DEFAULT_SUBJECT"}) {
		t.Errorf("spProperties after an update without them: %v", props)
	}
}

func TestAppMgt_Listings(t *testing.T) {
	f := newAppMgt(t)
	f.register(t, f.ctx, "c", "ck")
	for i := 1; i <= 12; i++ {
		f.create(t, f.ctx, fmt.Sprintf("app%02d", i))
	}
	f.create(t, f.ctx, "other")
	f.create(t, f.other, "foreign")
	rec, _ := f.db.FindServiceProviderByName(f.ctx, admin.SuperTenantID, "app01")
	if err := f.svc.UpdateApplication(f.ctx, withInbound(int32(rec.ID), "app01", oauthInbound("ck"))); err != nil {
		t.Fatal(err)
	}

	names := func(infos []*wsdl.ApplicationBasicInfo, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, i := range infos {
			out = append(out, *i.ApplicationName)
		}
		return out
	}
	all := names(f.svc.GetAllApplicationBasicInfo(f.ctx))
	if len(all) != 13 || all[0] != "app01" || all[12] != "other" {
		t.Errorf("all = %v", all)
	}
	infos, _ := f.svc.GetAllApplicationBasicInfo(f.ctx)
	first := infos[0]
	if first.ApplicationId != int32(rec.ID) || *first.ClientId != "ck" || *first.Uuid != rec.UUID || *first.ApplicationResourceId != rec.UUID ||
		*first.AppOwner.UserName != "admin" || *first.TenantDomain != "carbon.super" {
		t.Errorf("basic info %+v", first)
	}
	if infos[1].ClientId != nil {
		t.Errorf("clientId of an unlinked app")
	}
	for filter, want := range map[string]int{"app*": 12, "app1?": 3, "app05": 1, "*": 13, "": 13, "name sw app1": 3, "name co 0": 10, "name eq other": 1, "nothing*": 0} {
		if got := names(f.svc.GetApplicationBasicInfo(f.ctx, filter)); len(got) != want {
			t.Errorf("filter %q: %v, want %d", filter, got, want)
		}
		if n, err := f.svc.GetCountOfApplications(f.ctx, filter); err != nil || int(n) != want {
			t.Errorf("count %q = %d, %v; want %d", filter, n, err, want)
		}
	}
	if n, _ := f.svc.GetCountOfAllApplications(f.ctx); n != 13 {
		t.Errorf("count all = %d", n)
	}
	if got := names(f.svc.GetAllPaginatedApplicationBasicInfo(f.ctx, 1)); len(got) != 10 || got[0] != "app01" {
		t.Errorf("page 1 = %v", got)
	}
	if got := names(f.svc.GetAllPaginatedApplicationBasicInfo(f.ctx, 2)); !slices.Equal(got, []string{"app11", "app12", "other"}) {
		t.Errorf("page 2 = %v", got)
	}
	if got := names(f.svc.GetPaginatedApplicationBasicInfo(f.ctx, 2, "app*")); !slices.Equal(got, []string{"app11", "app12"}) {
		t.Errorf("filtered page 2 = %v", got)
	}
	if got := names(f.svc.GetAllPaginatedApplicationBasicInfo(f.ctx, 3)); len(got) != 0 {
		t.Errorf("page 3 = %v", got)
	}
	for _, page := range []int32{0, -1} {
		wantCode(t, second(f.svc.GetAllPaginatedApplicationBasicInfo(f.ctx, page)), "appmgt.invalid-page")
	}
}

func TestAppMgt_ExportImportRoundTrip(t *testing.T) {
	f := newAppMgt(t)
	f.register(t, f.ctx, "client", "ck")
	id := f.create(t, f.ctx, "app")
	full := withInbound(id, "app", oauthInbound("ck", &wsdl.Property{Name: strp("p"), Value: strp("v")}))
	full.Description = strp("exported <app> & more")
	full.ClaimConfig = &wsdl.ClaimConfig{LocalClaimDialect: true, ClaimMappings: []*wsdl.ClaimMapping{{
		LocalClaim: &wsdl.Claim{ClaimUri: strp("http://wso2.org/claims/fullname")}, RemoteClaim: &wsdl.Claim{ClaimUri: strp("name")}, Requested: true,
	}}}
	full.LocalAndOutBoundAuthenticationConfig = &wsdl.LocalAndOutboundAuthenticationConfig{
		AuthenticationType: strp("flow"), SubjectClaimUri: strp("http://wso2.org/claims/username"),
		AuthenticationSteps: []*wsdl.AuthenticationStep{{StepOrder: 1, SubjectStep: true,
			LocalAuthenticatorConfigs: []*wsdl.LocalAuthenticatorConfig{{Name: strp("BasicAuthenticator"), DisplayName: strp("basic")}}}},
	}
	full.SpProperties = []*wsdl.ServiceProviderProperty{{Name: strp("custom"), Value: strp("1")}}
	if err := f.svc.UpdateApplication(f.ctx, full); err != nil {
		t.Fatal(err)
	}
	before, _ := f.svc.GetApplication(f.ctx, "app")

	doc, err := f.svc.ExportApplication(f.ctx, "app", false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(*doc, "ck-secret") {
		t.Errorf("export without secrets carries the secret:\n%s", *doc)
	}
	if !strings.Contains(*doc, "<ServiceProvider>") || !strings.Contains(*doc, "<ApplicationName>app</ApplicationName>") {
		t.Errorf("export:\n%s", *doc)
	}
	// Re-import of the same name updates the application.
	resp, err := f.svc.ImportApplication(f.ctx, &wsdl.SpFileContent{Content: doc, FileName: strp("app.xml")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.ResponseCode != 200 || *resp.ApplicationName != "app" || *resp.ApplicationResourceId != *before.ApplicationResourceId || len(resp.Errors) != 0 {
		t.Errorf("re-import response %+v", resp)
	}
	after, _ := f.svc.GetApplication(f.ctx, "app")
	if mustMarshal(t, before) != mustMarshal(t, after) {
		t.Errorf("round trip changed the application:\nbefore %s\nafter  %s", mustMarshal(t, before), mustMarshal(t, after))
	}
	again, _ := f.svc.ExportApplication(f.ctx, "app", false)
	if *again != *doc {
		t.Errorf("second export differs:\n%s\n%s", *doc, *again)
	}

	// With secrets, another tenant gets the application and its client.
	doc, err = f.svc.ExportApplication(f.ctx, "app", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteApplication(f.ctx, "app"); err != nil { // frees the key
		t.Fatal(err)
	}
	resp, err = f.svc.ImportApplication(f.other, &wsdl.SpFileContent{Content: doc, FileName: strp("app.xml")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.ResponseCode != 201 {
		t.Fatalf("import into another tenant: %+v %v", resp, resp.Errors)
	}
	got, _ := f.svc.GetApplication(f.other, "app")
	ic := got.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs
	if len(ic) != 1 || *ic[0].InboundAuthKey != "ck" || *ic[0].Properties[len(ic[0].Properties)-1].Value != "ck-secret" {
		t.Errorf("imported inbound %+v", ic)
	}
	if *got.Owner.UserName != "bob" || *got.Description != "exported <app> & more" {
		t.Errorf("imported app %+v", got)
	}

	// Refused content: a response with the reason; unreadable content: a fault.
	bad := strings.Replace(*doc, "<ApplicationName>app</ApplicationName>", "<ApplicationName>bad/name</ApplicationName>", 1)
	resp, err = f.svc.ImportApplication(f.ctx, &wsdl.SpFileContent{Content: &bad})
	if err != nil || resp.ResponseCode != 400 || len(resp.Errors) != 1 || !strings.Contains(resp.Errors[0], "bad/name") {
		t.Errorf("bad name import: %+v, %v", resp, err)
	}
	wantCode(t, second(f.svc.ImportApplication(f.ctx, &wsdl.SpFileContent{Content: strp("<nope/>"), FileName: strp("x.xml")})), "appmgt.import-invalid")
	wantCode(t, second(f.svc.ImportApplication(f.ctx, &wsdl.SpFileContent{Content: strp(" ")})), "appmgt.import-empty")
	wantCode(t, second(f.svc.ExportApplication(f.ctx, "nope", false)), "appmgt.name-not-found")
}

func mustMarshal(t *testing.T, sp *wsdl.ServiceProvider) string {
	t.Helper()
	b, err := json.Marshal(sp)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAppMgt_Templates(t *testing.T) {
	f := newAppMgt(t)
	// From a provider: the template keeps its configuration.
	src := withInbound(0, "ignored")
	src.LocalAndOutBoundAuthenticationConfig = &wsdl.LocalAndOutboundAuthenticationConfig{AuthenticationType: strp("local"), UseUserstoreDomainInRoles: true}
	if err := f.svc.CreateApplicationTemplateFromSP(f.ctx, src, &wsdl.SpTemplate{Name: strp("local-login"), Description: strp("d")}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.CreateApplicationTemplateFromSP(f.ctx, src, &wsdl.SpTemplate{Name: strp("local-login")}), "appmgt.template-exists")
	wantCode(t, f.svc.CreateApplicationTemplate(f.ctx, &wsdl.SpTemplate{Name: strp("x"), Content: strp("not xml")}), "appmgt.template-invalid")
	wantCode(t, f.svc.CreateApplicationTemplate(f.ctx, &wsdl.SpTemplate{Content: strp("<ServiceProvider/>")}), "appmgt.template-name-required")

	if ok, _ := f.svc.IsExistingApplicationTemplate(f.ctx, "local-login"); !ok {
		t.Errorf("template missing")
	}
	if ok, _ := f.svc.IsExistingApplicationTemplate(f.other, "local-login"); ok {
		t.Errorf("template visible to another tenant")
	}
	tmpl, err := f.svc.GetApplicationTemplate(f.ctx, "local-login")
	if err != nil || !strings.Contains(*tmpl.Content, "<AuthenticationType>local</AuthenticationType>") {
		t.Fatalf("template %+v, %v", tmpl, err)
	}
	wantCode(t, second(f.svc.GetApplicationTemplate(f.ctx, "nope")), "appmgt.template-not-found")
	if got, err := f.svc.GetApplicationTemplate(f.ctx, ""); got != nil || err != nil {
		t.Errorf("no default template: %v, %v", got, err)
	}

	created, err := f.svc.CreateApplicationWithTemplate(f.ctx, &wsdl.ServiceProvider{ApplicationName: strp("from-template"), Description: strp("x")}, "local-login")
	if err != nil {
		t.Fatal(err)
	}
	if *created.ApplicationName != "from-template" || *created.LocalAndOutBoundAuthenticationConfig.AuthenticationType != "local" || created.ApplicationID == 0 {
		t.Errorf("created from template: %+v", created)
	}
	wantCode(t, second(f.svc.CreateApplicationWithTemplate(f.ctx, sp("x"), "nope")), "appmgt.template-not-found")
	if got, _ := f.svc.GetApplication(f.ctx, "x"); got != nil {
		t.Errorf("failed template create left an application")
	}

	if err := f.svc.UpdateApplicationTemplate(f.ctx, "local-login", &wsdl.SpTemplate{Name: strp("default"), Content: tmpl.Content}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.UpdateApplicationTemplate(f.ctx, "local-login", &wsdl.SpTemplate{Name: strp("y"), Content: tmpl.Content}), "appmgt.template-not-found")
	// A blank template name now finds the default template.
	created, err = f.svc.CreateApplicationWithTemplate(f.ctx, sp("defaulted"), "")
	if err != nil || *created.LocalAndOutBoundAuthenticationConfig.AuthenticationType != "local" {
		t.Errorf("default template not applied: %+v, %v", created, err)
	}
	infos, err := f.svc.GetAllApplicationTemplateInfo(f.ctx)
	if err != nil || len(infos) != 1 || *infos[0].Name != "default" || infos[0].Content != nil {
		t.Errorf("template infos %+v, %v", infos, err)
	}
	if err := f.svc.DeleteApplicationTemplate(f.ctx, "default"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteApplicationTemplate(f.ctx, "default"); err != nil {
		t.Errorf("deleting an unknown template: %v", err)
	}
}

func TestAppMgt_Catalogue(t *testing.T) {
	f := newAppMgt(t)
	claims, _ := f.svc.GetAllLocalClaimUris(f.ctx)
	if len(claims) < 20 || !slices.IsSorted(claims) || !slices.Contains(claims, "http://wso2.org/claims/emailaddress") {
		t.Errorf("claims %v", claims)
	}
	locals, _ := f.svc.GetAllLocalAuthenticators(f.ctx)
	if len(locals) < 2 || *locals[0].Name != "BasicAuthenticator" || *locals[0].DisplayName != "basic" || !locals[0].Valid || locals[0].Enabled {
		t.Errorf("local authenticators %+v", locals[0])
	}
	paths, _ := f.svc.GetAllRequestPathAuthenticators(f.ctx)
	if len(paths) != 2 {
		t.Errorf("request path authenticators %v", paths)
	}
	if idps, _ := f.svc.GetAllIdentityProviders(f.ctx); idps == nil || len(idps) != 0 {
		t.Errorf("identity providers %v", idps)
	}
	if idp, err := f.svc.GetIdentityProvider(f.ctx, "google"); idp != nil || err != nil {
		t.Errorf("unknown idp %v %v", idp, err)
	}
	if s, _ := f.svc.GetAuthenticationTemplatesJSON(f.ctx); s == nil || *s != "{}" {
		t.Errorf("templates JSON %v", s)
	}
	if inst, _ := f.svc.GetInstance(f.ctx); inst == nil {
		t.Errorf("getInstance nil")
	}
}
