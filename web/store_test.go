package web_test

import (
	"context"
	"encoding/base64"
	"errors"
	"html"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/storeapi"
	"github.com/isadmin/isadmin/wsdl"
)

// storeUser adds a user (user@tenant) who may use the store.
func storeUser(t *testing.T, s *site, qualified, password string) {
	t.Helper()
	ctx := context.Background()
	name, domain := admin.SplitUsername(qualified)
	tenant, err := s.db.FindTenantByDomain(ctx, domain)
	if errors.Is(err, admin.ErrNotFound) {
		tenant = &admin.Tenant{Domain: domain, Active: true}
		err = s.db.CreateTenant(ctx, tenant)
	}
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.CreateUser(ctx, &admin.User{TenantID: tenant.ID, Name: name, PasswordHash: string(hash)}); err != nil {
		t.Fatal(err)
	}
	role := "subscriber-" + name
	if err := s.db.CreateRole(ctx, &admin.Role{TenantID: tenant.ID, Name: role, Permissions: []string{storeapi.SubscribePermission}}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.AddUserToRole(ctx, tenant.ID, name, role); err != nil {
		t.Fatal(err)
	}
}

// adminCtx is a context acting as admin@carbon.super, for the services.
func (s *site) adminCtx(t *testing.T) context.Context {
	t.Helper()
	ctx := context.Background()
	p, err := s.identity.Authenticate(ctx, "admin", "admin")
	if err != nil {
		t.Fatal(err)
	}
	return admin.WithPrincipal(ctx, p)
}

// registerClient registers an OAuth client with a key and secret of its
// own through OAuthAdminService, as out-of-band clients are.
func (s *site) registerClient(t *testing.T, key, secret string) {
	t.Helper()
	version, name, grants, callback := "OAuth-2.0", "oob-"+key, "client_credentials", ""
	err := s.oauth.RegisterOAuthApplicationData(s.adminCtx(t), &wsdl.OAuthConsumerAppDTO{
		OAuthVersion: &version, ApplicationName: &name, GrantTypes: &grants, CallbackUrl: &callback,
		OauthConsumerKey: &key, OauthConsumerSecret: &secret,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// clientExists tells whether OAuthAdminService has the client.
func (s *site) clientExists(t *testing.T, key string) bool {
	t.Helper()
	dto, err := s.oauth.GetOAuthApplicationData(s.adminCtx(t), key)
	return err == nil && dto != nil && dto.OauthConsumerKey != nil && *dto.OauthConsumerKey == key
}

// htmx sends a form as htmx does (HX-Request, the CSRF header of the
// page's body and the form's fields) and returns the status and body.
func (b *browser) htmx(path string, form url.Values) (int, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
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
	return resp.StatusCode, string(body)
}

// addApplication adds an application through the page and returns its id.
func (b *browser) addApplication(name, description string) string {
	b.t.Helper()
	resp := b.post("/store/applications", url.Values{"name": {name}, "description": {description}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/store/" {
		b.t.Fatalf("Add Application %q: %d %s", name, resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := b.get("/store/")
	m := regexp.MustCompile(`<a href="/store/applications/([^"]+)">` + regexp.QuoteMeta(template.HTMLEscapeString(name)) + `</a>`).FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("the new application %q is not listed: %s", name, body)
	}
	return m[1]
}

// storeBrowser signs admin in to a new site's store page.
func storeBrowser(t *testing.T, opts ...siteOption) (*site, *browser) {
	t.Helper()
	s := newSite(t, "is-7.3", opts...)
	b := s.browser(t)
	b.signIn("/store/", "admin", "admin")
	return s, b
}

// escaped is text as the pages show it.
func escaped(text string) string { return template.HTMLEscapeString(text) }

func wantIn(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, body)
		}
	}
}

func wantNotIn(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			t.Errorf("%s has %q:\n%s", what, u, body)
		}
	}
}

// inputValue is the value of the input with the id in body.
func inputValue(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`<input id="` + regexp.QuoteMeta(id) + `"[^>]* value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no input %s in:\n%s", id, body)
	}
	return html.UnescapeString(m[1])
}

func TestStoreApplications(t *testing.T) {
	t.Parallel()
	s, b := storeBrowser(t)
	_, body := b.get("/store/")
	wantIn(t, "the empty applications page", body, "<h1>Applications</h1>", "Add Application",
		`<label for="application-name" class="required">Name</label>`, `<label for="application-description">Description</label>`,
		`name="csrf_token"`, "You have no applications yet")

	id := b.addApplication("weather", "Forecasts & warnings")
	_, body = b.get("/store/")
	wantIn(t, "the applications page", body, `<a href="/store/applications/`+id+`">weather</a>`, "Forecasts &amp; warnings",
		`<td class="count">0</td>`, `data-confirm="Are you sure you want to delete the application?"`,
		"Keys provided from elsewhere (MAPPED) stay with their key manager")

	// The store's refusals, with the form kept.
	for _, tc := range []struct {
		name, description string
		status            int
		message           string
	}{
		{"weather", "again", http.StatusConflict, `An application with the name "weather" exists already for this user.`},
		{"", "no name", http.StatusBadRequest, "name is required"},
		{strings.Repeat("n", 101), "", http.StatusBadRequest, "name may have at most 100 characters"},
	} {
		code, body := b.postBody("/store/applications", url.Values{"name": {tc.name}, "description": {tc.description}})
		if code != tc.status {
			t.Errorf("Add Application %q: %d, want %d", tc.name, code, tc.status)
		}
		wantIn(t, "the refused Add Application", body, `<p class="error" role="alert">`, escaped(tc.message), `>`+escaped(tc.description)+`</textarea>`)
	}
	apps, err := s.store.Applications(s.adminCtx(t), mustPrincipal(t, s))
	if err != nil || len(apps) != 1 {
		t.Fatalf("applications: %d, %v", len(apps), err)
	}
}

func mustPrincipal(t *testing.T, s *site) admin.Principal {
	t.Helper()
	p, _ := admin.PrincipalFrom(s.adminCtx(t))
	return p
}

func TestStoreGenerateKeys(t *testing.T) {
	t.Parallel()
	for _, viaHTMX := range []bool{false, true} {
		name := "plain form"
		if viaHTMX {
			name = "htmx"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, b := storeBrowser(t)
			id := b.addApplication("weather", "")
			_, body := b.get("/store/applications/" + id)
			wantIn(t, "the Subscriptions page", body, "<h1>Subscriptions</h1>", `<select id="application-select" name="application" data-autosubmit>`,
				`selected>weather</option>`, "Keys - Production", "Keys - Sandbox",
				"Production keys are not yet generated for this application.", "Sandbox keys are not yet generated for this application.",
				"Generate keys", "Provide keys", `<label for="provide-key-production">Consumer key :</label>`,
				`<label for="provide-secret-sandbox">Consumer secret :</label>`, `maxlength="200"`, `<div id="provide-production" class="provide" hidden>`)

			path := "/store/applications/" + id + "/keys/production/generate"
			form := url.Values{"validity_time": {"3600"}}
			if viaHTMX {
				code, frag := b.htmx(path, form)
				if code != http.StatusOK || strings.Contains(frag, "<html") {
					t.Fatalf("htmx Generate keys: %d %s", code, frag)
				}
				wantIn(t, "the panel", frag, `<section class="panel keys" id="keys-production"`, `Validity Time of this token: 3600 Seconds`)
				if token := inputValue(t, frag, "access-token-production"); token == "" {
					t.Error("no access token after Generate keys")
				}
				body = frag
			} else {
				resp := b.post(path, form)
				resp.Body.Close()
				if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/store/applications/"+id {
					t.Fatalf("Generate keys: %d %s", resp.StatusCode, resp.Header.Get("Location"))
				}
				_, body = b.get("/store/applications/" + id)
				wantIn(t, "the page", body, "Sandbox keys are not yet generated for this application.")
			}
			wantIn(t, "the production keys", body, `<dd id="keys-production-mode">Generated</dd>`,
				`<label for="consumer-key-production">Consumer Key</label>`, `<label for="consumer-secret-production">Consumer Secret</label>`,
				`<input id="consumer-secret-production" type="password" readonly`, `data-copy="consumer-key-production">Copy to clipboard</button>`,
				`data-show="consumer-secret-production"`, ">Show keys</button>", `<label for="validity-production">Validity Time:</label>`,
				"Re-generate", "Generating..", `hx-disabled-elt="find button"`, "GrantType: Client Credentials", "GrantType: Password",
				"Grant types: client_credentials, password, refresh_token")
			wantNotIn(t, "the production keys", body, "Production keys are not yet generated")
			key, secret := inputValue(t, body, "consumer-key-production"), inputValue(t, body, "consumer-secret-production")
			if !s.clientExists(t, key) {
				t.Fatalf("OAuthAdminService lacks the generated client %q", key)
			}

			// The cURL example works as it stands.
			m := regexp.MustCompile(`curl -k -d "grant_type=client_credentials" -H "Authorization: Basic ([^"]+)" -H "Content-Type: application/x-www-form-urlencoded" (\S+)</pre>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no client credentials cURL in:\n%s", body)
			}
			if m[2] != s.srv.URL+"/oauth2/token" {
				t.Errorf("cURL token URL %s, want %s/oauth2/token", m[2], s.srv.URL)
			}
			req, _ := http.NewRequest(http.MethodPost, m[2], strings.NewReader("grant_type=client_credentials"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Basic "+m[1])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(got), `"access_token"`) {
				t.Errorf("the cURL's request: %d %s", resp.StatusCode, got)
			}
			if m[1] != base64.StdEncoding.EncodeToString([]byte(key+":"+secret)) {
				t.Errorf("the cURL's Authorization is not Basic key:secret")
			}

			// The key count on the applications page; keys twice are refused.
			_, home := b.get("/store/")
			wantIn(t, "the applications page", home, `<td class="count">1</td>`)
			code, again := b.postBody(path, form)
			if code != http.StatusConflict {
				t.Errorf("Generate keys twice: %d", code)
			}
			wantIn(t, "the refusal", again, escaped(`Application "weather" has PRODUCTION keys of key manager "Resident Key Manager" already; remove them before adding others.`))
		})
	}
}

