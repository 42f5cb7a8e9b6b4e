package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/storeapi"
	"github.com/isadmin/isadmin/wsdl"
)

// tokenAnswer is an answer of an /oauth2 endpoint.
type tokenAnswer struct {
	Status int
	Header http.Header
	Body   string
	// JSON is the body decoded, when it is a JSON object.
	JSON map[string]any
}

// str returns a string member of the answer.
func (a *tokenAnswer) str(key string) string {
	v, _ := a.JSON[key].(string)
	return v
}

// num returns a number member of the answer.
func (a *tokenAnswer) num(key string) int64 {
	v, _ := a.JSON[key].(float64)
	return int64(v)
}

// oauth2 posts form to an /oauth2 endpoint of s, with HTTP Basic
// credentials when user is not empty.
func (s *testServer) oauth2(t *testing.T, endpoint, user, password string, form url.Values) *tokenAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	a := &tokenAnswer{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
	json.Unmarshal(body, &a.JSON)
	return a
}

// want fails unless the answer has the status and exactly the body.
func (a *tokenAnswer) want(t *testing.T, what string, status int, body string) {
	t.Helper()
	if a.Status != status || a.Body != body {
		t.Errorf("%s: HTTP %d %s, want %d %s", what, a.Status, a.Body, status, body)
	}
}

