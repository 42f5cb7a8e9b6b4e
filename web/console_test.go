package web_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

// consoleAdminCtx is the context of the super tenant's admin, as the services
// see a caller.
func consoleAdminCtx() context.Context {
	return admin.WithPrincipal(context.Background(), admin.Principal{
		TenantID: admin.SuperTenantID, TenantDomain: admin.SuperTenantDomain, Username: "admin"})
}

// submit posts a form that must answer with a redirect, and returns where.
func (b *browser) consoleSubmit(path string, form url.Values) string {
	b.t.Helper()
	resp := b.post(path, form)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("POST %s: %d, want 303: %s", path, resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// follow posts a form that must redirect, and reads the page it leads to.
func (b *browser) consoleFollow(path string, form url.Values) string {
	b.t.Helper()
	loc := b.consoleSubmit(path, form)
	code, body := b.get(loc)
	if code != http.StatusOK {
		b.t.Fatalf("GET %s after POST %s: %d: %s", loc, path, code, body)
	}
	return body
}

// page reads a page that must answer 200.
func (b *browser) consolePage(path string) string {
	b.t.Helper()
	code, body := b.get(path)
	if code != http.StatusOK {
		b.t.Fatalf("GET %s: %d: %s", path, code, body)
	}
	return body
}

// htmx posts a form as htmx does: the CSRF token in the header.
func (b *browser) consoleHTMX(path string, form url.Values) (int, http.Header, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.site.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.site.srv.URL)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", b.csrf)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

func consoleHas(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func consoleLacks(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s has %q", what, w)
		}
	}
}

var (
	consoleKeyRE    = regexp.MustCompile(`<code class="client-key">([^<]+)</code>`)
	consoleSecretRE = regexp.MustCompile(`class="client-secret" type="(password|text)" value="([^"]*)"`)
)

// consoleClient reads the OAuth client key and secret a service provider's page
// shows.
func consoleClient(t *testing.T, body string) (key, secret string) {
	t.Helper()
	k, s := consoleKeyRE.FindStringSubmatch(body), consoleSecretRE.FindStringSubmatch(body)
	if k == nil || s == nil {
		t.Fatalf("no OAuth client on the page: %s", body)
	}
	if s[1] != "password" {
		t.Errorf("the secret shows as %s, want password until shown", s[1])
	}
	return k[1], s[2]
}

func consoleEditPath(sp string) string {
	return "/carbon/service-providers/edit?spName=" + url.QueryEscape(sp)
}

// consoleOAuthForm is the OAuth form of a service provider as a browser posts
// it with the given callback and grant types.
func consoleOAuthForm(sp, callback string, grants ...string) url.Values {
	return url.Values{"spName": {sp}, "application": {sp}, "oauthVersion": {"OAuth-2.0"}, "callback": {callback}, "grantTypes": grants}
}

func TestConsoleServiceProviderWithOAuthClient(t *testing.T) {
	t.Parallel()
	s := newSite(t, "is-7.3")
	ctx := consoleAdminCtx()
	b := s.browser(t)
	b.signIn("/carbon/", "admin", "admin")

	list := b.consolePage("/carbon/service-providers")
	consoleHas(t, "service provider list", list, "Add New Service Provider", `<label for="spName" class="required">Service Provider Name</label>`,
		`<label for="sp-description">Description</label>`, `name="csrf_token"`, "No Service Providers registered.")

	body := b.consoleFollow("/carbon/service-providers", url.Values{"spName": {"playground"}, "sp-description": {"the playground"}})
	consoleHas(t, "new service provider", body, "Service Provider playground added successfully", "Inbound Authentication Configuration",
		"OAuth/OpenID Connect Configuration", `href="/carbon/service-providers/oauth?spName=playground"`, ">Configure</a>", "the playground")

	form := b.consolePage("/carbon/service-providers/oauth?spName=playground")
	consoleHas(t, "registration form", form, "Register New Application", "OAuth Version",
		`value="OAuth-1.0a"><label for="oauthVersion10a">1.0a</label>`, `value="OAuth-2.0" checked><label for="oauthVersion20">2.0</label>`,
		`<input type="hidden" name="application" value="playground">`, `<label for="callback">Callback Url</label>`, "Allowed Grant Types",
		`value="authorization_code" checked><label for="grant-0">Code</label>`, `<label for="grant-1">Implicit</label>`,
		`<label for="grant-2">Password</label>`, `<label for="grant-3">Client Credential</label>`, `<label for="grant-4">Refresh Token</label>`,
		"PKCE Mandatory", "Support PKCE 'Plain' Transform Algorithm", "User Access Token Expiry Time",
		"Application Access Token Expiry Time", "Refresh Token Expiry Time", "Id Token Expiry Time", ">Add</button>", ">Cancel</a>")

	reg := consoleOAuthForm("playground", "https://app.example/cb", "authorization_code", "refresh_token")
	reg.Set("pkce", "true")
	reg.Set("userAccessTokenExpiryTime", "1200")
	body = b.consoleFollow("/carbon/service-providers/oauth", reg)
	consoleHas(t, "service provider with a client", body, "Application registered successfully",
		`<th scope="col">OAuth Client Key</th><th scope="col">OAuth Client Secret</th>`, "<th scope=\"col\">Actions</th>",
		">Edit</a>", ">Revoke</button>", ">Regenerate Secret</button>", ">Delete</button>", `data-show="oauth-secret-0"`,
		"Are you sure that you want to Revoke Secret for OAuth client?", "Are you sure that you want to Regenerate Secret for OAuth client?")
	consoleLacks(t, "service provider with a client", body, ">Configure</a>")
	key, secret := consoleClient(t, body)

	// The client is registered as the form said, and linked to the
	// provider as Identity Server links it.
	dto, err := s.oauth.GetOAuthApplicationData(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if *dto.OauthConsumerSecret != secret || *dto.ApplicationName != "playground" || *dto.CallbackUrl != "https://app.example/cb" ||
		*dto.GrantTypes != "authorization_code refresh_token" || !dto.PkceMandatory || dto.PkceSupportPlain || dto.UserAccessTokenExpiryTime != 1200 {
		t.Errorf("registered client: %+v", dto)
	}
	sp, err := s.appMgt.GetApplication(ctx, "playground")
	if err != nil {
		t.Fatal(err)
	}
	linked := false
	for _, ic := range sp.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs {
		if ic.InboundAuthKey != nil && *ic.InboundAuthKey == key && *ic.InboundAuthType == "oauth2" {
			linked = true
		}
	}
	if !linked {
		t.Errorf("the service provider does not link %s", key)
	}

	// Show without JavaScript.
	shown := b.consolePage(consoleEditPath("playground") + "&show=" + url.QueryEscape(key))
	consoleHas(t, "shown secret", shown, `class="client-secret" type="text" value="`+secret+`"`, ">Hide</a>")

	// Regenerate: the page shows the secret the service now has.
	body = b.consoleFollow("/carbon/service-providers/oauth/regenerate", url.Values{"spName": {"playground"}, "consumerkey": {key}})
	consoleHas(t, "after regenerating", body, "Client Secret successfully updated for Client ID: "+key)
	_, regenerated := consoleClient(t, body)
	dto, err = s.oauth.GetOAuthApplicationData(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if regenerated == secret || regenerated != *dto.OauthConsumerSecret {
		t.Errorf("regenerated secret %q, was %q, service has %q", regenerated, secret, *dto.OauthConsumerSecret)
	}

	// Revoke: the state shows, and Revoke is gone.
	body = b.consoleFollow("/carbon/service-providers/oauth/revoke", url.Values{"spName": {"playground"}, "consumerkey": {key}})
	consoleHas(t, "after revoking", body, "Application successfully revoked.", `<td class="state revoked">REVOKED</td>`)
	consoleLacks(t, "after revoking", body, ">Revoke</button>")
	if st, _ := s.oauth.GetOauthApplicationState(ctx, key); st == nil || *st != admin.StateRevoked {
		t.Errorf("state after revoking: %v", st)
	}

	// Edit the client: the same form, filled, with Update.
	form = b.consolePage("/carbon/service-providers/oauth?spName=playground&consumerkey=" + url.QueryEscape(key))
	consoleHas(t, "edit form", form, "View/Update application settings", `value="https://app.example/cb"`,
		`value="authorization_code" checked>`, `value="refresh_token" checked>`, `name="pkce" value="true" checked`,
		`name="userAccessTokenExpiryTime" type="number" min="1" step="1" value="1200"`, ">Update</button>")
	consoleLacks(t, "edit form", form, `value="implicit" checked>`)
	upd := consoleOAuthForm("playground", "https://app.example/other", "authorization_code", "password")
	upd.Set("consumerkey", key)
	body = b.consoleFollow("/carbon/service-providers/oauth", upd)
	consoleHas(t, "after updating", body, "Application updated successfully")
	dto, _ = s.oauth.GetOAuthApplicationData(ctx, key)
	if *dto.CallbackUrl != "https://app.example/other" || *dto.GrantTypes != "authorization_code password" || dto.PkceMandatory {
		t.Errorf("updated client: %+v", dto)
	}

	// Edit the provider.
	body = b.consoleFollow("/carbon/service-providers/edit", url.Values{"oldSPName": {"playground"}, "spName": {"playground"}, "sp-description": {"renamed purpose"}})
	consoleHas(t, "list after update", body, "renamed purpose", `href="/carbon/service-providers/edit?spName=playground"`)

	// Delete the client from the provider: the link goes, and the client.
	body = b.consoleFollow("/carbon/service-providers/oauth/delete", url.Values{"spName": {"playground"}, "consumerkey": {key}})
	consoleHas(t, "after deleting the client", body, "Application removed successfully", ">Configure</a>")
	if _, err := s.oauth.GetOAuthApplicationData(ctx, key); err == nil {
		t.Errorf("client %s still exists", key)
	}

	// Deleting the provider deletes its client, as deleteApplication does.
	body = b.consoleFollow("/carbon/service-providers/oauth", consoleOAuthForm("playground", "", "client_credentials"))
	key2, _ := consoleClient(t, body)
	body = b.consoleFollow("/carbon/service-providers/delete", url.Values{"spName": {"playground"}})
	consoleHas(t, "list after delete", body, "Service Provider playground deleted successfully", "No Service Providers registered.")
	if sp, _ := s.appMgt.GetApplication(ctx, "playground"); sp != nil {
		t.Error("the service provider still exists")
	}
	if _, err := s.oauth.GetOAuthApplicationData(ctx, key2); err == nil {
		t.Errorf("client %s outlived its service provider", key2)
	}
}

func TestConsoleFollowsTheProfile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		profile  string
		newer    bool
		stateCol bool
	}{
		{"is-5.0", false, false},
		{"is-7.3", true, true},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, tc.profile)
			b := s.browser(t)
			b.signIn("/carbon/", "admin", "admin")
			b.consoleFollow("/carbon/service-providers", url.Values{"spName": {"app"}})
			form := b.consolePage("/carbon/service-providers/oauth?spName=app")
			optional := []string{"PKCE Mandatory", "Support PKCE 'Plain' Transform Algorithm", "User Access Token Expiry Time",
				"Application Access Token Expiry Time", "Refresh Token Expiry Time", "Id Token Expiry Time"}
			if tc.newer {
				consoleHas(t, "form", form, optional...)
			} else {
				consoleLacks(t, "form", form, optional...)
			}
			body := b.consoleFollow("/carbon/service-providers/oauth", consoleOAuthForm("app", "https://cb.example", "authorization_code"))
			key, _ := consoleClient(t, body)
			actions := []string{">Revoke</button>", ">Regenerate Secret</button>"}
			if tc.newer {
				consoleHas(t, "provider", body, actions...)
			} else {
				consoleLacks(t, "provider", body, actions...)
				for _, path := range []string{"/carbon/service-providers/oauth/revoke", "/carbon/service-providers/oauth/regenerate"} {
					if code, _ := b.postBody(path, url.Values{"spName": {"app"}, "consumerkey": {key}}); code != http.StatusNotFound {
						t.Errorf("POST %s: %d, want 404", path, code)
					}
				}
			}
			if got := strings.Contains(body, `<th scope="col">State</th>`); got != tc.stateCol {
				t.Errorf("state column shown: %v, want %v", got, tc.stateCol)
			}
		})
	}
}

