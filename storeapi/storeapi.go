// Package storeapi is the JSON store of OAuth keys: a small API shaped like
// WSO2 API Manager's developer portal REST API (devportal v3) with store
// applications and their key mappings, and the legacy Jaggery store actions
// of API Manager 1.9 that old frontends post forms to.
//
// Keys of an application live in a key manager (KeyManager): the local one
// is this server's own OAuthAdminService, a remote one another server's, over
// SOAP. Keys the store generates are CREATED: the store owns their OAuth
// client and deletes it with the keys. Keys of an existing OAuth client are
// MAPPED: the store only links them and never deletes or changes the client.
//
// Callers are the users of the SOAP side (HTTP Basic user@tenant, or the
// login session cookie); an application belongs to the user who created it,
// within a tenant.
package storeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/soap"
	"github.com/isadmin/isadmin/store"
)

// BasePath is where the REST API lives.
const BasePath = "/api/am/devportal/v3"

// SubscribePermission is the permission a user needs to use the store, as
// in API Manager (the Internal/subscriber role holds it).
const SubscribePermission = "/permission/admin/manage/api/subscribe"

// SessionCookie is the name of the login session cookie, shared with the
// SOAP side.
const SessionCookie = "JSESSIONID"

// DefaultMaxBodyBytes caps a request body.
const DefaultMaxBodyBytes = 1 << 20

// Identity authenticates callers and keeps their login sessions;
// *admin.Identity implements it.
type Identity interface {
	Authenticate(ctx context.Context, qualifiedUser, password string) (admin.Principal, error)
	Session(ctx context.Context, cookie string) (admin.Principal, error)
	StartSession(ctx context.Context, p admin.Principal) (string, error)
	EndSession(ctx context.Context, cookie string) error
	Authorize(ctx context.Context, p admin.Principal, anyOf []string) error
}

// Server answers the store API.
type Server struct {
	Store    store.Store
	Identity Identity
	// KeyManagers are the key managers by name; ResidentKeyManager should
	// be among them.
	KeyManagers map[string]KeyManager
	// MapExistingAuthApps allows mapping existing OAuth clients (map-keys);
	// when false those requests are refused with 403.
	MapExistingAuthApps bool
	// ProvisionUnknownKeys makes map-keys register a consumer key the key
	// manager does not know, with the supplied secret, instead of refusing
	// it.
	//
	// Both hold until SetMapping replaces them; they must not change once
	// the server is in use.
	ProvisionUnknownKeys bool
	// Realm is announced in WWW-Authenticate when credentials are missing.
	Realm        string
	MaxBodyBytes int64
	// Now is the clock used for request durations; time.Now when nil.
	Now func() time.Time
	// NewUUID makes application and key mapping ids; admin.NewUUID when nil.
	NewUUID func() string
	// Log, when set, receives one entry per request.
	Log func(LogEntry)
	// Tokens, when set, accepts the server's access tokens as
	// Authorization: Bearer; *tokens.Server implements it.
	Tokens BearerTokens
	// HashTokens says the resident key manager keeps tokens hashed only
	// (the key managers' enableTokenHashing).
	HashTokens bool

	// mapping, once SetMapping is called, replaces MapExistingAuthApps
	// and ProvisionUnknownKeys.
	mapping atomic.Pointer[mappingOptions]
}

// mappingOptions are the settings of map-keys that SetMapping changes.
type mappingOptions struct{ mapExisting, provisionUnknown bool }

// SetMapping replaces MapExistingAuthApps and ProvisionUnknownKeys while
// the server serves (a configuration reload); the fields are left as they
// are and no longer read.
func (s *Server) SetMapping(mapExistingAuthApps, provisionUnknownKeys bool) {
	s.mapping.Store(&mappingOptions{mapExistingAuthApps, provisionUnknownKeys})
}

// mapExisting reports whether mapping existing OAuth clients is allowed.
func (s *Server) mapExisting() bool {
	if m := s.mapping.Load(); m != nil {
		return m.mapExisting
	}
	return s.MapExistingAuthApps
}

// provisionUnknown reports whether map-keys registers unknown keys.
func (s *Server) provisionUnknown() bool {
	if m := s.mapping.Load(); m != nil {
		return m.provisionUnknown
	}
	return s.ProvisionUnknownKeys
}

// BearerTokens tells the user an access token acts for.
type BearerTokens interface {
	// Principal returns the user of an active token, or
	// admin.ErrBadCredentials.
	Principal(ctx context.Context, accessToken string) (admin.Principal, error)
}