var (
	md5Token  = regexp.MustCompile(`^[1-9a-f][0-9a-f]{0,31}$`)
	uuidToken = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// tokenRelease is what a release's token endpoint answers, per
// ../shared/reference/notes/tokens-store-ui.md section 1.
type tokenRelease struct {
	profile     string
	format      *regexp.Regexp
	skew        int64 // subtracted from expires_in
	firstKey    string
	grantCheck  bool // a grant the client lacks is refused
	stateCheck  bool // a revoked client gets no token
	introspect  bool
	revokeType  string
	badSecret   string
	unknown     string // description for an unknown client, %s the key
	badGrant    string
	badPassword string // %s the user
}

// tokenGenerations are the token endpoints of the releases: carbon-identity
// (IS 5.0, 5.1), identity-inbound-auth-oauth before introspection (IS 5.2),
// and with it (IS 5.3 on).
var tokenGenerations = map[string]tokenRelease{
	"is-5.0": {"", md5Token, 300, "token_type", false, false, false, "text/html",
		"Client Authentication failed.", "Client Authentication failed.", "Provided Authorization Grant is invalid.", "Provided Authorization Grant is invalid."},
	"is-5.2": {"", uuidToken, 0, "access_token", true, false, false, "application/json",
		"Client credentials are invalid.", "A valid OAuth client could not be found for client_id: %s", "Provided Authorization Grant is invalid", "Authentication failed for %s"},
	"is-5.3": {"", uuidToken, 0, "access_token", true, true, true, "application/json",
		"Client credentials are invalid.", "A valid OAuth client could not be found for client_id: %s", "Provided Authorization Grant is invalid", "Authentication failed for %s"},
}

// tokenReleases is every profile with the token endpoint of its
// generation.
var tokenReleases = func() []tokenRelease {
	names := wsdl.Names()
	var out []tokenRelease
	for i, name := range names {
		gen := "is-5.3"
		switch {
		case i < slices.Index(names, "is-5.2"):
			gen = "is-5.0"
		case name == "is-5.2":
			gen = "is-5.2"
		}
		r := tokenGenerations[gen]
		r.profile = name
		out = append(out, r)
	}
	return out
}()

func errBody(code, description string) string {
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": description})
	// encoding/json sorts map keys: error, error_description.
	return string(b)
}

// TestTokenEndpoint drives every grant and error case of the token
// endpoint in each generation, with exact bodies.
func TestTokenEndpoint(t *testing.T) {
	for _, rel := range tokenReleases {
		t.Run(rel.profile, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			s := startServerWith(t, rel.profile, nil, clk.Now)
			s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("tk", "tk-key", "tk-secret", "", "client_credentials password refresh_token")})
			s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("cc-only", "cc-key", "cc-secret", "", "client_credentials")})
			cc := url.Values{"grant_type": {"client_credentials"}}

			// client_credentials: no refresh token, the application's
			// lifetime, the same token while it is active.
			a := s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", cc)
			if a.Status != http.StatusOK || a.Header.Get("Cache-Control") != "no-store" || a.Header.Get("Pragma") != "no-cache" ||
				!strings.HasPrefix(a.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("client_credentials: HTTP %d %v %s", a.Status, a.Header, a.Body)
			}
			if !strings.HasPrefix(a.Body, `{"`+rel.firstKey+`":`) {
				t.Errorf("key order: %s, want %s first", a.Body, rel.firstKey)
			}
			access := a.str("access_token")
			if !rel.format.MatchString(access) || a.str("token_type") != "Bearer" || a.num("expires_in") != 3600-rel.skew || a.JSON["refresh_token"] != nil {
				t.Errorf("client_credentials: %s", a.Body)
			}
			clk.Advance(100 * time.Second)
			b := s.oauth2(t, "/oauth2/token", "", "", url.Values{"grant_type": {"client_credentials"}, "client_id": {"tk-key"}, "client_secret": {"tk-secret"}})
			if b.str("access_token") != access || b.num("expires_in") != 3500-rel.skew {
				t.Errorf("second request with the credentials in the body: %s, want the same token with 100 s less", b.Body)
			}
			if c := s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{"grant_type": {"client_credentials"}, "scope": {"b a b"}}); c.str("access_token") == access || c.str("scope") != "a b" {
				t.Errorf("another scope: %s, want a token of its own with scope \"a b\"", c.Body)
			}
			clk.Advance(3500 * time.Second)
			if c := s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", cc); c.str("access_token") == access || c.num("expires_in") != 3600-rel.skew {
				t.Errorf("after expiry: %s, want a new token", c.Body)
			}
			if c := s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{"grant_type": {"client_credentials"}, "scope": {"vp"}, "validity_period": {"1000"}}); c.num("expires_in") != 1000-rel.skew {
				t.Errorf("validity_period 1000: %s", c.Body)
			}
			if c := s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{"grant_type": {"client_credentials"}, "scope": {"forever"}, "validity_period": {"-1"}}); !strings.Contains(c.Body, `"expires_in":9223372036854775`) {
				t.Errorf("validity_period -1: %s", c.Body)
			}

			// password and refresh_token.
			p := s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}})
			refresh := p.str("refresh_token")
			if p.Status != http.StatusOK || !rel.format.MatchString(refresh) || p.num("expires_in") != 3600-rel.skew {
				t.Fatalf("password: HTTP %d %s", p.Status, p.Body)
			}
			r := s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
			if r.Status != http.StatusOK || r.str("access_token") == p.str("access_token") || r.str("refresh_token") == refresh || r.str("refresh_token") == "" {
				t.Errorf("refresh_token: HTTP %d %s", r.Status, r.Body)
			}
			s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}).
				want(t, "a used refresh token", 400, errBody("invalid_grant", rel.badGrant))
			s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("other", "other-key", "other-secret", "", "client_credentials refresh_token")})
			s.oauth2(t, "/oauth2/token", "other-key", "other-secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r.str("refresh_token")}}).
				want(t, "another client's refresh token", 400, errBody("invalid_grant", rel.badGrant))

			// Errors.
			bad := s.oauth2(t, "/oauth2/token", "tk-key", "wrong", cc)
			bad.want(t, "wrong secret", 401, errBody("invalid_client", rel.badSecret))
			if bad.Header.Get("WWW-Authenticate") != `Basic realm="127.0.0.1"` {
				t.Errorf("wrong secret: WWW-Authenticate %q", bad.Header.Get("WWW-Authenticate"))
			}
			unknown := rel.unknown
			if strings.Contains(unknown, "%s") {
				unknown = strings.Replace(unknown, "%s", "nobody", 1)
			}
			s.oauth2(t, "/oauth2/token", "nobody", "x", cc).want(t, "unknown client", 401, errBody("invalid_client", unknown))
			s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {"tk-key"}, "client_secret": {"tk-secret"}}).
				want(t, "credentials in the header and the body", 401, errBody("invalid_client", rel.badSecret))
			s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{}).
				want(t, "no grant type", 400, errBody("invalid_request", "Missing grant_type parameter value"))
			s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}).
				want(t, "a grant this server does not issue", 400, errBody("unsupported_grant_type", "Unsupported grant type : authorization_code, is used."))
			s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"wrong"}}).
				want(t, "wrong password", 400, errBody("invalid_grant", strings.Replace(rel.badPassword, "%s", "admin", 1)))
			pw := s.oauth2(t, "/oauth2/token", "cc-key", "cc-secret", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}})
			if rel.grantCheck {
				pw.want(t, "a grant the client lacks", 400, errBody("unauthorized_client", "The authenticated client is not authorized to use this authorization grant type"))
			} else if pw.Status != 200 {
				t.Errorf("a grant the client lacks, not checked by this release: HTTP %d %s", pw.Status, pw.Body)
			}

			// A revoked client.
			if rel.stateCheck {
				s.do(t, call{action: "updateConsumerAppState", body: `<xsd:updateConsumerAppState><xsd:consumerKey>cc-key</xsd:consumerKey><xsd:newState>REVOKED</xsd:newState></xsd:updateConsumerAppState>`}).ok(t)
				s.oauth2(t, "/oauth2/token", "cc-key", "cc-secret", cc).want(t, "revoked client", 401, errBody("invalid_client", "Oauth application is not in active state"))
			}
		})
	}
}

