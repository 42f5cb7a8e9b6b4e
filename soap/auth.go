package soap

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/beevik/etree"

	"github.com/isadmin/isadmin/admin"
)

// Identity authenticates and authorizes callers.
type Identity interface {
	Authenticate(ctx context.Context, qualifiedUser, password string) (admin.Principal, error)
	Session(ctx context.Context, cookie string) (admin.Principal, error)
	// PendingSession returns the cookie of a session of p, a caller who
	// sent credentials, stored once the cookie comes back.
	PendingSession(ctx context.Context, p admin.Principal) (string, error)
	Authorize(ctx context.Context, p admin.Principal, anyOf []string) error
}

// SessionCookie is the name of the login session cookie, as the servlet
// container of Identity Server names it.
const SessionCookie = "JSESSIONID"

// WS-Security namespaces and token types.
const (
	nsWSSE          = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	nsWSSE2002      = "http://schemas.xmlsoap.org/ws/2002/07/secext"
	passwordText    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
	passwordDigest  = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
	accessDeniedMsg = "Access Denied."
)

// errNoCredentials means the request carries neither credentials nor a
// session: HTTP 401.
var errNoCredentials = errors.New("soap: no credentials")

func isSecurityHeader(h *etree.Element) bool {
	ns := h.NamespaceURI()
	return h.Tag == "Security" && (ns == nsWSSE || ns == nsWSSE2002)
}

// usernameToken reads a WS-Security UsernameToken from the headers.
func usernameToken(env *Envelope) (user, pass string, found bool, err error) {
	for _, h := range env.Headers {
		if !isSecurityHeader(h) {
			continue
		}
		tok := h.SelectElement("UsernameToken")
		if tok == nil {
			continue
		}
		u := tok.SelectElement("Username")
		p := tok.SelectElement("Password")
		if u == nil || p == nil {
			return "", "", true, clientFault("The UsernameToken needs a Username and a Password")
		}
		typ := strings.TrimSpace(p.SelectAttrValue("Type", passwordText))
		if typ == passwordDigest || strings.HasSuffix(typ, "#PasswordDigest") {
			return "", "", true, clientFault("Only PasswordText UsernameTokens are accepted: passwords are stored hashed, so a PasswordDigest cannot be verified")
		}
		if typ != passwordText && !strings.HasSuffix(typ, "#PasswordText") {
			return "", "", true, clientFault("Unsupported UsernameToken password type " + typ)
		}
		return strings.TrimSpace(u.Text()), p.Text(), true, nil
	}
	return "", "", false, nil
}

// Carbon's texts of a failed authentication (AuthenticationHandler
// prefixes "Access Denied. " to AuthenticationFailureException's message
// for a wrong user name or password, and answers anything unexpected, such
// as an Authorization header it cannot split, with "Authentication
// failure").
const (
	invalidCredentials    = "Access Denied. Authentication failed - Invalid credentials provided."
	authenticationFailure = "Authentication failure"
)

// authenticate finds the caller as Carbon's AuthenticationHandler does: a
// live session first (bySession), else HTTP Basic, else a WS-Security
// UsernameToken.
func (s *Server) authenticate(ctx context.Context, r *http.Request, env *Envelope, cookie string) (p admin.Principal, bySession bool, attempted string, err error) {
	if cookie != "" {
		p, err := s.Identity.Session(ctx, cookie)
		if err == nil {
			return p, true, p.QualifiedName(), nil
		}
		if !errors.Is(err, admin.ErrSessionInvalid) {
			return p, false, "", err
		}
	}
	user, pass, basic := basicAuth(r)
	switch basic {
	case basicMalformed:
		return p, false, "", &Fault{Code: CodeAuthenticationFailure, Reason: authenticationFailure}
	case basicEmpty:
		return p, false, "", errNoCredentials
	case basicNone:
		var found bool
		user, pass, found, err = usernameToken(env)
		if err != nil {
			return p, false, "", err
		}
		if !found {
			return p, false, "", errNoCredentials
		}
	}
	p, err = s.Identity.Authenticate(ctx, user, pass)
	if errors.Is(err, admin.ErrBadCredentials) {
		return p, false, user, &Fault{Code: CodeAuthenticationFailure, Reason: invalidCredentials}
	}
	return p, false, user, err
}

// authorize checks the tenant of the URL and the operation's permission.
func (s *Server) authorize(ctx context.Context, p admin.Principal, urlTenant string, anyOf []string) error {
	if urlTenant != "" && !strings.EqualFold(urlTenant, p.TenantDomain) {
		return &Fault{Code: CodeAccessDenied, Status: http.StatusInternalServerError,
			Reason: "Access Denied. A user " + p.QualifiedName() + " is trying to access services in domain " + urlTenant}
	}
	err := s.Identity.Authorize(ctx, p, anyOf)
	if errors.Is(err, admin.ErrAccessDenied) {
		return &Fault{Code: CodeAccessDenied, Reason: accessDeniedMsg, Status: http.StatusInternalServerError}
	}
	return err
}

func sessionCookie(r *http.Request) string {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// setSessionCookie sends the session login started. Logout sends
// nothing: Tomcat invalidates a session without telling the client.
func setSessionCookie(w http.ResponseWriter, r *http.Request, sink *admin.SessionSink) {
	if sink.NewSession != "" {
		writeSessionCookie(w, r, sink.NewSession)
	}
}

// writeSessionCookie sets the session cookie as Carbon's Tomcat does
// (Rfc6265CookieProcessor: Path, Secure on an HTTPS connector, HttpOnly
// from the context's useHttpOnly), with SameSite=Strict, which Tomcat
// writes last when its sameSiteCookies says so: a browser then sends the
// cookie with no request of another site's page.
func writeSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	secure := ""
	if r.TLS != nil {
		secure = "; Secure"
	}
	w.Header().Add("Set-Cookie", SessionCookie+"="+token+"; Path=/"+secure+"; HttpOnly; SameSite=Strict")
}
