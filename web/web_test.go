package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/julienschmidt/httprouter"
	"golang.org/x/crypto/bcrypt"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
	"github.com/isadmin/isadmin/storeapi"
	"github.com/isadmin/isadmin/tokens"
	"github.com/isadmin/isadmin/web"
	"github.com/isadmin/isadmin/wsdl"
)

// site is a server with the pages, the store API and a database.
type site struct {
	db       *schema.DB
	identity *admin.Identity
	oauth    *admin.OAuthAdmin
	appMgt   *admin.AppMgt
	store    *storeapi.Server
	// tokens is the resident key manager's token server, also serving
	// /oauth2/token, /oauth2/revoke and /oauth2/introspect.
	tokens *tokens.Server
	srv    *httptest.Server
}

// siteOption changes the servers of a site before it serves.
type siteOption func(*site)

// withoutMapping switches mapping existing OAuth clients off in the store
// (--map-existing-auth-apps=false).
func withoutMapping(s *site) { s.store.MapExistingAuthApps = false }

// newSite serves the pages of profile (e.g. "is-7.3") over a fresh
// database with the admin user admin/admin.
func newSite(t *testing.T, profile string, opts ...siteOption) *site {
	t.Helper()
	ctx := context.Background()
	p, err := wsdl.Load(profile)
	if err != nil {
		t.Fatal(err)
	}
	db := schematest.Open(t, schematest.Location(t, t.TempDir()))
	id := &admin.Identity{Store: db, HashCost: bcrypt.MinCost}
	if _, err := id.EnsureAdmin(ctx, admin.SuperTenantID, "admin", "admin", false); err != nil {
		t.Fatal(err)
	}
	oauth := &admin.OAuthAdmin{Store: db, Authorizations: db, Config: admin.OAuthConfig{
		AllowedGrantTypes: []string{"authorization_code", "implicit", "password", "client_credentials", "refresh_token"}}}
	appMgt := &admin.AppMgt{Store: db, OAuth: db}
	tokenConfig, err := tokens.ConfigOf(p)
	if err != nil {
		t.Fatal(err)
	}
	tokenServer := &tokens.Server{Config: tokenConfig, Store: db, Clients: db, Users: id, Versions: db, Realm: "localhost"}
	store := &storeapi.Server{
		Store: db, Identity: id, MapExistingAuthApps: true, ProvisionUnknownKeys: true, Tokens: tokenServer,
		KeyManagers: map[string]storeapi.KeyManager{storeapi.ResidentKeyManager: &storeapi.Local{OAuth: oauth, Profile: p, Tokens: tokenServer}},
	}
	pages := &web.Server{Profile: p, Identity: id, OAuth: oauth, AppMgt: appMgt, Store: store, Version: "test"}
	s := &site{db: db, identity: id, oauth: oauth, appMgt: appMgt, store: store, tokens: tokenServer}
	for _, o := range opts {
		o(s)
	}
	r := httprouter.New()
	tokenServer.Register(r)
	store.Register(r)
	if err := pages.Register(r); err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(r)
	t.Cleanup(s.srv.Close)
	return s
}

// browser is a client with cookies that sends what a browser sends with a
// form of the site's own pages.
type browser struct {
	t    *testing.T
	site *site
	c    *http.Client
	// csrf is the token of the last page read.
	csrf string
}

func (s *site) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, site: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// get reads a page and remembers its CSRF token.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.site.srv.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body)
}

// post sends a form with the remembered CSRF token and the Origin of the
// site, as a browser does for a form of the site's pages.
func (b *browser) post(path string, form url.Values) *http.Response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.site.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.site.srv.URL)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp
}

// postBody is post returning the status and body.
func (b *browser) postBody(path string, form url.Values) (int, string) {
	b.t.Helper()
	resp := b.post(path, form)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// signIn signs in to the area at path ("/carbon/" or "/store/").
func (b *browser) signIn(path, user, password string) {
	b.t.Helper()
	b.get(path + "login")
	resp := b.post(path+"login", url.Values{"username": {user}, "password": {password}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path {
		b.t.Fatalf("sign-in to %s as %s: %d %s", path, user, resp.StatusCode, resp.Header.Get("Location"))
	}
	b.get(path)
}

func TestLandingLinksEveryService(t *testing.T) {
	s := newSite(t, "is-7.3")
	b := s.browser(t)
	code, body := b.get("/")
	if code != http.StatusOK {
		t.Fatalf("GET /: %d", code)
	}
	for _, want := range []string{
		`href="/services/OAuthAdminService?wsdl"`, `href="/services/IdentityApplicationManagementService?wsdl"`,
		`href="/services/AuthenticationAdmin?wsdl"`, `href="/api/am/devportal/v3/openapi.json"`,
		`href="/api-reference"`, `href="/carbon/"`, `href="/store/"`, "is-7.3", "version test",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("landing page lacks %s", want)
		}
	}
}

func TestPagesCarrySecurityHeaders(t *testing.T) {
	s := newSite(t, "is-7.3")
	for _, path := range []string{"/", "/carbon/login", "/store/login", "/api-reference", "/assets/app.js"} {
		resp, err := http.Get(s.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != http.StatusOK || !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: %d, CSP %q", path, resp.StatusCode, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
	}
}

func TestSignInAndOut(t *testing.T) {
	for _, area := range []string{"/carbon/", "/store/"} {
		t.Run(area, func(t *testing.T) {
			s := newSite(t, "is-7.3")
			b := s.browser(t)
			if code, _ := b.get(area); code != http.StatusSeeOther {
				t.Fatalf("GET %s signed out: %d, want a redirect to the sign-in", area, code)
			}
			b.get(area + "login")
			code, body := b.postBody(area+"login", url.Values{"username": {"admin"}, "password": {"wrong"}})
			if code != http.StatusUnauthorized || !strings.Contains(body, "Login failed! Please recheck the username and password and try again.") {
				t.Fatalf("wrong password: %d %s", code, body)
			}
			b.signIn(area, "admin", "admin")
			_, body = b.get(area)
			if !strings.Contains(body, `Signed-in as: <strong id="signed-in-user">admin@carbon.super</strong>`) {
				t.Fatalf("signed-in page: %s", body)
			}
			resp := b.post(area+"logout", nil)
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-out: %d", resp.StatusCode)
			}
			if code, _ := b.get(area); code != http.StatusSeeOther {
				t.Fatalf("GET %s after sign-out: %d", area, code)
			}
		})
	}
}

func TestCrossSiteFormsRefused(t *testing.T) {
	s := newSite(t, "is-7.3")
	b := s.browser(t)
	b.signIn("/carbon/", "admin", "admin")
	token := b.csrf

	// Without the token, with a wrong one, or from another origin: refused,
	// and the session lives on.
	for name, form := range map[string]url.Values{
		"no token":    {"csrf_token": {""}},
		"wrong token": {"csrf_token": {token + "x"}},
	} {
		if code, _ := b.postBody("/carbon/logout", form); code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, code)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/carbon/logout", strings.NewReader("csrf_token="+url.QueryEscape(token)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("other origin: %d, want 403", resp.StatusCode)
	}
	if code, _ := b.get("/carbon/"); code != http.StatusOK {
		t.Fatalf("the session ended: %d", code)
	}

	// A sign-in form not from the site's page (no form cookie) is refused.
	other := s.browser(t)
	if code, _ := other.postBody("/store/login", url.Values{"username": {"admin"}, "password": {"admin"}, "csrf_token": {"forged"}}); code != http.StatusForbidden {
		t.Errorf("forged sign-in: %d, want 403", code)
	}
}