// TestIntrospectAndRevoke: introspection in the releases that have it,
// for a user allowed to view clients; revocation by the client, of either
// token of a pair.
func TestIntrospectAndRevoke(t *testing.T) {
	for _, rel := range tokenReleases {
		t.Run(rel.profile, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			s := startServerWith(t, rel.profile, nil, clk.Now)
			s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("tk", "tk-key", "tk-secret", "", "client_credentials password refresh_token")})
			s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("other", "other-key", "other-secret", "", "client_credentials")})
			addUser(t, s, "viewer", "pw", "/permission/admin/manage/identity/applicationmgt/view")
			addUser(t, s, "nobody", "pw", "/permission/admin/login")
			p := s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}, "scope": {"read write"}})
			access, refresh := p.str("access_token"), p.str("refresh_token")

			introspect := func(token, hint string) *tokenAnswer {
				return s.oauth2(t, "/oauth2/introspect", "viewer", "pw", url.Values{"token": {token}, "token_type_hint": {hint}})
			}
			if !rel.introspect {
				if a := introspect(access, ""); a.Status != http.StatusNotFound {
					t.Errorf("introspection before IS 5.3: HTTP %d %s", a.Status, a.Body)
				}
			} else {
				iat := clk.Now().Unix()
				aut := ""
				if len(s.Profile.Setting("token-introspection-user-type")) > 0 {
					aut = `,"aut":"APPLICATION_USER"`
				}
				introspect(access, "").want(t, "active token", 200, `{"exp":`+itoa(iat+3600)+`,"username":"admin@carbon.super","scope":"read write","active":true,"token_type":"Bearer","client_id":"tk-key","iat":`+itoa(iat)+aut+`}`)
				refreshLife, _ := strconv.ParseInt(s.Profile.Setting("refresh-token-expiry")[0], 10, 64)
				if a := introspect(refresh, "refresh_token"); a.JSON["active"] != true || a.num("exp") != iat+refreshLife {
					t.Errorf("refresh token: %s", a.Body)
				}
				introspect("nonsense", "").want(t, "unknown token", 200, `{"active":false}`)
				introspect("", "").want(t, "no token", 400, `{"error":"Invalid input"}`)
				if a := s.oauth2(t, "/oauth2/introspect", "", "", url.Values{"token": {access}}); a.Status != 401 || a.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("no credentials: HTTP %d %v", a.Status, a.Header)
				}
				if a := s.oauth2(t, "/oauth2/introspect", "viewer", "wrong", url.Values{"token": {access}}); a.Status != 401 {
					t.Errorf("wrong password: HTTP %d", a.Status)
				}
				if a := s.oauth2(t, "/oauth2/introspect", "nobody", "pw", url.Values{"token": {access}}); a.Status != 403 || a.Body != "" {
					t.Errorf("without the view permission: HTTP %d %s", a.Status, a.Body)
				}
				clk.Advance(3601 * time.Second)
				introspect(access, "").want(t, "expired token", 200, `{"active":false}`)
				p = s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}, "scope": {"read write"}})
				if p.str("access_token") == access {
					t.Fatalf("an expired token was handed out again")
				}
				access, refresh = p.str("access_token"), p.str("refresh_token")
			}

			// Revocation.
			s.oauth2(t, "/oauth2/revoke", "tk-key", "tk-secret", url.Values{}).want(t, "no token", 400, errBody("invalid_request", "Invalid revocation request"))
			s.oauth2(t, "/oauth2/revoke", "other-key", "other-secret", url.Values{"token": {access}}).
				want(t, "another client's token", 401, errBody("unauthorized_client", "Client Authentication failed."))
			s.oauth2(t, "/oauth2/revoke", "tk-key", "wrong", url.Values{"token": {access}}).want(t, "wrong secret", 401, errBody("invalid_client", rel.badSecret))
			rv := s.oauth2(t, "/oauth2/revoke", "tk-key", "tk-secret", url.Values{"token": {refresh}, "token_type_hint": {"refresh_token"}})
			if rv.Status != 200 || rv.Body != "" || rv.Header.Get("Content-Type") != rel.revokeType || rv.Header.Get("Content-Length") != "0" ||
				rv.Header.Get("Cache-Control") != "no-store" || rv.Header.Get("RevokedRefreshToken") != refresh || rv.Header.Get("AuthorizedUser") != "admin@carbon.super" {
				t.Errorf("revoking the refresh token: HTTP %d %v %q", rv.Status, rv.Header, rv.Body)
			}
			if rel.introspect {
				introspect(access, "").want(t, "the access token of a revoked refresh token", 200, `{"active":false}`)
			}
			s.oauth2(t, "/oauth2/token", "tk-key", "tk-secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}).
				want(t, "a revoked refresh token", 400, errBody("invalid_grant", rel.badGrant))
			if a := s.oauth2(t, "/oauth2/revoke", "tk-key", "tk-secret", url.Values{"token": {"never-issued"}}); a.Status != 200 {
				t.Errorf("an unknown token: HTTP %d %s", a.Status, a.Body)
			}
			if a := s.oauth2(t, "/oauth2/revoke", "tk-key", "tk-secret", url.Values{"token": {access}, "callback": {"done"}}); a.Status != 200 || a.Body != "done();" || a.Header.Get("Content-Type") != "application/javascript" {
				t.Errorf("JSONP revocation: HTTP %d %v %q", a.Status, a.Header, a.Body)
			}
			if a := s.oauth2(t, "/oauth2/revoke", "tk-key", "tk-secret", url.Values{"token": {access}, "callback": {"alert(1)//"}}); a.Status != 400 {
				t.Errorf("a callback that is no name: HTTP %d %q", a.Status, a.Body)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestTokensFollowTheirClient: what the SOAP operations do to a client's
// tokens, as Identity Server does (tokens-store-ui.md section 1.5).
func TestTokensFollowTheirClient(t *testing.T) {
	s := startServer(t, "is-7.3")
	state := func(key, st string) {
		t.Helper()
		s.do(t, call{action: "updateConsumerAppState", body: `<xsd:updateConsumerAppState><xsd:consumerKey>` + key + `</xsd:consumerKey><xsd:newState>` + st + `</xsd:newState></xsd:updateConsumerAppState>`}).ok(t)
	}
	active := func(token string) bool {
		t.Helper()
		a := s.oauth2(t, "/oauth2/introspect", "admin", "admin", url.Values{"token": {token}})
		return a.JSON["active"] == true
	}
	issue := func(key, secret string) string {
		t.Helper()
		a := s.oauth2(t, "/oauth2/token", key, secret, url.Values{"grant_type": {"client_credentials"}})
		if a.Status != 200 {
			t.Fatalf("token for %s: HTTP %d %s", key, a.Status, a.Body)
		}
		return a.str("access_token")
	}
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("a", "a-key", "a-secret", "", "client_credentials")})
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("b", "b-key", "b-secret", "", "client_credentials")})
	a1, b1 := issue("a-key", "a-secret"), issue("b-key", "b-secret")

	// Revoking a client revokes its tokens, not another's; reactivating
	// it revives none.
	state("a-key", "REVOKED")
	if active(a1) || !active(b1) {
		t.Errorf("after revoking a: a's token active %v, b's %v", active(a1), active(b1))
	}
	state("a-key", "ACTIVE")
	if active(a1) {
		t.Error("reactivating the client revived its old token")
	}
	a2 := issue("a-key", "a-secret")
	if a2 == a1 || !active(a2) {
		t.Errorf("a new token after reactivation: %q", a2)
	}

	// A new secret: the old tokens and the old secret stop working.
	r := s.do(t, call{action: "updateAndRetrieveOauthSecretKey", body: `<xsd:updateAndRetrieveOauthSecretKey><xsd:consumerKey>a-key</xsd:consumerKey></xsd:updateAndRetrieveOauthSecretKey>`}).ok(t)
	secret, _ := text(r.SelectElement("return"), "oauthConsumerSecret")
	if active(a2) {
		t.Error("the token outlived the secret it was issued to")
	}
	if a := s.oauth2(t, "/oauth2/token", "a-key", "a-secret", url.Values{"grant_type": {"client_credentials"}}); a.Status != 401 {
		t.Errorf("the old secret: HTTP %d", a.Status)
	}
	a3 := issue("a-key", secret)

	// Removing the client removes its tokens.
	s.do(t, call{action: "removeOAuthApplicationData", body: `<xsd:removeOAuthApplicationData><xsd:consumerKey>a-key</xsd:consumerKey></xsd:removeOAuthApplicationData>`}).ok(t)
	if active(a3) || !active(b1) {
		t.Errorf("after removing a: a's token active %v, b's %v", active(a3), active(b1))
	}
	// A client registered again with the same key gets no old token.
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("a", "a-key", "a-secret", "", "client_credentials")})
	if a4 := issue("a-key", "a-secret"); a4 == a3 || a4 == a2 || a4 == a1 {
		t.Error("a client registered again got an old token")
	}
}

