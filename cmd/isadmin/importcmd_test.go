package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
	"github.com/isadmin/isadmin/schema/sealed"
	"github.com/isadmin/isadmin/wsdl"
)

// Tenants of the import tests; carbon.super is always there.
var importTenants = []string{admin.SuperTenantDomain, "a.example.com", "b.example.org"}

// importSeed says what seedSource writes in each tenant.
type importSeed struct {
	// clients per tenant, of which the first sps are linked by one
	// service provider each; every fifth linked one belongs to bob, who
	// also owns bobOwn unlinked clients read with bob's credentials.
	clients, sps, bobOwn int
}

func importKey(domain string, i int) string {
	return fmt.Sprintf("%s-key-%04d", strings.SplitN(domain, ".", 2)[0], i)
}

// fullSettings sets every kind of field of a client, so that what a
// profile carries and what it lacks both show.
func fullSettings(i int) *wsdl.OAuthConsumerAppDTO {
	s := func(v string) *string { return &v }
	b := func(v bool) *bool { return &v }
	n := int64(i)
	return &wsdl.OAuthConsumerAppDTO{
		ApplicationAccessTokenExpiryTime: 3600 + n, UserAccessTokenExpiryTime: 7200 + n, RefreshTokenExpiryTime: 86400 + n,
		IdTokenExpiryTime: 900 + n, Audiences: []string{"aud-" + fmt.Sprint(i), "https://api.example/x"},
		BackChannelLogoutUrl: s("https://logout.example/" + fmt.Sprint(i)), BypassClientCredentials: i%2 == 0,
		FrontchannelLogoutUrl: s("https://front.example/"), IdTokenEncryptionEnabled: i%3 == 0,
		IdTokenEncryptionAlgorithm: s("RSA-OAEP"), IdTokenEncryptionMethod: s("A128GCM"),
		PkceMandatory: i%2 == 1, PkceSupportPlain: i%4 == 1, RenewRefreshTokenEnabled: s("true"),
		RequestObjectSignatureValidationEnabled: true, ScopeValidators: []string{"Role based scope validator"},
		TokenBindingType: s("cookie"), TokenType: s("JWT"), TokenBindingValidationEnabled: true,
		TokenRevocationWithIDPSessionTerminationEnabled: true, IdTokenSignatureAlgorithm: s("PS256"),
		JwksURI: s("https://jwks.example/" + fmt.Sprint(i)), SubjectType: s("public"),
		TokenEndpointAuthMethod: s("private_key_jwt"), AccessTokenClaims: []string{"email", "groups"},
		HybridFlowEnabled: true, HybridFlowResponseType: s("code id_token"), TokenEndpointAllowReusePvtKeyJwt: b(false),
		CibaAuthReqExpiryTime: 300, CibaNotificationChannels: s("email"), JwtScopeAsArrayEnabled: b(true),
		IsFragmentApp: i%7 == 0, ExtendRenewedRefreshTokenExpiryTime: true,
	}
}

// seedSource writes the tenants, users, clients and service providers of
// an import test straight into a server's database.
func seedSource(t testing.TB, db *schema.DB, seed importSeed) {
	t.Helper()
	ctx := context.Background()
	id := &admin.Identity{Store: db, HashCost: bcrypt.MinCost}
	for _, d := range importTenants[1:] {
		if _, err := db.FindTenantByDomain(ctx, d); err != nil {
			if _, err := id.AddTenant(ctx, d, "admin", "admin"); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, d := range importTenants {
		bob := "bob@" + d
		if d == admin.SuperTenantDomain {
			bob = "bob"
		}
		if err := id.AddUser(ctx, bob, "bobpw", []string{admin.AdminRole}); err != nil {
			t.Fatal(err)
		}
	}
	type job func() error
	jobs := make(chan job)
	var wg sync.WaitGroup
	var failed atomic.Value
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := j(); err != nil {
					failed.Store(err)
				}
			}
		}()
	}
	grants := []string{"client_credentials", "authorization_code refresh_token", "password refresh_token", "implicit"}
	for _, d := range importTenants {
		tn, err := db.FindTenantByDomain(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		for i := range seed.clients + seed.bobOwn {
			owner := "admin"
			if (i < seed.sps && i%5 == 4) || i >= seed.clients {
				owner = "bob"
			}
			state := admin.StateActive
			if i%11 == 3 {
				state = admin.StateRevoked
			}
			settings, err := admin.ClientSettings(fullSettings(i))
			if err != nil {
				panic(err)
			}
			app := &admin.OAuthApp{TenantID: tn.ID, Owner: owner, Name: fmt.Sprintf("app %s %d", d, i),
				ConsumerKey: importKey(d, i), ConsumerSecret: fmt.Sprintf("secret-%s-%d", d, i),
				CallbackURL: fmt.Sprintf("https://cb.example/%d?a=1&b=<2>", i), GrantTypes: grants[i%len(grants)],
				OAuthVersion: "OAuth-2.0", State: state, Settings: settings}
			jobs <- func() error { return db.CreateOAuthApp(ctx, app) }
		}
		for i := range seed.sps {
			rec, err := importSP(tn.ID, d, i)
			if err != nil {
				panic(err)
			}
			jobs <- func() error { return db.CreateServiceProvider(ctx, rec) }
		}
	}
	close(jobs)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatal(err)
	}
}

