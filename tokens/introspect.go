package tokens

import (
	"errors"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
)

// serveIntrospect answers POST /oauth2/introspect (RFC 7662) to a user
// allowed to view OAuth clients, authenticated with HTTP Basic: an active
// token's client, user, scope and times; {"active":false} for any other.
func (s *Server) serveIntrospect(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	start := time.Now()
	entry := LogEntry{Endpoint: "introspect", RequestID: admin.RequestIDFrom(r.Context()), Source: admin.SourceFrom(r.Context())}
	done := func(status int, why string) {
		entry.Status, entry.Error = status, why
		s.log(entry, start)
	}
	if e := s.form(w, r); e != nil {
		s.writeError(w, e)
		done(e.status, e.Error())
		return
	}
	ctx := r.Context()
	tenant, err := s.tenant(ctx, ps)
	if err != nil && !errors.Is(err, admin.ErrNotFound) {
		s.writeError(w, serverError(err))
		done(http.StatusInternalServerError, err.Error())
		return
	}
	// The change counts are read before any other read of the request.
	at := s.stamp(ctx)
	user, password, ok := r.BasicAuth()
	var p admin.Principal
	if ok && tenant != nil {
		p, err = s.Users.Authenticate(ctx, user, password)
	}
	if !ok || tenant == nil || err != nil || p.TenantID != tenant.ID {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+s.Realm+`"`)
		w.WriteHeader(http.StatusUnauthorized)
		done(http.StatusUnauthorized, "authentication")
		return
	}
	if err := s.Users.Authorize(ctx, p, []string{IntrospectPermission}); err != nil {
		w.WriteHeader(http.StatusForbidden)
		done(http.StatusForbidden, "authorization")
		return
	}
	text := r.PostForm.Get("token")
	if text == "" {
		writeJSON(w, http.StatusBadRequest, "error", "Invalid input")
		done(http.StatusBadRequest, "no token")
		return
	}
	var tok *admin.Token
	if r.PostForm.Get("token_type_hint") == "refresh_token" {
		tok, err = s.Store.FindTokenByRefresh(ctx, admin.HashToken(text))
	} else {
		tok, err = s.findToken(ctx, text, at)
	}
	now := s.now()
	refresh := r.PostForm.Get("token_type_hint") == "refresh_token"
	switch {
	case errors.Is(err, admin.ErrNotFound):
		tok = nil
	case err != nil:
		s.writeError(w, serverError(err))
		done(http.StatusInternalServerError, err.Error())
		return
	case tok.TenantID != tenant.ID, tok.AppState != admin.StateActive,
		refresh && (tok.State != admin.TokenActive && tok.State != admin.TokenExpired || tok.RefreshExpired(now)),
		!refresh && (tok.State != admin.TokenActive || tok.Expired(now)):
		tok = nil
	}
	if tok == nil {
		writeJSON(w, http.StatusOK, "active", false)
		done(http.StatusOK, "")
		return
	}
	entry.Client = tok.ConsumerKey
	kv := make([]any, 0, 16)
	if exp := tok.ExpiresAt(); !exp.IsZero() && !refresh {
		kv = append(kv, "exp", exp.Unix())
	} else if refresh && tok.RefreshValidity >= 0 {
		kv = append(kv, "exp", tok.IssuedAt.Add(tok.RefreshValidity).Unix())
	}
	kv = append(kv, "username", tok.AuthzUser)
	if tok.Scope != "" {
		kv = append(kv, "scope", tok.Scope)
	}
	kv = append(kv, "active", true, "token_type", "Bearer", "client_id", tok.ConsumerKey, "iat", tok.IssuedAt.Unix())
	if s.Config.IntrospectUserType {
		kv = append(kv, "aut", tok.UserType)
	}
	writeJSON(w, http.StatusOK, kv...)
	done(http.StatusOK, "")
}