// TestStoreTokenEndToEnd: a client registered over SOAP with a key and
// secret of the caller's choosing is mapped in the store, which gets a
// token for it; the token introspects active until the client's secret is
// regenerated over SOAP. Every answer is checked against the store's
// OpenAPI document.
func TestStoreTokenEndToEnd(t *testing.T) {
	for _, profile := range []string{"is-5.3", "is-7.3"} {
		t.Run(profile, func(t *testing.T) {
			s := startStore(t, profile)
			s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("e2e", "e2e-key", "e2e-secret", "", "client_credentials")})
			app := createApp(t, s, "", "e2e-app")
			var k keyJSON
			mapKeys(t, s, "", app.ApplicationID, mapBody("e2e-key", "e2e-secret", "PRODUCTION")).want(t, http.StatusOK, &k)
			path := "/applications/" + app.ApplicationID + "/oauth-keys/" + k.KeyMappingID + "/generate-token"
			var tok struct {
				AccessToken  string   `json:"accessToken"`
				TokenScopes  []string `json:"tokenScopes"`
				ValidityTime int64    `json:"validityTime"`
			}
			s.api(t, sreq{method: "POST", path: path, body: map[string]any{"validityPeriod": 600, "scopes": []string{"apim:subscribe"}}}).want(t, http.StatusOK, &tok)
			if tok.AccessToken == "" || tok.ValidityTime != 600 || len(tok.TokenScopes) != 1 || tok.TokenScopes[0] != "apim:subscribe" {
				t.Fatalf("generate-token: %+v", tok)
			}
			introspect := func() bool {
				a := s.oauth2(t, "/oauth2/introspect", "admin", "admin", url.Values{"token": {tok.AccessToken}})
				return a.JSON["active"] == true && a.str("client_id") == "e2e-key"
			}
			if !introspect() {
				t.Fatal("the store's token is not active")
			}
			// The same request hands out the same token while it lasts.
			var again struct {
				AccessToken string `json:"accessToken"`
			}
			s.api(t, sreq{method: "POST", path: path, body: map[string]any{"validityPeriod": 600, "scopes": []string{"apim:subscribe"}}}).want(t, http.StatusOK, &again)
			if again.AccessToken != tok.AccessToken {
				t.Errorf("a second generate-token gave another token")
			}
			// Refusals of the key manager, and of the request.
			s.api(t, sreq{method: "POST", path: path, body: map[string]any{"consumerSecret": "wrong", "validityPeriod": 600, "scopes": []string{}}}).want(t, http.StatusBadRequest, nil)
			s.api(t, sreq{method: "POST", path: path, body: map[string]any{"scopes": []string{}}}).want(t, http.StatusBadRequest, nil)
			s.api(t, sreq{method: "POST", path: path, body: map[string]any{"validityPeriod": 1, "scopes": []string{}, "grantType": "TOKEN_EXCHANGE"}}).want(t, http.StatusBadRequest, nil)
			s.api(t, sreq{method: "POST", path: "/applications/" + app.ApplicationID + "/oauth-keys/nothing/generate-token", body: map[string]any{"validityPeriod": 1, "scopes": []string{}}}).want(t, http.StatusNotFound, nil)

			s.do(t, call{action: "updateOauthSecretKey", body: `<xsd:updateOauthSecretKey><xsd:consumerKey>e2e-key</xsd:consumerKey></xsd:updateOauthSecretKey>`}).ok(t)
			if introspect() {
				t.Error("the token outlived the client's secret")
			}
		})
	}
}