// importSP is the i-th service provider of a tenant: it links the i-th
// client and has a bit of every section.
func importSP(tenantID int64, domain string, i int) (*admin.ServiceProviderRecord, error) {
	s := func(v string) *string { return &v }
	tree := admin.NewApplicationTree()
	tree.InboundAuthenticationConfig = &wsdl.InboundAuthenticationConfig{InboundAuthenticationRequestConfigs: []*wsdl.InboundAuthenticationRequestConfig{
		{InboundAuthKey: s(importKey(domain, i)), InboundAuthType: s("oauth2"), InboundConfigType: s("standardAPP"),
			Properties: []*wsdl.Property{{Name: s("oauthConsumerKey"), Value: s(importKey(domain, i))}}},
		{InboundAuthKey: s(fmt.Sprintf("issuer-%d", i)), InboundAuthType: s("samlsso"), Properties: []*wsdl.Property{}},
	}}
	tree.ClaimConfig = &wsdl.ClaimConfig{LocalClaimDialect: i%2 == 0, RoleClaimURI: s("http://wso2.org/claims/role"),
		AlwaysSendMappedLocalSubjectId: true, ClaimMappings: []*wsdl.ClaimMapping{}}
	tree.LocalAndOutBoundAuthenticationConfig.AuthenticationType = s("flow")
	tree.LocalAndOutBoundAuthenticationConfig.SubjectClaimUri = s("http://wso2.org/claims/emailaddress")
	tree.LocalAndOutBoundAuthenticationConfig.AlwaysSendBackAuthenticatedListOfIdPs = true
	tree.PermissionAndRoleConfig = &wsdl.PermissionsAndRoleConfig{}
	tree.InboundProvisioningConfig = &wsdl.InboundProvisioningConfig{ProvisioningUserStore: s("PRIMARY"), ProvisioningEnabled: i%2 == 1}
	tree.SaasApp = i%3 == 0
	tree.AccessUrl = s(fmt.Sprintf("https://app.example/%d", i))
	tree.ImageUrl = s("https://img.example/logo.png")
	tree.Discoverable = i%2 == 0
	tree.TemplateId = s("custom-application")
	doc, keys, err := admin.StoredApplication(tree)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return &admin.ServiceProviderRecord{TenantID: tenantID, Name: fmt.Sprintf("sp-%d", i),
		UUID: fmt.Sprintf("%08x-0000-4000-8000-%012x", i, tenantID&0xffffff), Description: fmt.Sprintf("service provider %d of %s", i, domain),
		Owner: "admin", Document: data, OAuthKeys: keys}, nil
}

// importTarget is an empty deployment to import into: an SQLite database
// and its secret key file in dir (PostgreSQL when the tests run on it).
type importTarget struct {
	dir, databaseURL string
	db               *schema.DB
}

