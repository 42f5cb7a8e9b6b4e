package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/soap"
	"github.com/isadmin/isadmin/store"
	"github.com/isadmin/isadmin/storeapi"
	"github.com/isadmin/isadmin/storeapi/storetest"
)

// storeOn switches the store's mapping features on, as the flags' defaults
// do.
func storeOn(c *Config) { c.MapExistingAuthApps, c.ProvisionUnknownKeys = true, true }

// startStore starts a server with the store's defaults.
func startStore(t *testing.T, profile string, configure ...func(*Config)) *testServer {
	t.Helper()
	return startServer(t, profile, append([]func(*Config){storeOn}, configure...)...)
}

var loadStoreSpec = sync.OnceValues(func() (*storetest.Spec, error) { return storetest.Load(storeapi.OpenAPI()) })

func storeSpec(t testing.TB) *storetest.Spec {
	t.Helper()
	spec, err := loadStoreSpec()
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// sreq is a request to the store. Paths are relative to the REST base path
// unless they start with /store/ (the Jaggery actions).
type sreq struct {
	method, path string
	// body is sent as JSON; a string is sent as is.
	body any
	// form is sent form-encoded.
	form url.Values
	// user is "name:password"; admin:admin when empty.
	user   string
	noAuth bool
	client *http.Client
	header http.Header
}

// sresp is a store response; every one was checked against the OpenAPI
// document.
type sresp struct {
	Status int
	Header http.Header
	Body   []byte
}

func storePath(p string) string {
	if strings.HasPrefix(p, "/store/") || strings.HasPrefix(p, storeapi.BasePath) {
		return p
	}
	return storeapi.BasePath + p
}

// apiE sends a store request and checks the response against the
// document; it is safe to call from goroutines.
func (s *testServer) apiE(q sreq) (*sresp, error) {
	var body io.Reader
	ct := ""
	switch {
	case q.form != nil:
		body, ct = strings.NewReader(q.form.Encode()), "application/x-www-form-urlencoded; charset=UTF-8"
	case q.body != nil:
		if raw, ok := q.body.(string); ok {
			body = strings.NewReader(raw)
		} else {
			b, err := json.Marshal(q.body)
			if err != nil {
				return nil, err
			}
			body = bytes.NewReader(b)
		}
		ct = "application/json"
	}
	path := storePath(q.path)
	req, err := http.NewRequest(q.method, s.URL+path, body)
	if err != nil {
		return nil, err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range q.header {
		req.Header[k] = v
	}
	if !q.noAuth {
		user, pass := "admin", "admin"
		if q.user != "" {
			user, pass, _ = strings.Cut(q.user, ":")
		}
		req.SetBasicAuth(user, pass)
	}
	client := q.client
	if client == nil {
		client = s.Client
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	r := &sresp{Status: resp.StatusCode, Header: resp.Header, Body: data}
	spec, err := loadStoreSpec()
	if err != nil {
		return r, err
	}
	u, _ := url.Parse(path)
	if err := spec.Check(q.method, u.Path, r.Status, data); err != nil {
		return r, fmt.Errorf("response departs from the OpenAPI document: %w\n%s", err, data)
	}
	return r, nil
}

func (s *testServer) api(t testing.TB, q sreq) *sresp {
	t.Helper()
	r, err := s.apiE(q)
	if err != nil {
		if r == nil {
			t.Fatalf("%s %s: %v", q.method, q.path, err)
		}
		t.Errorf("%s %s: %v", q.method, q.path, err)
	}
	return r
}

// want fails unless the response has the status, and decodes its body
// into v when v is not nil.
func (r *sresp) want(t testing.TB, status int, v any) *sresp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("HTTP %d, want %d:\n%s", r.Status, status, r.Body)
	}
	if v != nil {
		if err := json.Unmarshal(r.Body, v); err != nil {
			t.Fatalf("decoding %s: %v", r.Body, err)
		}
	}
	return r
}

type apiError struct {
	Code        int64             `json:"code"`
	Message     string            `json:"message"`
	Description string            `json:"description"`
	MoreInfo    *string           `json:"moreInfo"`
	Error       []json.RawMessage `json:"error"`
}

// wantError checks an error answer: the status, the body's shape and a
// description containing want; it returns the description.
func (r *sresp) wantError(t testing.TB, status int, want string) string {
	t.Helper()
	var e apiError
	r.want(t, status, &e)
	if e.Code != int64(status) || e.Message != http.StatusText(status) || e.MoreInfo == nil || e.Error == nil {
		t.Errorf("error body %s: want code %d, message %q, moreInfo and error present", r.Body, status, http.StatusText(status))
	}
	if !strings.Contains(e.Description, want) {
		t.Errorf("description %q, want it to contain %q", e.Description, want)
	}
	return e.Description
}

type appJSON struct {
	ApplicationID    string `json:"applicationId"`
	Name             string `json:"name"`
	ThrottlingPolicy string `json:"throttlingPolicy"`
	Description      string `json:"description"`
	TokenType        string `json:"tokenType"`
	Owner            string `json:"owner"`
	Keys             []struct {
		KeyMappingID string `json:"keyMappingId"`
		ConsumerKey  string `json:"consumerKey"`
		Mode         string `json:"mode"`
	} `json:"keys"`
}

type keyJSON struct {
	KeyMappingID        string   `json:"keyMappingId"`
	KeyManager          string   `json:"keyManager"`
	ConsumerKey         string   `json:"consumerKey"`
	ConsumerSecret      string   `json:"consumerSecret"`
	SupportedGrantTypes []string `json:"supportedGrantTypes"`
	CallbackURL         string   `json:"callbackUrl"`
	KeyState            string   `json:"keyState"`
	KeyType             string   `json:"keyType"`
	Mode                string   `json:"mode"`
	Provisioning        string   `json:"provisioning"`
}

func createApp(t *testing.T, s *testServer, user, name string) appJSON {
	t.Helper()
	var app appJSON
	r := s.api(t, sreq{method: "POST", path: "/applications", user: user, body: map[string]any{"name": name, "throttlingPolicy": "Unlimited"}})
	r.want(t, http.StatusCreated, &app)
	if loc := r.Header.Get("Location"); loc != storeapi.BasePath+"/applications/"+app.ApplicationID {
		t.Errorf("Location %q", loc)
	}
	return app
}

func mapBody(key, secret, keyType string, extra ...any) map[string]any {
	b := map[string]any{"consumerKey": key, "consumerSecret": secret, "keyType": keyType}
	for i := 0; i+1 < len(extra); i += 2 {
		b[extra[i].(string)] = extra[i+1]
	}
	return b
}

func mapKeys(t *testing.T, s *testServer, user, appID string, body any) *sresp {
	t.Helper()
	return s.api(t, sreq{method: "POST", path: "/applications/" + appID + "/map-keys", user: user, body: body})
}

func oauthKeys(t *testing.T, s *testServer, user, appID string) []keyJSON {
	t.Helper()
	var list struct {
		Count int       `json:"count"`
		List  []keyJSON `json:"list"`
	}
	s.api(t, sreq{method: "GET", path: "/applications/" + appID + "/oauth-keys", user: user}).want(t, http.StatusOK, &list)
	if list.Count != len(list.List) {
		t.Errorf("count %d, %d keys", list.Count, len(list.List))
	}
	return list.List
}

// soapRegister creates an OAuth client with the key and secret through
// OAuthAdminService, as admin.
func soapRegister(t *testing.T, s *testServer, profile, name, key, secret string) {
	t.Helper()
	r := s.do(t, call{action: "registerOAuthApplicationData", body: registerBody(name, key, secret, "", "client_credentials")})
	voidOK(t, profile, r, "registerOAuthApplicationData")
}

// soapSecret returns the secret and grant types of a client through
// OAuthAdminService, as admin; ok is false when the server has no such
// client.
func soapSecret(t *testing.T, s *testServer, key string) (secret, grants string, ok bool) {
	t.Helper()
	r := s.do(t, call{action: "getOAuthApplicationData", body: `<xsd:getOAuthApplicationData><xsd:consumerKey>` + key + `</xsd:consumerKey></xsd:getOAuthApplicationData>`})
	if p := r.payload(t); p.Tag == "Fault" {
		if _, reason := r.fault(t); !strings.Contains(reason, key) {
			t.Fatalf("getOAuthApplicationData %s: %s", key, reason)
		}
		return "", "", false
	}
	ret := getByKey(t, s, soap11, key)
	secret, _ = text(ret, "oauthConsumerSecret")
	grants, _ = text(ret, "grantTypes")
	return secret, grants, true
}

// storeSnapshot dumps the store applications, key mappings and OAuth
// clients of the users, to tell whether a request changed anything.
func storeSnapshot(t *testing.T, s *testServer, users ...string) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, q := range users {
		name, domain := admin.SplitUsername(q)
		tenant, err := s.DB.FindTenantByDomain(ctx, domain)
		if err != nil {
			t.Fatal(err)
		}
		apps, _, err := s.DB.ListStoreApplications(ctx, store.ApplicationFilter{TenantID: tenant.ID, Owner: name})
		if err != nil {
			t.Fatal(err)
		}
		for _, app := range apps {
			keys, err := s.DB.ListKeyMappings(ctx, app.ID)
			if err != nil {
				t.Fatal(err)
			}
			j, _ := json.Marshal(struct {
				App  *store.Application
				Keys []*store.KeyMapping
			}{app, keys})
			b.Write(j)
			b.WriteByte('\n')
		}
		clients, err := s.DB.ListOAuthApps(ctx, tenant.ID, name)
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(clients)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestStoreOpenAPI checks the published document: it is served, documents
// every route the store registers, and every documented operation is
// served (answering without credentials as documented).
func TestStoreOpenAPI(t *testing.T) {
	s := startStore(t, "is-next")
	spec := storeSpec(t)
	r := s.api(t, sreq{method: "GET", path: "/openapi.json", noAuth: true}).want(t, http.StatusOK, nil)
	if !bytes.Equal(r.Body, storeapi.OpenAPI()) {
		t.Error("the served document is not the embedded one")
	}
	// openapi-typescript makes a property with a default required in the
	// types it generates, so a request without it would not compile: the
	// document names defaults in descriptions only.
	var doc any
	json.Unmarshal(storeapi.OpenAPI(), &doc)
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for name, p := range props {
					if m, ok := p.(map[string]any); ok && m["default"] != nil {
						t.Errorf("%s.%s has a default", at, name)
					}
				}
			}
			for k, c := range v {
				walk(c, at+"."+k)
			}
		case []any:
			for _, c := range v {
				walk(c, at)
			}
		}
	}
	walk(doc, "$")
	routes := (&storeapi.Server{}).Routes()
	for _, rt := range routes {
		if spec.Find(rt.Method, rt.Path) == nil {
			t.Errorf("route %s %s is not documented", rt.Method, rt.Path)
		}
	}
	for _, op := range spec.Operations() {
		served := slices.ContainsFunc(routes, func(rt storeapi.Route) bool { return rt.Method == op.Method && rt.Path == op.Path })
		if !served {
			t.Errorf("documented %s %s has no route", op.Method, op.Path)
		}
		q := sreq{method: op.Method, path: op.Example(), noAuth: true}
		if strings.HasPrefix(op.Path, "/store/") && op.Method == "POST" {
			q.form = url.Values{}
		}
		r := s.api(t, q)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s %s: Content-Type %q (not routed?)", op.Method, op.Path, ct)
		}
		switch {
		case strings.HasPrefix(op.Path, "/store/"):
			var jr struct {
				Error   bool   `json:"error"`
				Message string `json:"message"`
			}
			r.want(t, http.StatusOK, &jr)
			if !jr.Error || jr.Message == "" {
				t.Errorf("%s %s without action: %s", op.Method, op.Path, r.Body)
			}
		case strings.HasSuffix(op.Path, "/settings") || strings.HasSuffix(op.Path, "/openapi.json"):
			r.want(t, http.StatusOK, nil)
		default:
			r.wantError(t, http.StatusUnauthorized, "Authentication required")
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: 401 without WWW-Authenticate", op.Method, op.Path)
			}
		}
	}
}