// TestTokenConcurrentRequests: requests racing for a client's first token
// all get the one token the database let exist.
func TestTokenConcurrentRequests(t *testing.T) {
	s := startServer(t, "is-7.3")
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("race", "race-key", "race-secret", "", "client_credentials")})
	const n = 24
	got := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := s.oauth2(t, "/oauth2/token", "race-key", "race-secret", url.Values{"grant_type": {"client_credentials"}})
			if a.Status != http.StatusOK {
				t.Errorf("HTTP %d %s", a.Status, a.Body)
			}
			got <- a.str("access_token")
		}()
	}
	wg.Wait()
	close(got)
	seen := map[string]int{}
	for tok := range got {
		seen[tok]++
	}
	if len(seen) != 1 {
		t.Errorf("%d different tokens for one client and scope: %v", len(seen), seen)
	}
}

// TestTokensOfUsers: getAppsAuthorizedByUser lists the clients a user holds
// tokens of, revokeAuthzForAppsByResoureOwner revokes them by client name,
// other users' tokens staying; a deleted user's tokens end.
func TestTokensOfUsers(t *testing.T) {
	s := startServer(t, "is-7.3")
	addUser(t, s, "alice", "pw", "/permission/admin/login")
	for _, c := range []string{"app-a", "app-b", "app-c"} {
		s.do(t, call{action: "registerOAuthApplicationData", body: registerBody(c, c+"-key", c+"-secret", "", "client_credentials password")}).ok(t)
	}
	password := func(client, user, pw string) string {
		t.Helper()
		a := s.oauth2(t, "/oauth2/token", client+"-key", client+"-secret", url.Values{"grant_type": {"password"}, "username": {user}, "password": {pw}})
		if a.Status != 200 {
			t.Fatalf("password token of %s for %s: HTTP %d %s", user, client, a.Status, a.Body)
		}
		return a.str("access_token")
	}
	active := func(token string) bool {
		t.Helper()
		return s.oauth2(t, "/oauth2/introspect", "admin", "admin", url.Values{"token": {token}}).JSON["active"] == true
	}
	aliceA, aliceB := password("app-a", "alice", "pw"), password("app-b", "alice", "pw")
	adminA := password("app-a", "admin", "admin")
	ownerC := s.oauth2(t, "/oauth2/token", "app-c-key", "app-c-secret", url.Values{"grant_type": {"client_credentials"}}).str("access_token")

	authorized := func(user, pw string) []string {
		t.Helper()
		var names []string
		for _, e := range s.do(t, call{action: "getAppsAuthorizedByUser", user: user, pass: pw, body: `<xsd:getAppsAuthorizedByUser/>`}).ok(t).SelectElements("return") {
			n, _ := text(e, "applicationName")
			names = append(names, n)
			if k, _ := text(e, "oauthConsumerKey"); k != n+"-key" {
				t.Errorf("%s: key %q", n, k)
			}
			if cb, _ := text(e, "callbackUrl"); cb != "" {
				t.Errorf("%s: callbackUrl %q, want only key, name, owner and grant types", n, cb)
			}
		}
		return names
	}
	if got := authorized("alice", "pw"); strings.Join(got, ",") != "app-a,app-b" {
		t.Errorf("alice's authorized apps: %v", got)
	}
	if got := authorized("admin", "admin"); strings.Join(got, ",") != "app-a,app-c" {
		t.Errorf("admin's authorized apps (app-c by its client_credentials token): %v", got)
	}

	r := s.do(t, call{action: "revokeAuthzForAppsByResoureOwner", user: "alice", pass: "pw",
		body: `<xsd:revokeAuthzForAppsByResoureOwner><xsd:revokeRequestDTO><dto:apps>app-a</dto:apps></xsd:revokeRequestDTO></xsd:revokeAuthzForAppsByResoureOwner>`}).ok(t)
	if e, _ := text(r.SelectElement("return"), "error"); e != "false" {
		t.Errorf("revocation answered error %q", e)
	}
	if active(aliceA) || !active(aliceB) || !active(adminA) || !active(ownerC) {
		t.Errorf("after alice revoked app-a: alice's a %v, b %v; admin's a %v, c %v", active(aliceA), active(aliceB), active(adminA), active(ownerC))
	}
	if got := authorized("alice", "pw"); strings.Join(got, ",") != "app-b" {
		t.Errorf("alice's authorized apps after the revocation: %v", got)
	}

	if err := s.DB.DeleteUser(context.Background(), admin.SuperTenantID, "alice"); err != nil {
		t.Fatal(err)
	}
	if active(aliceB) || !active(adminA) {
		t.Errorf("after deleting alice: her token active %v, admin's %v", active(aliceB), active(adminA))
	}
}

