package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/wsdl"
)

// The OAuth/OpenID Connect configuration of a service provider, as the
// console's oauth/add.jsp and oauth/edit.jsp show it, and the caller's
// OAuth clients (oauth/index.jsp).

// OAuth versions as OAuthConsumerAppDTO names them.
const (
	oauth10a = "OAuth-1.0a"
	oauth20  = "OAuth-2.0"
)

// grantLabels are the console's labels of the grant types it knows; the
// others show by name.
var grantLabels = map[string]string{
	"authorization_code": "Code",
	"implicit":           "Implicit",
	"password":           "Password",
	"client_credentials": "Client Credential",
	"refresh_token":      "Refresh Token",
	"urn:ietf:params:oauth:grant-type:saml2-bearer": "SAML",
	"iwa:ntlm": "IWA-NTLM",
}

func grantLabel(g string) string {
	if l, ok := grantLabels[g]; ok {
		return l
	}
	return g
}

// expiryFields are the token lifetimes the form offers when the profile's
// OAuthConsumerAppDTO has them, by field name.
var expiryFields = []struct{ name, label string }{
	{"userAccessTokenExpiryTime", "User Access Token Expiry Time"},
	{"applicationAccessTokenExpiryTime", "Application Access Token Expiry Time"},
	{"refreshTokenExpiryTime", "Refresh Token Expiry Time"},
	{"idTokenExpiryTime", "Id Token Expiry Time"},
}

func expiryOf(dto *wsdl.OAuthConsumerAppDTO, name string) *int64 {
	switch name {
	case "userAccessTokenExpiryTime":
		return &dto.UserAccessTokenExpiryTime
	case "applicationAccessTokenExpiryTime":
		return &dto.ApplicationAccessTokenExpiryTime
	case "refreshTokenExpiryTime":
		return &dto.RefreshTokenExpiryTime
	case "idTokenExpiryTime":
		return &dto.IdTokenExpiryTime
	}
	return nil
}

// appFields are the fields of the active profile's OAuthConsumerAppDTO, as
// its registerOAuthApplicationData takes them.
func (s *Server) appFields() map[string]bool {
	fields := map[string]bool{}
	svc := s.Profile.Service(oauthService)
	if svc == nil {
		return fields
	}
	op := svc.Operation("registerOAuthApplicationData")
	if op == nil || op.Input == nil {
		return fields
	}
	app := op.Input.Field("application")
	if app == nil || app.Elem == nil {
		return fields
	}
	for _, f := range app.Elem.Fields {
		fields[f.Name] = true
	}
	return fields
}

// oauthForm is the form registering or updating the OAuth client of a
// service provider.
type oauthForm struct {
	SPName string
	// Key is the consumer key of the client updated; "" registers one.
	Key      string
	Version  string
	Callback string
	Grants   []grantChoice
	// PKCEField and PKCEPlainField tell whether the profile has the
	// fields.
	PKCEField, PKCEPlainField bool
	PKCEMandatory, PKCEPlain  bool
	Expiry                    []expiryInput
}

type grantChoice struct {
	Value, Label, ID string
	Checked          bool
}

type expiryInput struct {
	Name, Label, ID, Value string
	seconds                int64
}

// Editing tells whether the form updates a client.
func (f *oauthForm) Editing() bool { return f.Key != "" }

// Is20 tells whether OAuth 2.0 is chosen.
func (f *oauthForm) Is20() bool { return f.Version != oauth10a }

func (f *oauthForm) title() string {
	if f.Editing() {
		return "View/Update application settings"
	}
	return "Register New Application"
}

