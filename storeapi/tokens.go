package storeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/store"
	"github.com/isadmin/isadmin/tokens"
)

// AccessToken is a token a key manager issued.
type AccessToken struct {
	AccessToken string
	Scopes      []string
	// ExpiresIn is the token's lifetime in seconds, as the token endpoint
	// answered it.
	ExpiresIn int64
}

// TokenIssuer is a key manager that issues access tokens to its clients.
type TokenIssuer interface {
	// ClientCredentialsToken gets a token for the client with the
	// client_credentials grant; validity 0 takes the key manager's, a
	// negative one asks for a token that never expires. A refusal is a
	// *KeyManagerError with status 400.
	ClientCredentialsToken(ctx context.Context, consumerKey, consumerSecret string, scopes []string, validity time.Duration) (*AccessToken, error)
	// RevokeToken revokes a token of the client; an unknown token is no
	// error. A refusal is a *KeyManagerError with status 400.
	RevokeToken(ctx context.Context, consumerKey, consumerSecret, token string) error
}

// LocalTokens issues the local key manager's tokens; *tokens.Server
// implements it.
type LocalTokens interface {
	ClientCredentials(ctx context.Context, tenant *admin.Tenant, consumerKey, consumerSecret, scope string, validity time.Duration) (*admin.Token, int64, error)
	Revoke(ctx context.Context, tenant *admin.Tenant, consumerKey, consumerSecret, token string) error
}

var (
	_ TokenIssuer = (*Local)(nil)
	_ TokenIssuer = (*Remote)(nil)
)

// ClientCredentialsToken issues a token of the caller's tenant's client.
func (l *Local) ClientCredentialsToken(ctx context.Context, key, secret string, scopes []string, validity time.Duration) (*AccessToken, error) {
	if l.Tokens == nil {
		return nil, &KeyManagerError{Status: http.StatusBadRequest, Message: "this key manager issues no tokens"}
	}
	p, ok := admin.PrincipalFrom(ctx)
	if !ok {
		return nil, &KeyManagerError{Status: http.StatusInternalServerError, Message: "internal error", Err: errors.New("storeapi: no caller")}
	}
	t, expires, err := l.Tokens.ClientCredentials(ctx, &admin.Tenant{ID: p.TenantID, Domain: p.TenantDomain, Active: true}, key, secret, strings.Join(scopes, " "), validity)
	var re *tokens.RequestError
	if errors.As(err, &re) {
		return nil, &KeyManagerError{Status: http.StatusBadRequest, Message: re.Description, Err: err}
	}
	if err != nil {
		return nil, &KeyManagerError{Status: http.StatusInternalServerError, Message: "internal error", Err: err}
	}
	return &AccessToken{AccessToken: t.AccessToken, Scopes: strings.Fields(t.Scope), ExpiresIn: expires}, nil
}

// RevokeToken revokes a token of the caller's tenant's client.
func (l *Local) RevokeToken(ctx context.Context, key, secret, token string) error {
	if l.Tokens == nil {
		return &KeyManagerError{Status: http.StatusBadRequest, Message: "this key manager issues no tokens"}
	}
	p, ok := admin.PrincipalFrom(ctx)
	if !ok {
		return &KeyManagerError{Status: http.StatusInternalServerError, Message: "internal error", Err: errors.New("storeapi: no caller")}
	}
	err := l.Tokens.Revoke(ctx, &admin.Tenant{ID: p.TenantID, Domain: p.TenantDomain, Active: true}, key, secret, token)
	var re *tokens.RequestError
	if errors.As(err, &re) {
		return &KeyManagerError{Status: http.StatusBadRequest, Message: re.Description, Err: err}
	}
	if err != nil {
		return &KeyManagerError{Status: http.StatusInternalServerError, Message: "internal error", Err: err}
	}
	return nil
}