// TestStoreBearer: the store takes this server's access tokens as the
// devportal sends them, for users allowed to use it, while they are
// active.
func TestStoreBearer(t *testing.T) {
	s := startStore(t, "is-7.3")
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("portal", "portal-key", "portal-secret", "", "password client_credentials")})
	addUser(t, s, "outsider", "pw", "/permission/admin/login")
	token := func(user, pw string) string {
		t.Helper()
		a := s.oauth2(t, "/oauth2/token", "portal-key", "portal-secret", url.Values{"grant_type": {"password"}, "username": {user}, "password": {pw}, "scope": {"apim:subscribe"}})
		if a.Status != 200 {
			t.Fatalf("token of %s: HTTP %d %s", user, a.Status, a.Body)
		}
		return a.str("access_token")
	}
	with := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	admins := token("admin", "admin")
	var apps struct {
		Count int `json:"count"`
	}
	s.api(t, sreq{method: "POST", path: "/applications", noAuth: true, header: with(admins), body: map[string]any{"name": "by-bearer", "throttlingPolicy": "Unlimited"}}).want(t, http.StatusCreated, nil)
	s.api(t, sreq{method: "GET", path: "/applications", noAuth: true, header: with(admins)}).want(t, http.StatusOK, &apps)
	if apps.Count != 1 {
		t.Errorf("applications of the bearer: %d", apps.Count)
	}
	s.api(t, sreq{method: "GET", path: "/applications", noAuth: true, header: with(token("outsider", "pw"))}).want(t, http.StatusForbidden, nil)
	s.api(t, sreq{method: "GET", path: "/applications", noAuth: true, header: with("not-a-token")}).want(t, http.StatusUnauthorized, nil)
	if a := s.oauth2(t, "/oauth2/revoke", "portal-key", "portal-secret", url.Values{"token": {admins}}); a.Status != 200 {
		t.Fatalf("revoke: HTTP %d", a.Status)
	}
	s.api(t, sreq{method: "GET", path: "/applications", noAuth: true, header: with(admins)}).want(t, http.StatusUnauthorized, nil)
}

// TestStoreLegacyTokens: API Manager 1.9's store generates keys with a
// token and re-generates the token ("Re-generate": the old one revoked).
func TestStoreLegacyTokens(t *testing.T) {
	for _, profile := range []string{"is-5.0", "is-5.3"} {
		t.Run(profile, func(t *testing.T) {
			s := startStore(t, profile)
			post, _ := legacyBrowser(t, s)
			ok := func(out map[string]any) map[string]any {
				t.Helper()
				if out["error"] != false {
					t.Fatalf("answer %v, want success", out)
				}
				data, _ := out["data"].(map[string]any)
				key, _ := data["key"].(map[string]any)
				return key
			}
			ok(post(storeapi.LoginJag, url.Values{"action": {"login"}, "username": {"admin"}, "password": {"admin"}}))
			post(storeapi.ApplicationAddJag, url.Values{"action": {"addApplication"}, "application": {"TokApp"}, "tier": {"Unlimited"}})
			key := ok(post(storeapi.SubscriptionAddJag, url.Values{"action": {"generateApplicationKey"}, "application": {"TokApp"},
				"keytype": {"PRODUCTION"}, "callbackUrl": {""}, "authorizedDomains": {"ALL"}, "validityTime": {"3600"}, "tokenScope": {"default"}}))
			ck, cs, at := key["consumerKey"].(string), key["consumerSecret"].(string), key["accessToken"].(string)
			if ck == "" || cs == "" || at == "" || key["mode"] != "CREATED" || key["tokenScope"] != "default" || key["enableRegenarate"] != true {
				t.Fatalf("generateApplicationKey: %v", key)
			}
			want := s.Profile.Setting("token-expiry-skew")
			skew := int64(0)
			if len(want) > 0 {
				skew, _ = strconv.ParseInt(want[0], 10, 64)
			}
			if v := key["validityTime"]; v != strconv.FormatInt(3600-skew, 10) && v != strconv.FormatInt(3599-skew, 10) {
				t.Errorf("validityTime %v", v)
			}
			// The token is the client's: its credentials get the same one.
			if a := s.oauth2(t, "/oauth2/token", ck, cs, url.Values{"grant_type": {"client_credentials"}, "scope": {"default"}}); a.str("access_token") != at {
				t.Errorf("the client's own request got %s, want the store's token", a.Body)
			}

			re := ok(post(storeapi.SubscriptionAddJag, url.Values{"action": {"refreshToken"}, "application": {"TokApp"}, "keytype": {"PRODUCTION"},
				"oldAccessToken": {at}, "authorizedDomains": {"ALL"}, "clientId": {ck}, "clientSecret": {cs}, "validityTime": {"-1"}, "tokenScope": {"default"}}))
			fresh, _ := re["accessToken"].(string)
			if fresh == "" || fresh == at || re["consumerKey"] != ck || re["consumerSecret"] != ck || re["validityTime"] != float64(-1) {
				t.Errorf("refreshToken: %v", re)
			}
			if rv := s.oauth2(t, "/oauth2/revoke", ck, cs, url.Values{"token": {at}}); rv.Status != 200 {
				t.Errorf("revoking the old token again: HTTP %d", rv.Status)
			}
			if a := s.oauth2(t, "/oauth2/token", ck, cs, url.Values{"grant_type": {"client_credentials"}, "scope": {"default"}}); a.str("access_token") != fresh {
				t.Errorf("after Re-generate the client gets %s, want the new token", a.Body)
			}
			out := post(storeapi.SubscriptionAddJag, url.Values{"action": {"refreshToken"}, "application": {"TokApp"}, "keytype": {"SANDBOX"}, "oldAccessToken": {fresh}})
			if out["error"] != true || !strings.Contains(fmt.Sprint(out["message"]), "has no SANDBOX keys") {
				t.Errorf("refreshToken without keys: %v", out)
			}
			out = post(storeapi.SubscriptionAddJag, url.Values{"action": {"refreshToken"}, "application": {"TokApp"}, "keytype": {"PRODUCTION"},
				"oldAccessToken": {fresh}, "clientId": {ck}, "clientSecret": {"wrong"}})
			if out["error"] != true {
				t.Errorf("refreshToken with a wrong secret: %v", out)
			}
		})
	}
}