func TestConsoleRegistrationErrors(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{"is-5.0", "is-7.3"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, profile)
			ctx := consoleAdminCtx()
			p, err := wsdl.Load(profile)
			if err != nil {
				t.Fatal(err)
			}
			b := s.browser(t)
			b.signIn("/carbon/", "admin", "admin")
			b.consoleFollow("/carbon/service-providers", url.Values{"spName": {"taken"}})

			// The console's own checks come first.
			code, body := b.postBody("/carbon/service-providers/oauth", consoleOAuthForm("taken", "", "authorization_code"))
			if code != http.StatusBadRequest || !strings.Contains(body, "Callback Url is required") {
				t.Errorf("no callback: %d %s", code, body)
			}
			consoleHas(t, "form with the error", body, "Register New Application", `value="authorization_code" checked>`)
			form := consoleOAuthForm("taken", "https://cb.example", "password")
			form.Set("application", "")
			if code, body := b.postBody("/carbon/service-providers/oauth", form); code != http.StatusBadRequest || !strings.Contains(body, "Application name is required") {
				t.Errorf("no application name: %d %s", code, body)
			}

			// A client of that name exists: the service refuses, in the
			// profile's words.
			dto := &wsdl.OAuthConsumerAppDTO{ApplicationName: consolePtr("taken"), CallbackUrl: consolePtr("https://cb.example"), GrantTypes: consolePtr("password")}
			if err := s.oauth.RegisterOAuthApplicationData(ctx, dto); err != nil {
				t.Fatal(err)
			}
			err = s.oauth.RegisterOAuthApplicationData(ctx, dto)
			var de *admin.Error
			if !errors.As(err, &de) {
				t.Fatalf("second registration: %v", err)
			}
			want := "Error occurred while adding the application : " + p.Text(de.Code, de.Default, de.Args...)
			code, body = b.postBody("/carbon/service-providers/oauth", consoleOAuthForm("taken", "https://cb.example", "password"))
			if code != http.StatusConflict || !strings.Contains(body, html.EscapeString(want)) {
				t.Errorf("duplicate: %d, want 409 with %q: %s", code, want, body)
			}
			apps, _ := s.oauth.GetAllOAuthApplicationData(ctx)
			sp, _ := s.appMgt.GetApplication(ctx, "taken")
			if len(apps) != 1 || len(sp.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs) != 0 {
				t.Errorf("after the failures: %d clients, %d inbound configurations", len(apps), len(sp.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs))
			}

			// An htmx request gets the error with 200, in the messages.
			_, err = s.appMgt.CreateApplication(ctx, &wsdl.ServiceProvider{ApplicationName: consolePtr("taken")})
			if !errors.As(err, &de) {
				t.Fatalf("second service provider: %v", err)
			}
			want = html.EscapeString(p.Text(de.Code, de.Default, de.Args...))
			b.get("/carbon/service-providers")
			code, hdr, body := b.consoleHTMX("/carbon/service-providers", url.Values{"spName": {"taken"}})
			if code != http.StatusOK || hdr.Get("HX-Retarget") != "#messages" || !strings.HasPrefix(body, `<div id="messages"`) || !strings.Contains(body, want) {
				t.Errorf("htmx duplicate provider: %d %v %s", code, hdr, body)
			}
		})
	}
}

