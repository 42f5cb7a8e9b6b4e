package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

// Service providers, as the console's list-service-providers.jsp,
// add-service-provider.jsp and configure-service-provider.jsp show them.

type spRow struct {
	Name, Description string
}

// spListPage is the list of service providers with the form adding one.
type spListPage struct {
	Providers []spRow
	// Name and Description are the add form's values.
	Name, Description string
}

const spListTitle = "Service Providers"

func (s *Server) spList(ctx context.Context) ([]spRow, error) {
	infos, err := s.AppMgt.GetAllApplicationBasicInfo(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]spRow, 0, len(infos))
	for _, info := range infos {
		rows = append(rows, spRow{Name: cstr(info.ApplicationName), Description: cstr(info.Description)})
	}
	return rows, nil
}

// cstr is *p, or "" for nil.
func cstr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func cptr(s string) *string { return &s }

func (s *Server) listServiceProviders(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.mayCall(w, r, u, "list service providers", appMgtService, "getAllApplicationBasicInfo") {
		return
	}
	rows, err := s.spList(r.Context())
	s.renderConsole(w, r, u, spListTitle, "console/service-providers", &spListPage{Providers: rows}, err, "Error while loading service providers : "+s.serviceText(err, "getAllApplicationBasicInfo"))
}

// addServiceProvider creates a service provider and, as the console does,
// opens it for configuration.
func (s *Server) addServiceProvider(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.mayCall(w, r, u, "add service providers", appMgtService, "createApplication") {
		return
	}
	ctx := r.Context()
	name := strings.TrimSpace(r.PostFormValue("spName"))
	desc := r.PostFormValue("sp-description")
	failed := func(status int, msg string) {
		rows, _ := s.spList(ctx)
		v := u.view(consoleArea, spListTitle, &spListPage{Providers: rows, Name: name, Description: desc})
		v.Error = msg
		s.fail(w, r, status, "console/service-providers", v)
	}
	if name == "" {
		failed(http.StatusBadRequest, "Please provide Service Provider Name")
		return
	}
	if _, err := s.AppMgt.CreateApplication(ctx, &wsdl.ServiceProvider{ApplicationName: &name, Description: &desc}); err != nil {
		failed(errorStatus(err), s.serviceText(err, "createApplication"))
		return
	}
	s.done(w, r, withQuery(spEditPath, "spName", name), "Service Provider "+name+" added successfully")
}

// deleteServiceProvider deletes a service provider with what
// deleteApplication deletes with it (its OAuth clients, except MAPPED
// ones).
func (s *Server) deleteServiceProvider(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.mayCall(w, r, u, "delete service providers", appMgtService, "deleteApplication") {
		return
	}
	ctx := r.Context()
	name := r.PostFormValue("spName")
	err := s.AppMgt.DeleteApplication(ctx, name)
	s.answerListChange(w, r, u, listChange{path: spListPath, title: spListTitle, page: "console/service-providers", fragment: "sp-list-swap",
		err: err, failed: "Error while removing application : " + s.serviceText(err, "deleteApplication"), done: "Service Provider " + name + " deleted successfully",
		reload: func() (any, string) {
			rows, err := s.spList(ctx)
			if err != nil {
				return &spListPage{Providers: rows}, "Error while loading service providers : " + s.serviceText(err, "getAllApplicationBasicInfo")
			}
			return &spListPage{Providers: rows}, ""
		}})
}

// spPage is the edit page of a service provider.
type spPage struct {
	// OldName is the provider's name; Name and Description the form's.
	OldName, Name, Description string
	Clients                    []oauthClientRow
	// Revoke and Regenerate tell whether the profile has the operations
	// behind the actions; ShowState whether its clients have a state.
	Revoke, Regenerate, ShowState bool
}

// oauthClientRow is an OAuth client an oauth2 inbound configuration links.
type oauthClientRow struct {
	Key, Secret, State string
	// Missing is set when no client has the key.
	Missing bool
	// SecretID is the id of the secret's input; Shown shows the secret in
	// plain text (the Show link without JavaScript).
	SecretID string
	Shown    bool
}