// TestStoreRemoteTokens: with a remote key manager, generate-token gets
// the token from the remote server's token endpoint, and the legacy
// store's Re-generate revokes there; a remote that refuses says why.
func TestStoreRemoteTokens(t *testing.T) {
	remote := startServer(t, "is-7.3")
	s := startStore(t, "is-7.3", func(c *Config) {
		c.KeyManagers = []storeapi.RemoteConfig{
			{Name: "Other", URL: remote.URL, Profile: "is-7.3", Username: "admin", Password: "admin"},
		}
	})
	soapRegister(t, remote, "is-7.3", "far", "far-key", "far-secret")
	app := createApp(t, s, "", "RemoteTokens")
	var k keyJSON
	mapKeys(t, s, "", app.ApplicationID, mapBody("far-key", "far-secret", "PRODUCTION", "keyManager", "Other")).want(t, http.StatusOK, &k)
	path := "/applications/" + app.ApplicationID + "/oauth-keys/" + k.KeyMappingID + "/generate-token"
	var tok struct {
		AccessToken  string `json:"accessToken"`
		ValidityTime int64  `json:"validityTime"`
	}
	s.api(t, sreq{method: "POST", path: path, body: map[string]any{"validityPeriod": 0, "scopes": []string{}}}).want(t, http.StatusOK, &tok)
	if tok.AccessToken == "" || tok.ValidityTime != 3600 {
		t.Fatalf("generate-token: %+v", tok)
	}
	if a := remote.oauth2(t, "/oauth2/introspect", "admin", "admin", url.Values{"token": {tok.AccessToken}}); a.JSON["active"] != true || a.str("client_id") != "far-key" {
		t.Errorf("the remote does not know the store's token: %s", a.Body)
	}
	if a := s.oauth2(t, "/oauth2/introspect", "admin", "admin", url.Values{"token": {tok.AccessToken}}); a.JSON["active"] == true {
		t.Error("the token was issued locally")
	}
	s.api(t, sreq{method: "POST", path: path, body: map[string]any{"consumerSecret": "wrong", "validityPeriod": 0, "scopes": []string{}}}).
		wantError(t, http.StatusBadRequest, `Key manager "Other" refused the request: Client credentials are invalid.`)
}

// TestTokenCacheAcrossInstances: two instances on one database; what one
// caches of clients and tokens gives way at once to what the other
// changes.
func TestTokenCacheAcrossInstances(t *testing.T) {
	a := startServer(t, "is-7.3")
	b := startServer(t, "is-7.3", sharedDatabase(t, a))
	a.do(t, call{action: "registerOAuthApplicationData", body: registerBody("shared", "shared-key", "shared-secret", "", "client_credentials")}).ok(t)
	cc := url.Values{"grant_type": {"client_credentials"}}
	tok := a.oauth2(t, "/oauth2/token", "shared-key", "shared-secret", cc).str("access_token")
	active := func(s *testServer, token string) bool {
		t.Helper()
		return s.oauth2(t, "/oauth2/introspect", "admin", "admin", url.Values{"token": {token}}).JSON["active"] == true
	}
	for i := 0; i < 3; i++ { // warm both caches
		if !active(a, tok) || !active(b, tok) || b.oauth2(t, "/oauth2/token", "shared-key", "shared-secret", cc).str("access_token") != tok {
			t.Fatal("the instances disagree about the token")
		}
	}
	// b revokes the token: a sees it at once.
	if r := b.oauth2(t, "/oauth2/revoke", "shared-key", "shared-secret", url.Values{"token": {tok}}); r.Status != 200 {
		t.Fatalf("revoke on b: HTTP %d", r.Status)
	}
	if active(a, tok) {
		t.Error("a still finds the token b revoked")
	}
	next := a.oauth2(t, "/oauth2/token", "shared-key", "shared-secret", cc).str("access_token")
	if next == tok || !active(b, next) {
		t.Errorf("after the revocation a handed out %q", next)
	}
	// a gives the client a new secret: b refuses the old one at once.
	a.do(t, call{action: "updateOauthSecretKey", body: `<xsd:updateOauthSecretKey><xsd:consumerKey>shared-key</xsd:consumerKey></xsd:updateOauthSecretKey>`}).ok(t)
	if r := b.oauth2(t, "/oauth2/token", "shared-key", "shared-secret", cc); r.Status != 401 {
		t.Errorf("b took the old secret: HTTP %d %s", r.Status, r.Body)
	}
	if active(b, next) {
		t.Error("b still finds a token of the old secret")
	}
}

