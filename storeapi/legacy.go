package storeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/store"
)

// The Jaggery actions of API Manager 1.9's store (site/blocks/.../ajax/*.jag)
// that old frontends post forms to. They answer HTTP 200 with a JSON body
// {"error": bool, ...}, whatever happened.
const (
	LoginJag             = "/store/site/blocks/user/login/ajax/login.jag"
	ApplicationAddJag    = "/store/site/blocks/application/application-add/ajax/application-add.jag"
	ApplicationListJag   = "/store/site/blocks/application/application-list/ajax/application-list.jag"
	ApplicationRemoveJag = "/store/site/blocks/application/application-remove/ajax/application-remove.jag"
	SubscriptionAddJag   = "/store/site/blocks/subscription/subscription-add/ajax/subscription-add.jag"
)

// Messages of the Jaggery store (site/conf/ui-messages.jag).
const (
	jagLoginRequired = "Please login with a valid username/password"
	jagCSRFError     = "Invalid CSRF Token please try refreshing the page."
	jagLoginFailed   = "Login failed. Please recheck the username and password and try again."
)

// jagError is the body of a failed action.
type jagError struct {
	Error   bool   `json:"error"`
	Message string `json:"message"`
}

// writeJag writes the answer of an action: always HTTP 200.
func writeJag(w http.ResponseWriter, v any) {
	w.Header().Set("Pragma", "No-cache")
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, v)
}

// jagFail answers a failed action with the reason of err.
func (s *Server) jagFail(w http.ResponseWriter, err error) {
	e := asError(err)
	if rec, ok := w.(*recorder); ok {
		rec.cause = err.Error()
	}
	writeJag(w, jagError{Error: true, Message: e.Description})
}

func jagMessage(w http.ResponseWriter, format string, args ...any) {
	writeJag(w, jagError{Error: true, Message: fmt.Sprintf(format, args...)})
}

// jagUnsupported answers an action the endpoint does not offer.
func jagUnsupported(w http.ResponseWriter, action string) {
	if action == "" {
		jagMessage(w, "The action parameter is missing.")
		return
	}
	jagMessage(w, "%s is not supported", action)
}

// jagForm reads the form of an action and checks the CSRF token: when the
// request carries a csrftoken cookie, the X-CSRFToken header must repeat
// it, as the Jaggery store checks. It answers and reports false on failure.
func (s *Server) jagForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.jagFail(w, err)
		} else {
			jagMessage(w, "Invalid inputs: the form cannot be read.")
		}
		return nil, false
	}
	if c, err := r.Cookie("csrftoken"); err == nil && r.Method == http.MethodPost && r.Header.Get("X-CSRFToken") != c.Value {
		jagMessage(w, jagCSRFError)
		return nil, false
	}
	return r.Form, true
}

// jagUser returns the logged-in caller of an action and a context carrying
// it; it answers and reports false when there is none.
func (s *Server) jagUser(w http.ResponseWriter, r *http.Request) (admin.Principal, context.Context, bool) {
	ctx := r.Context()
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		jagMessage(w, jagLoginRequired)
		return admin.Principal{}, nil, false
	}
	p, err := s.Identity.Session(ctx, c.Value)
	if errors.Is(err, admin.ErrSessionInvalid) {
		jagMessage(w, jagLoginRequired)
		return p, nil, false
	}
	if err == nil {
		err = s.authorize(ctx, p)
	}
	if err != nil {
		s.jagFail(w, err)
		return p, nil, false
	}
	if rec, ok := w.(*recorder); ok {
		rec.user = p.QualifiedName()
	}
	return p, admin.WithPrincipal(ctx, p), true
}

func sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode}
}

// serveLoginJag logs a user in (action=login) or out (action=logout).
func (s *Server) serveLoginJag(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	form, ok := s.jagForm(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	switch action := form.Get("action"); action {
	case "login":
		p, err := s.Identity.Authenticate(ctx, strings.TrimSpace(form.Get("username")), form.Get("password"))
		if errors.Is(err, admin.ErrBadCredentials) {
			jagMessage(w, jagLoginFailed)
			return
		}
		if err == nil {
			err = s.authorize(ctx, p)
		}
		if err != nil {
			s.jagFail(w, err)
			return
		}
		// A new session each login: a session id planted before the login
		// is never promoted.
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			if err := s.Identity.EndSession(ctx, c.Value); err != nil {
				s.jagFail(w, err)
				return
			}
		}
		token, err := s.Identity.StartSession(ctx, p)
		if err != nil {
			s.jagFail(w, err)
			return
		}
		if rec, ok := w.(*recorder); ok {
			rec.user = p.QualifiedName()
		}
		http.SetCookie(w, sessionCookie(r, token, 0))
		writeJag(w, struct {
			Error bool `json:"error"`
		}{false})
	case "logout":
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			if err := s.Identity.EndSession(ctx, c.Value); err != nil {
				s.jagFail(w, err)
				return
			}
		}
		http.SetCookie(w, sessionCookie(r, "", -1))
		writeJag(w, struct {
			Error bool `json:"error"`
		}{false})
	default:
		jagUnsupported(w, action)
	}
}

