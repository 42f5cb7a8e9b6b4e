package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/soap"
	"github.com/isadmin/isadmin/storeapi"
)

// area is a part of the site with its own sign-in: the console or the
// store page. Their sessions are the server's login sessions (the same
// lockout, idle timeout and logout as AuthenticationAdmin's), each in its
// own cookie scoped to the area's path.
type area struct {
	name, path, cookie, title string
}

var (
	consoleArea = area{name: "console", path: "/carbon/", cookie: "isadmin-console", title: "Management Console"}
	storeArea   = area{name: "store", path: "/store/", cookie: "isadmin-store", title: "API Store"}
)

// loginCookie holds the token of a sign-in form, so that a page of another
// site cannot sign a browser in under its own account.
func (a area) loginCookie() string { return a.cookie + "-login" }

// user is the signed-in caller of a page.
type user struct {
	admin.Principal
	// CSRF is the token the page's forms must send back.
	CSRF string
	// session is the session cookie's value.
	session string
}

// csrfToken is the CSRF token of a session: derived from the session's
// secret cookie value, which another site can neither read nor guess, so
// any instance sharing the database checks it without storing it.
func csrfToken(session string) string {
	sum := sha256.Sum256([]byte("isadmin-csrf\x00" + session))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// sentToken is the CSRF token a request carries: in the form or, from
// htmx, in the X-CSRF-Token header.
func sentToken(r *http.Request) string {
	if t := r.Header.Get("X-CSRF-Token"); t != "" {
		return t
	}
	return r.PostFormValue("csrf_token")
}

func equalTokens(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// crossSiteRefusal answers a state-changing request that does not prove it
// comes from one of this server's pages.
func crossSiteRefusal(w http.ResponseWriter) {
	http.Error(w, "This form was not sent from one of this server's pages (cross-site request refused). Reload the page and try again.", http.StatusForbidden)
}

// signedIn returns the user whose session cookie of the area r carries.
func (s *Server) signedIn(r *http.Request, a area) (*user, bool) {
	c, err := r.Cookie(a.cookie)
	if err != nil || c.Value == "" {
		return nil, false
	}
	p, err := s.Identity.Session(r.Context(), c.Value)
	if err != nil {
		return nil, false
	}
	return &user{Principal: p, CSRF: csrfToken(c.Value), session: c.Value}, true
}

// handler is a page handler of a signed-in user.
type handler func(w http.ResponseWriter, r *http.Request, ps httprouter.Params, u *user)

// guard lets a signed-in user of the area through to h; others go to the
// area's sign-in. A request that may change state must also come from a
// page of this site and carry the session's CSRF token.
func (s *Server) guard(a area, h handler) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		secured(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, ok := s.signedIn(r, a)
			if ok {
				noteUser(r.Context(), u.QualifiedName())
			}
			if !ok {
				if r.Method == http.MethodGet || r.Method == http.MethodHead {
					redirect(w, r, a.path+"login")
					return
				}
				http.Error(w, "Your session has ended: sign in again.", http.StatusUnauthorized)
				return
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				if soap.CrossSite(r) != "" || !equalTokens(sentToken(r), u.CSRF) {
					crossSiteRefusal(w)
					return
				}
			}
			h(w, r.WithContext(withUser(r.Context(), u.Principal)), ps, u)
		})).ServeHTTP(w, r)
	}
}

// open wraps a handler that needs no session.
func open(h http.HandlerFunc) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) { secured(h).ServeHTTP(w, r) }
}

func (s *Server) registerSession(r routes, a area) {
	r.GET(a.path+"login", open(func(w http.ResponseWriter, r *http.Request) { s.showLogin(w, r, a, "", http.StatusOK) }))
	r.POST(a.path+"login", open(func(w http.ResponseWriter, r *http.Request) { s.createSession(w, r, a) }))
	r.POST(a.path+"logout", s.guard(a, func(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
		s.deleteSession(w, r, a, u)
	}))
}

type loginForm struct {
	Area     string
	Path     string
	Username string
}

// showLogin shows the area's sign-in form with a fresh form token.
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, a area, username string, status int) {
	if _, ok := s.signedIn(r, a); ok && r.Method == http.MethodGet {
		http.Redirect(w, r, a.path, http.StatusSeeOther)
		return
	}
	var b [32]byte
	rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, s.cookie(r, a, a.loginCookie(), token, 0))
	v := &View{Title: a.title + " - Sign in", Area: a.name, CSRF: token, Data: loginForm{Area: a.title, Path: a.path, Username: username}}
	if status != http.StatusOK {
		v.Error = loginFailed
	}
	s.render(w, status, "login", "", v)
}

// loginFailed is the console's answer to wrong credentials, a locked
// account or a user without the permission, alike.
const loginFailed = "Login failed! Please recheck the username and password and try again."

// createSession signs a user in: the credentials are checked as SOAP's
// login checks them (lockout included), then the area's permission.
func (s *Server) createSession(w http.ResponseWriter, r *http.Request, a area) {
	c, err := r.Cookie(a.loginCookie())
	if soap.CrossSite(r) != "" || err != nil || !equalTokens(r.PostFormValue("csrf_token"), c.Value) {
		crossSiteRefusal(w)
		return
	}
	username := r.PostFormValue("username")
	ctx := r.Context()
	noteUser(ctx, username)
	p, err := s.Identity.Authenticate(ctx, username, r.PostFormValue("password"))
	if err == nil {
		err = s.mayEnter(r, a, p)
	}
	switch {
	case errors.Is(err, admin.ErrBadCredentials), errors.Is(err, admin.ErrAccessDenied):
		s.showLogin(w, r, a, username, http.StatusUnauthorized)
		return
	case err != nil:
		http.Error(w, "Signing in failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	token, err := s.Identity.StartSession(ctx, p)
	if err != nil {
		http.Error(w, "Signing in failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, s.cookie(r, a, a.loginCookie(), "", -1))
	http.SetCookie(w, s.cookie(r, a, a.cookie, token, 0))
	http.Redirect(w, r, a.path, http.StatusSeeOther)
}

// mayEnter checks the permission the area needs: the console's login
// permission, the store's subscriber permission.
func (s *Server) mayEnter(r *http.Request, a area, p admin.Principal) error {
	if a == storeArea {
		err := s.Store.Authorize(r.Context(), p)
		var e *storeapi.Error
		if errors.As(err, &e) && e.Status == http.StatusForbidden {
			return admin.ErrAccessDenied
		}
		return err
	}
	return s.Identity.Authorize(r.Context(), p, []string{admin.LoginPermission})
}

// deleteSession signs the user out: the session ends on every instance.
func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request, a area, u *user) {
	if err := s.Identity.EndSession(r.Context(), u.session); err != nil && !errors.Is(err, admin.ErrSessionInvalid) {
		http.Error(w, "Signing out failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, s.cookie(r, a, a.cookie, "", -1))
	redirect(w, r, a.path+"login")
}

// cookie is a cookie of the area: HttpOnly, SameSite=Strict, Secure over
// HTTPS; maxAge 0 makes a session cookie, -1 deletes it.
func (s *Server) cookie(r *http.Request, a area, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: a.path, MaxAge: maxAge, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode}
}