// newOAuthForm is the form for the provider with the profile's fields,
// filled from dto (a new client's defaults when nil).
func (s *Server) newOAuthForm(ctx context.Context, spName string, allowed []string, dto *wsdl.OAuthConsumerAppDTO) *oauthForm {
	fields := s.appFields()
	f := &oauthForm{SPName: spName, Version: oauth20, PKCEField: fields["pkceMandatory"], PKCEPlainField: fields["pkceSupportPlain"]}
	var granted []string
	if dto != nil {
		f.Key, f.Callback = cstr(dto.OauthConsumerKey), cstr(dto.CallbackUrl)
		if cstr(dto.OAuthVersion) == oauth10a {
			f.Version = oauth10a
		}
		granted = strings.Fields(cstr(dto.GrantTypes))
		f.PKCEMandatory, f.PKCEPlain = dto.PkceMandatory, dto.PkceSupportPlain
	}
	for i, g := range allowed {
		f.Grants = append(f.Grants, grantChoice{Value: g, Label: grantLabel(g), ID: "grant-" + strconv.Itoa(i),
			Checked: dto == nil || slices.Contains(granted, g)})
	}
	defaults := dto
	if defaults == nil {
		defaults = new(wsdl.OAuthConsumerAppDTO)
		if t, err := s.OAuth.GetTokenExpiryTimes(ctx); err == nil && t != nil {
			defaults.UserAccessTokenExpiryTime, defaults.ApplicationAccessTokenExpiryTime = t.UserAccessTokenExpiryTime, t.ApplicationAccessTokenExpiryTime
			defaults.RefreshTokenExpiryTime, defaults.IdTokenExpiryTime = t.RefreshTokenExpiryTime, t.IdTokenExpiryTime
		}
	}
	for _, e := range expiryFields {
		if !fields[e.name] {
			continue
		}
		in := expiryInput{Name: e.name, Label: e.label, ID: "expiry-" + e.name}
		if v := *expiryOf(defaults, e.name); v > 0 {
			in.Value = strconv.FormatInt(v, 10)
		}
		f.Expiry = append(f.Expiry, in)
	}
	return f
}

// readOAuthForm takes the posted values into f and checks them as the
// console's page does before it calls the service; it returns what is
// wrong, or "".
func readOAuthForm(r *http.Request, f *oauthForm) string {
	f.Version = oauth20
	if r.PostFormValue("oauthVersion") == oauth10a {
		f.Version = oauth10a
	}
	f.Callback = strings.TrimSpace(r.PostFormValue("callback"))
	picked := r.PostForm["grantTypes"]
	known := map[string]bool{}
	for i := range f.Grants {
		f.Grants[i].Checked = slices.Contains(picked, f.Grants[i].Value)
		known[f.Grants[i].Value] = true
	}
	// A grant type the service does not offer goes to the service, which
	// refuses it with its own words.
	for _, g := range picked {
		if !known[g] && strings.TrimSpace(g) != "" {
			f.Grants = append(f.Grants, grantChoice{Value: g, Label: grantLabel(g), ID: "grant-" + strconv.Itoa(len(f.Grants)), Checked: true})
			known[g] = true
		}
	}
	f.PKCEMandatory = f.PKCEField && r.PostFormValue("pkce") != ""
	f.PKCEPlain = f.PKCEPlainField && r.PostFormValue("pkce_plain") != ""
	if strings.TrimSpace(r.PostFormValue("application")) == "" {
		return "Application name is required"
	}
	if f.Callback == "" && (!f.Is20() || f.granted("authorization_code") || f.granted("implicit")) {
		return "Callback Url is required"
	}
	for i := range f.Expiry {
		e := &f.Expiry[i]
		e.Value = strings.TrimSpace(r.PostFormValue(e.Name))
		if e.Value == "" {
			continue
		}
		n, err := strconv.ParseInt(e.Value, 10, 64)
		if err != nil || n <= 0 {
			return "Invalid value for " + e.Label
		}
		e.seconds = n
	}
	return ""
}

func (f *oauthForm) granted(g string) bool {
	for _, c := range f.Grants {
		if c.Value == g {
			return c.Checked
		}
	}
	return false
}