func TestStoreProvideKeys(t *testing.T) {
	t.Parallel()
	s, b := storeBrowser(t)
	s.registerClient(t, "oob-client-key", "oob-client-secret")
	id := b.addApplication("legacy", "")
	path := "/store/applications/" + id + "/keys/sandbox/provide"
	wrong := `The consumer key "oob-client-key" and the consumer secret do not match an OAuth client of key manager "Resident Key Manager".`
	ctx, p := s.adminCtx(t), mustPrincipal(t, s)
	noKeys := func() {
		t.Helper()
		if _, keys, err := s.store.Application(ctx, p, id); err != nil || len(keys) != 0 {
			t.Fatalf("keys stored: %v %v", keys, err)
		}
	}

	// A wrong secret: the server's text in the panel, the form open with
	// the key, nothing stored.
	code, frag := b.htmx(path, url.Values{"consumer_key": {"oob-client-key"}, "consumer_secret": {"wrong"}})
	if code != http.StatusOK {
		t.Fatalf("htmx Provide keys, wrong secret: %d", code)
	}
	wantIn(t, "the panel", frag, `id="keys-sandbox"`, escaped(wrong), "Sandbox keys are not yet generated for this application.",
		`<div id="provide-sandbox" class="provide">`, `value="oob-client-key"`)
	wantNotIn(t, "the panel", frag, "wrong")
	code, page := b.postBody(path, url.Values{"consumer_key": {"oob-client-key"}, "consumer_secret": {"wrong"}})
	if code != http.StatusBadRequest {
		t.Fatalf("Provide keys, wrong secret: %d", code)
	}
	wantIn(t, "the page", page, "<h1>Subscriptions</h1>", escaped(wrong), `<div id="provide-sandbox" class="provide">`, `<div id="provide-production" class="provide" hidden>`)
	noKeys()

	// Without JavaScript, Provide keys opens the form through the page.
	_, page = b.get("/store/applications/" + id + "?provide=sandbox")
	wantIn(t, "the page", page, `<div id="provide-sandbox" class="provide">`, `<div id="provide-production" class="provide" hidden>`)

	code, frag = b.htmx(path, url.Values{"consumer_key": {"oob-client-key"}, "consumer_secret": {"oob-client-secret"}})
	if code != http.StatusOK {
		t.Fatalf("htmx Provide keys: %d", code)
	}
	wantIn(t, "the panel", frag, `<dd id="keys-sandbox-mode">Provided</dd>`)
	if got := inputValue(t, frag, "consumer-key-sandbox"); got != "oob-client-key" {
		t.Errorf("Consumer Key %q", got)
	}
	if got := inputValue(t, frag, "consumer-secret-sandbox"); got != "oob-client-secret" {
		t.Errorf("Consumer Secret %q", got)
	}
	_, page = b.get("/store/applications/" + id)
	wantIn(t, "the page", page, `<dd id="keys-sandbox-mode">Provided</dd>`, "Production keys are not yet generated for this application.")

	// A plain form's success goes back to the page.
	s.registerClient(t, "oob-other", "oob-other-secret")
	resp := b.post("/store/applications/"+id+"/keys/production/provide", url.Values{"consumer_key": {"oob-other"}, "consumer_secret": {"oob-other-secret"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/store/applications/"+id {
		t.Fatalf("Provide keys: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = b.get("/store/applications/" + id)
	wantIn(t, "the page", page, `<dd id="keys-production-mode">Provided</dd>`)
}

func TestStoreProvideKeysSwitchedOff(t *testing.T) {
	t.Parallel()
	s, b := storeBrowser(t, withoutMapping)
	s.registerClient(t, "oob-client-key", "oob-client-secret")
	id := b.addApplication("legacy", "")
	_, page := b.get("/store/applications/" + id + "?provide=sandbox")
	wantIn(t, "the page", page, "Generate keys", "Sandbox keys are not yet generated for this application.")
	wantNotIn(t, "the page", page, "Provide keys", "Consumer key :")
	code, frag := b.htmx("/store/applications/"+id+"/keys/sandbox/provide", url.Values{"consumer_key": {"oob-client-key"}, "consumer_secret": {"oob-client-secret"}})
	if code != http.StatusOK {
		t.Fatalf("htmx Provide keys: %d", code)
	}
	wantIn(t, "the panel", frag, escaped("Mapping existing OAuth clients is switched off on this server (--map-existing-auth-apps=false)."))
	if _, keys, err := s.store.Application(s.adminCtx(t), mustPrincipal(t, s), id); err != nil || len(keys) != 0 {
		t.Fatalf("keys stored: %v %v", keys, err)
	}
}

func TestStoreRegenerateToken(t *testing.T) {
	t.Parallel()
	s, b := storeBrowser(t)
	ctx := context.Background()
	id := b.addApplication("weather", "")
	base := "/store/applications/" + id + "/keys/production/"
	code, frag := b.htmx(base+"generate", url.Values{"validity_time": {"3600"}})
	if code != http.StatusOK {
		t.Fatalf("Generate keys: %d", code)
	}
	first := inputValue(t, frag, "access-token-production")
	if _, err := s.tokens.Principal(ctx, first); err != nil {
		t.Fatalf("the first token is not active: %v", err)
	}

	code, frag = b.htmx(base+"token", url.Values{"validity_time": {"600"}})
	if code != http.StatusOK {
		t.Fatalf("Re-generate: %d", code)
	}
	second := inputValue(t, frag, "access-token-production")
	wantIn(t, "the panel", frag, "Validity Time of this token: 600 Seconds", `<input id="validity-production" name="validity_time" type="number" step="1" value="600"`)
	if second == "" || second == first {
		t.Fatalf("Re-generate gave %q after %q", second, first)
	}
	if _, err := s.tokens.Principal(ctx, first); !errors.Is(err, admin.ErrBadCredentials) {
		t.Errorf("the old token is still active: %v", err)
	}
	if _, err := s.tokens.Principal(ctx, second); err != nil {
		t.Errorf("the new token is not active: %v", err)
	}

	// A plain form shows the page with the new token; a token without end.
	code, page := b.postBody(base+"token", url.Values{"validity_time": {"-1"}})
	if code != http.StatusOK {
		t.Fatalf("Re-generate: %d", code)
	}
	third := inputValue(t, page, "access-token-production")
	wantIn(t, "the page", page, "<h1>Subscriptions</h1>", "Validity Time of this token: it never expires")
	if third == second || third == "" {
		t.Fatalf("Re-generate gave %q after %q", third, second)
	}
	if _, err := s.tokens.Principal(ctx, second); !errors.Is(err, admin.ErrBadCredentials) {
		t.Errorf("the old token is still active: %v", err)
	}

	for _, tc := range []struct {
		path, validity string
		status         int
		message        string
	}{
		{base + "token", "soon", http.StatusBadRequest, "Enter a valid number"},
		{"/store/applications/" + id + "/keys/sandbox/token", "3600", http.StatusBadRequest, "The application has no SANDBOX keys: generate or provide them first."},
	} {
		code, page := b.postBody(tc.path, url.Values{"validity_time": {tc.validity}})
		if code != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.path, tc.validity, code, tc.status)
		}
		wantIn(t, "the refusal", page, escaped(tc.message))
	}
}

func TestStoreDeleteApplication(t *testing.T) {
	t.Parallel()
	s, b := storeBrowser(t)
	s.registerClient(t, "oob-client-key", "oob-client-secret")
	id := b.addApplication("weather", "")
	if code, _ := b.htmx("/store/applications/"+id+"/keys/production/generate", nil); code != http.StatusOK {
		t.Fatalf("Generate keys: %d", code)
	}
	if code, _ := b.htmx("/store/applications/"+id+"/keys/sandbox/provide", url.Values{"consumer_key": {"oob-client-key"}, "consumer_secret": {"oob-client-secret"}}); code != http.StatusOK {
		t.Fatalf("Provide keys: %d", code)
	}
	_, page := b.get("/store/applications/" + id)
	created := inputValue(t, page, "consumer-key-production")

	resp := b.post("/store/applications/"+id+"/delete", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/store/" {
		t.Fatalf("Delete: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, home := b.get("/store/")
	wantIn(t, "the applications page", home, "You have no applications yet")
	if !s.clientExists(t, "oob-client-key") {
		t.Error("the provided (MAPPED) client went with the application")
	}
	if s.clientExists(t, created) {
		t.Error("the generated (CREATED) client stayed")
	}
	code, page := b.get("/store/applications/" + id)
	if code != http.StatusNotFound {
		t.Errorf("the deleted application's page: %d", code)
	}
	wantIn(t, "the page", page, escaped("Requested application with Id '"+id+"' not found"))
}

func TestStoreKeysGoneFromKeyManager(t *testing.T) {
	t.Parallel()
	s, b := storeBrowser(t)
	id := b.addApplication("weather", "")
	_, frag := b.htmx("/store/applications/"+id+"/keys/production/generate", nil)
	key := inputValue(t, frag, "consumer-key-production")
	if err := s.oauth.RemoveOAuthApplicationData(s.adminCtx(t), key); err != nil {
		t.Fatal(err)
	}
	code, page := b.get("/store/applications/" + id)
	if code != http.StatusOK {
		t.Fatalf("the page: %d", code)
	}
	wantIn(t, "the page", page, `id="keys-production-gone"`, `The key manager "Resident Key Manager" no longer has the OAuth client of this consumer key`)
	if got := inputValue(t, page, "consumer-key-production"); got != key {
		t.Errorf("Consumer Key %q, want %q", got, key)
	}
	wantNotIn(t, "the page", page, "consumer-secret-production", "GrantType: Password")
}

func TestStoreOtherUsersApplication(t *testing.T) {
	t.Parallel()
	s, b := storeBrowser(t)
	storeUser(t, s, "bob", "bob-pass")
	bob := s.browser(t)
	bob.signIn("/store/", "bob", "bob-pass")
	id := bob.addApplication("bobs", "")
	forbidden := escaped("You don't have permission to access the application with Id " + id)

	code, page := b.get("/store/applications/" + id)
	if code != http.StatusForbidden {
		t.Errorf("another user's application: %d", code)
	}
	wantIn(t, "the page", page, forbidden)
	wantNotIn(t, "the page", page, "bobs", "Keys - Production")
	code, page = b.get("/store/applications/no-such-id")
	if code != http.StatusNotFound {
		t.Errorf("an unknown application: %d", code)
	}
	wantIn(t, "the page", page, escaped("Requested application with Id 'no-such-id' not found"))

	for _, action := range []string{"keys/production/generate", "keys/sandbox/provide", "keys/production/token", "delete"} {
		path := "/store/applications/" + id + "/" + action
		form := url.Values{"consumer_key": {"k"}, "consumer_secret": {"s"}}
		if code, page := b.postBody(path, form); code != http.StatusForbidden || !strings.Contains(page, forbidden) {
			t.Errorf("POST %s: %d", action, code)
		}
		if action == "delete" {
			continue
		}
		if code, frag := b.htmx(path, form); code != http.StatusOK || !strings.Contains(frag, forbidden) || strings.Contains(frag, "Generate keys") {
			t.Errorf("htmx %s: %d %s", action, code, frag)
		}
	}
	bobP, err := s.identity.Authenticate(context.Background(), "bob", "bob-pass")
	if err != nil {
		t.Fatal(err)
	}
	if _, keys, err := s.store.Application(admin.WithPrincipal(context.Background(), bobP), bobP, id); err != nil || len(keys) != 0 {
		t.Errorf("bob's application: keys %v, %v", keys, err)
	}
	// Bob sees only his own in the selector.
	_, page = bob.get("/store/applications/" + id)
	wantIn(t, "bob's page", page, `selected>bobs</option>`)
}

func TestStoreFormsNeedCSRFToken(t *testing.T) {
	t.Parallel()
	s, b := storeBrowser(t)
	id := b.addApplication("weather", "")
	for _, path := range []string{
		"/store/applications",
		"/store/applications/" + id + "/delete",
		"/store/applications/" + id + "/keys/production/generate",
		"/store/applications/" + id + "/keys/production/provide",
		"/store/applications/" + id + "/keys/production/token",
	} {
		code, _ := b.postBody(path, url.Values{"csrf_token": {""}, "name": {"other"}})
		if code != http.StatusForbidden {
			t.Errorf("POST %s without csrf_token: %d, want 403", path, code)
		}
	}
	apps, err := s.store.Applications(s.adminCtx(t), mustPrincipal(t, s))
	if err != nil || len(apps) != 1 {
		t.Fatalf("applications: %d %v", len(apps), err)
	}
	if _, keys, _ := s.store.Application(s.adminCtx(t), mustPrincipal(t, s), id); len(keys) != 0 {
		t.Errorf("keys: %v", keys)
	}
}

func TestStoreSelector(t *testing.T) {
	t.Parallel()
	_, b := storeBrowser(t)
	if code, _ := b.get("/store/subscriptions"); code != http.StatusSeeOther {
		t.Errorf("Subscriptions without applications: %d", code)
	}
	first := b.addApplication("alpha", "")
	second := b.addApplication("beta", "")
	resp, err := b.c.Get(b.site.srv.URL + "/store/subscriptions?application=" + second)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/store/applications/"+second {
		t.Errorf("selector: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := b.get("/store/applications/" + first)
	wantIn(t, "the page", page, `<option value="`+first+`" selected>alpha</option>`, `<option value="`+second+`">beta</option>`)
}