// TestStoreSeedFlow maps a client created through SOAP, deletes the
// application and maps the client again.
func TestStoreSeedFlow(t *testing.T) {
	for _, profile := range profiles {
		t.Run(profile, func(t *testing.T) {
			s := startStore(t, profile)
			soapRegister(t, s, profile, "seed", "seed-key", "seed-secret")
			app := createApp(t, s, "", "SeedApp")

			var k keyJSON
			mapKeys(t, s, "", app.ApplicationID, mapBody("seed-key", "seed-secret", "PRODUCTION")).want(t, http.StatusOK, &k)
			if k.Mode != "MAPPED" || k.Provisioning != "FOUND" || k.ConsumerSecret != "seed-secret" || k.KeyManager != storeapi.ResidentKeyManager || k.KeyType != "PRODUCTION" {
				t.Errorf("map-keys answer %+v", k)
			}
			keys := oauthKeys(t, s, "", app.ApplicationID)
			if len(keys) != 1 || keys[0].KeyType != "PRODUCTION" || keys[0].Mode != "MAPPED" || keys[0].ConsumerKey != "seed-key" ||
				keys[0].ConsumerSecret != "seed-secret" || !slices.Equal(keys[0].SupportedGrantTypes, []string{"client_credentials"}) {
				t.Errorf("oauth-keys %+v", keys)
			}

			s.api(t, sreq{method: "DELETE", path: "/applications/" + app.ApplicationID}).want(t, http.StatusOK, nil)
			s.api(t, sreq{method: "GET", path: "/applications/" + app.ApplicationID}).wantError(t, http.StatusNotFound, app.ApplicationID)
			if secret, _, ok := soapSecret(t, s, "seed-key"); !ok || secret != "seed-secret" {
				t.Fatalf("the MAPPED client did not survive its application: %q %v", secret, ok)
			}

			other := createApp(t, s, "", "OtherApp")
			mapKeys(t, s, "", other.ApplicationID, mapBody("seed-key", "seed-secret", "SANDBOX")).want(t, http.StatusOK, &k)
			if k.Mode != "MAPPED" || k.KeyType != "SANDBOX" {
				t.Errorf("second mapping %+v", k)
			}
		})
	}
}

// TestStoreServiceProviderSparesMapped deletes a service provider linking a
// MAPPED and a CREATED client: the MAPPED one survives.
func TestStoreServiceProviderSparesMapped(t *testing.T) {
	const profile = "is-next"
	s := startStore(t, profile)
	soapRegister(t, s, profile, "linked", "linked-key", "linked-secret")
	soapRegister(t, s, profile, "plain", "plain-key", "plain-secret")
	app := createApp(t, s, "", "Linked")
	mapKeys(t, s, "", app.ApplicationID, mapBody("linked-key", "linked-secret", "PRODUCTION")).want(t, http.StatusOK, nil)

	id := amCreate(t, s, profile, soap11, "sp-linked", "")
	amVoidOK(t, profile, amCall(t, s, soap11, "updateApplication", amLinkBody(id, "sp-linked", "linked-key", "plain-key")), "updateApplication")
	amVoidOK(t, profile, amCall(t, s, soap11, "deleteApplication", amOp("deleteApplication", "applicationName", "sp-linked")), "deleteApplication")
	if _, _, ok := soapSecret(t, s, "linked-key"); !ok {
		t.Error("deleting the service provider deleted the MAPPED client")
	}
	if _, _, ok := soapSecret(t, s, "plain-key"); ok {
		t.Error("deleting the service provider kept its own client")
	}
}