// apply sets the form's values on dto: the fields the profile has only.
func (f *oauthForm) apply(dto *wsdl.OAuthConsumerAppDTO) {
	dto.OAuthVersion = cptr(f.Version)
	dto.CallbackUrl = cptr(f.Callback)
	dto.GrantTypes = nil
	if f.Is20() {
		var grants []string
		for _, g := range f.Grants {
			if g.Checked {
				grants = append(grants, g.Value)
			}
		}
		dto.GrantTypes = cptr(strings.Join(grants, " "))
	}
	if f.PKCEField {
		dto.PkceMandatory = f.PKCEMandatory
	}
	if f.PKCEPlainField {
		dto.PkceSupportPlain = f.PKCEPlain
	}
	for _, e := range f.Expiry {
		*expiryOf(dto, e.Name) = e.seconds
	}
}

// oauthPage reads what the OAuth form of a request needs: the provider,
// the client updated (when the request names one, which the provider must
// link) and the grant types offered. When it fails it has answered.
func (s *Server) oauthPage(w http.ResponseWriter, r *http.Request, u *user, spName, key string) (*wsdl.ServiceProvider, *wsdl.OAuthConsumerAppDTO, []string, bool) {
	ctx := r.Context()
	sp, ok := s.serviceProvider(w, r, u, spName)
	if !ok {
		return nil, nil, nil, false
	}
	var dto *wsdl.OAuthConsumerAppDTO
	if key != "" {
		if !linksKey(sp, key) {
			s.notFound(w, r, u, "The service provider "+spName+" has no OAuth client "+key+".")
			return nil, nil, nil, false
		}
		var err error
		if dto, err = s.OAuth.GetOAuthApplicationData(ctx, key); err != nil {
			s.problem(w, r, u, errorStatus(err), "Error", "Error occurred while reading OAuth application data : "+s.serviceText(err, "getOAuthApplicationData"))
			return nil, nil, nil, false
		}
	}
	allowed, err := s.OAuth.GetAllowedGrantTypes(ctx)
	if err != nil {
		s.problem(w, r, u, errorStatus(err), "Error", "Error occurred while retrieving allowed grant types")
		return nil, nil, nil, false
	}
	return sp, dto, allowed, true
}

// mayUseOAuthForm checks the permissions of the form's operations.
func (s *Server) mayUseOAuthForm(w http.ResponseWriter, r *http.Request, u *user, editing bool) bool {
	if editing {
		return s.mayCall(w, r, u, "view service providers", appMgtService, "getApplication") &&
			s.mayCall(w, r, u, "update OAuth applications", oauthService, "getAllowedGrantTypes", "getOAuthApplicationData", "updateConsumerApplication")
	}
	return s.mayCall(w, r, u, "update service providers", appMgtService, "getApplication", "updateApplication") &&
		s.mayCall(w, r, u, "register OAuth applications", oauthService, "getAllowedGrantTypes", "registerOAuthApplicationData")
}

// showOAuthForm shows the form registering the provider's OAuth client
// or, for a consumer key the provider links, updating it.
func (s *Server) showOAuthForm(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	q := r.URL.Query()
	spName, key := q.Get("spName"), q.Get("consumerkey")
	if !s.mayUseOAuthForm(w, r, u, key != "") {
		return
	}
	sp, dto, allowed, ok := s.oauthPage(w, r, u, spName, key)
	if !ok {
		return
	}
	f := s.newOAuthForm(r.Context(), cstr(sp.ApplicationName), allowed, dto)
	s.render(w, http.StatusOK, "console/oauth-app", "", s.consoleView(w, r, u, f.title(), f))
}