// RevokeToken asks the remote server's revocation endpoint, with the
// client's credentials in the form, as API Manager 1.9's store does.
func (r *Remote) RevokeToken(ctx context.Context, key, secret, token string) error {
	form := url.Values{"client_id": {key}, "client_secret": {secret}, "token": {token}}
	revokeURL := strings.TrimSuffix(r.TokenURL, "/token") + "/revoke"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, revokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return &KeyManagerError{Status: http.StatusBadGateway, Message: "the key manager's revocation endpoint is unusable", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := r.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return &KeyManagerError{Status: http.StatusBadGateway, Message: "the key manager's revocation endpoint did not answer", Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var answer struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		json.Unmarshal(body, &answer)
		msg := answer.Description
		if msg == "" {
			msg = fmt.Sprintf("HTTP %d", resp.StatusCode)
		}
		return &KeyManagerError{Status: http.StatusBadRequest, Message: msg, Err: fmt.Errorf("storeapi: revocation endpoint: HTTP %d %s", resp.StatusCode, answer.Error)}
	}
	return nil
}

// ClientCredentialsToken asks the remote server's token endpoint, with
// the client's credentials in HTTP Basic, as API Manager 4.x does.
func (r *Remote) ClientCredentialsToken(ctx context.Context, key, secret string, scopes []string, validity time.Duration) (*AccessToken, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	if validity != 0 {
		form.Set("validity_period", fmt.Sprint(int64(validity/time.Second)))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &KeyManagerError{Status: http.StatusBadGateway, Message: "the key manager's token endpoint is unusable", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(key), url.QueryEscape(secret))
	client := r.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, &KeyManagerError{Status: http.StatusBadGateway, Message: "the key manager's token endpoint did not answer", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &KeyManagerError{Status: http.StatusBadGateway, Message: "the key manager's token endpoint did not answer", Err: err}
	}
	var answer struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return nil, &KeyManagerError{Status: http.StatusBadGateway, Message: fmt.Sprintf("the key manager's token endpoint answered HTTP %d without JSON", resp.StatusCode), Err: err}
	}
	if resp.StatusCode != http.StatusOK || answer.AccessToken == "" {
		msg := answer.Description
		if msg == "" {
			msg = answer.Error
		}
		return nil, &KeyManagerError{Status: http.StatusBadRequest, Message: msg, Err: fmt.Errorf("storeapi: token endpoint: HTTP %d %s", resp.StatusCode, answer.Error)}
	}
	return &AccessToken{AccessToken: answer.AccessToken, Scopes: strings.Fields(answer.Scope), ExpiresIn: answer.ExpiresIn}, nil
}

// tokenGenerateRequest is the devportal's ApplicationTokenGenerateRequest.
type tokenGenerateRequest struct {
	ConsumerSecret       string          `json:"consumerSecret"`
	ValidityPeriod       *int64          `json:"validityPeriod"`
	Scopes               *[]string       `json:"scopes"`
	RevokeToken          string          `json:"revokeToken"`
	GrantType            string          `json:"grantType"`
	AdditionalProperties json.RawMessage `json:"additionalProperties"`
}

// tokenView is the devportal's ApplicationToken.
type tokenView struct {
	AccessToken  string   `json:"accessToken"`
	TokenScopes  []string `json:"tokenScopes"`
	ValidityTime int64    `json:"validityTime"`
}

// generateToken gets an access token for the client of a key mapping with
// the client_credentials grant, as API Manager 4.x's devportal does: the
// request's consumerSecret, else the one the key manager keeps; the key
// manager's answer as it is.
func (s *Server) generateToken(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	ctx := r.Context()
	_, m, err := s.ownedMapping(ctx, caller(r), ps)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req tokenGenerateRequest
	if err := decodeJSON(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	switch {
	case req.ValidityPeriod == nil:
		s.fail(w, r, badRequest("validityPeriod is required."))
		return
	case req.Scopes == nil:
		s.fail(w, r, badRequest("scopes is required (an empty list asks for the default scope)."))
		return
	case req.GrantType != "" && req.GrantType != "CLIENT_CREDENTIALS":
		s.fail(w, r, badRequest("grantType %q is not supported: only CLIENT_CREDENTIALS.", req.GrantType))
		return
	}
	validity := time.Duration(*req.ValidityPeriod) * time.Second
	if *req.ValidityPeriod < 0 {
		validity = -1
	}
	t, err := s.clientCredentialsToken(ctx, m, req.ConsumerSecret, *req.Scopes, validity)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	scopes := t.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	writeJSON(w, http.StatusOK, tokenView{AccessToken: t.AccessToken, TokenScopes: scopes, ValidityTime: t.ExpiresIn})
}

// clientCredentialsToken gets a token for the client of a key mapping with
// the client_credentials grant: with secret, else the one the key manager
// keeps. A validity of 0 asks for the key manager's default, a negative
// one for a token that never expires.
func (s *Server) clientCredentialsToken(ctx context.Context, m *store.KeyMapping, secret string, scopes []string, validity time.Duration) (*AccessToken, error) {
	km, ok := s.KeyManagers[m.KeyManager]
	if !ok {
		return nil, conflict("Key manager %q of key mapping %s is not configured.", m.KeyManager, m.UUID)
	}
	issuer, ok := km.(TokenIssuer)
	if !ok {
		return nil, badRequest("Key manager %q issues no tokens.", m.KeyManager)
	}
	if secret == "" {
		c, err := km.Client(ctx, m.ConsumerKey)
		if errors.Is(err, ErrClientNotFound) {
			return nil, conflict("Key manager %q no longer has the OAuth client %q of key mapping %s.", m.KeyManager, m.ConsumerKey, m.UUID)
		}
		if err != nil {
			return nil, kmFailure(m.KeyManager, err)
		}
		secret = c.ConsumerSecret
	}
	t, err := issuer.ClientCredentialsToken(ctx, m.ConsumerKey, secret, scopes, validity)
	if err != nil {
		return nil, kmFailure(m.KeyManager, err)
	}
	return t, nil
}