func TestStoreApplications(t *testing.T) {
	s := startStore(t, "is-next")
	addUser(t, s, "bob", "bob-pass", storeapi.SubscribePermission)
	addUser(t, s, "eve@other.com", "eve-pass", storeapi.SubscribePermission)
	addUser(t, s, "nobody", "nobody-pass")

	// Authentication and the store permission.
	s.api(t, sreq{method: "GET", path: "/applications", noAuth: true}).wantError(t, http.StatusUnauthorized, "Authentication required")
	s.api(t, sreq{method: "GET", path: "/applications", user: "admin:wrong"}).wantError(t, http.StatusUnauthorized, "Invalid credentials")
	s.api(t, sreq{method: "GET", path: "/applications", user: "nobody:nobody-pass"}).wantError(t, http.StatusForbidden, storeapi.SubscribePermission)

	app := createApp(t, s, "", "Calc")
	if app.Owner != "admin" || app.TokenType != "JWT" || app.ThrottlingPolicy != "Unlimited" {
		t.Errorf("created %+v", app)
	}
	// Names are unique per owner: a database constraint.
	s.api(t, sreq{method: "POST", path: "/applications", body: map[string]any{"name": "Calc", "throttlingPolicy": "Gold"}}).
		wantError(t, http.StatusConflict, `"Calc" exists already`)
	bobApp := createApp(t, s, "bob:bob-pass", "Calc")
	eveApp := createApp(t, s, "eve@other.com:eve-pass", "Calc")
	if eveApp.Owner != "eve@other.com" {
		t.Errorf("tenant owner %q", eveApp.Owner)
	}

	// Validation, with one entry per field.
	r := s.api(t, sreq{method: "POST", path: "/applications", body: map[string]any{"name": " padded", "tokenType": "SAML", "description": strings.Repeat("d", 513)}})
	r.wantError(t, http.StatusBadRequest, "Invalid application")
	var e apiError
	json.Unmarshal(r.Body, &e)
	if len(e.Error) != 4 {
		t.Errorf("want 4 field errors: %s", r.Body)
	}
	s.api(t, sreq{method: "POST", path: "/applications", body: "{not json"}).wantError(t, http.StatusBadRequest, "not valid JSON")
	s.api(t, sreq{method: "POST", path: "/applications", body: map[string]any{"name": "x", "throttlingPolicy": "y"},
		header: http.Header{"Content-Type": {"text/plain"}}}).wantError(t, http.StatusUnsupportedMediaType, "application/json")

	// Ownership: another user of the tenant gets 403, another tenant 404.
	s.api(t, sreq{method: "GET", path: "/applications/" + app.ApplicationID, user: "bob:bob-pass"}).wantError(t, http.StatusForbidden, "permission")
	s.api(t, sreq{method: "DELETE", path: "/applications/" + app.ApplicationID, user: "bob:bob-pass"}).wantError(t, http.StatusForbidden, "permission")
	s.api(t, sreq{method: "GET", path: "/applications/" + app.ApplicationID, user: "eve@other.com:eve-pass"}).wantError(t, http.StatusNotFound, "not found")

	// Update.
	var upd appJSON
	s.api(t, sreq{method: "PUT", path: "/applications/" + app.ApplicationID, body: map[string]any{"name": "Calculator", "throttlingPolicy": "Gold", "description": "adds", "tokenType": "OAUTH"}}).
		want(t, http.StatusOK, &upd)
	if upd.Name != "Calculator" || upd.ThrottlingPolicy != "Gold" || upd.Description != "adds" || upd.TokenType != "OAUTH" || upd.ApplicationID != app.ApplicationID {
		t.Errorf("updated %+v", upd)
	}
	createApp(t, s, "", "Taken")
	s.api(t, sreq{method: "PUT", path: "/applications/" + app.ApplicationID, body: map[string]any{"name": "Taken", "throttlingPolicy": "Gold"}}).
		wantError(t, http.StatusConflict, `"Taken"`)

	// List, paging and query.
	for _, n := range []string{"a1", "a2", "a3"} {
		createApp(t, s, "", n)
	}
	var list struct {
		Count int `json:"count"`
		List  []struct {
			Name string `json:"name"`
		} `json:"list"`
		Pagination struct {
			Offset, Limit, Total int
			Next, Previous       string
		} `json:"pagination"`
	}
	s.api(t, sreq{method: "GET", path: "/applications?limit=2&offset=2"}).want(t, http.StatusOK, &list)
	if list.Count != 2 || list.List[0].Name != "a3" || list.List[1].Name != "Calculator" || list.Pagination.Total != 5 ||
		list.Pagination.Offset != 2 || list.Pagination.Limit != 2 ||
		list.Pagination.Next != "/applications?limit=2&offset=4" || list.Pagination.Previous != "/applications?limit=2&offset=0" {
		t.Errorf("page: %+v", list)
	}
	s.api(t, sreq{method: "GET", path: "/applications?query=a2"}).want(t, http.StatusOK, &list)
	if list.Count != 1 || list.List[0].Name != "a2" || list.Pagination.Total != 1 || list.Pagination.Next != "" || list.Pagination.Previous != "" {
		t.Errorf("query: %+v", list)
	}
	s.api(t, sreq{method: "GET", path: "/applications?sortBy=name&sortOrder=desc&limit=1"}).want(t, http.StatusOK, &list)
	if list.List[0].Name != "Taken" {
		t.Errorf("desc: %+v", list)
	}
	s.api(t, sreq{method: "GET", path: "/applications?limit=0"}).wantError(t, http.StatusBadRequest, "limit")
	s.api(t, sreq{method: "GET", path: "/applications?sortBy=owner"}).wantError(t, http.StatusBadRequest, "sortBy")
	s.api(t, sreq{method: "GET", path: "/applications", user: "bob:bob-pass"}).want(t, http.StatusOK, &list)
	if list.Count != 1 || list.List[0].Name != "Calc" {
		t.Errorf("bob sees %+v", list)
	}

	// Delete.
	s.api(t, sreq{method: "DELETE", path: "/applications/" + bobApp.ApplicationID, user: "bob:bob-pass"}).want(t, http.StatusOK, nil)
	s.api(t, sreq{method: "DELETE", path: "/applications/" + bobApp.ApplicationID, user: "bob:bob-pass"}).wantError(t, http.StatusNotFound, "not found")

	// Settings need no login and tell whether mapping is on.
	var settings struct {
		GrantTypes          []string `json:"grantTypes"`
		MapExistingAuthApps bool     `json:"mapExistingAuthApps"`
		KeyManagers         []string `json:"keyManagers"`
	}
	s.api(t, sreq{method: "GET", path: "/settings", noAuth: true}).want(t, http.StatusOK, &settings)
	if !settings.MapExistingAuthApps || !slices.Contains(settings.GrantTypes, "client_credentials") || !slices.Equal(settings.KeyManagers, []string{storeapi.ResidentKeyManager}) {
		t.Errorf("settings %+v", settings)
	}
}