func consolePtr(s string) *string { return &s }

func TestConsoleOAuthClients(t *testing.T) {
	t.Parallel()
	s := newSite(t, "is-7.3")
	ctx := consoleAdminCtx()
	for _, name := range []string{"one", "two"} {
		dto := &wsdl.OAuthConsumerAppDTO{ApplicationName: consolePtr(name), CallbackUrl: consolePtr("https://" + name + ".example"), GrantTypes: consolePtr("authorization_code implicit")}
		if err := s.oauth.RegisterOAuthApplicationData(ctx, dto); err != nil {
			t.Fatal(err)
		}
	}
	one, _ := s.oauth.GetOAuthApplicationDataByAppName(ctx, "one")
	b := s.browser(t)
	b.signIn("/carbon/", "admin", "admin")
	body := b.consolePage("/carbon/oauth-clients")
	consoleHas(t, "clients", body, "<th scope=\"col\">Application Name</th>", "<th scope=\"col\">Consumer Key</th>", "<th scope=\"col\">Grant Types</th>",
		"<th scope=\"col\">Callback Url</th>", "<th scope=\"col\">State</th>", "<td>one</td>", "<td>two</td>", "Code, Implicit",
		"https://one.example", "<code>"+*one.OauthConsumerKey+"</code>", "You are about to remove one. Do you want to proceed?")

	// Deleting through htmx swaps the list and says so out of band.
	code, _, body := b.consoleHTMX("/carbon/oauth-clients/delete", url.Values{"consumerkey": {*one.OauthConsumerKey}})
	if code != http.StatusOK {
		t.Fatalf("htmx delete: %d %s", code, body)
	}
	consoleHas(t, "htmx answer", body, `<div id="oauth-clients-list">`, "<td>two</td>", `hx-swap-oob="true"`, "Application removed successfully")
	consoleLacks(t, "htmx answer", body, "<td>one</td>", "<html")
	if _, err := s.oauth.GetOAuthApplicationData(ctx, *one.OauthConsumerKey); err == nil {
		t.Error("client one still exists")
	}
	// An unknown key: the service's text, the list kept.
	code, _, body = b.consoleHTMX("/carbon/oauth-clients/delete", url.Values{"consumerkey": {"nope"}})
	consoleHas(t, "htmx failure", body, "Error occurred while removing the application : ", "<td>two</td>")
	if code != http.StatusOK {
		t.Errorf("htmx failure: %d", code)
	}
}

