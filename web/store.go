package web

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/store"
	"github.com/isadmin/isadmin/storeapi"
)

// The store page follows API Manager 1.9's store: the user's applications
// (Add Application, Delete) and, per application, its "Subscriptions" page
// with the panels "Keys - Production" and "Keys - Sandbox" (Generate keys,
// Provide keys, the keys, Re-generate of the access token, cURL examples).
// Everything goes through storeapi.Server's facade, as the JSON routes do.

// registerStore adds the store page's routes under /store/.
func (s *Server) registerStore(r routes) {
	s.registerSession(r, storeArea)
	r.GET("/store/", s.guard(storeArea, s.showStoreHome))
	r.POST("/store/applications", s.guard(storeArea, s.addApplication))
	r.GET("/store/subscriptions", s.guard(storeArea, s.selectApplication))
	r.GET("/store/applications/:id", s.guard(storeArea, s.showSubscriptions))
	r.POST("/store/applications/:id/delete", s.guard(storeArea, s.deleteApplication))
	r.POST("/store/applications/:id/keys/:type/generate", s.guard(storeArea, s.keyAction(s.generateKeys)))
	r.POST("/store/applications/:id/keys/:type/provide", s.guard(storeArea, s.keyAction(s.provideKeys)))
	r.POST("/store/applications/:id/keys/:type/token", s.guard(storeArea, s.keyAction(s.regenerateToken)))
}

// storeError is the status and text a page shows for an error of the
// store's facade.
func storeError(err error) (int, string) {
	status := http.StatusInternalServerError
	var e *storeapi.Error
	if errors.As(err, &e) {
		status = e.Status
	}
	return status, storeapi.ErrorMessage(err)
}

// appRow is an application in the list of the store's home.
type appRow struct {
	App  *store.Application
	Keys int
}

// storeHome is the data of the applications page.
type storeHome struct {
	Apps []appRow
	// Name and Description are the values of the Add Application form.
	Name, Description string
}

func (s *Server) showStoreHome(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	s.renderStoreHome(w, r, u, http.StatusOK, "", storeHome{})
}

// renderStoreHome shows the applications page with the form values of
// home and the message msg.
func (s *Server) renderStoreHome(w http.ResponseWriter, r *http.Request, u *user, status int, msg string, home storeHome) {
	ctx := r.Context()
	v := u.view(storeArea, "Applications - API Store", nil)
	v.Error = msg
	apps, err := s.Store.Applications(ctx, u.Principal)
	if err != nil {
		status, v.Error = storeError(err)
	}
	for _, app := range apps {
		row := appRow{App: app}
		if _, keys, err := s.Store.Application(ctx, u.Principal, app.UUID); err == nil {
			row.Keys = len(keys)
		}
		home.Apps = append(home.Apps, row)
	}
	v.Data = home
	s.render(w, status, "store/home", "", v)
}

// addApplication is the Add Application form: Name and Description.
func (s *Server) addApplication(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	name, description := r.PostFormValue("name"), r.PostFormValue("description")
	if _, err := s.Store.CreateApplication(r.Context(), u.Principal, name, description); err != nil {
		status, msg := storeError(err)
		s.renderStoreHome(w, r, u, status, msg, storeHome{Name: name, Description: description})
		return
	}
	redirect(w, r, storeArea.path)
}

// deleteApplication deletes an application: the OAuth clients of its
// generated keys go with it, provided (MAPPED) ones stay.
func (s *Server) deleteApplication(w http.ResponseWriter, r *http.Request, ps httprouter.Params, u *user) {
	if err := s.Store.DeleteApplication(r.Context(), u.Principal, ps.ByName("id")); err != nil {
		status, msg := storeError(err)
		s.renderStoreHome(w, r, u, status, msg, storeHome{})
		return
	}
	redirect(w, r, storeArea.path)
}

// applicationPath is the Subscriptions page of an application.
func applicationPath(id string) string { return "/store/applications/" + url.PathEscape(id) }