// TestStoreMapRules checks every rule of map-keys in its order: the
// status, the error and that nothing changed.
func TestStoreMapRules(t *testing.T) {
	const profile = "is-next"
	s := startStore(t, profile)
	addUser(t, s, "bob", "bob-pass", storeapi.SubscribePermission)
	addUser(t, s, "eve@other.com", "eve-pass", storeapi.SubscribePermission)
	users := []string{"admin", "bob", "eve@other.com"}
	soapRegister(t, s, profile, "known", "known-key", "known-secret")
	soapRegister(t, s, profile, "second", "second-key", "second-secret")
	app := createApp(t, s, "", "Main")
	mapKeys(t, s, "", app.ApplicationID, mapBody("second-key", "second-secret", "SANDBOX")).want(t, http.StatusOK, nil)
	holder := createApp(t, s, "", "Holder")
	mapKeys(t, s, "", holder.ApplicationID, mapBody("known-key", "known-secret", "PRODUCTION")).want(t, http.StatusOK, nil)
	free := createApp(t, s, "", "Free")
	bobApp := createApp(t, s, "bob:bob-pass", "BobApp")
	eveApp := createApp(t, s, "eve@other.com:eve-pass", "EveApp")

	off := startServer(t, profile, func(c *Config) { c.MapExistingAuthApps = false; c.ProvisionUnknownKeys = true })
	offApp := createApp(t, off, "", "Off")
	before := storeSnapshot(t, off, "admin")
	mapKeys(t, off, "", offApp.ApplicationID, mapBody("k", "s", "PRODUCTION")).wantError(t, http.StatusForbidden, "switched off")
	var jr struct {
		Error   bool   `json:"error"`
		Message string `json:"message"`
	}
	var settings struct {
		MapExistingAuthApps bool `json:"mapExistingAuthApps"`
	}
	off.api(t, sreq{method: "GET", path: "/settings", noAuth: true}).want(t, http.StatusOK, &settings)
	if settings.MapExistingAuthApps {
		t.Error("settings say mapping is on")
	}
	if storeSnapshot(t, off, "admin") != before {
		t.Error("a refused mapping changed something")
	}

	cases := []struct {
		name   string
		user   string
		app    string
		body   any
		status int
		want   string
	}{
		{"application missing", "", "no-such-app", mapBody("known-key", "known-secret", "PRODUCTION"), http.StatusNotFound, "Requested application with Id 'no-such-app' not found"},
		// The application is looked up before the body counts.
		{"application missing, body unreadable", "", "no-such-app", `{"consumerKey": `, http.StatusNotFound, "Requested application with Id 'no-such-app' not found"},
		{"not the owner, body unreadable", "bob:bob-pass", app.ApplicationID, `{"consumerKey": `, http.StatusForbidden, "You don't have permission to access the application"},
		{"body unreadable", "", free.ApplicationID, `{"consumerKey": `, http.StatusBadRequest, "The request body is not valid JSON"},
		{"not the owner", "bob:bob-pass", app.ApplicationID, mapBody("known-key", "known-secret", "PRODUCTION"), http.StatusForbidden, "You don't have permission to access the application"},
		{"other tenant's application", "eve@other.com:eve-pass", app.ApplicationID, mapBody("known-key", "known-secret", "PRODUCTION"), http.StatusNotFound, "not found"},
		{"no key", "", free.ApplicationID, mapBody("", "s", "PRODUCTION"), http.StatusBadRequest, "consumerKey is required"},
		{"no secret", "", free.ApplicationID, mapBody("k", "", "PRODUCTION"), http.StatusBadRequest, "consumerSecret is required"},
		{"bad key type", "", free.ApplicationID, mapBody("k", "s", "TESTING"), http.StatusBadRequest, `keyType must be PRODUCTION or SANDBOX, not "TESTING"`},
		{"unknown key manager", "", free.ApplicationID, mapBody("known-key", "known-secret", "PRODUCTION", "keyManager", "Nope"), http.StatusBadRequest, `Key manager "Nope" is not configured`},
		{"key type taken", "", app.ApplicationID, mapBody("known-key", "known-secret", "SANDBOX"), http.StatusConflict, `Application "Main" has SANDBOX keys of key manager "Resident Key Manager" already`},
		{"key mapped to own application", "", free.ApplicationID, mapBody("known-key", "known-secret", "PRODUCTION"), http.StatusConflict, `Consumer key "known-key" is mapped to application "Holder" already`},
		{"key mapped to another user's application", "bob:bob-pass", bobApp.ApplicationID, mapBody("known-key", "known-secret", "PRODUCTION"), http.StatusConflict, `Consumer key "known-key" is mapped to another application already`},
		{"wrong secret", "", free.ApplicationID, mapBody("plain", "wrong-secret", "PRODUCTION"), http.StatusBadRequest, `The consumer key "plain" and the consumer secret do not match an OAuth client of key manager "Resident Key Manager"`},
		{"grant type not allowed", "", free.ApplicationID, mapBody("fresh", "fresh-secret", "PRODUCTION", "supportedGrantTypes", []string{"magic"}), http.StatusBadRequest, `Grant type "magic" is not allowed`},
	}
	soapRegister(t, s, profile, "plain", "plain", "plain-secret")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := storeSnapshot(t, s, users...)
			mapKeys(t, s, c.user, c.app, c.body).wantError(t, c.status, c.want)
			if after := storeSnapshot(t, s, users...); after != before {
				t.Errorf("the refused request changed something:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	if secret, _, _ := soapSecret(t, s, "plain"); secret != "plain-secret" {
		t.Errorf("a wrong secret changed the client: %q", secret)
	}

	// Consumer keys are unique per tenant: a key another tenant holds is,
	// here, a key like any unknown one, provisioned and mapped, whatever
	// the secret. No answer tells the two apart.
	var held, fresh keyJSON
	mapKeys(t, s, "eve@other.com:eve-pass", eveApp.ApplicationID, mapBody("plain", "eve-secret", "PRODUCTION")).want(t, http.StatusOK, &held)
	mapKeys(t, s, "eve@other.com:eve-pass", eveApp.ApplicationID, mapBody("never-seen", "eve-secret", "SANDBOX")).want(t, http.StatusOK, &fresh)
	same := func(k keyJSON) keyJSON {
		k.KeyMappingID, k.ConsumerKey, k.KeyType = "", "", ""
		return k
	}
	if !reflect.DeepEqual(same(held), same(fresh)) || held.Provisioning != "PROVISIONED" {
		t.Errorf("another tenant's key %+v, unknown key %+v", held, fresh)
	}
	if secret, _, _ := soapSecret(t, s, "plain"); secret != "plain-secret" {
		t.Errorf("eve's mapping changed the super tenant's client: %q", secret)
	}

	// Without provisioning an unknown key is refused, and another tenant's
	// key is answered exactly like it.
	strict := startServer(t, profile, func(c *Config) { c.MapExistingAuthApps = true; c.ProvisionUnknownKeys = false })
	addUser(t, strict, "eve@other.com", "eve-pass", storeapi.SubscribePermission)
	soapRegister(t, strict, profile, "adm", "admin-key", "admin-secret")
	strictApp := createApp(t, strict, "eve@other.com:eve-pass", "Strict")
	before = storeSnapshot(t, strict, "admin", "eve@other.com")
	unknown := mapKeys(t, strict, "eve@other.com:eve-pass", strictApp.ApplicationID, mapBody("admin-key", "admin-secret", "PRODUCTION")).
		wantError(t, http.StatusBadRequest, `Unknown consumer key "admin-key": key manager "Resident Key Manager" has no OAuth client with this key.`)
	nothing := mapKeys(t, strict, "eve@other.com:eve-pass", strictApp.ApplicationID, mapBody("no-such-key", "x", "PRODUCTION")).
		wantError(t, http.StatusBadRequest, "Unknown consumer key")
	if strings.ReplaceAll(unknown, "admin-key", "K") != strings.ReplaceAll(nothing, "no-such-key", "K") {
		t.Errorf("another tenant's key %q, unknown key %q", unknown, nothing)
	}
	if storeSnapshot(t, strict, "admin", "eve@other.com") != before {
		t.Error("a refused mapping changed something")
	}

	// The same rules through the legacy action, with messages that say
	// what went wrong.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Transport: s.Client.Transport}
	s.api(t, sreq{method: "POST", path: storeapi.LoginJag, client: client, noAuth: true, form: url.Values{"action": {"login"}, "username": {"admin"}, "password": {"admin"}}}).want(t, http.StatusOK, &jr)
	for _, c := range []struct{ app, key, secret, want string }{
		{"Nope", "known-key", "known-secret", `You have no application named "Nope".`},
		{"Main", "second-key", "second-secret", `Application "Main" has SANDBOX keys`},
		{"Free", "known-key", "known-secret", `Consumer key "known-key" is mapped to application "Holder" already.`},
		{"Free", "plain", "bad", `The consumer key "plain" and the consumer secret do not match`},
	} {
		before := storeSnapshot(t, s, users...)
		s.api(t, sreq{method: "POST", path: storeapi.SubscriptionAddJag, client: client, noAuth: true, form: url.Values{
			"action": {"mapExistingOauthClient"}, "applicationName": {c.app}, "keytype": {"SANDBOX"}, "client_id": {c.key},
			"jsonParams": {`{"username":"admin","key_type":"SANDBOX","client_secret":"` + c.secret + `"}`}, "validityTime": {"3600"}}}).
			want(t, http.StatusOK, &jr)
		if !jr.Error || !strings.Contains(jr.Message, c.want) {
			t.Errorf("legacy %s/%s: %+v, want %q", c.app, c.key, jr, c.want)
		}
		if storeSnapshot(t, s, users...) != before {
			t.Errorf("legacy %s/%s changed something", c.app, c.key)
		}
	}
}

// gatedProxy forwards to target but holds every getOAuthApplicationData
// call until n of them have arrived: concurrent map-keys requests all pass
// the store's own checks before any of them stores its mapping.
func gatedProxy(t *testing.T, target string, n int) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	var mu sync.Mutex
	seen, open := 0, make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte("getOAuthApplicationData")) {
			mu.Lock()
			if seen++; seen == n {
				close(open)
			}
			mu.Unlock()
			select {
			case <-open:
			case <-time.After(10 * time.Second):
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestStoreMapConcurrent maps one key to 20 applications at once: exactly
// one request wins, the unique constraint refuses the others. With the
// gated key manager every request has passed the store's own "is it mapped
// already" check before the first one stores its mapping.
func TestStoreMapConcurrent(t *testing.T) {
	const profile, n = "is-next", 20
	remote := startServer(t, profile)
	soapRegister(t, remote, profile, "race", "race-key", "race-secret")
	s := startStore(t, profile, func(c *Config) {
		c.KeyManagers = []storeapi.RemoteConfig{{Name: "Gated", URL: gatedProxy(t, remote.URL, n), Profile: profile, Username: "admin", Password: "admin"}}
	})
	soapRegister(t, s, profile, "race", "race-key", "race-secret")
	for _, c := range []struct{ name, km, key string }{
		{"found", storeapi.ResidentKeyManager, "race-key"},
		{"found remote", "Gated", "race-key"},
		// Nobody has the key yet: one request provisions it, and the client
		// stays, as the key of the one mapping.
		{"provisioned", storeapi.ResidentKeyManager, "new-race-key"},
	} {
		km := c.km
		t.Run(c.name, func(t *testing.T) {
			apps := make([]appJSON, n)
			for i := range apps {
				apps[i] = createApp(t, s, "", fmt.Sprintf("race-%s-%02d", c.name, i))
			}
			statuses := make([]int, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range apps {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r, err := s.apiE(sreq{method: "POST", path: "/applications/" + apps[i].ApplicationID + "/map-keys",
						body: mapBody(c.key, "race-secret", "PRODUCTION", "keyManager", km)})
					if r != nil {
						statuses[i] = r.Status
					}
					errs[i] = err
				}()
			}
			close(start)
			wg.Wait()
			won := 0
			for i, st := range statuses {
				if errs[i] != nil {
					t.Errorf("request %d: %v", i, errs[i])
				}
				switch st {
				case http.StatusOK:
					won++
				case http.StatusConflict:
				default:
					t.Errorf("request %d: HTTP %d", i, st)
				}
			}
			if won != 1 {
				t.Fatalf("%d requests mapped the key, want exactly 1 (statuses %v)", won, statuses)
			}
			mapped := 0
			for _, app := range apps {
				mapped += len(oauthKeys(t, s, "", app.ApplicationID))
			}
			if mapped != 1 {
				t.Errorf("%d mappings stored", mapped)
			}
			if km == storeapi.ResidentKeyManager {
				if secret, _, ok := soapSecret(t, s, c.key); !ok || secret != "race-secret" {
					t.Errorf("client of the mapping: %q %v", secret, ok)
				}
			}
		})
	}
}

// TestStoreProvisionLocal maps a key the resident key manager does not
// know: the store registers it with the supplied secret.
func TestStoreProvisionLocal(t *testing.T) {
	const profile = "is-next"
	s := startStore(t, profile)
	app := createApp(t, s, "", "Prov")
	var k keyJSON
	mapKeys(t, s, "", app.ApplicationID, mapBody("oob-key", "oob-secret", "PRODUCTION", "supportedGrantTypes", []string{"client_credentials", "password"})).
		want(t, http.StatusOK, &k)
	if k.Mode != "MAPPED" || k.Provisioning != "PROVISIONED" || k.ConsumerSecret != "oob-secret" {
		t.Errorf("provisioned %+v", k)
	}
	if secret, grants, ok := soapSecret(t, s, "oob-key"); !ok || secret != "oob-secret" || grants != "client_credentials password" {
		t.Errorf("provisioned client: %q %q %v", secret, grants, ok)
	}
	// Provisioned clients are MAPPED: the application's deletion spares
	// them.
	s.api(t, sreq{method: "DELETE", path: "/applications/" + app.ApplicationID}).want(t, http.StatusOK, nil)
	if _, _, ok := soapSecret(t, s, "oob-key"); !ok {
		t.Error("deleting the application deleted the provisioned client")
	}
}

// TestStoreRemoteKeyManager drives a remote key manager, a second server
// over real HTTP, in both wire profiles: unknown keys are provisioned
// there through SOAP, and generated keys are built from the operations the
// profile has.
func TestStoreRemoteKeyManager(t *testing.T) {
	for _, profile := range profiles {
		t.Run(profile, func(t *testing.T) {
			remote := startServer(t, profile)
			s := startStore(t, profile, func(c *Config) {
				c.KeyManagers = []storeapi.RemoteConfig{
					{Name: "Other", URL: remote.URL, Profile: profile, SOAP12: profile == "is-next", Username: "admin", Password: "admin"},
					{Name: "Down", URL: "http://127.0.0.1:1", Profile: profile, Username: "admin", Password: "admin"},
					{Name: "Locked", URL: remote.URL, Profile: profile, Username: "admin", Password: "wrong"},
				}
			})
			app := createApp(t, s, "", "Remote")

			// Fallback: the unknown key is provisioned on the remote.
			var k keyJSON
			mapKeys(t, s, "", app.ApplicationID, mapBody("far-key", "far-secret", "PRODUCTION", "keyManager", "Other",
				"supportedGrantTypes", []string{"client_credentials", "password"}, "callbackUrl", "https://app.example/cb")).want(t, http.StatusOK, &k)
			if k.Provisioning != "PROVISIONED" || k.Mode != "MAPPED" || k.KeyManager != "Other" || k.ConsumerSecret != "far-secret" {
				t.Errorf("map-keys %+v", k)
			}
			if secret, grants, ok := soapSecret(t, remote, "far-key"); !ok || secret != "far-secret" || grants != "client_credentials password" {
				t.Fatalf("remote client: %q %q %v", secret, grants, ok)
			}
			if _, _, ok := soapSecret(t, s, "far-key"); ok {
				t.Error("the client was provisioned locally")
			}
			// Now the remote knows it: a wrong secret is refused.
			again := createApp(t, s, "", "Again")
			mapKeys(t, s, "", again.ApplicationID, mapBody("far-key", "bad", "SANDBOX", "keyManager", "Other")).
				wantError(t, http.StatusConflict, "mapped to application")
			soapRegister(t, remote, profile, "known", "remote-known", "remote-secret")
			mapKeys(t, s, "", again.ApplicationID, mapBody("remote-known", "bad", "SANDBOX", "keyManager", "Other")).
				wantError(t, http.StatusBadRequest, `do not match an OAuth client of key manager "Other"`)
			mapKeys(t, s, "", again.ApplicationID, mapBody("remote-known", "remote-secret", "SANDBOX", "keyManager", "Other")).
				want(t, http.StatusOK, &k)
			if k.Provisioning != "FOUND" {
				t.Errorf("found key %+v", k)
			}

			// Generated keys on the remote.
			var gen keyJSON
			s.api(t, sreq{method: "POST", path: "/applications/" + app.ApplicationID + "/generate-keys", body: map[string]any{
				"keyType": "SANDBOX", "keyManager": "Other", "grantTypesToBeSupported": []string{"client_credentials"}}}).want(t, http.StatusOK, &gen)
			if gen.Mode != "CREATED" || gen.ConsumerKey == "" || gen.ConsumerSecret == "" {
				t.Fatalf("generate-keys %+v", gen)
			}
			if secret, _, ok := soapSecret(t, remote, gen.ConsumerKey); !ok || secret != gen.ConsumerSecret {
				t.Fatalf("generated client on the remote: %q %v", secret, ok)
			}
			var regen struct{ ConsumerKey, ConsumerSecret string }
			s.api(t, sreq{method: "POST", path: "/applications/" + app.ApplicationID + "/oauth-keys/" + gen.KeyMappingID + "/regenerate-secret"}).
				want(t, http.StatusOK, &regen)
			if regen.ConsumerKey != gen.ConsumerKey || regen.ConsumerSecret == gen.ConsumerSecret || regen.ConsumerSecret == "" {
				t.Errorf("regenerated %+v", regen)
			}
			if secret, _, _ := soapSecret(t, remote, gen.ConsumerKey); secret != regen.ConsumerSecret {
				t.Errorf("remote secret %q, want %q", secret, regen.ConsumerSecret)
			}
			var upd keyJSON
			s.api(t, sreq{method: "PUT", path: "/applications/" + app.ApplicationID + "/oauth-keys/" + gen.KeyMappingID, body: map[string]any{
				"supportedGrantTypes": []string{"authorization_code", "refresh_token"}, "callbackUrl": "https://cb.example/"}}).want(t, http.StatusOK, &upd)
			if _, grants, _ := soapSecret(t, remote, gen.ConsumerKey); grants != "authorization_code refresh_token" || upd.CallbackURL != "https://cb.example/" {
				t.Errorf("remote grants %q, answer %+v", grants, upd)
			}

			// Deleting the application deletes the CREATED client, never the
			// MAPPED one.
			s.api(t, sreq{method: "DELETE", path: "/applications/" + app.ApplicationID}).want(t, http.StatusOK, nil)
			if _, _, ok := soapSecret(t, remote, gen.ConsumerKey); ok {
				t.Error("the CREATED client outlived its application")
			}
			if _, _, ok := soapSecret(t, remote, "far-key"); !ok {
				t.Error("the MAPPED client was deleted with its application")
			}

			// Failing key managers.
			third := createApp(t, s, "", "Third")
			mapKeys(t, s, "", third.ApplicationID, mapBody("x", "y", "PRODUCTION", "keyManager", "Down")).
				wantError(t, http.StatusBadGateway, `Key manager "Down" failed: the key manager cannot be reached`)
			mapKeys(t, s, "", third.ApplicationID, mapBody("x", "y", "PRODUCTION", "keyManager", "Locked")).
				wantError(t, http.StatusBadGateway, "refused the configured credentials")
		})
	}
}

// TestStoreCreatedKeys drives generated keys of the resident key manager.
func TestStoreCreatedKeys(t *testing.T) {
	for _, profile := range profiles {
		t.Run(profile, func(t *testing.T) {
			s := startStore(t, profile)
			app := createApp(t, s, "", "Gen")
			base := "/applications/" + app.ApplicationID
			s.api(t, sreq{method: "POST", path: base + "/generate-keys", body: map[string]any{"keyType": "PRODUCTION", "grantTypesToBeSupported": []string{"authorization_code"}}}).
				wantError(t, http.StatusBadRequest, "callbackUrl is required")
			s.api(t, sreq{method: "POST", path: base + "/generate-keys", body: map[string]any{"keyType": "PRODUCTION", "grantTypesToBeSupported": []string{}}}).
				wantError(t, http.StatusBadRequest, "grantTypesToBeSupported")

			var k keyJSON
			s.api(t, sreq{method: "POST", path: base + "/generate-keys", body: map[string]any{
				"keyType": "PRODUCTION", "grantTypesToBeSupported": []string{"client_credentials", "password"}, "validityTime": "3600"}}).
				want(t, http.StatusOK, &k)
			if k.Mode != "CREATED" || k.Provisioning != "" || k.KeyState != "APPROVED" || !generatedKey.MatchString(k.ConsumerKey) {
				t.Errorf("generated %+v", k)
			}
			if secret, grants, ok := soapSecret(t, s, k.ConsumerKey); !ok || secret != k.ConsumerSecret || grants != "client_credentials password" {
				t.Fatalf("client in the key manager: %q %q %v", secret, grants, ok)
			}
			s.api(t, sreq{method: "POST", path: base + "/generate-keys", body: map[string]any{"keyType": "PRODUCTION", "grantTypesToBeSupported": []string{"client_credentials"}}}).
				wantError(t, http.StatusConflict, "has PRODUCTION keys")
			var one keyJSON
			s.api(t, sreq{method: "GET", path: base + "/oauth-keys/" + k.KeyMappingID}).want(t, http.StatusOK, &one)
			if one.ConsumerSecret != k.ConsumerSecret || one.Mode != "CREATED" {
				t.Errorf("get %+v", one)
			}
			var full appJSON
			s.api(t, sreq{method: "GET", path: base}).want(t, http.StatusOK, &full)
			if len(full.Keys) != 1 || full.Keys[0].KeyMappingID != k.KeyMappingID {
				t.Errorf("application keys %+v", full.Keys)
			}

			var regen struct{ ConsumerKey, ConsumerSecret string }
			s.api(t, sreq{method: "POST", path: base + "/oauth-keys/" + k.KeyMappingID + "/regenerate-secret"}).want(t, http.StatusOK, &regen)
			if secret, _, _ := soapSecret(t, s, k.ConsumerKey); regen.ConsumerSecret == k.ConsumerSecret || secret != regen.ConsumerSecret {
				t.Errorf("regenerated %q, key manager has %q", regen.ConsumerSecret, secret)
			}
			var upd keyJSON
			s.api(t, sreq{method: "PUT", path: base + "/oauth-keys/" + k.KeyMappingID, body: map[string]any{
				"supportedGrantTypes": []string{"authorization_code"}, "callbackUrl": "https://app.example/cb", "consumerKey": "ignored"}}).
				want(t, http.StatusOK, &upd)
			if secret, grants, _ := soapSecret(t, s, k.ConsumerKey); grants != "authorization_code" || secret != regen.ConsumerSecret ||
				upd.CallbackURL != "https://app.example/cb" || upd.ConsumerKey != k.ConsumerKey {
				t.Errorf("updated: grants %q secret %q answer %+v", grants, secret, upd)
			}
			s.api(t, sreq{method: "PUT", path: base + "/oauth-keys/" + k.KeyMappingID, body: map[string]any{"supportedGrantTypes": []string{"magic"}}}).
				wantError(t, http.StatusBadRequest, `Grant type "magic" is not allowed`)

			// MAPPED keys are not the store's to change.
			soapRegister(t, s, profile, "m", "mapped-key", "mapped-secret")
			var mk keyJSON
			mapKeys(t, s, "", app.ApplicationID, mapBody("mapped-key", "mapped-secret", "SANDBOX")).want(t, http.StatusOK, &mk)
			before := storeSnapshot(t, s, "admin")
			s.api(t, sreq{method: "POST", path: base + "/oauth-keys/" + mk.KeyMappingID + "/regenerate-secret"}).
				wantError(t, http.StatusConflict, "is MAPPED: its OAuth client \"mapped-key\" is managed outside this store, so the store does not regenerate its secret")
			s.api(t, sreq{method: "PUT", path: base + "/oauth-keys/" + mk.KeyMappingID, body: map[string]any{"supportedGrantTypes": []string{"password"}}}).
				wantError(t, http.StatusConflict, "is MAPPED")
			if storeSnapshot(t, s, "admin") != before {
				t.Error("refused requests on MAPPED keys changed something")
			}

			// Removing keys: the CREATED client goes, the MAPPED one stays.
			s.api(t, sreq{method: "DELETE", path: base + "/oauth-keys/" + k.KeyMappingID}).want(t, http.StatusOK, nil)
			if _, _, ok := soapSecret(t, s, k.ConsumerKey); ok {
				t.Error("removing CREATED keys kept their client")
			}
			s.api(t, sreq{method: "DELETE", path: base + "/oauth-keys/" + mk.KeyMappingID}).want(t, http.StatusOK, nil)
			if _, _, ok := soapSecret(t, s, "mapped-key"); !ok {
				t.Error("removing MAPPED keys deleted their client")
			}
			s.api(t, sreq{method: "GET", path: base + "/oauth-keys/" + mk.KeyMappingID}).wantError(t, http.StatusNotFound, "key mapping")
			if keys := oauthKeys(t, s, "", app.ApplicationID); len(keys) != 0 {
				t.Errorf("keys left: %+v", keys)
			}
			// A removed MAPPED key can be mapped again.
			mapKeys(t, s, "", app.ApplicationID, mapBody("mapped-key", "mapped-secret", "PRODUCTION")).want(t, http.StatusOK, nil)
		})
	}
}

// legacyBrowser posts forms to the legacy store as its pages do, keeping
// the session cookie in the client's jar, and returns the JSON answer of
// each (HTTP 200).
func legacyBrowser(t *testing.T, s *testServer) (post func(path string, form url.Values) map[string]any, client *http.Client) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client = &http.Client{Jar: jar, Transport: s.Client.Transport}
	return func(path string, form url.Values) map[string]any {
		t.Helper()
		var out map[string]any
		s.api(t, sreq{method: "POST", path: path, form: form, client: client, noAuth: true}).want(t, http.StatusOK, &out)
		return out
	}, client
}

// TestStoreLegacy drives the API Manager 1.9 Jaggery actions as the old
// store frontend does: form posts with the session cookie.
func TestStoreLegacy(t *testing.T) {
	const profile = "is-5.0"
	s := startStore(t, profile)
	soapRegister(t, s, profile, "legacy", "legacy-key", "legacy-secret")
	post, client := legacyBrowser(t, s)
	wantFail := func(out map[string]any, msg string) {
		t.Helper()
		if out["error"] != true || !strings.Contains(fmt.Sprint(out["message"]), msg) {
			t.Errorf("answer %v, want an error saying %q", out, msg)
		}
	}
	wantOK := func(out map[string]any) {
		t.Helper()
		if out["error"] != false {
			t.Errorf("answer %v, want success", out)
		}
	}

	wantFail(post(storeapi.ApplicationListJag, url.Values{"action": {"getApplications"}}), "Please login with a valid username/password")
	wantFail(post(storeapi.SubscriptionAddJag, url.Values{"action": {"mapExistingOauthClient"}}), "Please login with a valid username/password")
	wantFail(post(storeapi.LoginJag, url.Values{"action": {"login"}, "username": {"admin"}, "password": {"nope"}}), "Login failed")
	wantOK(post(storeapi.LoginJag, url.Values{"action": {"login"}, "username": {"admin"}, "password": {"admin"}}))
	u, _ := url.Parse(s.URL)
	if len(client.Jar.Cookies(u)) == 0 {
		t.Fatal("login set no cookie")
	}

	wantOK(post(storeapi.ApplicationAddJag, url.Values{"action": {"addApplication"}, "application": {"OldApp"}, "tier": {"Unlimited"},
		"callbackUrl": {"https://old.example/cb"}, "description": {"from 1.9"}}))
	wantFail(post(storeapi.ApplicationAddJag, url.Values{"action": {"addApplication"}, "application": {"OldApp"}, "tier": {"Unlimited"}}),
		"A duplicate application already exists by the name - OldApp")
	wantFail(post(storeapi.ApplicationAddJag, url.Values{"action": {"addApplication"}, "application": {"NoTier"}}), "throttlingPolicy is required")
	wantFail(post(storeapi.ApplicationAddJag, url.Values{"action": {"removeApplication"}}), "removeApplication is not supported")
	list := post(storeapi.ApplicationListJag, url.Values{"action": {"getApplications"}})
	apps, _ := list["applications"].([]any)
	if len(apps) != 1 {
		t.Fatalf("applications %v", list)
	}
	if a := apps[0].(map[string]any); a["name"] != "OldApp" || a["tier"] != "Unlimited" || a["callbackUrl"] != "https://old.example/cb" || a["description"] != "from 1.9" {
		t.Errorf("application %v", a)
	}

	mapForm := func(secret string) url.Values {
		return url.Values{"action": {"mapExistingOauthClient"}, "applicationName": {"OldApp"}, "keytype": {"PRODUCTION"},
			"client_id": {"legacy-key"}, "callbackUrl": {""}, "authorizedDomains": {"ALL"}, "validityTime": {"3600"},
			"jsonParams": {`{"username":"admin","key_type":"PRODUCTION","client_secret":"` + secret + `"}`}}
	}
	wantFail(post(storeapi.SubscriptionAddJag, mapForm("wrong")), `The consumer key "legacy-key" and the consumer secret do not match`)
	out := post(storeapi.SubscriptionAddJag, mapForm("legacy-secret"))
	wantOK(out)
	key, _ := out["data"].(map[string]any)["key"].(map[string]any)
	if key["consumerKey"] != "legacy-key" || key["consumerSecret"] != "legacy-secret" || key["mode"] != "MAPPED" || key["accessToken"] != "" {
		t.Errorf("data.key %v", key)
	}
	wantFail(post(storeapi.SubscriptionAddJag, mapForm("legacy-secret")), "has PRODUCTION keys")

	// CSRF: a csrftoken cookie must be repeated in X-CSRFToken.
	client.Jar.SetCookies(u, []*http.Cookie{{Name: "csrftoken", Value: "tok"}})
	wantFail(post(storeapi.ApplicationListJag, url.Values{"action": {"getApplications"}}), "Invalid CSRF Token")
	var ok map[string]any
	s.api(t, sreq{method: "POST", path: storeapi.ApplicationListJag, form: url.Values{"action": {"getApplications"}}, client: client, noAuth: true,
		header: http.Header{"X-Csrftoken": {"tok"}}}).want(t, http.StatusOK, &ok)
	wantOK(ok)
	client.Jar.SetCookies(u, []*http.Cookie{{Name: "csrftoken", Value: "", MaxAge: -1}})

	// The login cookie works on the REST API too.
	var rest struct {
		Count int `json:"count"`
	}
	s.api(t, sreq{method: "GET", path: "/applications", client: client, noAuth: true}).want(t, http.StatusOK, &rest)
	if rest.Count != 1 {
		t.Errorf("REST with the cookie sees %d applications", rest.Count)
	}

	wantFail(post(storeapi.ApplicationRemoveJag, url.Values{"action": {"removeApplication"}, "application": {"Nope"}}), `You have no application named "Nope"`)
	wantOK(post(storeapi.ApplicationRemoveJag, url.Values{"action": {"removeApplication"}, "application": {"OldApp"}}))
	if _, _, ok := soapSecret(t, s, "legacy-key"); !ok {
		t.Error("removing the application deleted the MAPPED client")
	}

	wantOK(post(storeapi.LoginJag, url.Values{"action": {"logout"}}))
	wantFail(post(storeapi.ApplicationListJag, url.Values{"action": {"getApplications"}}), "Please login with a valid username/password")
	s.api(t, sreq{method: "GET", path: "/applications", client: client, noAuth: true}).wantError(t, http.StatusUnauthorized, "")

	// Mapping switched off answers through the legacy action too.
	off := startServer(t, profile)
	offJar, _ := cookiejar.New(nil)
	offClient := &http.Client{Jar: offJar, Transport: off.Client.Transport}
	var r map[string]any
	off.api(t, sreq{method: "POST", path: storeapi.LoginJag, client: offClient, noAuth: true, form: url.Values{"action": {"login"}, "username": {"admin"}, "password": {"admin"}}}).want(t, http.StatusOK, &r)
	off.api(t, sreq{method: "POST", path: storeapi.SubscriptionAddJag, client: offClient, noAuth: true, form: url.Values{"action": {"mapExistingOauthClient"}, "applicationName": {"x"}}}).
		want(t, http.StatusOK, &r)
	wantFail(r, "switched off")
}

// TestStoreFlags reads the store's flags and variables.
func TestStoreFlags(t *testing.T) {
	env := map[string]string{"OTHER_PW": "s3cret", "THIRD_PW": "p"}
	getenv := func(k string) string { return env[k] }
	m := NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags(nil, getenv); err != nil {
		t.Fatal(err)
	}
	if !m.Config.MapExistingAuthApps || !m.Config.ProvisionUnknownKeys || len(m.Config.KeyManagers) != 0 {
		t.Errorf("defaults %+v", m.Config)
	}
	m = NewMain()
	m.Stderr = io.Discard
	err := m.ParseFlags([]string{"--map-existing-auth-apps=false", "--provision-unknown-keys=false",
		"--key-manager", "name=Other,url=https://is.example:9443/,profile=is-5.0,user=admin,password-env=OTHER_PW",
		"--key-manager", "name=Third,url=http://localhost:9763,user=admin@t.com,password-env=THIRD_PW,soap=1.2,insecure-tls=true"}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config
	if c.MapExistingAuthApps || c.ProvisionUnknownKeys || len(c.KeyManagers) != 2 {
		t.Fatalf("parsed %+v", c)
	}
	if k := c.KeyManagers[0]; k.Name != "Other" || k.URL != "https://is.example:9443" || k.Profile != "is-5.0" || k.Password != "s3cret" || k.SOAP12 {
		t.Errorf("first %+v", k)
	}
	if k := c.KeyManagers[1]; k.Profile != "is-7.3" || !k.SOAP12 || !k.InsecureTLS || k.Username != "admin@t.com" {
		t.Errorf("second %+v", k)
	}
	env["ISADMIN_KEY_MANAGERS"] = "name=A,url=http://a,user=u,password-env=OTHER_PW;name=B,url=http://b,user=u,password-env=OTHER_PW"
	env["ISADMIN_MAP_EXISTING_AUTH_APPS"] = "false"
	m = NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags(nil, getenv); err != nil || len(m.Config.KeyManagers) != 2 || m.Config.MapExistingAuthApps {
		t.Errorf("from the environment: %v %+v", err, m.Config)
	}
	delete(env, "ISADMIN_KEY_MANAGERS")
	for _, bad := range [][]string{
		{"--map-existing-auth-apps=maybe"},
		{"--key-manager", "name=X,url=http://x,user=u,password=plain"},
		{"--key-manager", "name=X,url=http://x,user=u,password-env=UNSET"},
		{"--key-manager", "name=X,url=ftp://x,user=u,password-env=OTHER_PW"},
		{"--key-manager", "name=X,url=http://x,user=u,password-env=OTHER_PW,profile=is-9"},
		{"--key-manager", "name=Resident Key Manager,url=http://x,user=u,password-env=OTHER_PW"},
		{"--key-manager", "name=X,url=http://x,user=u,password-env=OTHER_PW", "--key-manager", "name=X,url=http://y,user=u,password-env=OTHER_PW"},
		{"--key-manager", "url=http://x,user=u,password-env=OTHER_PW"},
	} {
		m := NewMain()
		m.Stderr = io.Discard
		if err := m.ParseFlags(bad, getenv); err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// TestStoreRemoteClientErrors keeps remote faults apart from transport
// errors: a sanity check of the classification behind the 502s.
func TestStoreRemoteClientErrors(t *testing.T) {
	remote := startServer(t, "is-next")
	km, err := storeapi.NewRemote(storeapi.RemoteConfig{Name: "R", URL: remote.URL, Profile: "is-next", Username: "admin", Password: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := km.Client(ctx, "missing"); !errors.Is(err, storeapi.ErrClientNotFound) {
		t.Errorf("unknown key: %v", err)
	}
	c, err := km.CreateClient(ctx, &storeapi.OAuthClient{Name: "n", ConsumerKey: "k1", ConsumerSecret: "s1", GrantTypes: []string{"client_credentials"}})
	if err != nil || c.ConsumerSecret != "s1" {
		t.Fatalf("create: %+v %v", c, err)
	}
	if _, err := km.CreateClient(ctx, &storeapi.OAuthClient{Name: "n2", ConsumerKey: "k1", ConsumerSecret: "s1"}); !errors.Is(err, storeapi.ErrClientExists) {
		t.Errorf("taken key: %v", err)
	}
	if _, err := km.CreateClient(ctx, &storeapi.OAuthClient{Name: "n", ConsumerKey: "k2", ConsumerSecret: "s2"}); !errors.Is(err, storeapi.ErrClientNameTaken) {
		t.Errorf("taken name: %v", err)
	}
	var rf *soap.RemoteFault
	_, err = km.CreateClient(ctx, &storeapi.OAuthClient{Name: "g", GrantTypes: []string{"magic"}})
	var ke *storeapi.KeyManagerError
	if !errors.As(err, &ke) || ke.Status != http.StatusBadGateway || !errors.As(err, &rf) || !strings.Contains(ke.Message, "magic") {
		t.Errorf("refused grant: %v", err)
	}
	if err := km.DeleteClient(ctx, "missing"); !errors.Is(err, storeapi.ErrClientNotFound) {
		t.Errorf("delete unknown: %v", err)
	}
}

// TestStoreBodies: empty, oversized and non-JSON bodies.
func TestStoreBodies(t *testing.T) {
	s := startStore(t, "is-next", func(c *Config) { c.MaxBodyBytes = 1024 })
	s.api(t, sreq{method: "POST", path: "/applications", body: ""}).wantError(t, http.StatusBadRequest, "empty")
	s.api(t, sreq{method: "POST", path: "/applications", body: `{"name":"a","throttlingPolicy":"b"}{}`}).wantError(t, http.StatusBadRequest, "more than one JSON value")
	big := `{"name":"a","throttlingPolicy":"b","description":"` + strings.Repeat("x", 2048) + `"}`
	s.api(t, sreq{method: "POST", path: "/applications", body: big}).wantError(t, http.StatusRequestEntityTooLarge, "larger than 1024 bytes")
	var out map[string]any
	s.api(t, sreq{method: "POST", path: storeapi.LoginJag, noAuth: true, form: url.Values{"action": {"login"}, "username": {strings.Repeat("u", 2048)}}}).
		want(t, http.StatusOK, &out)
	if out["error"] != true || !strings.Contains(fmt.Sprint(out["message"]), "larger than 1024 bytes") {
		t.Errorf("oversized form: %v", out)
	}
}

// listJSONOfSize returns distinct strings of at most 250 characters whose
// JSON list takes exactly size bytes.
func listJSONOfSize(size int) []string {
	// ["a","b"] takes 1 + Σ(len+3) bytes.
	k := (size-1)/253 + 1
	last := size - 1 - 3*k - 250*(k-1)
	var out []string
	for i := range k - 1 {
		out = append(out, fmt.Sprintf("%04d", i)+strings.Repeat("g", 246))
	}
	return append(out, strings.Repeat("l", last))
}

// TestStoreFieldLengths: an application's fields are at most as long as the
// columns of API Manager's AM_APPLICATION and its group and attribute
// tables (storeapi cites them); exactly that is stored, one character more
// is a 400 naming the field, and nothing is stored.
func TestStoreFieldLengths(t *testing.T) {
	s := startStore(t, "is-next")
	count := func() int {
		t.Helper()
		var list struct {
			Pagination struct {
				Total int `json:"total"`
			} `json:"pagination"`
		}
		s.api(t, sreq{method: "GET", path: "/applications"}).want(t, http.StatusOK, &list)
		return list.Pagination.Total
	}
	type appFields struct {
		Name             string            `json:"name"`
		ThrottlingPolicy string            `json:"throttlingPolicy"`
		Description      string            `json:"description"`
		Groups           []string          `json:"groups"`
		Attributes       map[string]string `json:"attributes"`
		ApplicationID    string            `json:"applicationId"`
	}
	cases := []struct {
		field, item string
		limit       int
		body        func(id, v string) map[string]any
		stored      func(a appFields) string
	}{
		{"name", "name", 100, func(id, v string) map[string]any { return map[string]any{"name": v, "throttlingPolicy": "Unlimited"} },
			func(a appFields) string { return a.Name }},
		{"throttlingPolicy", "throttlingPolicy", 50, func(id, v string) map[string]any { return map[string]any{"name": id, "throttlingPolicy": v} },
			func(a appFields) string { return a.ThrottlingPolicy }},
		{"description", "description", 512, func(id, v string) map[string]any {
			return map[string]any{"name": id, "throttlingPolicy": "Unlimited", "description": v}
		}, func(a appFields) string { return a.Description }},
		{"groups[0]", "groups", 512, func(id, v string) map[string]any {
			return map[string]any{"name": id, "throttlingPolicy": "Unlimited", "groups": []string{v}}
		}, func(a appFields) string { return a.Groups[0] }},
		{`attributes["k"]`, "attributes", 1024, func(id, v string) map[string]any {
			return map[string]any{"name": id, "throttlingPolicy": "Unlimited", "attributes": map[string]string{"k": v}}
		}, func(a appFields) string { return a.Attributes["k"] }},
		{"attributes may have names", "attributes", 255, func(id, v string) map[string]any {
			return map[string]any{"name": id, "throttlingPolicy": "Unlimited", "attributes": map[string]string{v: "x"}}
		}, func(a appFields) string {
			for k := range a.Attributes {
				return k
			}
			return ""
		}},
	}
	for i, c := range cases {
		t.Run(c.item+fmt.Sprint(i), func(t *testing.T) {
			var created appFields
			s.api(t, sreq{method: "POST", path: "/applications", body: c.body(fmt.Sprint("exact-", i), strings.Repeat("x", c.limit))}).
				want(t, http.StatusCreated, &created)
			var got appFields
			s.api(t, sreq{method: "GET", path: "/applications/" + created.ApplicationID}).want(t, http.StatusOK, &got)
			if c.stored(got) != strings.Repeat("x", c.limit) {
				t.Errorf("%d characters: stored %.40q", c.limit, c.stored(got))
			}

			before := count()
			r := s.api(t, sreq{method: "POST", path: "/applications", body: c.body(fmt.Sprint("over-", i), strings.Repeat("y", c.limit+1))})
			r.wantError(t, http.StatusBadRequest, c.field)
			var e struct {
				Error []storeapi.ErrorItem `json:"error"`
			}
			json.Unmarshal(r.Body, &e)
			if len(e.Error) != 1 || e.Error[0].Code != c.item || !strings.Contains(e.Error[0].Message, fmt.Sprint("at most ", c.limit)) {
				t.Errorf("error items %+v, want one for %s naming %d", e.Error, c.item, c.limit)
			}
			if after := count(); after != before {
				t.Errorf("%d applications before, %d after", before, after)
			}

			// An update is refused alike and leaves the application as it was.
			s.api(t, sreq{method: "PUT", path: "/applications/" + created.ApplicationID, body: c.body(fmt.Sprint("exact-", i), strings.Repeat("y", c.limit+1))}).
				wantError(t, http.StatusBadRequest, c.field)
			var kept appFields
			s.api(t, sreq{method: "GET", path: "/applications/" + created.ApplicationID}).want(t, http.StatusOK, &kept)
			if c.stored(kept) != strings.Repeat("x", c.limit) {
				t.Errorf("the refused update stored %.40q", c.stored(kept))
			}
		})
	}

	t.Run("lists", func(t *testing.T) {
		// Upstream keeps groups in rows without a bound on their number;
		// the store bounds the list at 64 KiB of JSON.
		exact := listJSONOfSize(64 << 10)
		s.api(t, sreq{method: "POST", path: "/applications", body: map[string]any{"name": "groups-exact", "throttlingPolicy": "Unlimited", "groups": exact}}).
			want(t, http.StatusCreated, nil)
		before := count()
		s.api(t, sreq{method: "POST", path: "/applications", body: map[string]any{"name": "groups-over", "throttlingPolicy": "Unlimited", "groups": listJSONOfSize(64<<10 + 1)}}).
			wantError(t, http.StatusBadRequest, "groups may take at most 65536 bytes")
		if count() != before {
			t.Error("the refused application was stored")
		}
	})

	t.Run("issue sizes", func(t *testing.T) {
		// The finding's 9.9 MB throttling policy, within the 10 MiB body cap.
		before := count()
		s.api(t, sreq{method: "POST", path: "/applications", body: map[string]any{"name": "huge", "throttlingPolicy": strings.Repeat("P", 9_900_000)}}).
			wantError(t, http.StatusBadRequest, "throttlingPolicy may have at most 50 characters")
		if count() != before {
			t.Error("the refused application was stored")
		}
	})

	t.Run("map-keys", func(t *testing.T) {
		// AM_APPLICATION_KEY_MAPPING.CONSUMER_KEY: 255 characters, as the
		// key manager's own column.
		app := createApp(t, s, "", "LongKeys")
		key := strings.Repeat("k", 255)
		soapRegister(t, s, "is-next", "long key client", key, "long-key-secret")
		mapKeys(t, s, "", app.ApplicationID, mapBody(key, "long-key-secret", "PRODUCTION")).want(t, http.StatusOK, nil)
		r := mapKeys(t, s, "", app.ApplicationID, mapBody(key+"k", "secret", "SANDBOX"))
		r.wantError(t, http.StatusBadRequest, "consumerKey may have at most 255 characters")
		keys := oauthKeys(t, s, "", app.ApplicationID)
		if len(keys) != 1 || keys[0].ConsumerKey != key {
			t.Errorf("keys %+v, want only the 255-character key", keys)
		}
		assertNotStored(t, s, key+"k")
	})

	t.Run("legacy callbackUrl", func(t *testing.T) {
		// AM_APPLICATION.CALLBACK_URL VARCHAR(512): the 1.9 store's
		// application callback.
		post, _ := legacyBrowser(t, s)
		if out := post(storeapi.LoginJag, url.Values{"action": {"login"}, "username": {"admin"}, "password": {"admin"}}); out["error"] != false {
			t.Fatalf("login: %v", out)
		}
		add := func(name, callback string) map[string]any {
			return post(storeapi.ApplicationAddJag, url.Values{"action": {"addApplication"}, "application": {name}, "tier": {"Unlimited"}, "callbackUrl": {callback}})
		}
		if out := add("LegacyExact", callbackOf(512)); out["error"] != false {
			t.Fatalf("a callback of 512 characters: %v", out)
		}
		before := count()
		out := add("LegacyOver", callbackOf(513))
		if out["error"] != true || !strings.Contains(fmt.Sprint(out["message"]), "callbackUrl may have at most 512 characters") {
			t.Errorf("a callback of 513 characters: %v", out)
		}
		if count() != before {
			t.Error("the refused application was stored")
		}
		list := post(storeapi.ApplicationListJag, url.Values{"action": {"getApplications"}})
		for _, a := range list["applications"].([]any) {
			if app := a.(map[string]any); app["name"] == "LegacyExact" && app["callbackUrl"] != callbackOf(512) {
				t.Errorf("stored callback %.40q", app["callbackUrl"])
			}
		}
	})
}
