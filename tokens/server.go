package tokens

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/soap"
	"github.com/isadmin/isadmin/wsdl"
)

// IntrospectPermission is what a caller of the introspection endpoint
// needs (Identity Server's resource-access-control.xml).
const IntrospectPermission = "/permission/admin/manage/identity/applicationmgt/view"

// maxFormBytes bounds a request body of the endpoints.
const maxFormBytes = 64 << 10

// neverExpires is the expires_in of a token without end: Java's
// Long.MAX_VALUE milliseconds in seconds, as Identity Server answers.
const neverExpires = math.MaxInt64 / 1000

// Server answers the token, introspection and revocation endpoints.
type Server struct {
	Config  Config
	Store   admin.TokenStore
	Clients Clients
	Users   Users
	// Versions, when set, lets the server cache clients and tokens while
	// the database's change counts stand.
	Versions Versions
	// Realm is the realm of WWW-Authenticate: the server's host name.
	Realm string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Log, when set, receives one entry per request; it never holds a
	// token or a secret.
	Log func(LogEntry)

	cache cache
}

// LogEntry describes one request.
type LogEntry struct {
	// RequestID and Source are the request's id and address; Client the
	// OAuth client's key, once known.
	RequestID, Source                  string
	Endpoint, Client, GrantType, Error string
	Status                             int
	Duration                           time.Duration
}

// Register adds the endpoints to r, for the super tenant and under
// /t/<domain>/ for the others.
func (s *Server) Register(r *httprouter.Router) {
	for _, prefix := range []string{"", "/t/:tenant"} {
		r.POST(prefix+"/oauth2/token", s.serveToken)
		r.POST(prefix+"/oauth2/revoke", s.serveRevoke)
		if s.Config.Introspection {
			r.POST(prefix+"/oauth2/introspect", s.serveIntrospect)
		}
	}
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// oauthError is an error answer: {"error": ..., "error_description": ...}.
type oauthError struct {
	status      int
	code        string
	description string
	// basic asks for HTTP Basic credentials (WWW-Authenticate).
	basic bool
	cause error
}

func (e *oauthError) Error() string { return e.code + ": " + e.description }

// text is the profile's text for a code.
func (s *Server) text(code, fallback string, args ...any) string {
	if s.Config.Profile == nil {
		if len(args) > 0 && strings.Contains(fallback, "%") {
			return fmt.Sprintf(fallback, args...)
		}
		return fallback
	}
	return s.Config.Profile.Text(code, fallback, args...)
}

func (s *Server) invalidClient(code, fallback string, args ...any) *oauthError {
	return &oauthError{status: http.StatusUnauthorized, code: "invalid_client", description: s.text(code, fallback, args...), basic: true}
}

func (s *Server) badRequest(errCode, code, fallback string, args ...any) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: errCode, description: s.text(code, fallback, args...)}
}

func serverError(cause error) *oauthError {
	return &oauthError{status: http.StatusInternalServerError, code: "server_error", description: "Internal Server Error.", cause: cause}
}

// noStore sets the headers every answer of the endpoints carries.
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

