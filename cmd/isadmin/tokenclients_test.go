package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TestTokenGoClient: golang.org/x/oauth2's client credentials flow gets a
// token, which works for introspection, and the password flow one with a
// refresh token the library renews.
func TestTokenGoClient(t *testing.T) {
	for _, profile := range []string{"is-5.0", "is-7.3"} {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("go", "go-key", "go-secret", "", "client_credentials password refresh_token")})
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, s.Client)
			cc := &clientcredentials.Config{ClientID: "go-key", ClientSecret: "go-secret", TokenURL: s.HTTPSURL + "/oauth2/token", Scopes: []string{"read"}}
			tok, err := cc.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken == "" || tok.TokenType != "Bearer" || time.Until(tok.Expiry) < 50*time.Minute {
				t.Errorf("client credentials: %+v", tok)
			}
			if profile != "is-5.0" {
				if a := s.oauth2(t, "/oauth2/introspect", "admin", "admin", url.Values{"token": {tok.AccessToken}}); a.JSON["active"] != true || a.str("scope") != "read" {
					t.Errorf("introspection of the library's token: %s", a.Body)
				}
			}
			pw := &oauth2.Config{ClientID: "go-key", ClientSecret: "go-secret", Endpoint: oauth2.Endpoint{TokenURL: s.HTTPSURL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInHeader}}
			user, err := pw.PasswordCredentialsToken(ctx, "admin", "admin")
			if err != nil {
				t.Fatal(err)
			}
			if user.RefreshToken == "" {
				t.Fatalf("password: no refresh token: %+v", user)
			}
			// An expired token makes the library use its refresh token.
			user.Expiry = time.Now().Add(-time.Minute)
			renewed, err := pw.TokenSource(ctx, user).Token()
			if err != nil {
				t.Fatal(err)
			}
			if renewed.AccessToken == user.AccessToken || renewed.RefreshToken == user.RefreshToken {
				t.Errorf("the library's refresh got the same tokens")
			}
			// Wrong credentials reach the library as the endpoint's error.
			_, err = (&clientcredentials.Config{ClientID: "go-key", ClientSecret: "wrong", TokenURL: cc.TokenURL}).Token(ctx)
			var re *oauth2.RetrieveError
			if !asRetrieveError(err, &re) || re.Response.StatusCode != http.StatusUnauthorized || re.ErrorCode != "invalid_client" {
				t.Errorf("wrong secret: %v", err)
			}
		})
	}
}

func asRetrieveError(err error, re **oauth2.RetrieveError) bool {
	r, ok := err.(*oauth2.RetrieveError)
	if ok {
		*re = r
	}
	return ok
}

// authlibPython is Debian's Python, which has python3-authlib.
const authlibPython = "/usr/bin/python3"

// TestTokenAuthlib runs testdata/authlib/tokens.py: Authlib's OAuth 2.0
// client gets, refreshes, introspects and revokes tokens.
func TestTokenAuthlib(t *testing.T) {
	if _, err := os.Stat(authlibPython); err != nil {
		requireTools(t, "%s is missing: %v", authlibPython, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, authlibPython, "-c", "import authlib").CombinedOutput(); err != nil {
		requireTools(t, "python3-authlib is not installed (apt-get install python3-authlib): %v\n%s", err, strings.TrimSpace(string(out)))
	}
	s := startServer(t, "is-7.3")
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("authlib", "authlib-key", "authlib-secret", "", "client_credentials password refresh_token")})
	runClientScript(t, s, authlibPython, "../../testdata/authlib/tokens.py", s.HTTPSURL, "authlib-key", "authlib-secret", "admin", "admin")
}