// LogEntry describes one request for the access log. It never holds a
// password or a secret.
type LogEntry struct {
	// RequestID and Client are the request's id and address.
	RequestID, Client string
	Method            string
	// Route is the matched route, e.g. /api/am/devportal/v3/applications/:applicationId.
	Route    string
	User     string
	Status   int
	Duration time.Duration
	// Error is the internal cause of a failed request, if any.
	Error string
}

// Route is a route of the store.
type Route struct {
	Method string
	// Path is the full path in OpenAPI syntax: /api/am/devportal/v3/applications/{applicationId}.
	Path string
}

// route is a route and its handler. Handlers of routes with auth set run
// with the caller's principal in the request context.
type route struct {
	method, path string
	auth         bool
	handle       func(s *Server, w http.ResponseWriter, r *http.Request, ps httprouter.Params)
}

var routes = []route{
	{http.MethodGet, BasePath + "/openapi.json", false, (*Server).getOpenAPI},
	{http.MethodGet, BasePath + "/settings", false, (*Server).getSettings},
	{http.MethodGet, BasePath + "/applications", true, (*Server).getApplications},
	{http.MethodPost, BasePath + "/applications", true, (*Server).createApplication},
	{http.MethodGet, BasePath + "/applications/:applicationId", true, (*Server).getApplication},
	{http.MethodPut, BasePath + "/applications/:applicationId", true, (*Server).updateApplication},
	{http.MethodDelete, BasePath + "/applications/:applicationId", true, (*Server).removeApplication},
	{http.MethodPost, BasePath + "/applications/:applicationId/generate-keys", true, (*Server).generateKeys},
	{http.MethodPost, BasePath + "/applications/:applicationId/map-keys", true, (*Server).mapKeys},
	{http.MethodGet, BasePath + "/applications/:applicationId/oauth-keys", true, (*Server).getOAuthKeys},
	{http.MethodGet, BasePath + "/applications/:applicationId/oauth-keys/:keyMappingId", true, (*Server).getOAuthKey},
	{http.MethodPut, BasePath + "/applications/:applicationId/oauth-keys/:keyMappingId", true, (*Server).updateOAuthKey},
	{http.MethodDelete, BasePath + "/applications/:applicationId/oauth-keys/:keyMappingId", true, (*Server).removeOAuthKey},
	{http.MethodPost, BasePath + "/applications/:applicationId/oauth-keys/:keyMappingId/regenerate-secret", true, (*Server).regenerateSecret},
	{http.MethodPost, BasePath + "/applications/:applicationId/oauth-keys/:keyMappingId/generate-token", true, (*Server).generateToken},
	{http.MethodPost, BasePath + "/applications/:applicationId/oauth-keys/:keyMappingId/clean-up", true, (*Server).removeOAuthKey},
	{http.MethodGet, BasePath + "/applications/:applicationId/keys", true, (*Server).getOAuthKeys},
	{http.MethodGet, BasePath + "/applications/:applicationId/keys/:keyType", true, byKeyType((*Server).getOAuthKey)},
	{http.MethodPut, BasePath + "/applications/:applicationId/keys/:keyType", true, byKeyType((*Server).updateOAuthKey)},
	{http.MethodPost, BasePath + "/applications/:applicationId/keys/:keyType/regenerate-secret", true, byKeyType((*Server).regenerateSecret)},
	{http.MethodPost, BasePath + "/applications/:applicationId/keys/:keyType/clean-up", true, byKeyType((*Server).removeOAuthKey)},
	{http.MethodPost, BasePath + "/applications/:applicationId/keys/:keyType/generate-token", true, byKeyType((*Server).generateToken)},
	{http.MethodGet, BasePath + "/key-managers", true, (*Server).getKeyManagers},
	{http.MethodGet, BasePath + "/throttling-policies/:policyLevel", true, (*Server).getThrottlingPolicies},
	{http.MethodGet, BasePath + "/throttling-policies/:policyLevel/:policyId", true, (*Server).getThrottlingPolicy},
	{http.MethodGet, BasePath + "/settings/application-attributes", true, (*Server).getApplicationAttributes},
	{http.MethodGet, BasePath + "/apis", true, (*Server).emptyList},
	{http.MethodGet, BasePath + "/apis/:apiId", true, (*Server).noAPI},
	{http.MethodGet, BasePath + "/subscriptions", true, (*Server).emptyList},
	{http.MethodPost, BasePath + "/subscriptions", true, (*Server).subscribe},
	{http.MethodGet, BasePath + "/subscriptions/:subscriptionId", true, (*Server).noSubscription},
	{http.MethodDelete, BasePath + "/subscriptions/:subscriptionId", true, (*Server).noSubscription},

	{http.MethodPost, LoginJag, false, (*Server).serveLoginJag},
	{http.MethodPost, ApplicationAddJag, false, (*Server).serveApplicationAddJag},
	{http.MethodPost, ApplicationListJag, false, (*Server).serveApplicationListJag},
	{http.MethodGet, ApplicationListJag, false, (*Server).serveApplicationListJag},
	{http.MethodPost, ApplicationRemoveJag, false, (*Server).serveApplicationRemoveJag},
	{http.MethodPost, SubscriptionAddJag, false, (*Server).serveSubscriptionAddJag},
	{http.MethodPost, SubscriptionListJag, false, (*Server).serveSubscriptionListJag},
	{http.MethodGet, SubscriptionListJag, false, (*Server).serveSubscriptionListJag},
}