// Revoked tells whether the client is revoked.
func (c oauthClientRow) Revoked() bool { return c.State == admin.StateRevoked }

// oauthKeysOf lists the consumer keys of the provider's oauth2 inbound
// configurations.
func oauthKeysOf(sp *wsdl.ServiceProvider) []string {
	var keys []string
	if sp.InboundAuthenticationConfig == nil {
		return keys
	}
	for _, ic := range sp.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs {
		if isOAuthInbound(ic) {
			keys = append(keys, cstr(ic.InboundAuthKey))
		}
	}
	return keys
}

func isOAuthInbound(ic *wsdl.InboundAuthenticationRequestConfig) bool {
	if ic == nil || strings.TrimSpace(cstr(ic.InboundAuthKey)) == "" {
		return false
	}
	t := cstr(ic.InboundAuthType)
	return t == "oauth2" || t == "oauth"
}

func linksKey(sp *wsdl.ServiceProvider, key string) bool {
	for _, k := range oauthKeysOf(sp) {
		if k == key {
			return true
		}
	}
	return false
}

// regenerateOperation is the operation of the profile that gives a client
// a new secret, or "".
func (s *Server) regenerateOperation() string {
	for _, op := range []string{"updateAndRetrieveOauthSecretKey", "updateOauthSecretKey"} {
		if s.hasOperation(oauthService, op) {
			return op
		}
	}
	return ""
}

// serviceProvider reads the named provider for a page; when there is none
// or reading fails, it has answered.
func (s *Server) serviceProvider(w http.ResponseWriter, r *http.Request, u *user, name string) (*wsdl.ServiceProvider, bool) {
	sp, err := s.AppMgt.GetApplication(r.Context(), name)
	if err != nil {
		s.problem(w, r, u, errorStatus(err), "Error", "Error while reading Service Provider : "+s.serviceText(err, "getApplication"))
		return nil, false
	}
	if sp == nil {
		s.notFound(w, r, u, "There is no service provider named "+name+".")
		return nil, false
	}
	return sp, true
}

// spView builds the edit page of sp; shown names the client whose secret
// shows in plain text.
func (s *Server) spView(ctx context.Context, sp *wsdl.ServiceProvider, shown string) *spPage {
	p := &spPage{
		OldName: cstr(sp.ApplicationName), Name: cstr(sp.ApplicationName), Description: cstr(sp.Description),
		Revoke:     s.hasOperation(oauthService, "updateConsumerAppState"),
		Regenerate: s.regenerateOperation() != "",
		ShowState:  s.appFields()["state"],
	}
	for i, key := range oauthKeysOf(sp) {
		row := oauthClientRow{Key: key, SecretID: "oauth-secret-" + strconv.Itoa(i), Shown: key == shown}
		dto, err := s.OAuth.GetOAuthApplicationData(ctx, key)
		if err != nil {
			row.Missing = true
		} else {
			row.Secret, row.State = cstr(dto.OauthConsumerSecret), cstr(dto.State)
		}
		p.Clients = append(p.Clients, row)
	}
	return p
}

func (s *Server) editServiceProvider(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.mayCall(w, r, u, "view service providers", appMgtService, "getApplication") ||
		!s.mayCall(w, r, u, "view OAuth applications", oauthService, "getOAuthApplicationData") {
		return
	}
	q := r.URL.Query()
	sp, ok := s.serviceProvider(w, r, u, q.Get("spName"))
	if !ok {
		return
	}
	v := s.consoleView(w, r, u, spListTitle, s.spView(r.Context(), sp, q.Get("show")))
	s.render(w, http.StatusOK, "console/service-provider", "", v)
}