// saveOAuthApp registers the provider's OAuth client and links it to the
// provider (an oauth2 inbound configuration with its consumer key, as the
// console's Update saves it), or updates the client.
func (s *Server) saveOAuthApp(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	spName, key := r.PostFormValue("spName"), r.PostFormValue("consumerkey")
	if !s.mayUseOAuthForm(w, r, u, key != "") {
		return
	}
	ctx := r.Context()
	sp, current, allowed, ok := s.oauthPage(w, r, u, spName, key)
	if !ok {
		return
	}
	spName = cstr(sp.ApplicationName)
	f := s.newOAuthForm(ctx, spName, allowed, current)
	failed := func(status int, msg string) {
		v := u.view(consoleArea, f.title(), f)
		v.Error = msg
		s.fail(w, r, status, "console/oauth-app", v)
	}
	if msg := readOAuthForm(r, f); msg != "" {
		failed(http.StatusBadRequest, msg)
		return
	}
	back := withQuery(spEditPath, "spName", spName)
	if current != nil {
		// The client as stored, with the form's values: the fields the
		// form does not show keep theirs.
		dto := *current
		f.apply(&dto)
		if err := s.OAuth.UpdateConsumerApplication(ctx, &dto); err != nil {
			failed(errorStatus(err), "Error occurred while updating the application : "+s.serviceText(err, "updateConsumerApplication"))
			return
		}
		s.done(w, r, back, "Application updated successfully")
		return
	}
	dto := &wsdl.OAuthConsumerAppDTO{ApplicationName: cptr(r.PostFormValue("application"))}
	f.apply(dto)
	created, err := s.OAuth.RegisterAndRetrieveOAuthApplicationData(ctx, dto)
	if err != nil {
		failed(errorStatus(err), "Error occurred while adding the application : "+s.serviceText(err, "registerOAuthApplicationData"))
		return
	}
	newKey := cstr(created.OauthConsumerKey)
	if err := s.linkClient(ctx, u, spName, newKey); err != nil {
		// The client of no provider would stay behind: it goes.
		s.OAuth.RemoveOAuthApplicationData(ctx, newKey)
		failed(errorStatus(err), "Error occurred while adding the application : "+s.serviceText(err, "updateApplication"))
		return
	}
	s.done(w, r, back, "Application registered successfully")
}

// oauthClientsPage lists the caller's OAuth clients.
type oauthClientsPage struct {
	Clients   []oauthListRow
	ShowState bool
}

type oauthListRow struct {
	Name, Key, Callback, State string
	Grants                     []string
}

const oauthClientsTitle = "OAuth Clients"

func (s *Server) oauthClients(ctx context.Context) (*oauthClientsPage, error) {
	apps, err := s.OAuth.GetAllOAuthApplicationData(ctx)
	p := &oauthClientsPage{ShowState: s.appFields()["state"]}
	if err != nil {
		return p, err
	}
	for _, a := range apps {
		row := oauthListRow{Name: cstr(a.ApplicationName), Key: cstr(a.OauthConsumerKey), Callback: cstr(a.CallbackUrl), State: cstr(a.State)}
		for _, g := range strings.Fields(cstr(a.GrantTypes)) {
			row.Grants = append(row.Grants, grantLabel(g))
		}
		p.Clients = append(p.Clients, row)
	}
	return p, nil
}

func (s *Server) listOAuthClients(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.mayCall(w, r, u, "list OAuth applications", oauthService, "getAllOAuthApplicationData") {
		return
	}
	p, err := s.oauthClients(r.Context())
	s.renderConsole(w, r, u, oauthClientsTitle, "console/oauth-clients", p, err, "Error occurred while reading OAuth application data : "+s.serviceText(err, "getAllOAuthApplicationData"))
}

// deleteOAuthClient removes a client (removeOAuthApplicationData); as on
// the SOAP face, a service provider linking it keeps its configuration.
func (s *Server) deleteOAuthClient(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.mayCall(w, r, u, "delete OAuth applications", oauthService, "removeOAuthApplicationData") {
		return
	}
	ctx := r.Context()
	err := s.OAuth.RemoveOAuthApplicationData(ctx, r.PostFormValue("consumerkey"))
	s.answerListChange(w, r, u, listChange{path: oauthClientsPath, title: oauthClientsTitle, page: "console/oauth-clients", fragment: "oauth-clients-swap",
		err: err, failed: "Error occurred while removing the application : " + s.serviceText(err, "removeOAuthApplicationData"), done: "Application removed successfully",
		reload: func() (any, string) {
			p, err := s.oauthClients(ctx)
			if err != nil {
				return p, "Error occurred while reading OAuth application data : " + s.serviceText(err, "getAllOAuthApplicationData")
			}
			return p, ""
		}})
}