// Routes lists every route Register adds.
func (s *Server) Routes() []Route {
	out := make([]Route, 0, len(routes))
	for _, rt := range routes {
		segs := strings.Split(rt.path, "/")
		for i, seg := range segs {
			if strings.HasPrefix(seg, ":") {
				segs[i] = "{" + seg[1:] + "}"
			}
		}
		out = append(out, Route{Method: rt.method, Path: strings.Join(segs, "/")})
	}
	return out
}

// Register adds the store's routes to r.
func (s *Server) Register(r *httprouter.Router) {
	for _, rt := range routes {
		r.Handle(rt.method, rt.path, s.wrap(rt))
	}
}

// wrap runs a handler with the access log and, for routes that need it,
// authentication.
func (s *Server) wrap(rt route) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		start := s.now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		if s.Log != nil {
			defer func() {
				s.Log(LogEntry{RequestID: admin.RequestIDFrom(r.Context()), Client: admin.SourceFrom(r.Context()),
					Method: r.Method, Route: rt.path, User: rec.user, Status: rec.status,
					Duration: s.now().Sub(start), Error: rec.cause})
			}()
		}
		max := s.MaxBodyBytes
		if max <= 0 {
			max = DefaultMaxBodyBytes
		}
		r.Body = http.MaxBytesReader(rec, r.Body, max)
		if why := soap.CrossSite(r); why != "" {
			err := &Error{Status: http.StatusForbidden, Description: "Refused a request sent by a page of another site (" + why + "): the store acts only on requests of its own pages and of clients that are no browser."}
			if !strings.HasPrefix(rt.path, BasePath) {
				s.jagFail(rec, err)
				return
			}
			s.fail(rec, r, err)
			return
		}
		if rt.auth {
			p, err := s.authenticate(r)
			if err != nil {
				s.fail(rec, r, err)
				return
			}
			rec.user = p.QualifiedName()
			r = r.WithContext(admin.WithPrincipal(r.Context(), p))
		}
		rt.handle(s, rec, r, ps)
	}
}

// recorder keeps what the access log says about a response.
type recorder struct {
	http.ResponseWriter
	status      int
	user, cause string
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) newUUID() string {
	if s.NewUUID != nil {
		return s.NewUUID()
	}
	return admin.NewUUID()
}

// bearer returns the access token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}

// authenticate finds the caller of a REST request: HTTP Basic, else an
// access token of this server (Authorization: Bearer), else the session
// cookie; the caller must hold SubscribePermission.
func (s *Server) authenticate(r *http.Request) (admin.Principal, error) {
	ctx := r.Context()
	var p admin.Principal
	var err error
	if user, pass, ok := r.BasicAuth(); ok {
		p, err = s.Identity.Authenticate(ctx, user, pass)
		if errors.Is(err, admin.ErrBadCredentials) {
			return p, &Error{Status: http.StatusUnauthorized, Description: "Invalid credentials: the user name or password is wrong, or the account is locked."}
		}
	} else if token, ok := bearer(r); ok {
		if s.Tokens == nil {
			return p, &Error{Status: http.StatusUnauthorized, Description: "Bearer tokens are not accepted here: send HTTP Basic credentials or the session cookie of a store login."}
		}
		p, err = s.Tokens.Principal(ctx, token)
		if errors.Is(err, admin.ErrBadCredentials) {
			return p, &Error{Status: http.StatusUnauthorized, Description: "The access token is not active: it is unknown, expired or revoked, or its client is revoked."}
		}
	} else if c, cerr := r.Cookie(SessionCookie); cerr == nil && c.Value != "" {
		p, err = s.Identity.Session(ctx, c.Value)
		if errors.Is(err, admin.ErrSessionInvalid) {
			return p, &Error{Status: http.StatusUnauthorized, Description: "The login session has ended; log in again."}
		}
	} else {
		return p, &Error{Status: http.StatusUnauthorized, Description: "Authentication required: send HTTP Basic credentials (user@tenant) or the session cookie of a store login."}
	}
	if err != nil {
		return p, fmt.Errorf("storeapi: authenticating: %w", err)
	}
	if err := s.authorize(ctx, p); err != nil {
		return p, err
	}
	return p, nil
}