func TestConsoleUsersRolesTenants(t *testing.T) {
	t.Parallel()
	s := newSite(t, "is-7.3")
	ctx := context.Background()
	b := s.browser(t)
	b.signIn("/carbon/", "admin", "admin")

	// Roles.
	body := b.consolePage("/carbon/roles")
	consoleHas(t, "roles", body, "Add New Role", `<label for="roleName" class="required">Role Name</label>`, "<td>admin</td>")
	consoleLacks(t, "roles", body, `name="roleName" value="admin"`)
	body = b.consoleFollow("/carbon/roles", url.Values{"roleName": {"auditor"}, "permissions": {"/permission/admin/login\n/permission/admin/manage/identity/applicationmgt/view"}})
	consoleHas(t, "roles after add", body, "Role auditor added successfully", "<td>auditor</td>", "<code>/permission/admin/manage/identity/applicationmgt/view</code>")
	if code, body := b.postBody("/carbon/roles", url.Values{"roleName": {"auditor"}}); code != http.StatusConflict || !strings.Contains(body, "already exists") {
		t.Errorf("duplicate role: %d %s", code, body)
	}
	if code, body := b.postBody("/carbon/roles", url.Values{"roleName": {"bad"}, "permissions": {"/not/a/permission"}}); code != http.StatusBadRequest || !strings.Contains(body, "invalid permission") {
		t.Errorf("bad permission: %d %s", code, body)
	}

	// Users.
	body = b.consolePage("/carbon/users")
	consoleHas(t, "users", body, "Add New User", `<label for="username" class="required">User Name</label>`, `<label for="role-1">auditor</label>`, "<td>admin</td>")
	if code, body := b.postBody("/carbon/users", url.Values{"username": {"bob"}, "password": {"secret1"}, "confirmPassword": {"secret2"}}); code != http.StatusBadRequest || !strings.Contains(body, "The passwords you entered do not match") {
		t.Errorf("mismatched passwords: %d %s", code, body)
	}
	body = b.consoleFollow("/carbon/users", url.Values{"username": {"bob"}, "password": {"secret1"}, "confirmPassword": {"secret1"}, "roles": {"auditor"}})
	consoleHas(t, "users after add", body, "User bob added successfully", "<td>bob</td>", "<td>auditor</td>")
	if code, _ := b.postBody("/carbon/users", url.Values{"username": {"bob"}, "password": {"x"}, "confirmPassword": {"x"}}); code != http.StatusConflict {
		t.Errorf("duplicate user: %d, want 409", code)
	}
	// bob signs in with the password set here.
	if _, err := s.identity.Authenticate(ctx, "bob", "secret1"); err != nil {
		t.Errorf("bob cannot authenticate: %v", err)
	}
	// A user name with a tenant in it stays in the caller's tenant.
	b.consoleFollow("/carbon/users", url.Values{"username": {"mallory@example.com"}, "password": {"p"}, "confirmPassword": {"p"}})
	users, _ := s.identity.ListUsers(ctx, admin.SuperTenantDomain)
	if !slices.ContainsFunc(users, func(e admin.UserEntry) bool { return e.Name == "mallory@example.com" }) {
		t.Errorf("users: %+v", users)
	}

	// The signed-in user has no Delete, and is not deleted.
	body = b.consoleFollow("/carbon/users/delete", url.Values{"username": {"admin"}})
	consoleHas(t, "self delete", body, "You cannot delete the user you are signed in as")
	// Delete through htmx.
	code, _, body := b.consoleHTMX("/carbon/users/delete", url.Values{"username": {"bob"}})
	if code != http.StatusOK {
		t.Fatalf("htmx delete user: %d", code)
	}
	consoleHas(t, "htmx user delete", body, `<div id="users-list">`, "User bob deleted successfully")
	consoleLacks(t, "htmx user delete", body, "<td>bob</td>")
	users, _ = s.identity.ListUsers(ctx, admin.SuperTenantDomain)
	if slices.ContainsFunc(users, func(e admin.UserEntry) bool { return e.Name == "bob" }) {
		t.Error("bob still exists")
	}

	// Roles are deleted; the admin role is not.
	body = b.consoleFollow("/carbon/roles/delete", url.Values{"roleName": {"auditor"}})
	consoleHas(t, "roles after delete", body, "Role auditor deleted successfully")
	consoleLacks(t, "roles after delete", body, "<td>auditor</td>")
	body = b.consoleFollow("/carbon/roles/delete", url.Values{"roleName": {"admin"}})
	consoleHas(t, "deleting admin", body, "Could not delete role admin : ")
	roles, _ := s.identity.ListRoles(ctx, "")
	if len(roles) != 1 || roles[0].Name != admin.AdminRole {
		t.Errorf("roles: %+v", roles)
	}

	// Tenants: added, deactivated, activated.
	body = b.consolePage("/carbon/tenants")
	consoleHas(t, "tenants", body, "<td>carbon.super</td>", `<label for="domain" class="required">Domain</label>`)
	body = b.consoleFollow("/carbon/tenants", url.Values{"domain": {"example.com"}, "adminUsername": {"boss"}, "adminPassword": {"pw"}, "confirmPassword": {"pw"}})
	consoleHas(t, "tenants after add", body, "Tenant example.com added successfully", "<td>example.com</td>", ">Deactivate</button>")
	if code, _ := b.postBody("/carbon/tenants", url.Values{"domain": {"example.com"}, "adminUsername": {"boss"}, "adminPassword": {"pw"}, "confirmPassword": {"pw"}}); code != http.StatusConflict {
		t.Errorf("duplicate tenant: %d, want 409", code)
	}
	body = b.consoleFollow("/carbon/tenants/state", url.Values{"domain": {"example.com"}, "active": {"false"}})
	consoleHas(t, "tenants after deactivation", body, "Tenant example.com deactivated successfully", "<td>Inactive</td>", ">Activate</button>")
	if _, err := s.identity.Authenticate(ctx, "boss@example.com", "pw"); err == nil {
		t.Error("a user of a deactivated tenant authenticates")
	}
	code, _, body = b.consoleHTMX("/carbon/tenants/state", url.Values{"domain": {"example.com"}, "active": {"true"}})
	consoleHas(t, "htmx activation", body, "Tenant example.com activated successfully", ">Deactivate</button>")
	if code != http.StatusOK {
		t.Errorf("htmx activation: %d", code)
	}
	body = b.consoleFollow("/carbon/tenants/state", url.Values{"domain": {"carbon.super"}, "active": {"false"}})
	consoleHas(t, "deactivating the super tenant", body, "Could not update tenant carbon.super : ")
}

