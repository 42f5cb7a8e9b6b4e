package tokens

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
)

// issued is a token an answer hands out.
type issued struct {
	*admin.Token
	// new marks a token this request issued, rather than an active one
	// handed out again.
	new bool
}

// grant is a token request after its client and grant were checked.
type grant struct {
	app       *admin.OAuthApp
	authzUser string
	userType  string
	scope     string
	validity  time.Duration
	// refresh is the refresh token's lifetime; 0 issues none.
	refresh time.Duration
	// reuse allows handing out the active token of the same client,
	// user and scope again.
	reuse bool
	// replaces is the token a refresh grant renews.
	replaces *admin.Token
}

// serveToken answers POST /oauth2/token.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	start := time.Now()
	entry := LogEntry{Endpoint: "token", RequestID: admin.RequestIDFrom(r.Context()), Source: admin.SourceFrom(r.Context())}
	tok, err := s.token(r.Context(), w, r, ps, &entry)
	if err != nil {
		entry.Status, entry.Error = err.status, err.Error()
		if err.cause != nil {
			entry.Error += ": " + err.cause.Error()
		}
		s.writeError(w, err)
		s.log(entry, start)
		return
	}
	noStore(w)
	now := s.now()
	expires := s.expiresIn(tok, now)
	kv := make([]any, 0, 10)
	if s.Config.Line == CarbonIdentity {
		// The 4.x line's order (a captured answer of 2015).
		kv = append(kv, "token_type", s.Config.TokenType, "expires_in", expires)
		if tok.RefreshToken != "" {
			kv = append(kv, "refresh_token", tok.RefreshToken)
		}
		kv = append(kv, "access_token", tok.AccessToken)
		if tok.Scope != "" {
			kv = append(kv, "scope", tok.Scope)
		}
	} else {
		kv = append(kv, "access_token", tok.AccessToken)
		if tok.RefreshToken != "" {
			kv = append(kv, "refresh_token", tok.RefreshToken)
		}
		if tok.Scope != "" {
			kv = append(kv, "scope", tok.Scope)
		}
		kv = append(kv, "token_type", s.Config.TokenType, "expires_in", expires)
	}
	writeJSON(w, http.StatusOK, kv...)
	entry.Status = http.StatusOK
	s.log(entry, start)
}

func (s *Server) token(ctx context.Context, w http.ResponseWriter, r *http.Request, ps httprouter.Params, entry *LogEntry) (issued, *oauthError) {
	if e := s.form(w, r); e != nil {
		return issued{}, e
	}
	tenant, err := s.tenant(ctx, ps)
	if errors.Is(err, admin.ErrNotFound) {
		return issued{}, s.invalidClient("token.invalid-client", "Client credentials are invalid.")
	}
	if err != nil {
		return issued{}, serverError(err)
	}
	at := s.stamp(ctx)
	c, e := s.client(ctx, r, tenant, at)
	if e != nil {
		return issued{}, e
	}
	entry.Client = c.app.ConsumerKey
	g, e := s.grantOf(ctx, r, tenant, c, entry)
	if e != nil {
		return issued{}, e
	}
	if v := r.PostForm.Get("validity_period"); v != "" {
		// API Manager's stores send the validity they want, in seconds;
		// a negative one never expires.
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return issued{}, s.badRequest("invalid_request", "token.invalid-validity", "Invalid validity period: %s", v)
		}
		if n < 0 {
			g.validity = -1
		} else if n > 0 {
			g.validity = time.Duration(n) * time.Second
		}
	}
	return s.issue(ctx, g, at)
}