// TestStoreLegacySubscriptions: the 1.9 store's Subscriptions page reads
// the keys an application was given (mapped or generated) with
// getAllSubscriptions, on the login cookie.
func TestStoreLegacySubscriptions(t *testing.T) {
	s := startStore(t, "is-5.0")
	soapRegister(t, s, "is-5.0", "legacy-sub", "sub-key", "sub-secret")
	post, client := legacyBrowser(t, s)
	post(storeapi.LoginJag, url.Values{"action": {"login"}, "username": {"admin"}, "password": {"admin"}})
	post(storeapi.ApplicationAddJag, url.Values{"action": {"addApplication"}, "application": {"SubApp"}, "tier": {"Unlimited"}, "callbackUrl": {"https://sub.example/cb"}})
	post(storeapi.ApplicationAddJag, url.Values{"action": {"addApplication"}, "application": {"Bare"}, "tier": {"Unlimited"}})
	if out := post(storeapi.SubscriptionAddJag, url.Values{"action": {"mapExistingOauthClient"}, "applicationName": {"SubApp"}, "keytype": {"PRODUCTION"},
		"client_id": {"sub-key"}, "jsonParams": {`{"client_secret":"sub-secret"}`}}); out["error"] != false {
		t.Fatalf("map: %v", out)
	}
	gen := post(storeapi.SubscriptionAddJag, url.Values{"action": {"generateApplicationKey"}, "application": {"SubApp"}, "keytype": {"SANDBOX"}, "validityTime": {"3600"}})
	genKey, _ := gen["data"].(map[string]any)["key"].(map[string]any)

	type app struct {
		ID                    int64   `json:"id"`
		Name                  string  `json:"name"`
		CallbackURL           *string `json:"callbackUrl"`
		ProdKey               *string `json:"prodKey"`
		ProdConsumerKey       *string `json:"prodConsumerKey"`
		ProdConsumerSecret    *string `json:"prodConsumerSecret"`
		SandboxConsumerKey    *string `json:"sandboxConsumerKey"`
		SandboxConsumerSecret *string `json:"sandboxConsumerSecret"`
		Subscriptions         []any   `json:"subscriptions"`
	}
	var out struct {
		Error         bool `json:"error"`
		Subscriptions struct {
			Applications []app `json:"applications"`
			TotalLength  int   `json:"totalLength"`
		} `json:"subscriptions"`
	}
	// As a form post, and as a GET with the action in the query.
	s.api(t, sreq{method: "POST", path: storeapi.SubscriptionListJag, form: url.Values{"action": {"getAllSubscriptions"}}, client: client, noAuth: true}).want(t, http.StatusOK, &out)
	if out.Error || len(out.Subscriptions.Applications) != 2 || out.Subscriptions.TotalLength != 2 {
		t.Fatalf("getAllSubscriptions: %+v", out)
	}
	str := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return *p
	}
	byName := map[string]app{}
	for _, a := range out.Subscriptions.Applications {
		byName[a.Name] = a
	}
	sub, bare := byName["SubApp"], byName["Bare"]
	if str(sub.ProdConsumerKey) != "sub-key" || str(sub.ProdConsumerSecret) != "sub-secret" || str(sub.CallbackURL) != "https://sub.example/cb" ||
		str(sub.SandboxConsumerKey) != genKey["consumerKey"] || str(sub.SandboxConsumerSecret) != genKey["consumerSecret"] || sub.ProdKey != nil || sub.Subscriptions == nil {
		t.Errorf("SubApp: %+v", sub)
	}
	if bare.ProdConsumerKey != nil || bare.SandboxConsumerKey != nil || bare.CallbackURL != nil {
		t.Errorf("Bare: %+v", bare)
	}
	var one struct {
		Subscriptions struct {
			Applications []app `json:"applications"`
		} `json:"subscriptions"`
	}
	s.api(t, sreq{method: "GET", path: storeapi.SubscriptionListJag + "?action=getAllSubscriptions&selectedApp=Bare", client: client, noAuth: true}).want(t, http.StatusOK, &one)
	if len(one.Subscriptions.Applications) != 1 || one.Subscriptions.Applications[0].Name != "Bare" {
		t.Errorf("selectedApp=Bare: %+v", one)
	}
	var anon map[string]any
	s.api(t, sreq{method: "POST", path: storeapi.SubscriptionListJag, form: url.Values{"action": {"getAllSubscriptions"}}, noAuth: true}).want(t, http.StatusOK, &anon)
	if anon["error"] != true || anon["message"] != "Please login with a valid username/password" {
		t.Errorf("without the cookie: %v", anon)
	}
}