func TestConsoleRefusesWithoutPermission(t *testing.T) {
	t.Parallel()
	s := newSite(t, "is-7.3")
	ctx := context.Background()
	if err := s.identity.AddRole(ctx, "", "login-only", []string{admin.LoginPermission}); err != nil {
		t.Fatal(err)
	}
	if err := s.identity.AddUser(ctx, "eve", "eve-pw", []string{"login-only"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.appMgt.CreateApplication(consoleAdminCtx(), &wsdl.ServiceProvider{ApplicationName: consolePtr("kept")}); err != nil {
		t.Fatal(err)
	}
	// A tenant admin holds every permission, in the tenant only.
	if _, err := s.identity.AddTenant(ctx, "example.com", "boss", "boss-pw"); err != nil {
		t.Fatal(err)
	}

	eve := s.browser(t)
	eve.signIn("/carbon/", "eve", "eve-pw")
	for _, path := range []string{"/carbon/service-providers", "/carbon/service-providers/edit?spName=kept", "/carbon/service-providers/oauth?spName=kept",
		"/carbon/oauth-clients", "/carbon/users", "/carbon/roles", "/carbon/tenants"} {
		code, body := eve.get(path)
		if code != http.StatusForbidden || !strings.Contains(body, "Access Denied: eve@carbon.super is not authorized to") {
			t.Errorf("GET %s as eve: %d %s", path, code, body)
		}
	}
	for path, form := range map[string]url.Values{
		"/carbon/service-providers":              {"spName": {"new"}},
		"/carbon/service-providers/delete":       {"spName": {"kept"}},
		"/carbon/service-providers/edit":         {"oldSPName": {"kept"}, "spName": {"kept"}, "sp-description": {"changed"}},
		"/carbon/service-providers/oauth":        consoleOAuthForm("kept", "https://cb.example", "authorization_code"),
		"/carbon/oauth-clients/delete":           {"consumerkey": {"k"}},
		"/carbon/users":                          {"username": {"new"}, "password": {"p"}, "confirmPassword": {"p"}},
		"/carbon/users/delete":                   {"username": {"admin"}},
		"/carbon/roles":                          {"roleName": {"new"}},
		"/carbon/roles/delete":                   {"roleName": {"login-only"}},
		"/carbon/tenants":                        {"domain": {"new.example"}, "adminUsername": {"a"}, "adminPassword": {"p"}, "confirmPassword": {"p"}},
		"/carbon/tenants/state":                  {"domain": {"example.com"}, "active": {"false"}},
		"/carbon/service-providers/oauth/revoke": {"spName": {"kept"}, "consumerkey": {"k"}},
	} {
		if code, _ := eve.postBody(path, form); code != http.StatusForbidden {
			t.Errorf("POST %s as eve: %d, want 403", path, code)
		}
	}

	boss := s.browser(t)
	boss.signIn("/carbon/", "boss@example.com", "boss-pw")
	code, body := boss.get("/carbon/tenants")
	if code != http.StatusForbidden || !strings.Contains(body, "super tenant") {
		t.Errorf("tenants as a tenant admin: %d %s", code, body)
	}
	if code, _ := boss.postBody("/carbon/tenants/state", url.Values{"domain": {"example.com"}, "active": {"false"}}); code != http.StatusForbidden {
		t.Errorf("tenant state as a tenant admin: %d", code)
	}
	// The tenant admin sees and changes the tenant's own users only.
	body = boss.consolePage("/carbon/users")
	consoleHas(t, "tenant users", body, "<td>boss</td>", "example.com")
	consoleLacks(t, "tenant users", body, "<td>eve</td>")
	boss.consoleFollow("/carbon/users/delete", url.Values{"username": {"eve"}})
	boss.consolePage("/carbon/service-providers")
	if code, _ := boss.postBody("/carbon/service-providers/delete", url.Values{"spName": {"kept"}}); code != http.StatusSeeOther {
		t.Errorf("tenant admin deleting a provider of its tenant: %d", code)
	}

	// Nothing changed.
	users, _ := s.identity.ListUsers(ctx, "")
	roles, _ := s.identity.ListRoles(ctx, "")
	tenants, _ := s.identity.ListTenants(ctx)
	sps, _ := s.appMgt.GetAllApplicationBasicInfo(consoleAdminCtx())
	if len(users) != 2 || len(roles) != 2 || len(tenants) != 2 || !tenants[1].Active || len(sps) != 1 || sps[0].Description != nil {
		t.Errorf("after the refusals: %d users, %d roles, %d tenants, %d service providers", len(users), len(roles), len(tenants), len(sps))
	}
}

func TestConsoleFormsNeedTheCSRFToken(t *testing.T) {
	t.Parallel()
	s := newSite(t, "is-7.3")
	b := s.browser(t)
	b.signIn("/carbon/", "admin", "admin")
	for path, form := range map[string]url.Values{
		"/carbon/service-providers": {"spName": {"forged"}, "csrf_token": {""}},
		"/carbon/users":             {"username": {"forged"}, "password": {"p"}, "confirmPassword": {"p"}, "csrf_token": {""}},
		"/carbon/roles":             {"roleName": {"forged"}, "csrf_token": {"wrong"}},
		"/carbon/tenants":           {"domain": {"forged.example"}, "adminUsername": {"a"}, "adminPassword": {"p"}, "confirmPassword": {"p"}},
	} {
		if path == "/carbon/tenants" {
			b.csrf = "stale"
		}
		if code, _ := b.postBody(path, form); code != http.StatusForbidden {
			t.Errorf("POST %s without the token: %d, want 403", path, code)
		}
	}
	ctx := context.Background()
	users, _ := s.identity.ListUsers(ctx, "")
	roles, _ := s.identity.ListRoles(ctx, "")
	tenants, _ := s.identity.ListTenants(ctx)
	sps, _ := s.appMgt.GetAllApplicationBasicInfo(consoleAdminCtx())
	if len(users) != 1 || len(roles) != 1 || len(tenants) != 1 || len(sps) != 0 {
		t.Errorf("forged forms changed the data: %d users, %d roles, %d tenants, %d service providers", len(users), len(roles), len(tenants), len(sps))
	}
}

func TestConsoleMissingObjects(t *testing.T) {
	t.Parallel()
	s := newSite(t, "is-7.3")
	b := s.browser(t)
	b.signIn("/carbon/", "admin", "admin")
	for _, path := range []string{"/carbon/service-providers/edit?spName=nope", "/carbon/service-providers/oauth?spName=nope"} {
		if code, body := b.get(path); code != http.StatusNotFound || !strings.Contains(body, "There is no service provider named nope.") {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
	}
	b.consoleFollow("/carbon/service-providers", url.Values{"spName": {"sp"}})
	if code, _ := b.postBody("/carbon/service-providers/oauth/regenerate", url.Values{"spName": {"sp"}, "consumerkey": {"other"}}); code != http.StatusNotFound {
		t.Errorf("regenerating a client the provider does not link: %d, want 404", code)
	}
	if code, _ := b.get("/carbon/service-providers/oauth?spName=sp&consumerkey=other"); code != http.StatusNotFound {
		t.Errorf("editing a client the provider does not link: %d, want 404", code)
	}
}

// TestConsoleListChangesByHTMX: every change made from a list answers an
// htmx request with the list alone and the outcome out of band, and a
// failure with the service's message and the list kept.
func TestConsoleListChangesByHTMX(t *testing.T) {
	t.Parallel()
	s := newSite(t, "is-7.3")
	ctx := consoleAdminCtx()
	if err := s.identity.AddRole(ctx, "carbon.super", "gone-role", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.identity.AddUser(ctx, "gone-user@carbon.super", "pw-Secret1", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.identity.AddTenant(ctx, "t.example", "tadmin", "pw-Secret1"); err != nil {
		t.Fatal(err)
	}
	b := s.browser(t)
	b.signIn("/carbon/", "admin", "admin")
	b.consolePage("/carbon/service-providers")
	if code, _, _ := b.consoleHTMX("/carbon/service-providers", url.Values{"spName": {"gone-sp"}}); code != http.StatusOK && code != http.StatusNoContent {
		t.Fatalf("adding a service provider: %d", code)
	}
	for _, c := range []struct {
		name, path string
		form       url.Values
		list, done string
		gone       string
	}{
		{"user", "/carbon/users/delete", url.Values{"username": {"gone-user"}}, `<div id="users-list">`, "User gone-user deleted successfully", "gone-user"},
		{"role", "/carbon/roles/delete", url.Values{"roleName": {"gone-role"}}, `<div id="roles-list">`, "Role gone-role deleted successfully", "gone-role"},
		{"tenant", "/carbon/tenants/state", url.Values{"domain": {"t.example"}, "active": {"false"}}, `<div id="tenants-list">`, "Tenant t.example deactivated successfully", ""},
		{"service provider", "/carbon/service-providers/delete", url.Values{"spName": {"gone-sp"}}, `<div id="sp-list">`, "Service Provider gone-sp deleted successfully", "gone-sp"},
	} {
		code, _, body := b.consoleHTMX(c.path, c.form)
		if code != http.StatusOK {
			t.Errorf("%s: %d %s", c.name, code, body)
			continue
		}
		consoleHas(t, c.name, body, c.list, `hx-swap-oob="true"`, c.done)
		consoleLacks(t, c.name, body, "<html", `class="error"`)
		if c.gone != "" {
			consoleLacks(t, c.name+" list", body, ">"+c.gone+"<")
		}
	}
	// A failure: the service's message, the list kept.
	code, _, body := b.consoleHTMX("/carbon/roles/delete", url.Values{"roleName": {"no-such-role"}})
	if code != http.StatusOK {
		t.Errorf("failed delete: %d", code)
	}
	consoleHas(t, "failed delete", body, `<div id="roles-list">`, "Could not delete role no-such-role : ")
}