// grantOf checks the grant of a token request.
func (s *Server) grantOf(ctx context.Context, r *http.Request, tenant *admin.Tenant, c *cachedClient, entry *LogEntry) (*grant, *oauthError) {
	app := c.app
	gt := r.PostForm.Get("grant_type")
	entry.GrantType = gt
	if gt == "" {
		return nil, s.badRequest("invalid_request", "token.missing-grant", "Missing grant_type parameter value")
	}
	// API Manager 1.9.0 asks for its application_token grant, which is
	// client_credentials under another name.
	checked := gt
	if gt == "application_token" && s.Config.Line == CarbonIdentity {
		checked = "client_credentials"
	}
	if !slices.Contains([]string{"client_credentials", "password", "refresh_token"}, checked) || !slices.Contains(s.Config.GrantTypes, checked) {
		return nil, s.badRequest("unsupported_grant_type", "token.unsupported-grant", "Unsupported grant type : %s, is used.", gt)
	}
	if s.Config.Line != CarbonIdentity && !slices.Contains(strings.Fields(app.GrantTypes), checked) {
		return nil, s.badRequest("unauthorized_client", "token.unauthorized-client", "The authenticated client is not authorized to use this authorization grant type")
	}
	application, user, refresh := c.application, c.user, c.refreshLife
	g := &grant{app: app, scope: scopeOf(r.PostForm.Get("scope")), reuse: !s.Config.Hash}
	switch checked {
	case "client_credentials":
		g.authzUser = app.Owner + "@" + tenant.Domain
		g.userType = admin.UserTypeApplication
		g.validity = application
	case "password":
		name := r.PostForm.Get("username")
		password := r.PostForm.Get("password")
		if name == "" || password == "" {
			return nil, s.badRequest("invalid_request", "token.missing-credentials", "Missing parameters: username and password")
		}
		if s.Config.Line == CarbonIdentity {
			name = strings.ToLower(name)
		}
		qualified := name
		if !strings.HasSuffix(name, "@"+tenant.Domain) {
			qualified = name + "@" + tenant.Domain
		}
		p, err := s.Users.Authenticate(ctx, qualified, password)
		if err != nil || p.TenantID != tenant.ID {
			return nil, s.badRequest("invalid_grant", "token.bad-password", "Authentication failed for %s", name)
		}
		g.authzUser = p.QualifiedName()
		g.userType = admin.UserTypeApplicationUser
		g.validity, g.refresh = user, refresh
	case "refresh_token":
		text := r.PostForm.Get("refresh_token")
		if text == "" {
			return nil, s.badRequest("invalid_request", "token.missing-refresh-token", "Missing parameters: refresh_token")
		}
		old, err := s.Store.FindTokenByRefresh(ctx, admin.HashToken(text))
		switch {
		case errors.Is(err, admin.ErrNotFound):
			return nil, s.invalidGrant()
		case err != nil:
			return nil, serverError(err)
		case old.AppID != app.ID || (old.State != admin.TokenActive && old.State != admin.TokenExpired) || old.RefreshExpired(s.now()):
			return nil, s.invalidGrant()
		}
		g.authzUser, g.userType, g.scope = old.AuthzUser, old.UserType, old.Scope
		g.validity, g.refresh = user, refresh
		if old.UserType == admin.UserTypeApplication {
			g.validity = application
		}
		g.replaces, g.reuse = old, false
	}
	return g, nil
}

func (s *Server) invalidGrant() *oauthError {
	return s.badRequest("invalid_grant", "token.invalid-grant", "Provided Authorization Grant is invalid")
}

