package tokens

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
)

// jsonpCallback is a callback name revocation answers may call.
var jsonpCallback = regexp.MustCompile(`^[A-Za-z_$][\w$.]{0,63}$`)

// serveRevoke answers POST /oauth2/revoke (RFC 7009): the client revokes
// one of its tokens, access or refresh; either revokes the pair. An unknown
// token is no error.
func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	start := time.Now()
	entry := LogEntry{Endpoint: "revoke", RequestID: admin.RequestIDFrom(r.Context()), Source: admin.SourceFrom(r.Context())}
	fail := func(e *oauthError) {
		entry.Status, entry.Error = e.status, e.Error()
		if e.cause != nil {
			entry.Error += ": " + e.cause.Error()
		}
		s.writeError(w, e)
		s.log(entry, start)
	}
	if e := s.form(w, r); e != nil {
		fail(e)
		return
	}
	ctx := r.Context()
	tenant, err := s.tenant(ctx, ps)
	if errors.Is(err, admin.ErrNotFound) {
		fail(s.invalidClient("token.invalid-client", "Client credentials are invalid."))
		return
	}
	if err != nil {
		fail(serverError(err))
		return
	}
	c, e := s.client(ctx, r, tenant, s.stamp(ctx))
	if e != nil {
		fail(e)
		return
	}
	entry.Client = c.app.ConsumerKey
	text := r.PostForm.Get("token")
	callback := r.PostForm.Get("callback")
	if text == "" || (callback != "" && !jsonpCallback.MatchString(callback)) {
		fail(s.badRequest("invalid_request", "token.invalid-revocation", "Invalid revocation request"))
		return
	}
	tok, e := s.revoke(ctx, c.app, text, r.PostForm.Get("token_type_hint"))
	if e != nil {
		fail(e)
		return
	}
	if tok != nil {
		h := w.Header()
		if admin.HashToken(text) == tok.RefreshHash {
			h.Set("RevokedRefreshToken", text)
		} else {
			h.Set("RevokedAccessToken", text)
		}
		h.Set("AuthorizedUser", tok.AuthzUser)
	}
	noStore(w)
	ct := "application/json"
	if s.Config.Line == CarbonIdentity {
		ct = "text/html"
	}
	if callback != "" {
		w.Header().Set("Content-Type", "application/javascript")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(callback + "();"))
	} else {
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	}
	entry.Status = http.StatusOK
	s.log(entry, start)
}

// revoke revokes the client's token whose text is access or refresh token
// (the hint says which to try first) and returns it; nil for an unknown
// token.
func (s *Server) revoke(ctx context.Context, app *admin.OAuthApp, text, hint string) (*admin.Token, *oauthError) {
	find := []func() (*admin.Token, error){
		func() (*admin.Token, error) { return s.Store.FindToken(ctx, admin.HashToken(text)) },
		func() (*admin.Token, error) { return s.Store.FindTokenByRefresh(ctx, admin.HashToken(text)) },
	}
	if hint == "refresh_token" {
		find[0], find[1] = find[1], find[0]
	}
	var (
		tok *admin.Token
		err error
	)
	for _, f := range find {
		if tok, err = f(); !errors.Is(err, admin.ErrNotFound) {
			break
		}
	}
	switch {
	case errors.Is(err, admin.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, serverError(err)
	case tok.AppID != app.ID:
		return nil, &oauthError{status: http.StatusUnauthorized, code: "unauthorized_client",
			description: s.text("token.revoke-other-client", "Client Authentication failed.")}
	}
	for _, from := range []string{admin.TokenActive, admin.TokenExpired} {
		if _, err := s.Store.EndToken(ctx, tok.ID, from, admin.TokenRevoked); err != nil {
			return nil, serverError(err)
		}
	}
	return tok, nil
}

// Revoke revokes a token of the tenant's client, authenticated with its
// key and secret, as the revocation endpoint would; an unknown token is no
// error. A refused request is a *RequestError.
func (s *Server) Revoke(ctx context.Context, tenant *admin.Tenant, consumerKey, consumerSecret, token string) error {
	r := &http.Request{PostForm: url.Values{"client_id": {consumerKey}, "client_secret": {consumerSecret}}, Header: http.Header{}}
	c, e := s.client(ctx, r, tenant, s.stamp(ctx))
	if e == nil {
		_, e = s.revoke(ctx, c.app, token, "")
	}
	if e != nil {
		if e.cause != nil {
			return fmt.Errorf("tokens: %w", e.cause)
		}
		return &RequestError{Status: e.status, Code: e.code, Description: e.description}
	}
	return nil
}