// jagApplication is an application as the 1.9 store lists it.
type jagApplication struct {
	Name        string `json:"name"`
	Tier        string `json:"tier"`
	ID          int64  `json:"id"`
	CallbackURL string `json:"callbackUrl"`
	Status      string `json:"status"`
	Description string `json:"description"`
}

// serveApplicationAddJag adds an application (action=addApplication with
// application, tier, callbackUrl and description).
func (s *Server) serveApplicationAddJag(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	form, ok := s.jagForm(w, r)
	if !ok {
		return
	}
	if action := form.Get("action"); action != "addApplication" {
		jagUnsupported(w, action)
		return
	}
	p, ctx, ok := s.jagUser(w, r)
	if !ok {
		return
	}
	name, tier, description, callback := form.Get("application"), form.Get("tier"), form.Get("description"), form.Get("callbackUrl")
	app := &store.Application{UUID: s.newUUID(), TenantID: p.TenantID, Owner: p.Username, Status: store.StatusApproved}
	req := applicationRequest{Name: &name, ThrottlingPolicy: &tier, Description: &description, callbackURL: &callback}
	if err := req.apply(app); err != nil {
		s.jagFail(w, err)
		return
	}
	if err := s.Store.CreateStoreApplication(ctx, app); err != nil {
		if errors.Is(err, admin.ErrDuplicateName) {
			err = &Error{Status: http.StatusConflict, Description: "A duplicate application already exists by the name - " + app.Name, Err: err}
		}
		s.jagFail(w, err)
		return
	}
	writeJag(w, struct {
		Error         bool   `json:"error"`
		Status        string `json:"status"`
		ApplicationID int64  `json:"applicationId"`
	}{false, app.Status, app.ID})
}

// serveApplicationListJag lists the caller's applications
// (action=getApplications).
func (s *Server) serveApplicationListJag(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	_, _, apps, ok := s.jagApplications(w, r, "getApplications")
	if !ok {
		return
	}
	out := struct {
		Error        bool             `json:"error"`
		Applications []jagApplication `json:"applications"`
	}{Applications: []jagApplication{}}
	for _, app := range apps {
		out.Applications = append(out.Applications, jagApplication{Name: app.Name, Tier: app.ThrottlingPolicy,
			ID: app.ID, CallbackURL: app.CallbackURL, Status: app.Status, Description: app.Description})
	}
	writeJag(w, out)
}

// jagApplications reads a listing request of the action and returns its
// form and context and the caller's applications; it answers the request
// and reports false when it cannot.
func (s *Server) jagApplications(w http.ResponseWriter, r *http.Request, action string) (url.Values, context.Context, []*store.Application, bool) {
	form, ok := s.jagForm(w, r)
	if !ok {
		return nil, nil, nil, false
	}
	if got := form.Get("action"); got != action {
		jagUnsupported(w, got)
		return nil, nil, nil, false
	}
	p, ctx, ok := s.jagUser(w, r)
	if !ok {
		return nil, nil, nil, false
	}
	apps, _, err := s.Store.ListStoreApplications(ctx, store.ApplicationFilter{TenantID: p.TenantID, Owner: p.Username})
	if err != nil {
		s.jagFail(w, err)
		return nil, nil, nil, false
	}
	return form, ctx, apps, true
}

// jagOwnedApplication finds the caller's application by name.
func (s *Server) jagOwnedApplication(ctx context.Context, p admin.Principal, name string) (*store.Application, error) {
	if name == "" {
		return nil, badRequest("The application name is missing.")
	}
	app, err := s.Store.FindStoreApplicationByName(ctx, p.TenantID, p.Username, name)
	if errors.Is(err, admin.ErrNotFound) {
		return nil, &Error{Status: http.StatusNotFound, Description: fmt.Sprintf("You have no application named %q.", name)}
	}
	return app, err
}

// serveApplicationRemoveJag removes an application by name
// (action=removeApplication with application).
func (s *Server) serveApplicationRemoveJag(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	form, ok := s.jagForm(w, r)
	if !ok {
		return
	}
	if action := form.Get("action"); action != "removeApplication" {
		jagUnsupported(w, action)
		return
	}
	p, ctx, ok := s.jagUser(w, r)
	if !ok {
		return
	}
	app, err := s.jagOwnedApplication(ctx, p, form.Get("application"))
	if err == nil {
		err = s.deleteApplication(ctx, app)
	}
	if err != nil {
		s.jagFail(w, err)
		return
	}
	writeJag(w, struct {
		Error bool `json:"error"`
	}{false})
}