// issue returns the active token of the grant's client, user and scope
// while it lasts (unless tokens are hashed), else a new one. At most one
// token of them is active: the database refuses a second, and a request
// that loses the race takes the winner's.
func (s *Server) issue(ctx context.Context, g *grant, at stamp) (issued, *oauthError) {
	if g.replaces != nil {
		ok, err := s.Store.EndToken(ctx, g.replaces.ID, g.replaces.State, admin.TokenInactive)
		if err != nil {
			return issued{}, serverError(err)
		}
		if !ok {
			// Another request renewed it first.
			return issued{}, s.invalidGrant()
		}
	}
	key := activeKey{g.app.ID, g.authzUser, g.userType, g.scope}
	for attempt := 0; attempt < 3; attempt++ {
		now := s.now()
		active, cached := s.cache.activeToken(key, at)
		var err error
		if !cached || attempt > 0 {
			// A retry reads the database: the token another request
			// created is in no cache.
			active, err = s.Store.FindActiveToken(ctx, g.app.ID, g.authzUser, g.userType, g.scope)
			if err == nil {
				s.cache.putToken(active, at)
			}
		}
		switch {
		case errors.Is(err, admin.ErrNotFound):
		case err != nil:
			return issued{}, serverError(err)
		case active.Expired(now):
			if _, err := s.Store.EndToken(ctx, active.ID, admin.TokenActive, admin.TokenExpired); err != nil {
				return issued{}, serverError(err)
			}
		case g.reuse && active.Reusable:
			return issued{Token: active}, nil
		default:
			// Hashed, or its copy lost with a retired key: a new token
			// takes its place.
			if _, err := s.Store.EndToken(ctx, active.ID, admin.TokenActive, admin.TokenInactive); err != nil {
				return issued{}, serverError(err)
			}
		}
		t := &admin.Token{
			AppID: g.app.ID, AuthzUser: g.authzUser, UserType: g.userType, Scope: g.scope,
			AccessToken: s.newToken(), State: admin.TokenActive, IssuedAt: now.Truncate(time.Millisecond),
			Validity: g.validity, Reusable: !s.Config.Hash,
			TenantID: g.app.TenantID, ConsumerKey: g.app.ConsumerKey, AppState: g.app.State,
		}
		t.AccessHash = admin.HashToken(t.AccessToken)
		if g.refresh != 0 {
			t.RefreshToken = s.newToken()
			t.RefreshHash = admin.HashToken(t.RefreshToken)
			t.RefreshValidity = g.refresh
		}
		err = s.Store.CreateToken(ctx, t)
		if errors.Is(err, admin.ErrActiveTokenExists) {
			continue
		}
		if err != nil {
			return issued{}, serverError(err)
		}
		s.cache.putToken(t, at)
		return issued{Token: t, new: true}, nil
	}
	return issued{}, serverError(errors.New("tokens: the active token kept changing"))
}

// RequestError is a token request the endpoint refuses: the status, error
// code and description it answers.
type RequestError struct {
	Status      int
	Code        string
	Description string
}

func (e *RequestError) Error() string { return e.Description }

// ClientCredentials issues the token the endpoint would answer a
// client_credentials request of the tenant's client with: the active one
// of the client and scope while it lasts (unless tokens are hashed), else a
// new one; validity 0 takes the client's lifetime, a negative one never
// ends. It returns the token and its expires_in. A refused request is a
// *RequestError.
func (s *Server) ClientCredentials(ctx context.Context, tenant *admin.Tenant, consumerKey, consumerSecret, scope string, validity time.Duration) (*admin.Token, int64, error) {
	r := &http.Request{PostForm: url.Values{"client_id": {consumerKey}, "client_secret": {consumerSecret}}, Header: http.Header{}}
	refuse := func(e *oauthError) error {
		if e.cause != nil {
			return fmt.Errorf("tokens: %w", e.cause)
		}
		return &RequestError{Status: e.status, Code: e.code, Description: e.description}
	}
	at := s.stamp(ctx)
	c, e := s.client(ctx, r, tenant, at)
	if e != nil {
		return nil, 0, refuse(e)
	}
	r.PostForm.Set("grant_type", "client_credentials")
	r.PostForm.Set("scope", scope)
	g, e := s.grantOf(ctx, r, tenant, c, &LogEntry{})
	if e != nil {
		return nil, 0, refuse(e)
	}
	if validity != 0 {
		g.validity = validity
	}
	t, e := s.issue(ctx, g, at)
	if e != nil {
		return nil, 0, refuse(e)
	}
	return t.Token, s.expiresIn(t, s.now()), nil
}

// Principal returns the user an active access token acts for, in its
// client's tenant: what a service that accepts the server's tokens as
// Authorization: Bearer needs. A token that is not active is
// admin.ErrBadCredentials.
func (s *Server) Principal(ctx context.Context, accessToken string) (admin.Principal, error) {
	t, err := s.findToken(ctx, accessToken, s.stamp(ctx))
	switch {
	case errors.Is(err, admin.ErrNotFound):
		return admin.Principal{}, admin.ErrBadCredentials
	case err != nil:
		return admin.Principal{}, err
	case t.State != admin.TokenActive || t.Expired(s.now()) || t.AppState != admin.StateActive:
		return admin.Principal{}, admin.ErrBadCredentials
	}
	name, domain := admin.SplitUsername(t.AuthzUser)
	return admin.Principal{TenantID: t.TenantID, TenantDomain: domain, Username: name}, nil
}