// updateServiceProvider saves the basic information of a provider: its
// name and description.
func (s *Server) updateServiceProvider(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.mayCall(w, r, u, "update service providers", appMgtService, "getApplication", "updateApplication") {
		return
	}
	ctx := r.Context()
	oldName := r.PostFormValue("oldSPName")
	sp, ok := s.serviceProvider(w, r, u, oldName)
	if !ok {
		return
	}
	name := strings.TrimSpace(r.PostFormValue("spName"))
	desc := r.PostFormValue("sp-description")
	failed := func(status int, msg string) {
		p := s.spView(ctx, sp, "")
		p.Name, p.Description = name, desc
		v := u.view(consoleArea, spListTitle, p)
		v.Error = msg
		s.fail(w, r, status, "console/service-provider", v)
	}
	if name == "" {
		failed(http.StatusBadRequest, "Please provide Service Provider Name")
		return
	}
	sp.ApplicationName, sp.Description = &name, &desc
	if err := s.AppMgt.UpdateApplication(ctx, sp); err != nil {
		failed(errorStatus(err), "Error while updating Service Provider : "+s.serviceText(err, "updateApplication"))
		return
	}
	s.done(w, r, spListPath, "Service Provider "+name+" updated successfully")
}

// linkClient adds to the provider an oauth2 inbound configuration naming
// the client, as the console's Update does after registering one.
func (s *Server) linkClient(ctx context.Context, u *user, spName, key string) error {
	sp, err := s.AppMgt.GetApplication(ctx, spName)
	if err != nil {
		return err
	}
	if sp == nil {
		return admin.Errorf("appmgt.name-not-found", "Cannot find application with name: %s in tenantDomain: %s", spName, u.TenantDomain)
	}
	if sp.InboundAuthenticationConfig == nil {
		sp.InboundAuthenticationConfig = &wsdl.InboundAuthenticationConfig{}
	}
	ia := sp.InboundAuthenticationConfig
	// An oauth2 configuration without a key stands for the unconfigured
	// protocol: the new one takes its place.
	configs := ia.InboundAuthenticationRequestConfigs[:0]
	for _, ic := range ia.InboundAuthenticationRequestConfigs {
		if ic != nil && cstr(ic.InboundAuthType) == "oauth2" && strings.TrimSpace(cstr(ic.InboundAuthKey)) == "" {
			continue
		}
		configs = append(configs, ic)
	}
	ia.InboundAuthenticationRequestConfigs = append(configs, &wsdl.InboundAuthenticationRequestConfig{
		InboundAuthKey: cptr(key), InboundAuthType: cptr("oauth2"), Properties: []*wsdl.Property{},
	})
	return s.AppMgt.UpdateApplication(ctx, sp)
}

// unlinkClient removes the provider's oauth2 inbound configurations of the
// key.
func (s *Server) unlinkClient(ctx context.Context, sp *wsdl.ServiceProvider, key string) error {
	ia := sp.InboundAuthenticationConfig
	configs := ia.InboundAuthenticationRequestConfigs[:0]
	for _, ic := range ia.InboundAuthenticationRequestConfigs {
		if isOAuthInbound(ic) && cstr(ic.InboundAuthKey) == key {
			continue
		}
		configs = append(configs, ic)
	}
	ia.InboundAuthenticationRequestConfigs = configs
	return s.AppMgt.UpdateApplication(ctx, sp)
}

// linkedClient reads the provider of the form's spName and checks that it
// links the form's consumer key; when not, it has answered.
func (s *Server) linkedClient(w http.ResponseWriter, r *http.Request, u *user) (*wsdl.ServiceProvider, string, bool) {
	spName, key := r.PostFormValue("spName"), r.PostFormValue("consumerkey")
	sp, ok := s.serviceProvider(w, r, u, spName)
	if !ok {
		return nil, "", false
	}
	if !linksKey(sp, key) {
		s.notFound(w, r, u, "The service provider "+spName+" has no OAuth client "+key+".")
		return nil, "", false
	}
	return sp, key, true
}