// jagKey is the key of a client as the store returns it: a mapped one
// without a token (accessToken empty, validityTime "0"), a generated one
// with the token generateApplicationKey got.
type jagKey struct {
	ConsumerKey    string `json:"consumerKey"`
	ConsumerSecret string `json:"consumerSecret"`
	AccessToken    string `json:"accessToken"`
	ValidityTime   string `json:"validityTime"`
	// AppDetails is a JSON document (a string) with grant_types,
	// redirect_uris and client_name, as the 2.x store sends it.
	AppDetails   string `json:"appDetails"`
	KeyType      string `json:"keyType"`
	KeyState     string `json:"keyState"`
	Mode         string `json:"mode"`
	Provisioning string `json:"provisioning,omitempty"`
	// Of generateApplicationKey: the token's scope, the domains allowed
	// (ALL) and whether the page offers "Re-generate".
	TokenScope         string `json:"tokenScope,omitempty"`
	AccessAllowDomains string `json:"accessallowdomains,omitempty"`
	EnableRegenerate   bool   `json:"enableRegenarate,omitempty"`
}

// serveSubscriptionAddJag answers the key actions of the store:
// mapExistingOauthClient, generateApplicationKey and refreshToken
// (legacytokens.go).
func (s *Server) serveSubscriptionAddJag(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	form, ok := s.jagForm(w, r)
	if !ok {
		return
	}
	switch action := form.Get("action"); action {
	case "mapExistingOauthClient":
		s.jagMapExistingOauthClient(w, r, form)
	case "generateApplicationKey":
		s.jagGenerateApplicationKey(w, r, form)
	case "refreshToken":
		s.jagRefreshToken(w, r, form)
	default:
		jagUnsupported(w, action)
	}
}

// jagMapExistingOauthClient maps an existing OAuth client to an application
// (action=mapExistingOauthClient with applicationName, keytype, client_id
// and jsonParams={"client_secret": ...}; optional callbackUrl and
// jsonParams grant_types for a client the store provisions).
func (s *Server) jagMapExistingOauthClient(w http.ResponseWriter, r *http.Request, form url.Values) {
	p, ctx, ok := s.jagUser(w, r)
	if !ok {
		return
	}
	if err := s.mappingAllowed(); err != nil {
		s.jagFail(w, err)
		return
	}
	app, err := s.jagOwnedApplication(ctx, p, form.Get("applicationName"))
	if err != nil {
		s.jagFail(w, err)
		return
	}
	var params struct {
		ClientSecret string          `json:"client_secret"`
		GrantTypes   json.RawMessage `json:"grant_types"`
	}
	if raw := form.Get("jsonParams"); raw != "" {
		if err := checkJSON([]byte(raw), reflect.TypeOf(&params)); err != nil {
			s.jagFail(w, err)
			return
		}
		if err := json.Unmarshal([]byte(raw), &params); err != nil {
			jagMessage(w, "jsonParams must be a JSON object such as {\"client_secret\":\"...\"}.")
			return
		}
	}
	req := keyMappingRequest{
		ConsumerKey: form.Get("client_id"), ConsumerSecret: params.ClientSecret,
		KeyType: strings.ToUpper(strings.TrimSpace(form.Get("keytype"))), CallbackURL: form.Get("callbackUrl"),
		SupportedGrantTypes: grantList(params.GrantTypes),
	}
	m, client, err := s.mapClient(ctx, p, app.UUID, req, nil)
	if err != nil {
		s.jagFail(w, err)
		return
	}
	details, _ := json.Marshal(map[string]string{
		"grant_types": strings.Join(client.GrantTypes, " "), "redirect_uris": client.CallbackURL, "client_name": client.Name,
	})
	v := keyViewOf(m, client)
	out := struct {
		Error bool `json:"error"`
		Data  struct {
			Key jagKey `json:"key"`
		} `json:"data"`
	}{}
	out.Data.Key = jagKey{ConsumerKey: client.ConsumerKey, ConsumerSecret: client.ConsumerSecret, ValidityTime: "0",
		AppDetails: string(details), KeyType: m.KeyType, KeyState: m.State, Mode: m.Mode, Provisioning: v.Provisioning}
	writeJag(w, out)
}

// grantList reads grant types given as a space- or comma-separated string
// or as a list of strings.
func grantList(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
	}
	return nil
}