func (s *Server) authorize(ctx context.Context, p admin.Principal) error {
	err := s.Identity.Authorize(ctx, p, []string{SubscribePermission})
	if errors.Is(err, admin.ErrAccessDenied) {
		return &Error{Status: http.StatusForbidden, Description: fmt.Sprintf("User %s may not use the store: it needs the permission %s.", p.QualifiedName(), SubscribePermission)}
	}
	if err != nil {
		return fmt.Errorf("storeapi: authorizing: %w", err)
	}
	return nil
}

// caller returns the principal the wrapper put in the context.
func caller(r *http.Request) admin.Principal {
	p, _ := admin.PrincipalFrom(r.Context())
	return p
}

// Error is a failed request: the HTTP status and the error body's
// description.
type Error struct {
	Status      int
	Description string
	Items       []ErrorItem
	// Err is the cause; it is logged, never shown.
	Err error
}

// ErrorItem is one entry of an error body's error list.
type ErrorItem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	msg := "storeapi: " + e.Description
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// errorBody is the JSON error of the devportal API.
type errorBody struct {
	Code        int64       `json:"code"`
	Message     string      `json:"message"`
	Description string      `json:"description"`
	MoreInfo    string      `json:"moreInfo"`
	Error       []ErrorItem `json:"error"`
}

const internalDescription = "The server encountered an internal error. Please contact administrator."

// asError turns any error of a request into the Error to answer with.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Description: fmt.Sprintf("The request body is larger than %d bytes.", mbe.Limit), Err: err}
	}
	return &Error{Status: http.StatusInternalServerError, Description: internalDescription, Err: err}
}

// fail writes the JSON error body of err.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := asError(err)
	if rec, ok := w.(*recorder); ok {
		rec.cause = err.Error()
	}
	items := e.Items
	if items == nil {
		items = []ErrorItem{}
	}
	if e.Status == http.StatusUnauthorized {
		realm := s.Realm
		if realm == "" {
			realm = "isadmin"
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`"`)
	}
	writeJSON(w, e.Status, errorBody{Code: int64(e.Status), Message: http.StatusText(e.Status), Description: e.Description, MoreInfo: "", Error: items})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"code":500,"message":"Internal Server Error","description":"` + internalDescription + `","moreInfo":"","error":[]}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
	w.Write([]byte("\n"))
}

// decodeJSON reads a JSON request body into v.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return &Error{Status: http.StatusUnsupportedMediaType, Description: fmt.Sprintf("The request body must be application/json, not %q.", ct)}
		}
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &Error{Status: http.StatusBadRequest, Description: "The request body is empty; a JSON object is required."}
	}
	if err := checkJSON(data, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return &Error{Status: http.StatusBadRequest, Description: "The request body is not valid JSON for this operation: " + strings.TrimPrefix(err.Error(), "json: "), Err: err}
	}
	if dec.More() {
		return &Error{Status: http.StatusBadRequest, Description: "The request body holds more than one JSON value."}
	}
	return nil
}

func badRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Description: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) *Error {
	return &Error{Status: http.StatusConflict, Description: fmt.Sprintf(format, args...)}
}

// Unrouted answers a request of the store's base path that no route
// takes, with the spec's JSON error body: 404 for an unknown path, 405
// (with Allow) for a method the path does not take. It reports false for
// a path outside the store, which the caller answers.
func (s *Server) Unrouted(w http.ResponseWriter, r *http.Request, allowed string) bool {
	if r.URL.Path != BasePath && !strings.HasPrefix(r.URL.Path, BasePath+"/") {
		return false
	}
	if allowed != "" {
		w.Header().Set("Allow", allowed)
		s.fail(w, r, &Error{Status: http.StatusMethodNotAllowed, Description: fmt.Sprintf("%s is not served for %s; it takes %s.", r.Method, r.URL.Path, allowed)})
		return true
	}
	s.fail(w, r, &Error{Status: http.StatusNotFound, Description: fmt.Sprintf("No resource at %s.", r.URL.Path)})
	return true
}
