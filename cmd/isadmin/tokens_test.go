package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
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

var tokenReleases = []tokenRelease{
	{"is-5.0", md5Token, 300, "token_type", false, false, false, "text/html",
		"Client Authentication failed.", "Client Authentication failed.", "Provided Authorization Grant is invalid.", "Provided Authorization Grant is invalid."},
	{"is-5.2", uuidToken, 0, "access_token", true, false, false, "application/json",
		"Client credentials are invalid.", "A valid OAuth client could not be found for client_id: %s", "Provided Authorization Grant is invalid", "Authentication failed for %s"},
	{"is-5.3", uuidToken, 0, "access_token", true, true, true, "application/json",
		"Client credentials are invalid.", "A valid OAuth client could not be found for client_id: %s", "Provided Authorization Grant is invalid", "Authentication failed for %s"},
	{"is-7.3", uuidToken, 0, "access_token", true, true, true, "application/json",
		"Client credentials are invalid.", "A valid OAuth client could not be found for client_id: %s", "Provided Authorization Grant is invalid", "Authentication failed for %s"},
}

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
