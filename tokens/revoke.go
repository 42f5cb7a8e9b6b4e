package tokens

import (
	"errors"
	"net/http"
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
	entry := LogEntry{Endpoint: "revoke"}
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
	app, e := s.client(ctx, r, tenant)
	if e != nil {
		fail(e)
		return
	}
	entry.Client = app.ConsumerKey
	text := r.PostForm.Get("token")
	callback := r.PostForm.Get("callback")
	if text == "" || (callback != "" && !jsonpCallback.MatchString(callback)) {
		fail(s.badRequest("invalid_request", "token.invalid-revocation", "Invalid revocation request"))
		return
	}
	find := []func() (*Token, error){
		func() (*Token, error) { return s.Store.FindToken(ctx, Hash(text)) },
		func() (*Token, error) { return s.Store.FindTokenByRefresh(ctx, Hash(text)) },
	}
	if r.PostForm.Get("token_type_hint") == "refresh_token" {
		find[0], find[1] = find[1], find[0]
	}
	var tok *Token
	for _, f := range find {
		tok, err = f()
		if err == nil || !errors.Is(err, admin.ErrNotFound) {
			break
		}
	}
	switch {
	case errors.Is(err, admin.ErrNotFound):
		tok = nil
	case err != nil:
		fail(serverError(err))
		return
	case tok.AppID != app.ID:
		fail(&oauthError{status: http.StatusUnauthorized, code: "unauthorized_client",
			description: s.text("token.revoke-other-client", "Client Authentication failed.")})
		return
	}
	if tok != nil {
		for _, from := range []string{StateActive, StateExpired} {
			if _, err := s.Store.EndToken(ctx, tok.ID, from, StateRevoked); err != nil {
				fail(serverError(err))
				return
			}
		}
		h := w.Header()
		if text == tok.RefreshToken || Hash(text) == tok.RefreshHash {
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