func newImportTarget(t testing.TB) *importTarget {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	tg := &importTarget{dir: dir}
	location := filepath.Join(dir, "isadmin.db")
	if base := schematest.PostgresURL(); base != "" {
		tg.databaseURL = schematest.NewSchema(t, base)
		location = tg.databaseURL
	}
	keys, err := sealed.CreateKeyFile(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := schema.Open(ctx, location)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.UseSecretKeys(ctx, keys); err != nil {
		t.Fatal(err)
	}
	tg.db = db
	return tg
}

// args are the flags that name the target's database.
func (tg *importTarget) args() []string {
	a := []string{"--data-dir", tg.dir}
	if tg.databaseURL != "" {
		a = append(a, "--database-url", tg.databaseURL)
	}
	return a
}

// runCLI runs an isadmin command in process and returns its output and
// exit status.
func runCLI(t testing.TB, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	if err != nil && err != errUsage {
		fmt.Fprintln(&errOut, "isadmin:", err) // as main prints it
	}
	return out.String(), errOut.String(), exitCode(err)
}

// importCredentials writes a credentials file naming every tenant's admin
// and bob, and a password file for admin.
func importCredentials(t testing.TB) (credentials, password string) {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	for _, d := range importTenants {
		if d == admin.SuperTenantDomain {
			b.WriteString("# the super tenant\nadmin:admin\nbob:bobpw\n")
			continue
		}
		fmt.Fprintf(&b, "admin@%s:admin\nbob@%s:bobpw\n", d, d)
	}
	credentials, password = filepath.Join(dir, "credentials"), filepath.Join(dir, "password")
	if err := os.WriteFile(credentials, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(password, []byte("admin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return credentials, password
}

var summaryLine = regexp.MustCompile(`(?m)^(?:dry run, nothing written: )?(OAuth clients|service providers): (.*)$`)

// summaryCounts reads the summary lines: "OAuth clients" → "0 created, ...".
func summaryCounts(out string) map[string]string {
	m := map[string]string{}
	for _, sub := range summaryLine.FindAllStringSubmatch(out, -1) {
		m[sub[1]] = sub[2]
	}
	return m
}

func wantSummary(t *testing.T, out, clients, sps string) {
	t.Helper()
	got := summaryCounts(out)
	if got["OAuth clients"] != clients || got["service providers"] != sps {
		t.Fatalf("summary:\n  clients %q\n  want    %q\n  sps     %q\n  want    %q\noutput:\n%s", got["OAuth clients"], clients, got["service providers"], sps, out)
	}
}

// compareImported checks every client and service provider of the source
// against the target, field by field as the profile puts them on the wire
// (getOAuthApplicationData, getApplication), and the secrets, owners,
// links and (where the profile has them) resource ids besides.
func compareImported(t *testing.T, src, dst *schema.DB, profile string, tenants []string, only func(domain, id string) bool) (clients, sps int) {
	t.Helper()
	ctx := context.Background()
	p, err := wsdl.Load(profile)
	if err != nil {
		t.Fatal(err)
	}
	getClient := p.Service("OAuthAdminService").Operation("getOAuthApplicationData")
	getApp := p.Service("IdentityApplicationManagementService").Operation("getApplication")
	encode := func(op *wsdl.Operation, resp wsdl.Struct) string {
		e := wsdl.NewEncoder(nil)
		e.Response(op, resp)
		return string(e.Bytes())
	}
	for _, d := range tenants {
		st, err := src.FindTenantByDomain(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		dt, err := dst.FindTenantByDomain(ctx, d)
		if err != nil {
			t.Fatalf("target lacks tenant %s: %v", d, err)
		}
		apps, err := src.ListTenantOAuthApps(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range apps {
			if only != nil && !only(d, a.ConsumerKey) {
				continue
			}
			b, err := dst.FindOAuthAppByKey(ctx, dt.ID, a.ConsumerKey)
			if err != nil {
				t.Fatalf("tenant %s: client %s not imported: %v", d, a.ConsumerKey, err)
			}
			// A release without state on the wire (before 5.3) cannot tell
			// it: the import makes such clients ACTIVE.
			wantState := a.State
			if getClient.Output.Fields[0].Elem.Field("state") == nil {
				wantState = admin.StateActive
			}
			if a.ConsumerSecret != b.ConsumerSecret || a.Owner != b.Owner || wantState != b.State {
				t.Fatalf("tenant %s: client %s: secret, owner or state differ: %q %q %q, want %q %q %q", d, a.ConsumerKey,
					b.ConsumerSecret, b.Owner, b.State, a.ConsumerSecret, a.Owner, wantState)
			}
			x, err := admin.ClientDTO(a, d)
			if err != nil {
				t.Fatal(err)
			}
			y, err := admin.ClientDTO(b, d)
			if err != nil {
				t.Fatal(err)
			}
			if ex, ey := encode(getClient, &wsdl.GetOAuthApplicationDataResponse{Return: x}), encode(getClient, &wsdl.GetOAuthApplicationDataResponse{Return: y}); ex != ey {
				t.Fatalf("tenant %s: client %s differs in profile %s:\n got %s\nwant %s", d, a.ConsumerKey, profile, ey, ex)
			}
			clients++
		}
		recs, _, err := src.ListServiceProviders(ctx, st.ID, "", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range recs {
			if only != nil && !only(d, a.Name) {
				continue
			}
			b, err := dst.FindServiceProviderByName(ctx, dt.ID, a.Name)
			if err != nil {
				t.Fatalf("tenant %s: service provider %s not imported: %v", d, a.Name, err)
			}
			if strings.Join(a.OAuthKeys, " ") != strings.Join(b.OAuthKeys, " ") || a.Owner != b.Owner {
				t.Fatalf("tenant %s: service provider %s: links %v owner %q, want %v %q", d, a.Name, b.OAuthKeys, b.Owner, a.OAuthKeys, a.Owner)
			}
			x, err := admin.ApplicationView(a, d)
			if err != nil {
				t.Fatal(err)
			}
			y, err := admin.ApplicationView(b, d)
			if err != nil {
				t.Fatal(err)
			}
			// The database's own ids and tenant ids are not the source's.
			x.ApplicationID, y.ApplicationID = 0, 0
			x.Owner.TenantId, y.Owner.TenantId = 0, 0
			if ex, ey := encode(getApp, &wsdl.GetApplicationResponse{Return: x}), encode(getApp, &wsdl.GetApplicationResponse{Return: y}); ex != ey {
				t.Fatalf("tenant %s: service provider %s differs in profile %s:\n got %s\nwant %s", d, a.Name, profile, ey, ex)
			}
			if getApp.Output.Fields[0].Elem.Field("applicationResourceId") != nil && a.UUID != b.UUID {
				t.Fatalf("tenant %s: service provider %s: uuid %s, want %s", d, a.Name, b.UUID, a.UUID)
			}
			sps++
		}
	}
	return clients, sps
}

// TestImportFromProfiles imports 1,002 clients and 201 service providers
// across three tenants from isadmin serving IS 5.0 (before 5.3), IS 5.7
// and IS 7.3, the release detected from the WSDL, and compares every
// field the profile carries; a second run changes nothing.
func TestImportFromProfiles(t *testing.T) {
	// 1,002 clients and 201 service providers over three tenants.
	seed := importSeed{clients: 330, sps: 67, bobOwn: 4}
	if raceDetector {
		seed = importSeed{clients: 40, sps: 9, bobOwn: 2}
	}
	for _, profile := range []string{"is-5.0", "is-5.7", "is-7.3"} {
		t.Run(profile, func(t *testing.T) {
			src := startServer(t, profile)
			seedSource(t, src.DB, seed)
			credentials, password := importCredentials(t)
			tg := newImportTarget(t)
			args := append([]string{"import", "--from", src.URL, "--user", "admin", "--password-file", password,
				"--all-tenants", "--credentials", credentials, "--create-tenants", "--progress", "lines"}, tg.args()...)
			out, errOut, code := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
			}
			if !strings.Contains(errOut, "profile "+profile+", from its WSDL") && !strings.Contains(errOut, "profile "+profile+" (") {
				t.Fatalf("detected profile: want %s in\n%s", profile, errOut)
			}
			n := 3 * (seed.clients + seed.bobOwn)
			wantSummary(t, out, fmt.Sprintf("%d created, 0 updated, 0 unchanged, 0 failed", n), fmt.Sprintf("%d created, 0 updated, 0 unchanged, 0 failed", 3*seed.sps))
			clients, sps := compareImported(t, src.DB, tg.db, profile, importTenants, nil)
			if clients != n || sps != 3*seed.sps {
				t.Fatalf("compared %d clients and %d service providers", clients, sps)
			}
			for _, want := range []string{
				fmt.Sprintf("a.example.com: writing OAuth clients: %d to do", seed.clients+seed.bobOwn),
				fmt.Sprintf("b.example.org: reading service providers: %d to do", seed.sps),
			} {
				if !strings.Contains(errOut, want) {
					t.Errorf("progress lines lack %q:\n%s", want, errOut)
				}
			}

			out, errOut, code = runCLI(t, append(args, "--profile", profile)...)
			if code != 0 {
				t.Fatalf("second import: exit %d\n%s\n%s", code, out, errOut)
			}
			wantSummary(t, out, fmt.Sprintf("0 created, 0 updated, %d unchanged, 0 failed", n), fmt.Sprintf("0 created, 0 updated, %d unchanged, 0 failed", 3*seed.sps))
		})
	}
}

// TestImportDryRunNoUpdate changes the source after an import and checks
// what a dry run says and leaves, what --no-update keeps, and that a plain
// run updates.
func TestImportDryRunNoUpdate(t *testing.T) {
	ctx := context.Background()
	src := startServer(t, "is-7.3")
	seedSource(t, src.DB, importSeed{clients: 40, sps: 10, bobOwn: 2})
	credentials, password := importCredentials(t)
	tg := newImportTarget(t)
	args := append([]string{"import", "--from", src.URL, "--user", "admin", "--password-file", password, "--profile", "is-7.3",
		"--all-tenants", "--credentials", credentials, "--create-tenants", "--progress", "none"}, tg.args()...)
	if out, errOut, code := runCLI(t, args...); code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}

	// Change a client and a service provider, add a client.
	app, err := src.DB.FindOAuthAppByKey(ctx, admin.SuperTenantID, importKey(admin.SuperTenantDomain, 1))
	if err != nil {
		t.Fatal(err)
	}
	app.GrantTypes, app.CallbackURL = "client_credentials password", "https://changed.example/cb"
	if err := src.DB.UpdateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	sp, err := src.DB.FindServiceProviderByName(ctx, admin.SuperTenantID, "sp-2")
	if err != nil {
		t.Fatal(err)
	}
	sp.Description = "changed"
	if err := src.DB.UpdateServiceProvider(ctx, sp); err != nil {
		t.Fatal(err)
	}
	fresh := &admin.OAuthApp{TenantID: admin.SuperTenantID, Owner: "admin", Name: "fresh", ConsumerKey: "fresh-key",
		ConsumerSecret: "fresh-secret", OAuthVersion: "OAuth-2.0", State: admin.StateActive, GrantTypes: "client_credentials"}
	if err := src.DB.CreateOAuthApp(ctx, fresh); err != nil {
		t.Fatal(err)
	}

	exportFile := func(name string) []byte {
		path := filepath.Join(t.TempDir(), name)
		if out, errOut, code := runCLI(t, append([]string{"export", path}, tg.args()...)...); code != 0 {
			t.Fatalf("export: exit %d\n%s\n%s", code, out, errOut)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	before := exportFile("before.json")

	out, errOut, code := runCLI(t, append(args, "--dry-run")...)
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"update client carbon-key-0001 (carbon.super): callbackUrl, grantTypes\n",
		"update service provider sp-2 (carbon.super): description\n",
		"create client fresh-key (carbon.super)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	n := 3 * 42
	wantSummary(t, out, fmt.Sprintf("1 to create, 1 to update, %d unchanged, 0 failed", n-1), "0 to create, 1 to update, 29 unchanged, 0 failed")
	if !strings.Contains(out, "dry run, nothing written: ") {
		t.Errorf("the dry run does not say so:\n%s", out)
	}
	if after := exportFile("after-dry-run.json"); !bytes.Equal(before, after) {
		t.Fatal("a dry run changed the database")
	}

	out, errOut, code = runCLI(t, append(args, "--no-update")...)
	if code != 0 {
		t.Fatalf("--no-update: exit %d\n%s\n%s", code, out, errOut)
	}
	wantSummary(t, out, fmt.Sprintf("1 created, 0 updated, %d unchanged, 1 kept, 0 failed", n-1), "0 created, 0 updated, 29 unchanged, 1 kept, 0 failed")
	kept, err := tg.db.FindOAuthAppByKey(ctx, admin.SuperTenantID, importKey(admin.SuperTenantDomain, 1))
	if err != nil {
		t.Fatal(err)
	}
	if kept.CallbackURL == app.CallbackURL {
		t.Fatal("--no-update updated a client")
	}

	out, errOut, code = runCLI(t, append(args, "--verbose")...)
	if code != 0 {
		t.Fatalf("update: exit %d\n%s\n%s", code, out, errOut)
	}
	wantSummary(t, out, fmt.Sprintf("0 created, 1 updated, %d unchanged, 0 failed", n), "0 created, 1 updated, 29 unchanged, 0 failed")
	if !strings.Contains(out, "update client carbon-key-0001 (carbon.super): callbackUrl, grantTypes\n") {
		t.Errorf("--verbose does not list the update:\n%s", out)
	}
	compareImported(t, src.DB, tg.db, "is-7.3", importTenants, nil)
}

// TestExportImportExport: an export, imported into an empty database and
// exported again, gives the same bytes; importing the file again changes
// nothing.
func TestExportImportExport(t *testing.T) {
	src := startServer(t, "is-7.3")
	seedSource(t, src.DB, importSeed{clients: 30, sps: 8, bobOwn: 2})
	credentials, password := importCredentials(t)
	first := newImportTarget(t)
	if out, errOut, code := runCLI(t, append([]string{"import", "--from", src.URL, "--user", "admin", "--password-file", password,
		"--all-tenants", "--credentials", credentials, "--create-tenants", "--progress", "none"}, first.args()...)...); code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	dir := t.TempDir()
	f1, f2 := filepath.Join(dir, "one.json"), filepath.Join(dir, "two.json")
	if out, errOut, code := runCLI(t, append([]string{"export", f1}, first.args()...)...); code != 0 {
		t.Fatalf("export: exit %d\n%s\n%s", code, out, errOut)
	} else if !strings.Contains(errOut, "exported 96 OAuth clients and 24 service providers of 3 tenants") {
		t.Errorf("export says %q", errOut)
	}
	if st, err := os.Stat(f1); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("export file: %v, mode %v", err, st.Mode())
	}

	second := newImportTarget(t)
	fileArgs := append([]string{"import", "--from-file", f1, "--credentials", credentials, "--create-tenants", "--progress", "none"}, second.args()...)
	out, errOut, code := runCLI(t, fileArgs...)
	if code != 0 {
		t.Fatalf("import --from-file: exit %d\n%s\n%s", code, out, errOut)
	}
	wantSummary(t, out, "96 created, 0 updated, 0 unchanged, 0 failed", "24 created, 0 updated, 0 unchanged, 0 failed")
	if out, errOut, code := runCLI(t, append([]string{"export", f2}, second.args()...)...); code != 0 {
		t.Fatalf("export: exit %d\n%s\n%s", code, out, errOut)
	}
	one, _ := os.ReadFile(f1)
	two, _ := os.ReadFile(f2)
	if !bytes.Equal(one, two) {
		t.Fatalf("export → import → export differs:\n%s", firstDifference(one, two))
	}
	if !bytes.HasPrefix(one, []byte("{\n  \"format\": \"isadmin-export\",\n  \"version\": 1,\n  \"tenants\": [\n")) {
		t.Fatalf("export file starts %q", one[:80])
	}
	compareImported(t, src.DB, second.db, "is-7.3", importTenants, nil)

	out, errOut, code = runCLI(t, fileArgs...)
	if code != 0 {
		t.Fatalf("import --from-file again: exit %d\n%s\n%s", code, out, errOut)
	}
	wantSummary(t, out, "0 created, 0 updated, 96 unchanged, 0 failed", "0 created, 0 updated, 24 unchanged, 0 failed")

	// Export to standard output, one tenant.
	out, _, code = runCLI(t, append([]string{"export", "-", "--tenant", "a.example.com"}, second.args()...)...)
	if code != 0 || !strings.Contains(out, `"domain": "a.example.com"`) || strings.Contains(out, `"domain": "carbon.super"`) {
		t.Fatalf("export - --tenant: exit %d\n%.300s", code, out)
	}
}

func firstDifference(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(la), len(lb))
}

// faultProxy stands between an import and its source: it can stop
// answering after a number of requests (holding each until the caller
// gives up), answer 503 to the first try of every request and pass the
// second (per request, not per connection, so that concurrent calls cannot
// make one of them fail every try), or strip the client secrets from the
// answers, as a release with hashed secrets gives none.
type faultProxy struct {
	URL                  string
	served               atomic.Int64
	stopAfter            atomic.Int64 // 0: never
	flaky, stripSecrets  atomic.Bool
	flakyCount, refusals atomic.Int64

	mu    sync.Mutex
	tries map[string]int // flaky: tries seen per method, URL and body
}

// firstTry counts a try of r's request and tells whether its count is odd,
// keeping r's body readable.
func (p *faultProxy) firstTry(r *http.Request) bool {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	key := r.Method + " " + r.URL.String() + "\n" + string(body)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tries[key]++
	return p.tries[key]%2 == 1
}

var secretElement = regexp.MustCompile(`<([A-Za-z0-9_]+:)?oauthConsumerSecret>[^<]*</([A-Za-z0-9_]+:)?oauthConsumerSecret>`)

func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{tries: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if !p.stripSecrets.Load() {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		body = secretElement.ReplaceAll(body, nil)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
		resp.Header.Del("Transfer-Encoding")
		return nil
	}
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := p.served.Add(1)
		if after := p.stopAfter.Load(); after > 0 && n > after {
			p.refusals.Add(1)
			select { // no answer, ever
			case <-r.Context().Done():
			case <-stop:
			}
			return
		}
		if p.flaky.Load() {
			p.flakyCount.Add(1)
		}
		if p.flaky.Load() && p.firstTry(r) {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	p.URL = srv.URL
	return p
}

// TestImportSourceStopsAnswering: the source stops answering in the middle
// of reading the service providers. What was read is imported whole, what
// was not is reported with the reason, the import exits 1, and a rerun
// once the source is back finishes the job.
func TestImportSourceStopsAnswering(t *testing.T) {
	src := startServer(t, "is-7.3")
	seedSource(t, src.DB, importSeed{clients: 30, sps: 20})
	_, password := importCredentials(t)
	proxy := newFaultProxy(t, src.URL)
	proxy.stopAfter.Store(12) // the two listings, then ten service providers
	tg := newImportTarget(t)
	args := append([]string{"import", "--from", proxy.URL, "--user", "admin", "--password-file", password, "--profile", "is-7.3",
		"--timeout", "300ms", "--retries", "1", "--retry-wait", "10ms", "--progress", "lines"}, tg.args()...)
	out, errOut, code := runCLI(t, args...)
	if code != 1 {
		t.Fatalf("import from a source that stops: exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	counts := summaryCounts(out)
	if !strings.Contains(counts["service providers"], "failed") || strings.Contains(counts["service providers"], " 0 failed") {
		t.Fatalf("no service provider failed:\n%s", out)
	}
	if !strings.Contains(out, "not read: ") || !strings.Contains(out, "the source stopped answering") {
		t.Fatalf("the failures do not say the source stopped answering:\n%s", out)
	}
	if n := proxy.refusals.Load(); n > 12 {
		t.Errorf("%d calls went to a source that had stopped answering; it should be given up on", n)
	}
	// Whatever was written is whole: every client and service provider
	// in the target is the source's, with its links.
	super := []string{admin.SuperTenantDomain}
	ctx := context.Background()
	written := func(domain, id string) bool {
		if _, err := tg.db.FindOAuthAppByKey(ctx, admin.SuperTenantID, id); err == nil {
			return true
		}
		_, err := tg.db.FindServiceProviderByName(ctx, admin.SuperTenantID, id)
		return err == nil
	}
	clients, sps := compareImported(t, src.DB, tg.db, "is-7.3", super, written)
	if clients < 26 || sps == 0 || sps >= 20 {
		t.Fatalf("imported %d clients and %d service providers before the source stopped", clients, sps)
	}

	proxy.stopAfter.Store(0)
	out, errOut, code = runCLI(t, args...)
	if code != 0 {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, out, errOut)
	}
	wantSummary(t, out, fmt.Sprintf("%d created, 0 updated, %d unchanged, 0 failed", 30-clients, clients),
		fmt.Sprintf("%d created, 0 updated, %d unchanged, 0 failed", 20-sps, sps))
	compareImported(t, src.DB, tg.db, "is-7.3", super, nil)
}

// TestImportRetriesTransientFailures: a source that answers every other
// call with 503 is read whole, each such call tried again.
func TestImportRetriesTransientFailures(t *testing.T) {
	src := startServer(t, "is-5.7")
	seedSource(t, src.DB, importSeed{clients: 12, sps: 6})
	_, password := importCredentials(t)
	proxy := newFaultProxy(t, src.URL)
	proxy.flaky.Store(true)
	tg := newImportTarget(t)
	out, errOut, code := runCLI(t, append([]string{"import", "--from", proxy.URL, "--user", "admin", "--password-file", password,
		"--retry-wait", "1ms", "--progress", "none"}, tg.args()...)...)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "profile is-5.7") {
		t.Errorf("the WSDL, read through 503s, did not tell is-5.7:\n%s", errOut)
	}
	wantSummary(t, out, "12 created, 0 updated, 0 unchanged, 0 failed", "6 created, 0 updated, 0 unchanged, 0 failed")
	compareImported(t, src.DB, tg.db, "is-5.7", []string{admin.SuperTenantDomain}, nil)
	if n := proxy.flakyCount.Load(); n < 20 {
		t.Fatalf("only %d calls", n)
	}
}

// TestImportWithoutSecrets: a source that returns no client secrets (as a
// release that keeps them hashed) gets its clients reported failed with
// the reason, and the providers linking them too; a client the database
// has keeps its secret while its other fields are updated.
func TestImportWithoutSecrets(t *testing.T) {
	ctx := context.Background()
	src := startServer(t, "is-7.3")
	seedSource(t, src.DB, importSeed{clients: 6, sps: 3})
	_, password := importCredentials(t)
	proxy := newFaultProxy(t, src.URL)
	proxy.stripSecrets.Store(true)
	tg := newImportTarget(t)
	args := append([]string{"import", "--from", proxy.URL, "--user", "admin", "--password-file", password, "--profile", "is-7.3", "--progress", "none"}, tg.args()...)
	out, errOut, code := runCLI(t, args...)
	if code != 1 {
		t.Fatalf("import without secrets: exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	wantSummary(t, out, "0 created, 0 updated, 0 unchanged, 6 failed", "0 created, 0 updated, 0 unchanged, 3 failed")
	for _, want := range []string{
		"failed client carbon-key-0000 (carbon.super): the source did not return its consumer secret",
		"failed service provider sp-0 (carbon.super): it links OAuth client carbon-key-0000, which was not imported: the source did not return its consumer secret",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	proxy.stripSecrets.Store(false)
	if out, errOut, code := runCLI(t, args...); code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	app, err := src.DB.FindOAuthAppByKey(ctx, admin.SuperTenantID, importKey(admin.SuperTenantDomain, 2))
	if err != nil {
		t.Fatal(err)
	}
	app.CallbackURL = "https://changed.example/"
	if err := src.DB.UpdateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	proxy.stripSecrets.Store(true)
	out, errOut, code = runCLI(t, args...)
	if code != 0 {
		t.Fatalf("import without secrets into a database that has them: exit %d\n%s\n%s", code, out, errOut)
	}
	wantSummary(t, out, "0 created, 1 updated, 5 unchanged, 0 failed", "0 created, 0 updated, 3 unchanged, 0 failed")
	compareImported(t, src.DB, tg.db, "is-7.3", []string{admin.SuperTenantDomain}, nil)
}

// TestImportFixtureInOneStep: an export file checked in as a CI fixture
// loads into a data directory that has no database yet, with
// --create-database; the command line's mistakes are usage errors.
func TestImportFixtureInOneStep(t *testing.T) {
	if schematest.PostgresURL() != "" {
		t.Skip("an SQLite data directory made by the import")
	}
	fixture := filepath.Join(t.TempDir(), "fixture.json")
	doc := `{"format": "isadmin-export", "version": 1, "tenants": [{"domain": "carbon.super",
	  "clients": [{"consumerKey": "ci-key", "consumerSecret": "ci-secret", "name": "ci", "owner": "admin",
	    "callbackUrl": "https://ci.example/cb", "grantTypes": "client_credentials authorization_code", "oauthVersion": "OAuth-2.0",
	    "state": "ACTIVE", "settings": {"pkceMandatory": true}}],
	  "serviceProviders": [{"name": "ci-app", "owner": "admin", "configuration": {"inboundAuthenticationConfig":
	    {"inboundAuthenticationRequestConfigs": [{"inboundAuthKey": "ci-key", "inboundAuthType": "oauth2"}]}}}]}]}`
	if err := os.WriteFile(fixture, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "data")
	if _, errOut, code := runCLI(t, "import", "--from-file", fixture, "--data-dir", dir, "--progress", "none"); code != 1 || !strings.Contains(errOut, "no database at") {
		t.Fatalf("without --create-database: exit %d, %s", code, errOut)
	}
	out, errOut, code := runCLI(t, "import", "--from-file", fixture, "--data-dir", dir, "--create-database", "--progress", "none")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantSummary(t, out, "1 created, 0 updated, 0 unchanged, 0 failed", "1 created, 0 updated, 0 unchanged, 0 failed")
	// The server starts on it and answers the client and the provider.
	srv := startServer(t, "is-7.3", func(c *Config) { c.DataDir = dir })
	for _, op := range []struct{ url, want string }{
		{"/services/OAuthAdminService/getOAuthApplicationData?consumerKey=ci-key", "ci-secret"},
		{"/services/IdentityApplicationManagementService/getApplication?applicationName=ci-app", "ci-key"},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+op.url, nil)
		req.SetBasicAuth("admin", "admin")
		resp, err := srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), op.want) {
			t.Fatalf("%s: HTTP %d %s", op.url, resp.StatusCode, body)
		}
	}

	for _, args := range [][]string{
		{"import"},
		{"import", "--from", "http://x", "--from-file", fixture},
		{"import", "--from", "ftp://x", "--user", "admin"},
		{"import", "--from", "http://x"},
		{"import", "--from-file", fixture, "--tenant", "a.com", "--all-tenants"},
		{"import", "--from-file", fixture, "--progress", "sometimes"},
		{"import", "--from-file", fixture, "extra"},
		{"export"},
	} {
		if _, _, code := runCLI(t, append(args, "--data-dir", dir)...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if out, _, code := runCLI(t, "import", "-h"); code != 0 || !strings.Contains(out, "USER@DOMAIN:PASSWORD") {
		t.Errorf("import -h: exit %d\n%s", code, out)
	}
	if out, _, code := runCLI(t, "help", "export"); code != 0 || !strings.Contains(out, "mode 0600") {
		t.Errorf("help export: exit %d\n%s", code, out)
	}
}