// selectApplication is the application selector of the Subscriptions
// page (a GET form): it goes to the chosen application's page, or to the
// first application's.
func (s *Server) selectApplication(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if id := r.URL.Query().Get("application"); id != "" {
		http.Redirect(w, r, applicationPath(id), http.StatusSeeOther)
		return
	}
	apps, err := s.Store.Applications(r.Context(), u.Principal)
	if err != nil || len(apps) == 0 {
		http.Redirect(w, r, storeArea.path, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, applicationPath(apps[0].UUID), http.StatusSeeOther)
}

// keyTypes are the key types by their name in paths, in page order.
var keyTypes = []struct{ slug, keyType, label string }{
	{"production", store.KeyTypeProduction, "Production"},
	{"sandbox", store.KeyTypeSandbox, "Sandbox"},
}

// defaultValidity is the validity the page proposes for tokens, in
// seconds, as API Manager 1.9's store does.
const defaultValidity = "3600"

// keyPanel is the data of a panel "Keys - Production" or "Keys - Sandbox".
type keyPanel struct {
	// AppID is the application's id; Slug, KeyType and Label name the key
	// type in paths, in the store and on the page.
	AppID, Slug, KeyType, Label string
	CSRF                        string
	// Unavailable panels show their Error only (the application is not
	// the user's).
	Unavailable bool
	// Mapping is the key type's keys, nil when there are none; Client
	// their OAuth client, nil when the key manager no longer has it
	// (Gone) or could not be asked (Error).
	Mapping *store.KeyMapping
	Client  *storeapi.OAuthClient
	Gone    bool
	// MappingAllowed shows Provide keys; ShowProvide opens its form with
	// ConsumerKey.
	MappingAllowed bool
	ShowProvide    bool
	ConsumerKey    string
	// Token is the access token the last action got; Validity the
	// validity field's value, in seconds.
	Token    *storeapi.AccessToken
	Validity string
	// TokenURL is the token endpoint the cURL examples call, Basic their
	// Authorization value.
	TokenURL, Basic string
	Notice, Error   string
}

// Page is the path of the panel's page.
func (p *keyPanel) Page() string { return applicationPath(p.AppID) }

// Action is the path of the panel's action name.
func (p *keyPanel) Action(name string) string {
	return applicationPath(p.AppID) + "/keys/" + p.Slug + "/" + name
}

// Generated tells whether the keys are CREATED ones.
func (p *keyPanel) Generated() bool {
	return p.Mapping != nil && p.Mapping.Mode == store.ModeCreated
}

// Resident tells whether the keys are of the resident key manager.
func (p *keyPanel) Resident() bool {
	return p.Mapping == nil || p.Mapping.KeyManager == storeapi.ResidentKeyManager
}

// NeverExpires tells whether the token never expires.
func (p *keyPanel) NeverExpires() bool { return p.Token != nil && p.Token.ExpiresIn < 0 }

// subscriptions is the data of an application's Subscriptions page.
type subscriptions struct {
	Apps   []*store.Application
	App    *store.Application
	Panels []*keyPanel
}

// tokenURL is the token endpoint of the user's tenant, at the server's
// endpoint or the request's own scheme and host.
func (s *Server) tokenURL(r *http.Request, p admin.Principal) string {
	base := strings.TrimSuffix(s.Endpoint, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	if p.TenantDomain != "" && p.TenantDomain != admin.SuperTenantDomain {
		base += "/t/" + url.PathEscape(p.TenantDomain)
	}
	return base + "/oauth2/token"
}

// panel builds the panel of the key type slug of an application.
func (s *Server) panel(ctx context.Context, r *http.Request, u *user, appID, slug string, keys []*store.KeyMapping) *keyPanel {
	p := &keyPanel{AppID: appID, Slug: slug, CSRF: u.CSRF, MappingAllowed: s.Store.MappingAllowed(), Validity: defaultValidity}
	for _, kt := range keyTypes {
		if kt.slug == slug {
			p.KeyType, p.Label = kt.keyType, kt.label
		}
	}
	p.ShowProvide = r.URL.Query().Get("provide") == slug
	p.Mapping = storeapi.KeysOf(keys, p.KeyType)
	if p.Mapping == nil {
		return p
	}
	c, err := s.Store.ClientOf(ctx, p.Mapping)
	switch {
	case err != nil:
		_, p.Error = storeError(err)
	case c == nil:
		p.Gone = true
	default:
		p.Client = c
		p.TokenURL = s.tokenURL(r, u.Principal)
		p.Basic = base64.StdEncoding.EncodeToString([]byte(c.ConsumerKey + ":" + c.ConsumerSecret))
	}
	return p
}

// subscriptionsOf builds the Subscriptions page of the application id;
// edit, when set, adjusts the panel of the key type slug.
func (s *Server) subscriptionsOf(ctx context.Context, r *http.Request, u *user, id, slug string, edit func(*keyPanel)) (*subscriptions, error) {
	app, keys, err := s.Store.Application(ctx, u.Principal, id)
	if err != nil {
		return nil, err
	}
	apps, err := s.Store.Applications(ctx, u.Principal)
	if err != nil {
		return nil, err
	}
	page := &subscriptions{Apps: apps, App: app}
	for _, kt := range keyTypes {
		p := s.panel(ctx, r, u, app.UUID, kt.slug, keys)
		if kt.slug == slug && edit != nil {
			edit(p)
		}
		page.Panels = append(page.Panels, p)
	}
	return page, nil
}

// renderSubscriptions shows the Subscriptions page of the application id,
// or the store's message when it is not the user's.
func (s *Server) renderSubscriptions(w http.ResponseWriter, r *http.Request, u *user, status int, id, slug string, edit func(*keyPanel)) {
	v := u.view(storeArea, "Subscriptions - API Store", &subscriptions{})
	page, err := s.subscriptionsOf(r.Context(), r, u, id, slug, edit)
	if err != nil {
		status, v.Error = storeError(err)
	} else {
		v.Data = page
		v.Title = page.App.Name + " - Subscriptions - API Store"
	}
	s.render(w, status, "store/subscriptions", "", v)
}

func (s *Server) showSubscriptions(w http.ResponseWriter, r *http.Request, ps httprouter.Params, u *user) {
	s.renderSubscriptions(w, r, u, http.StatusOK, ps.ByName("id"), "", nil)
}

// keyOutcome is what a panel's action did: the panel to show (htmx) or,
// for a plain form, the status of the whole page (0 redirects to it).
type keyOutcome struct {
	status int
	edit   func(*keyPanel)
}

// keyHandler is a panel's action on the application id and key type.
type keyHandler func(r *http.Request, u *user, id string, p *keyPanel) keyOutcome

// keyAction runs a panel's action: htmx gets the panel (200 also for a
// refusal, which htmx would not swap in otherwise); a plain form the
// whole page with the panel's message and the refusal's status, or a
// redirect to the page.
func (s *Server) keyAction(h keyHandler) handler {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params, u *user) {
		id, slug := ps.ByName("id"), ps.ByName("type")
		p := &keyPanel{AppID: id, Slug: slug, CSRF: u.CSRF, Validity: defaultValidity}
		for _, kt := range keyTypes {
			if kt.slug == slug {
				p.KeyType, p.Label = kt.keyType, kt.label
			}
		}
		if p.KeyType == "" {
			http.NotFound(w, r)
			return
		}
		out := h(r, u, id, p)
		if !isHTMX(r) {
			if out.status == 0 {
				redirect(w, r, applicationPath(id))
				return
			}
			s.renderSubscriptions(w, r, u, out.status, id, slug, out.edit)
			return
		}
		_, keys, err := s.Store.Application(r.Context(), u.Principal, id)
		if err != nil {
			panel := &keyPanel{AppID: id, Slug: slug, KeyType: p.KeyType, Label: p.Label, CSRF: u.CSRF, Unavailable: true}
			_, panel.Error = storeError(err)
			s.render(w, http.StatusOK, "store/subscriptions", "key-panel-fragment", &View{Data: panel})
			return
		}
		panel := s.panel(r.Context(), r, u, id, slug, keys)
		if out.edit != nil {
			out.edit(panel)
		}
		s.render(w, http.StatusOK, "store/subscriptions", "key-panel-fragment", &View{Data: panel})
	}
}

// refused is the outcome of an action the store refused with err; open
// keeps the Provide keys form open with the consumer key.
func refused(err error, validity, consumerKey string, open bool) keyOutcome {
	status, msg := storeError(err)
	return keyOutcome{status: status, edit: func(p *keyPanel) {
		p.Error, p.Validity = msg, validity
		if open {
			p.ShowProvide, p.ConsumerKey = true, consumerKey
		}
	}}
}

// validityOf reads a validity field: whole seconds; empty is the key
// manager's default, a negative number a token that never expires.
func validityOf(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > int64(time.Duration(1<<63-1)/time.Second) {
		return 0, &storeapi.Error{Status: http.StatusBadRequest, Description: "Enter a valid number"}
	}
	if n < 0 {
		return -1, nil
	}
	return time.Duration(n) * time.Second, nil
}

// generateKeys is Generate keys: a new OAuth client with API Manager 1.9's
// grant types, and a token for it.
func (s *Server) generateKeys(r *http.Request, u *user, id string, p *keyPanel) keyOutcome {
	ctx := r.Context()
	field := r.PostFormValue("validity_time")
	validity, err := validityOf(field)
	if err != nil {
		return refused(err, field, "", false)
	}
	grants, err := s.Store.LegacyGrantTypes(ctx)
	if err != nil {
		return refused(err, field, "", false)
	}
	if _, _, err := s.Store.GenerateKeys(ctx, u.Principal, id, p.KeyType, grants, ""); err != nil {
		return refused(err, field, "", false)
	}
	token, err := s.Store.GenerateToken(ctx, u.Principal, id, p.KeyType, validity)
	return keyOutcome{edit: func(p *keyPanel) {
		p.Validity = field
		if err != nil {
			_, msg := storeError(err)
			p.Error = "The keys were generated, but no access token could be had: " + msg
			return
		}
		p.Token = token
	}}
}

// provideKeys is Provide keys' Save: an existing OAuth client is mapped.
func (s *Server) provideKeys(r *http.Request, u *user, id string, p *keyPanel) keyOutcome {
	key := r.PostFormValue("consumer_key")
	if _, _, err := s.Store.ProvideKeys(r.Context(), u.Principal, id, p.KeyType, key, r.PostFormValue("consumer_secret")); err != nil {
		return refused(err, defaultValidity, key, true)
	}
	return keyOutcome{}
}

// regenerateToken is Re-generate: the current token is revoked and a new
// one got. A plain form shows the page with it (the store keeps no
// token to show after a redirect).
func (s *Server) regenerateToken(r *http.Request, u *user, id string, p *keyPanel) keyOutcome {
	field := r.PostFormValue("validity_time")
	validity, err := validityOf(field)
	if err != nil {
		return refused(err, field, "", false)
	}
	token, err := s.Store.RegenerateToken(r.Context(), u.Principal, id, p.KeyType, validity)
	if err != nil {
		return refused(err, field, "", false)
	}
	return keyOutcome{status: http.StatusOK, edit: func(p *keyPanel) { p.Token, p.Validity = token, field }}
}