func (s *Server) writeError(w http.ResponseWriter, e *oauthError) {
	noStore(w)
	if e.basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+s.Realm+`"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	body, _ := json.Marshal(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{e.code, e.description})
	w.Write(body)
}

// form reads the form body of r; anything else is an invalid request.
func (s *Server) form(w http.ResponseWriter, r *http.Request) *oauthError {
	if why := soap.CrossSite(r); why != "" {
		return &oauthError{status: http.StatusForbidden, code: "invalid_request", description: "A request another site's page made is refused: " + why}
	}
	ct := r.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if !strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded") {
		return &oauthError{status: http.StatusBadRequest, code: "invalid_request", description: "The request must be application/x-www-form-urlencoded."}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return &oauthError{status: http.StatusBadRequest, code: "invalid_request", description: "The request body is no valid form."}
	}
	return nil
}

// tenant resolves the tenant of the request path.
func (s *Server) tenant(ctx context.Context, ps httprouter.Params) (*admin.Tenant, error) {
	domain := ps.ByName("tenant")
	if domain == "" || domain == admin.SuperTenantDomain {
		return &admin.Tenant{ID: admin.SuperTenantID, Domain: admin.SuperTenantDomain, Active: true}, nil
	}
	t, err := s.Clients.FindTenantByDomain(ctx, domain)
	if err != nil {
		return nil, err
	}
	if !t.Active {
		return nil, admin.ErrNotFound
	}
	return t, nil
}

// client authenticates the OAuth client of a request: HTTP Basic, or the
// form's client_id and client_secret, never both.
func (s *Server) client(ctx context.Context, r *http.Request, tenant *admin.Tenant, at stamp) (*cachedClient, *oauthError) {
	id, secret, basic := r.BasicAuth()
	formID, formSecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	switch {
	case basic && (formID != "" || formSecret != ""):
		return nil, s.invalidClient("token.invalid-client", "Client credentials are invalid.")
	case !basic && r.Header.Get("Authorization") != "":
		return nil, s.invalidClient("token.invalid-client", "Client credentials are invalid.")
	case !basic:
		id, secret = formID, formSecret
	}
	if id == "" || secret == "" {
		return nil, s.invalidClient("token.invalid-client", "Client credentials are invalid.")
	}
	c, ok := s.cache.client(tenant.ID, id, at)
	if !ok {
		app, err := s.Clients.FindOAuthAppByKey(ctx, tenant.ID, id)
		switch {
		case errors.Is(err, admin.ErrNotFound):
			// Compare anyway, so that an unknown key costs what a known one does.
			secretsEqual(secret, id)
			return nil, s.invalidClient("token.client-not-found", "A valid OAuth client could not be found for client_id: %s", id)
		case err != nil:
			return nil, serverError(err)
		}
		c = cachedClient{app: app}
		c.application, c.user, c.refreshLife = s.lifetimes(app)
		s.cache.putClient(c, at)
	}
	switch {
	case !secretsEqual(secret, c.app.ConsumerSecret):
		return nil, s.invalidClient("token.invalid-client", "Client credentials are invalid.")
	case s.Config.CheckAppState && c.app.State != admin.StateActive:
		return nil, s.invalidClient("token.app-inactive", "Oauth application is not in active state")
	}
	return &c, nil
}

// findToken returns the token of an access token, from the cache when it
// is current.
func (s *Server) findToken(ctx context.Context, accessToken string, at stamp) (*admin.Token, error) {
	hash := admin.HashToken(accessToken)
	if t, ok := s.cache.token(hash, at); ok {
		return t, nil
	}
	t, err := s.Store.FindToken(ctx, hash)
	if err == nil {
		s.cache.putToken(t, at)
	}
	return t, err
}

// secretsEqual compares secrets in constant time.
func secretsEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// newToken makes the text of a token in the release's format: a hex MD5
// without leading zeros (OAuthIssuerImpl with MD5Generator), or a
// name-based UUID (UUIDValueGenerator).
func (s *Server) newToken() string {
	var b [32]byte
	rand.Read(b[:])
	sum := md5.Sum(b[:])
	if s.Config.Line == CarbonIdentity {
		return strings.TrimLeft(hex.EncodeToString(sum[:]), "0")
	}
	sum[6] = sum[6]&0x0f | 0x30
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// scopeOf is a scope parameter as stored: unique scopes, sorted.
func scopeOf(param string) string {
	scopes := strings.Fields(param)
	slices.Sort(scopes)
	return strings.Join(slices.Compact(scopes), " ")
}

// lifetimes are a client's token lifetimes: its own, else the server's.
func (s *Server) lifetimes(app *admin.OAuthApp) (application, user, refresh time.Duration) {
	application, user, refresh = s.Config.ApplicationValidity, s.Config.UserValidity, s.Config.RefreshValidity
	if len(app.Settings) == 0 {
		return
	}
	var dto wsdl.OAuthConsumerAppDTO
	if json.Unmarshal(app.Settings, &dto) != nil {
		return
	}
	if dto.ApplicationAccessTokenExpiryTime > 0 {
		application = time.Duration(dto.ApplicationAccessTokenExpiryTime) * time.Second
	}
	if dto.UserAccessTokenExpiryTime > 0 {
		user = time.Duration(dto.UserAccessTokenExpiryTime) * time.Second
	}
	if dto.RefreshTokenExpiryTime > 0 {
		refresh = time.Duration(dto.RefreshTokenExpiryTime) * time.Second
	}
	return
}

// expiresIn is the expires_in of a token at now.
func (s *Server) expiresIn(t issued, now time.Time) int64 {
	if t.Validity < 0 {
		return neverExpires
	}
	if t.new && s.Config.Line != CarbonIdentity {
		// A new token's answer states its whole lifetime.
		return int64(t.Validity / time.Second)
	}
	left := t.IssuedAt.Add(t.Validity).Sub(now) - s.Config.ExpirySkew
	return max(int64(left/time.Millisecond)/1000, 0)
}

func (s *Server) log(e LogEntry, start time.Time) {
	if s.Log != nil {
		e.Duration = time.Since(start)
		s.Log(e)
	}
}

// writeJSON writes a JSON answer whose keys are in the order given.
func writeJSON(w http.ResponseWriter, status int, kv ...any) {
	var b []byte
	b = append(b, '{')
	for i := 0; i+1 < len(kv); i += 2 {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, kv[i].(string))
		b = append(b, ':')
		switch v := kv[i+1].(type) {
		case string:
			enc, _ := json.Marshal(v)
			b = append(b, enc...)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case bool:
			b = strconv.AppendBool(b, v)
		}
	}
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