// deleteSPOAuthApp removes the OAuth/OpenID Connect configuration of a
// provider as the console does: the link goes, and the OAuth client with
// it (removeOAuthApplicationData).
func (s *Server) deleteSPOAuthApp(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.mayCall(w, r, u, "delete OAuth applications", appMgtService, "getApplication", "updateApplication") ||
		!s.mayCall(w, r, u, "delete OAuth applications", oauthService, "removeOAuthApplicationData") {
		return
	}
	ctx := r.Context()
	sp, key, ok := s.linkedClient(w, r, u)
	if !ok {
		return
	}
	back := withQuery(spEditPath, "spName", cstr(sp.ApplicationName))
	if err := s.unlinkClient(ctx, sp, key); err != nil {
		s.doneWithError(w, r, back, "Error occurred while removing the application : "+s.serviceText(err, "updateApplication"))
		return
	}
	// Unlinking deleted the client unless the store keeps it as MAPPED
	// keys; the console removes it all the same.
	if err := s.OAuth.RemoveOAuthApplicationData(ctx, key); err != nil && !isCode(err, "oauth.client-not-found") {
		s.doneWithError(w, r, back, "Error occurred while removing the application : "+s.serviceText(err, "removeOAuthApplicationData"))
		return
	}
	s.done(w, r, back, "Application removed successfully")
}

// revokeOAuthApp revokes a provider's client (updateConsumerAppState),
// as the console's Revoke does.
func (s *Server) revokeOAuthApp(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.hasOperation(oauthService, "updateConsumerAppState") {
		s.notFound(w, r, u, "Revoking OAuth clients is not supported by the wire profile "+s.Profile.Name+".")
		return
	}
	if !s.mayCall(w, r, u, "view service providers", appMgtService, "getApplication") ||
		!s.mayCall(w, r, u, "revoke OAuth applications", oauthService, "getOAuthApplicationData", "updateConsumerAppState") {
		return
	}
	ctx := r.Context()
	sp, key, ok := s.linkedClient(w, r, u)
	if !ok {
		return
	}
	back := withQuery(spEditPath, "spName", cstr(sp.ApplicationName))
	dto, err := s.OAuth.GetOAuthApplicationData(ctx, key)
	if err == nil && cstr(dto.State) == admin.StateRevoked {
		s.done(w, r, back, "Application is already revoked.")
		return
	}
	if err == nil {
		err = s.OAuth.UpdateConsumerAppState(ctx, key, admin.StateRevoked)
	}
	if err != nil {
		s.doneWithError(w, r, back, "Error occurred while reading OAuth application data : "+s.serviceText(err, "updateConsumerAppState"))
		return
	}
	s.done(w, r, back, "Application successfully revoked.")
}

// regenerateOAuthSecret gives a provider's client a new secret (and makes
// a revoked one active), as the console's Regenerate Secret does.
func (s *Server) regenerateOAuthSecret(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	op := s.regenerateOperation()
	if op == "" {
		s.notFound(w, r, u, "Regenerating client secrets is not supported by the wire profile "+s.Profile.Name+".")
		return
	}
	if !s.mayCall(w, r, u, "view service providers", appMgtService, "getApplication") ||
		!s.mayCall(w, r, u, "regenerate OAuth client secrets", oauthService, op) {
		return
	}
	ctx := r.Context()
	sp, key, ok := s.linkedClient(w, r, u)
	if !ok {
		return
	}
	back := withQuery(spEditPath, "spName", cstr(sp.ApplicationName))
	var err error
	if op == "updateAndRetrieveOauthSecretKey" {
		_, err = s.OAuth.UpdateAndRetrieveOauthSecretKey(ctx, key)
	} else {
		err = s.OAuth.UpdateOauthSecretKey(ctx, key)
	}
	if err != nil {
		s.doneWithError(w, r, back, "Error occurred while reading OAuth application data : "+s.serviceText(err, op))
		return
	}
	s.done(w, r, back, "Client Secret successfully updated for Client ID: "+key)
}
