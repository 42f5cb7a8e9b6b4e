package admin

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/isadmin/isadmin/wsdl"
)

// Constants of Identity Server's application management.
const (
	// AppNameRegex is the default SPNameRegex of identity.xml
	// (ApplicationConstants.APP_NAME_VALIDATING_REGEX).
	AppNameRegex = `^[a-zA-Z0-9 ._-]*$`
	// ItemsPerPage is the page size of the paginated listings
	// (ApplicationConstants.DEFAULT_RESULTS_PER_PAGE; identity.xml
	// ServiceProviders.ItemsPerPage overrides it upstream).
	ItemsPerPage = 10
	// OAuthSecretProperty is the inbound property that carries an OAuth
	// client's secret on read; it is never stored.
	OAuthSecretProperty = "oauthConsumerSecret"

	useDomainInRoles           = "USE_DOMAIN_IN_ROLES"
	useUserIDForDefaultSubject = "USE_USER_ID_FOR_DEFAULT_SUBJECT"
	defaultTemplateName        = "default"
	primaryUserStore           = "PRIMARY"
	latestAppVersion           = "v2.0.0"
	// importInvalidRequest is the error code an ImportResponse carries for
	// a refused import (IdentityApplicationConstants.Error.INVALID_REQUEST).
	importInvalidRequest = "60001"
	importCreated        = 201
	importUpdated        = 200
	importFailed         = 400
)

var appNameRE = regexp.MustCompile(AppNameRegex)

// SPTemplate is a service provider template of a tenant: a service provider
// configuration (in the export format) that new applications start from.
type SPTemplate struct {
	TenantID    int64
	Name        string
	Description string
	Content     string
}

// TemplateStore keeps service provider templates. Names are unique per
// tenant (ErrDuplicateName).
type TemplateStore interface {
	CreateSPTemplate(ctx context.Context, t *SPTemplate) error
	// UpdateSPTemplate replaces the template named oldName with t (which may
	// rename it); ErrNotFound when there is none.
	UpdateSPTemplate(ctx context.Context, tenantID int64, oldName string, t *SPTemplate) error
	FindSPTemplate(ctx context.Context, tenantID int64, name string) (*SPTemplate, error)
	// ListSPTemplates returns the tenant's templates ordered by name.
	ListSPTemplates(ctx context.Context, tenantID int64) ([]*SPTemplate, error)
	// DeleteSPTemplate reports ErrNotFound when no row was deleted.
	DeleteSPTemplate(ctx context.Context, tenantID int64, name string) error
}

// AppMgt implements wsdl.IdentityApplicationManagementService for every
// profile: service providers (applications), the OAuth clients they link,
// templates, export and import, and the server's catalogue of
// authenticators, identity providers and claims.
//
// Semantics shared by both profiles, where upstream generations differ or
// say nothing:
//   - getApplication of an unknown name returns null (IS 7), and
//     deleteApplication of an unknown name succeeds without doing anything
//     (IS 7's service layer; IS 5.0 failed its role check instead).
//   - Removing an oauth2 inbound configuration in updateApplication deletes
//     that OAuth client (IS 7), and deleteApplication deletes every linked
//     client (both generations), except clients whose key is MAPPED.
//   - A consumer key links to at most one service provider; upstream lets
//     two providers share a client.
//   - Per-application roles (Application/<name>) are not modelled: every
//     caller of the tenant sees and edits every provider of the tenant, as
//     IS 7 does with ApplicationMgt.EnableRoleValidation off.
//   - updateApplication keeps the stored owner, applicationEnabled,
//     managementApp and b2BSelfServiceApp (a boolean left out of a request
//     cannot be told from false, and the owner would have to be a user of
//     the tenant), and the server-set applicationVersion, associated roles
//     and USE_USER_ID_FOR_DEFAULT_SUBJECT when the request has none.
//   - Authenticators, identity providers and claims named in a provider are
//     not checked against the catalogue.
type AppMgt struct {
	Store ServiceProviderStore
	// OAuth holds the OAuth clients that inbound configurations link.
	OAuth OAuthAppStore
	// Templates keeps templates; nil uses Store when it implements
	// TemplateStore.
	Templates TemplateStore
	// Catalogue is what the server offers; nil is DefaultCatalogue().
	Catalogue *Catalogue
	// Now is the service's clock (time.Now when nil). Stored rows are
	// stamped by the store's own clock; no operation reads the time today.
	Now func() time.Time
	// NewUUID makes application resource ids; random (version 4) UUIDs by
	// default.
	NewUUID func() string
	// Limits are the column sizes of the generation's database scripts;
	// zero limits take IS 7's.
	Limits FieldLimits
}

var _ wsdl.IdentityApplicationManagementService = (*AppMgt)(nil)

// randomUUID returns a random (version 4) UUID in its canonical form.
func randomUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (a *AppMgt) newUUID() string {
	if a.NewUUID != nil {
		return a.NewUUID()
	}
	return randomUUID()
}

// limits returns the field limits of the service's generation.
func (a *AppMgt) limits() FieldLimits { return a.Limits.complete() }

func (a *AppMgt) catalogue() *Catalogue {
	if a.Catalogue != nil {
		return a.Catalogue
	}
	return DefaultCatalogue()
}

func (a *AppMgt) templates() (TemplateStore, error) {
	if a.Templates != nil {
		return a.Templates, nil
	}
	if ts, ok := a.Store.(TemplateStore); ok {
		return ts, nil
	}
	return nil, Internal("appmgt.templates-unavailable", "Application templates are not supported by this server.", nil)
}

// Domain errors of the service. Defaults are IS 7's texts; the profile's
// messages-appmgt.txt may replace them.

func errNoServiceProvider(op string) *Error {
	return Errorf("appmgt.no-application", "Exception occurred while trying to invoke service method %s", op)
}

func errNameRequired() *Error {
	return Errorf("appmgt.name-required", "Application name cannot be empty.")
}

func errNameInvalid(name string) *Error {
	return Errorf("appmgt.name-invalid", "The Application name: '%s' is not valid! It is not adhering to the regex: %s", name, AppNameRegex)
}

func errNameExists(name, tenantDomain string) *Error {
	return Errorf("appmgt.name-exists", "An application with name: '%s' already exists in tenantDomain: %s", name, tenantDomain)
}

func errRenameExists(name, tenantDomain string) *Error {
	return Errorf("appmgt.rename-exists", "An application with name: '%s' already exists in tenantDomain: %s", name, tenantDomain)
}

func errIDNotFound(id int32, tenantDomain string) *Error {
	return Errorf("appmgt.id-not-found", "Cannot find application with id: %d in tenantDomain: %s", id, tenantDomain)
}

func errNameNotFound(name, tenantDomain string) *Error {
	return Errorf("appmgt.name-not-found", "Cannot find application with name: %s in tenantDomain: %s", name, tenantDomain)
}

func errOAuthClientNotFound(key string) *Error {
	return Errorf("appmgt.oauth-client-not-found", "Cannot find a valid OAuth client for consumerKey: %s", key)
}

func errOAuthClientLinked(key, provider string) *Error {
	return Errorf("appmgt.oauth-client-linked", "The OAuth client %s is already linked to the service provider %s", key, provider)
}

func errOAuthClientExists(key string) *Error {
	return Errorf("appmgt.oauth-client-exists", "An OAuth application already exists with %s as consumer key", key)
}

func errInvalidPage() *Error {
	return Errorf("appmgt.invalid-page", "Invalid page number requested. The page number should be a value greater than 0.")
}

func errTemplateNameRequired() *Error {
	return Errorf("appmgt.template-name-required", "Template name cannot be empty.")
}

func errTemplateExists(name, tenantDomain string) *Error {
	return Errorf("appmgt.template-exists", "Template with name: %s is already configured for tenant: %s.", name, tenantDomain)
}

func errTemplateNotFound(name, tenantDomain string) *Error {
	return Errorf("appmgt.template-not-found", "Template with name: %s is not registered for tenant: %s.", name, tenantDomain)
}

func errTemplateInvalid(name, tenantDomain string) *Error {
	return Errorf("appmgt.template-invalid", "The content of template: %s of tenant: %s is not a service provider configuration.", name, tenantDomain)
}

func errImportEmpty(file, tenantDomain string) *Error {
	return Errorf("appmgt.import-empty", "Empty Service Provider configuration file %s uploaded by tenant: %s", file, tenantDomain)
}

func errImportInvalid(file, tenantDomain string) *Error {
	return Errorf("appmgt.import-invalid", "Error in reading Service Provider configuration file %s uploaded by tenant: %s", file, tenantDomain)
}

func errCreateFailed(err error, name, tenantDomain string) *Error {
	return Internal("appmgt.create-failed", "Error while creating application: %s for tenant: %s", err, name, tenantDomain)
}

func errReadFailed(err error, name, tenantDomain string) *Error {
	return Internal("appmgt.read-failed", "Error while retrieving application: %s for tenant: %s", err, name, tenantDomain)
}

func errUpdateFailed(err error, name, tenantDomain string) *Error {
	return Internal("appmgt.update-failed", "Error while updating application: %s for tenant: %s", err, name, tenantDomain)
}

func errDeleteFailed(err error, name, tenantDomain string) *Error {
	return Internal("appmgt.delete-failed", "Error while deleting application: %s for tenant: %s", err, name, tenantDomain)
}

func errListFailed(err error, tenantDomain string) *Error {
	return Internal("appmgt.list-failed", "Error while retrieving all application basic info for tenant: %s", err, tenantDomain)
}

func errTemplateFailed(err error) *Error {
	return Internal("appmgt.template-failed", "Server error occurred.", err)
}

// checkName applies upstream's name rules.
func checkName(name string) error {
	if strings.TrimSpace(name) == "" {
		return errNameRequired()
	}
	if !appNameRE.MatchString(name) {
		return errNameInvalid(name)
	}
	return nil
}

// freshTree is the configuration of a newly created application beyond its
// name, description and owner.
func freshTree() *wsdl.ServiceProvider {
	return &wsdl.ServiceProvider{
		ApplicationEnabled:    true,
		ApplicationVersion:    ptr(latestAppVersion),
		AssociatedRolesConfig: &wsdl.AssociatedRolesConfig{AllowedAudience: ptr("ORGANIZATION"), Roles: []*wsdl.RoleV2{}},
		// IS 7 adds it on create when absent (addUserIdAsDefaultSubject).
		SpProperties:                         []*wsdl.ServiceProviderProperty{{Name: ptr(useUserIDForDefaultSubject), Value: ptr("true")}},
		LocalAndOutBoundAuthenticationConfig: freshLocalAndOutbound(),
	}
}

func freshLocalAndOutbound() *wsdl.LocalAndOutboundAuthenticationConfig {
	return &wsdl.LocalAndOutboundAuthenticationConfig{
		AuthenticationType:        ptr("default"),
		UseUserstoreDomainInRoles: true,
		AuthenticationSteps:       []*wsdl.AuthenticationStep{},
	}
}

// complete gives every section a value, as upstream's DAO builds each one
// from its tables: an omitted section reads back as a fresh one (its
// arrays are withUpstreamArrays'). USE_DOMAIN_IN_ROLES reflects
// useUserstoreDomainInRoles, as upstream stores the flag.
func complete(sp *wsdl.ServiceProvider) {
	if sp.ClaimConfig == nil {
		sp.ClaimConfig = &wsdl.ClaimConfig{LocalClaimDialect: true}
	}
	if sp.InboundAuthenticationConfig == nil {
		sp.InboundAuthenticationConfig = &wsdl.InboundAuthenticationConfig{}
	}
	if sp.InboundProvisioningConfig == nil {
		sp.InboundProvisioningConfig = &wsdl.InboundProvisioningConfig{}
	}
	if sp.OutboundProvisioningConfig == nil {
		sp.OutboundProvisioningConfig = &wsdl.OutboundProvisioningConfig{}
	}
	if sp.LocalAndOutBoundAuthenticationConfig == nil {
		sp.LocalAndOutBoundAuthenticationConfig = freshLocalAndOutbound()
	}
	lo := sp.LocalAndOutBoundAuthenticationConfig
	if sp.PermissionAndRoleConfig == nil {
		sp.PermissionAndRoleConfig = &wsdl.PermissionsAndRoleConfig{}
	}
	props := []*wsdl.ServiceProviderProperty{{
		DisplayName: ptr("DOMAIN_IN_ROLES"), Name: ptr(useDomainInRoles),
		Value: ptr(strconv.FormatBool(lo.UseUserstoreDomainInRoles)),
	}}
	for _, p := range sp.SpProperties {
		if p != nil && str(p.Name) != useDomainInRoles {
			props = append(props, p)
		}
	}
	sp.SpProperties = props
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// cloneTree deep-copies a tree.
func cloneTree(sp *wsdl.ServiceProvider) (*wsdl.ServiceProvider, error) {
	b, err := json.Marshal(sp)
	if err != nil {
		return nil, err
	}
	c := new(wsdl.ServiceProvider)
	return c, json.Unmarshal(b, c)
}

// storedTree is the part of a request's tree that is stored as the
// document: the columns (id, name, description, owner, resource id, tenant)
// are cleared, secrets and one-off inbound configuration blobs removed, and
// the derived USE_DOMAIN_IN_ROLES property dropped.
func storedTree(sp *wsdl.ServiceProvider) (*wsdl.ServiceProvider, error) {
	c, err := cloneTree(sp)
	if err != nil {
		return nil, err
	}
	c.ApplicationID, c.ApplicationName, c.Description = 0, nil, nil
	c.ApplicationResourceId, c.Owner, c.TenantDomain = nil, nil, nil
	if c.InboundAuthenticationConfig != nil {
		configs := c.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs[:0]
		for _, ic := range c.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs {
			if ic == nil {
				continue
			}
			ic.Properties = slices.DeleteFunc(ic.Properties, func(p *wsdl.Property) bool {
				return p == nil || str(p.Name) == OAuthSecretProperty
			})
			ic.InboundConfiguration = nil
			configs = append(configs, ic)
		}
		c.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs = configs
	}
	c.SpProperties = slices.DeleteFunc(c.SpProperties, func(p *wsdl.ServiceProviderProperty) bool {
		return p == nil || str(p.Name) == useDomainInRoles
	})
	return c, nil
}

// isOAuthInbound tells whether an inbound configuration names an OAuth
// client by its consumer key.
func isOAuthInbound(ic *wsdl.InboundAuthenticationRequestConfig) bool {
	if ic == nil || strings.TrimSpace(str(ic.InboundAuthKey)) == "" {
		return false
	}
	t := str(ic.InboundAuthType)
	return t == "oauth2" || t == "oauth"
}

// oauthKeys lists the consumer keys a tree links, in order, once each.
func oauthKeys(sp *wsdl.ServiceProvider) []string {
	keys := []string{}
	if sp.InboundAuthenticationConfig == nil {
		return keys
	}
	for _, ic := range sp.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs {
		if isOAuthInbound(ic) && !slices.Contains(keys, str(ic.InboundAuthKey)) {
			keys = append(keys, str(ic.InboundAuthKey))
		}
	}
	return keys
}

func decodeTree(rec *ServiceProviderRecord) (*wsdl.ServiceProvider, error) {
	sp := new(wsdl.ServiceProvider)
	if len(rec.Document) > 0 {
		if err := json.Unmarshal(rec.Document, sp); err != nil {
			return nil, err
		}
	}
	return sp, nil
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// owner is the wire view of an owner; both generations' fields are filled.
func owner(p Principal, username string) *wsdl.User {
	domain, name, ok := strings.Cut(username, "/")
	if !ok {
		domain, name = primaryUserStore, username
	}
	return &wsdl.User{
		UserName:        ptr(name),
		UserStoreDomain: ptr(strings.ToUpper(domain)),
		TenantDomain:    ptr(p.TenantDomain),
		TenantId:        int32(p.TenantID),
	}
}

// view is the full tree of a stored provider as getApplication answers it;
// withSecrets adds the secret of every linked OAuth client.
func (a *AppMgt) view(ctx context.Context, p Principal, rec *ServiceProviderRecord, withSecrets bool) (*wsdl.ServiceProvider, error) {
	sp, err := decodeTree(rec)
	if err != nil {
		return nil, errReadFailed(err, rec.Name, p.TenantDomain)
	}
	sp.ApplicationID = int32(rec.ID)
	sp.ApplicationName = ptr(rec.Name)
	sp.Description = nilIfEmpty(rec.Description)
	sp.ApplicationResourceId = ptr(rec.UUID)
	sp.TenantDomain = ptr(p.TenantDomain)
	sp.Owner = owner(p, rec.Owner)
	complete(sp)
	if withSecrets {
		if err := a.addSecrets(ctx, p, sp, false); err != nil {
			return nil, err
		}
	}
	withUpstreamArrays(sp)
	return sp, nil
}

// addSecrets appends the oauthConsumerSecret property to every oauth2
// inbound configuration whose client exists; embed also puts the whole
// client into inboundConfiguration, for export.
func (a *AppMgt) addSecrets(ctx context.Context, p Principal, sp *wsdl.ServiceProvider, embed bool) error {
	if a.OAuth == nil {
		return nil
	}
	for _, ic := range sp.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs {
		if !isOAuthInbound(ic) {
			continue
		}
		app, err := a.OAuth.FindOAuthAppByKey(ctx, p.TenantID, str(ic.InboundAuthKey))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return errReadFailed(err, str(sp.ApplicationName), p.TenantDomain)
		}
		ic.Properties = append(ic.Properties, &wsdl.Property{Name: ptr(OAuthSecretProperty), Value: ptr(app.ConsumerSecret)})
		if embed {
			blob, err := marshalClient(app)
			if err != nil {
				return errReadFailed(err, str(sp.ApplicationName), p.TenantDomain)
			}
			ic.InboundConfiguration = ptr(blob)
		}
	}
	return nil
}

// CreateApplication stores a new application of the caller's tenant owned
// by the caller. Only the name and description of the request are kept, as
// upstream does; the rest of the configuration takes an updateApplication.
// The id reaches the wire only in profiles whose output carries it.
func (a *AppMgt) CreateApplication(ctx context.Context, sp *wsdl.ServiceProvider) (int32, error) {
	p, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	if sp == nil {
		return 0, errNoServiceProvider("createApplication")
	}
	rec, err := a.create(ctx, p, str(sp.ApplicationName), str(sp.Description))
	if err != nil {
		return 0, err
	}
	return int32(rec.ID), nil
}

func (a *AppMgt) create(ctx context.Context, p Principal, name, description string) (*ServiceProviderRecord, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := a.limits().checkAppColumns(name, description); err != nil {
		return nil, errCreateTooLong(err, name, p.TenantDomain)
	}
	doc, err := json.Marshal(freshTree())
	if err != nil {
		return nil, errCreateFailed(err, name, p.TenantDomain)
	}
	rec := &ServiceProviderRecord{
		TenantID: p.TenantID, Name: name, UUID: a.newUUID(), Description: description,
		Owner: p.Username, Document: doc, OAuthKeys: []string{},
	}
	err = a.Store.CreateServiceProvider(ctx, rec)
	switch {
	case err == nil:
		return rec, nil
	case errors.Is(err, ErrDuplicateName):
		return nil, errNameExists(name, p.TenantDomain)
	}
	return nil, errCreateFailed(err, name, p.TenantDomain)
}

// GetApplication returns the caller's tenant's application with the name,
// with the secret of each linked OAuth client, or null when there is none
// (IS 7 returns null; nothing on the wire tells a caller more).
func (a *AppMgt) GetApplication(ctx context.Context, name string) (*wsdl.ServiceProvider, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := a.Store.FindServiceProviderByName(ctx, p.TenantID, name)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, errReadFailed(err, name, p.TenantDomain)
	}
	return a.view(ctx, p, rec, true)
}

// UpdateApplication replaces the whole configuration of the application
// with the request's applicationID: sections the request leaves out are
// reset. The name may change under the name rules. oauth2 inbound
// configurations link the OAuth clients of their keys, which must exist in
// the tenant; clients no longer linked are deleted unless MAPPED.
func (a *AppMgt) UpdateApplication(ctx context.Context, sp *wsdl.ServiceProvider) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if sp == nil {
		return errNoServiceProvider("updateApplication")
	}
	old, err := a.Store.FindServiceProviderByID(ctx, p.TenantID, int64(sp.ApplicationID))
	if errors.Is(err, ErrNotFound) {
		return errIDNotFound(sp.ApplicationID, p.TenantDomain)
	}
	if err != nil {
		return errUpdateFailed(err, str(sp.ApplicationName), p.TenantDomain)
	}
	return a.update(ctx, p, sp, old)
}

func (a *AppMgt) update(ctx context.Context, p Principal, sp *wsdl.ServiceProvider, old *ServiceProviderRecord) error {
	name := str(sp.ApplicationName)
	if err := checkName(name); err != nil {
		return err
	}
	stored, err := decodeTree(old)
	if err != nil {
		return errUpdateFailed(err, name, p.TenantDomain)
	}
	doc, err := storedTree(sp)
	if err != nil {
		return errUpdateFailed(err, name, p.TenantDomain)
	}
	keepServerManaged(doc, stored)
	keys := oauthKeys(doc)
	for _, key := range keys {
		if err := a.checkClient(ctx, p, key); err != nil {
			return err
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return errUpdateFailed(err, name, p.TenantDomain)
	}
	if err := a.checkLengths(name, str(sp.Description), doc, data); err != nil {
		return errUpdateAppTooLong(err, name, p.TenantDomain)
	}
	rec := &ServiceProviderRecord{
		ID: old.ID, TenantID: p.TenantID, Name: name, Description: str(sp.Description),
		Owner: old.Owner, Document: data, OAuthKeys: keys,
	}
	err = a.Store.UpdateServiceProvider(ctx, rec)
	switch {
	case err == nil:
	case errors.Is(err, ErrNotFound):
		return errIDNotFound(int32(old.ID), p.TenantDomain)
	case errors.Is(err, ErrDuplicateName):
		return errRenameExists(name, p.TenantDomain)
	case errors.Is(err, ErrDuplicateKey):
		return a.linkConflict(ctx, p, old.ID, name, keys, err)
	default:
		return errUpdateFailed(err, name, p.TenantDomain)
	}
	return nil
}

// checkLengths reports the first value of an application, as it is to be
// stored, longer than its limit: its name and description columns, the
// values of its tree and the stored document data of the tree doc.
func (a *AppMgt) checkLengths(name, description string, doc *wsdl.ServiceProvider, data []byte) error {
	l := a.limits()
	if err := l.checkAppColumns(name, description); err != nil {
		return err
	}
	return l.checkAppTree(doc, data)
}

// keepServerManaged carries the fields the server manages from the stored
// tree into an update: the flags IS 7 resets to their stored values (and
// applicationEnabled, which a request cannot leave out), and, when the
// request has none, the application version, the associated roles and the
// USE_USER_ID_FOR_DEFAULT_SUBJECT property set on create.
func keepServerManaged(doc, stored *wsdl.ServiceProvider) {
	doc.ApplicationEnabled = stored.ApplicationEnabled
	doc.ManagementApp = stored.ManagementApp
	doc.B2BSelfServiceApp = stored.B2BSelfServiceApp
	if doc.ApplicationVersion == nil {
		doc.ApplicationVersion = stored.ApplicationVersion
	}
	if doc.AssociatedRolesConfig == nil {
		doc.AssociatedRolesConfig = stored.AssociatedRolesConfig
	}
	has := func(props []*wsdl.ServiceProviderProperty) *wsdl.ServiceProviderProperty {
		for _, p := range props {
			if p != nil && str(p.Name) == useUserIDForDefaultSubject {
				return p
			}
		}
		return nil
	}
	if p := has(stored.SpProperties); p != nil && has(doc.SpProperties) == nil {
		doc.SpProperties = append(doc.SpProperties, p)
	}
}

// checkClient refuses a consumer key that is no OAuth client of the tenant.
func (a *AppMgt) checkClient(ctx context.Context, p Principal, key string) error {
	if a.OAuth == nil {
		return nil
	}
	_, err := a.OAuth.FindOAuthAppByKey(ctx, p.TenantID, key)
	if errors.Is(err, ErrNotFound) {
		return errOAuthClientNotFound(key)
	}
	if err != nil {
		return Internal("appmgt.oauth-read-failed", "Error while reading the OAuth application %s", err, key)
	}
	return nil
}

// linkConflict explains an ErrDuplicateKey by naming the provider of the
// tenant that links the key; links are unique per tenant, so no other
// tenant's provider can hold it.
func (a *AppMgt) linkConflict(ctx context.Context, p Principal, id int64, name string, keys []string, cause error) error {
	for _, key := range keys {
		other, err := a.Store.FindServiceProviderByOAuthKey(ctx, p.TenantID, key)
		if err == nil && other.ID != id {
			return errOAuthClientLinked(key, other.Name)
		}
	}
	return errUpdateFailed(cause, name, p.TenantDomain)
}

// DeleteApplication deletes the application and every OAuth client it
// links, except MAPPED ones. An unknown name succeeds without doing
// anything, as IS 7's service layer does.
func (a *AppMgt) DeleteApplication(ctx context.Context, name string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	rec, err := a.Store.FindServiceProviderByName(ctx, p.TenantID, name)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return errDeleteFailed(err, name, p.TenantDomain)
	}
	if err := a.Store.DeleteServiceProvider(ctx, p.TenantID, rec.ID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return errDeleteFailed(err, name, p.TenantDomain)
	}
	return nil
}

// basicInfo is the listing view of a provider; both generations' fields
// are filled.
func basicInfo(p Principal, rec *ServiceProviderRecord) *wsdl.ApplicationBasicInfo {
	info := &wsdl.ApplicationBasicInfo{
		ApplicationName:       ptr(rec.Name),
		Description:           nilIfEmpty(rec.Description),
		ApplicationId:         int32(rec.ID),
		ApplicationResourceId: ptr(rec.UUID),
		Uuid:                  ptr(rec.UUID),
		AppOwner:              owner(p, rec.Owner),
		TenantDomain:          ptr(p.TenantDomain),
	}
	if len(rec.OAuthKeys) > 0 {
		info.ClientId = ptr(rec.OAuthKeys[0])
	}
	if sp, err := decodeTree(rec); err == nil {
		info.AccessUrl, info.ImageUrl, info.ApplicationVersion = sp.AccessUrl, sp.ImageUrl, sp.ApplicationVersion
	}
	return info
}

func (a *AppMgt) list(ctx context.Context, filter string, offset, limit int) ([]*wsdl.ApplicationBasicInfo, int, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, 0, err
	}
	recs, total, err := a.Store.ListServiceProviders(ctx, p.TenantID, likePattern(filter), offset, limit)
	if err != nil {
		return nil, 0, errListFailed(err, p.TenantDomain)
	}
	out := make([]*wsdl.ApplicationBasicInfo, 0, len(recs))
	for _, rec := range recs {
		out = append(out, basicInfo(p, rec))
	}
	return out, total, nil
}

var scimNameFilter = regexp.MustCompile(`(?i)^name\s+(eq|sw|ew|co)\s+(.*)$`)

// likePattern turns an application name filter into a LIKE pattern with
// backslash as escape character ("" for every name). Upstream's filters are
// names with * and ? wildcards ("app*"; a plain name matches itself); the
// SCIM-style "name eq|sw|ew|co value" of newer clients is understood too.
func likePattern(filter string) string {
	f := strings.TrimSpace(filter)
	if m := scimNameFilter.FindStringSubmatch(f); m != nil {
		v := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.Trim(strings.TrimSpace(m[2]), `"`))
		switch strings.ToLower(m[1]) {
		case "sw":
			return v + "%"
		case "ew":
			return "%" + v
		case "co":
			return "%" + v + "%"
		}
		return v
	}
	if f == "" {
		return ""
	}
	// As upstream (resolveSQLFilter): * and ? become % and _, which keep
	// their own meaning.
	return strings.NewReplacer(`\`, `\\`, "*", "%", "?", "_").Replace(f)
}

// GetAllApplicationBasicInfo lists the caller's tenant's applications by
// name.
func (a *AppMgt) GetAllApplicationBasicInfo(ctx context.Context) ([]*wsdl.ApplicationBasicInfo, error) {
	out, _, err := a.list(ctx, "", 0, 0)
	return out, err
}

// GetApplicationBasicInfo lists the applications whose name matches the
// filter.
func (a *AppMgt) GetApplicationBasicInfo(ctx context.Context, filter string) ([]*wsdl.ApplicationBasicInfo, error) {
	out, _, err := a.list(ctx, filter, 0, 0)
	return out, err
}

// GetAllPaginatedApplicationBasicInfo returns page pageNumber (from 1) of
// every application, ItemsPerPage a page.
func (a *AppMgt) GetAllPaginatedApplicationBasicInfo(ctx context.Context, pageNumber int32) ([]*wsdl.ApplicationBasicInfo, error) {
	return a.GetPaginatedApplicationBasicInfo(ctx, pageNumber, "*")
}

// GetPaginatedApplicationBasicInfo returns page pageNumber (from 1) of the
// applications matching the filter; a page past the end is empty.
func (a *AppMgt) GetPaginatedApplicationBasicInfo(ctx context.Context, pageNumber int32, filter string) ([]*wsdl.ApplicationBasicInfo, error) {
	if pageNumber < 1 {
		return nil, errInvalidPage()
	}
	out, _, err := a.list(ctx, filter, int(pageNumber-1)*ItemsPerPage, ItemsPerPage)
	return out, err
}

// GetCountOfAllApplications counts the caller's tenant's applications.
func (a *AppMgt) GetCountOfAllApplications(ctx context.Context) (int32, error) {
	return a.GetCountOfApplications(ctx, "")
}

// GetCountOfApplications counts the applications matching the filter.
func (a *AppMgt) GetCountOfApplications(ctx context.Context, filter string) (int32, error) {
	_, total, err := a.list(ctx, filter, 0, 1)
	return int32(total), err
}

// CreateApplicationWithTemplate creates an application from a template and
// returns it. A blank template name uses the tenant's "default" template
// when there is one.
func (a *AppMgt) CreateApplicationWithTemplate(ctx context.Context, sp *wsdl.ServiceProvider, templateName string) (*wsdl.ServiceProvider, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if sp == nil {
		return nil, errNoServiceProvider("createApplicationWithTemplate")
	}
	name, description := str(sp.ApplicationName), str(sp.Description)
	if err := checkName(name); err != nil {
		return nil, err
	}
	var tree *wsdl.ServiceProvider
	if t, err := a.findTemplate(ctx, p, templateName); err != nil {
		return nil, err
	} else if t != nil {
		if tree, err = parseTemplate(p, t); err != nil {
			return nil, err
		}
	}
	rec, err := a.create(ctx, p, name, description)
	if err != nil {
		return nil, err
	}
	if tree != nil {
		tree.ApplicationID, tree.ApplicationName, tree.Description = int32(rec.ID), &name, &description
		tree.InboundAuthenticationConfig = nil
		if err := a.update(ctx, p, tree, rec); err != nil {
			a.Store.DeleteServiceProvider(ctx, p.TenantID, rec.ID)
			return nil, err
		}
		if rec, err = a.Store.FindServiceProviderByID(ctx, p.TenantID, rec.ID); err != nil {
			return nil, errReadFailed(err, name, p.TenantDomain)
		}
	}
	return a.view(ctx, p, rec, true)
}

// findTemplate returns the named template; a blank name looks for the
// tenant's "default" template and returns nil without one.
func (a *AppMgt) findTemplate(ctx context.Context, p Principal, name string) (*SPTemplate, error) {
	lookup := name
	if strings.TrimSpace(lookup) == "" {
		lookup = defaultTemplateName
	}
	ts, err := a.templates()
	if err != nil {
		return nil, err
	}
	t, err := ts.FindSPTemplate(ctx, p.TenantID, lookup)
	switch {
	case err == nil:
		return t, nil
	case errors.Is(err, ErrNotFound) && strings.TrimSpace(name) == "":
		return nil, nil
	case errors.Is(err, ErrNotFound):
		return nil, errTemplateNotFound(name, p.TenantDomain)
	}
	return nil, errTemplateFailed(err)
}

func parseTemplate(p Principal, t *SPTemplate) (*wsdl.ServiceProvider, error) {
	tree, err := unmarshalSP(t.Content)
	if err != nil {
		return nil, errTemplateInvalid(t.Name, p.TenantDomain)
	}
	return tree, nil
}

// templateTree is the part of a provider a template keeps: no identity, no
// owner and no inbound configuration (clients belong to one application).
func templateTree(sp *wsdl.ServiceProvider) (*wsdl.ServiceProvider, error) {
	c, err := storedTree(sp)
	if err != nil {
		return nil, err
	}
	c.InboundAuthenticationConfig = nil
	c.CertificateContent = nil
	return c, nil
}

// CreateApplicationTemplate stores a template; its content must be a
// service provider configuration in the export format.
func (a *AppMgt) CreateApplicationTemplate(ctx context.Context, t *wsdl.SpTemplate) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if t == nil || strings.TrimSpace(str(t.Name)) == "" {
		return errTemplateNameRequired()
	}
	if _, err := unmarshalSP(str(t.Content)); err != nil {
		return errTemplateInvalid(str(t.Name), p.TenantDomain)
	}
	return a.saveTemplate(ctx, p, &SPTemplate{TenantID: p.TenantID, Name: str(t.Name), Description: str(t.Description), Content: str(t.Content)})
}

func (a *AppMgt) saveTemplate(ctx context.Context, p Principal, t *SPTemplate) error {
	if err := a.limits().checkTemplate(t); err != nil {
		return errTemplateTooLong(err)
	}
	ts, err := a.templates()
	if err != nil {
		return err
	}
	err = ts.CreateSPTemplate(ctx, t)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrDuplicateName):
		return errTemplateExists(t.Name, p.TenantDomain)
	}
	return errTemplateFailed(err)
}

// CreateApplicationTemplateFromSP stores the configuration of a provider as
// a template; without a provider it is CreateApplicationTemplate.
func (a *AppMgt) CreateApplicationTemplateFromSP(ctx context.Context, sp *wsdl.ServiceProvider, t *wsdl.SpTemplate) error {
	if sp == nil {
		return a.CreateApplicationTemplate(ctx, t)
	}
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if t == nil || strings.TrimSpace(str(t.Name)) == "" {
		return errTemplateNameRequired()
	}
	tree, err := templateTree(sp)
	if err != nil {
		return errTemplateFailed(err)
	}
	content, err := marshalSP(tree)
	if err != nil {
		return errTemplateFailed(err)
	}
	return a.saveTemplate(ctx, p, &SPTemplate{TenantID: p.TenantID, Name: str(t.Name), Description: str(t.Description), Content: content})
}

// GetApplicationTemplate returns a template. A blank name asks for the
// tenant's "default" template and gets null without one.
func (a *AppMgt) GetApplicationTemplate(ctx context.Context, name string) (*wsdl.SpTemplate, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	t, err := a.findTemplate(ctx, p, name)
	if err != nil || t == nil {
		return nil, err
	}
	return &wsdl.SpTemplate{Name: ptr(t.Name), Description: ptr(t.Description), Content: ptr(t.Content)}, nil
}

// UpdateApplicationTemplate replaces the template named name; t may rename
// it.
func (a *AppMgt) UpdateApplicationTemplate(ctx context.Context, name string, t *wsdl.SpTemplate) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if t == nil || strings.TrimSpace(str(t.Name)) == "" {
		return errTemplateNameRequired()
	}
	if _, err := unmarshalSP(str(t.Content)); err != nil {
		return errTemplateInvalid(str(t.Name), p.TenantDomain)
	}
	updated := &SPTemplate{TenantID: p.TenantID, Name: str(t.Name), Description: str(t.Description), Content: str(t.Content)}
	if err := a.limits().checkTemplate(updated); err != nil {
		return errTemplateTooLong(err)
	}
	ts, err := a.templates()
	if err != nil {
		return err
	}
	err = ts.UpdateSPTemplate(ctx, p.TenantID, name, updated)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return errTemplateNotFound(name, p.TenantDomain)
	case errors.Is(err, ErrDuplicateName):
		return errTemplateExists(str(t.Name), p.TenantDomain)
	}
	return errTemplateFailed(err)
}

// DeleteApplicationTemplate deletes a template; an unknown name succeeds,
// as upstream's DAO does not look.
func (a *AppMgt) DeleteApplicationTemplate(ctx context.Context, name string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	ts, err := a.templates()
	if err != nil {
		return err
	}
	if err := ts.DeleteSPTemplate(ctx, p.TenantID, name); err != nil && !errors.Is(err, ErrNotFound) {
		return errTemplateFailed(err)
	}
	return nil
}

// IsExistingApplicationTemplate reports whether the template exists.
func (a *AppMgt) IsExistingApplicationTemplate(ctx context.Context, name string) (bool, error) {
	p, err := caller(ctx)
	if err != nil {
		return false, err
	}
	ts, err := a.templates()
	if err != nil {
		return false, err
	}
	_, err = ts.FindSPTemplate(ctx, p.TenantID, name)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, errTemplateFailed(err)
	}
	return true, nil
}

// GetAuthenticationFlowTemplates answers the operation of IS 5.6, whose
// contract declares no part in either message: the answer carries nothing
// whatever the server holds, so it only checks the caller.
func (a *AppMgt) GetAuthenticationFlowTemplates(ctx context.Context) error {
	_, err := caller(ctx)
	return err
}

// GetAllApplicationTemplateInfo lists the tenant's templates: name and
// description, no content.
func (a *AppMgt) GetAllApplicationTemplateInfo(ctx context.Context) ([]*wsdl.SpTemplate, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := a.templates()
	if err != nil {
		return nil, err
	}
	list, err := ts.ListSPTemplates(ctx, p.TenantID)
	if err != nil {
		return nil, errTemplateFailed(err)
	}
	out := make([]*wsdl.SpTemplate, 0, len(list))
	for _, t := range list {
		out = append(out, &wsdl.SpTemplate{Name: ptr(t.Name), Description: nilIfEmpty(t.Description)})
	}
	return out, nil
}

// ExportApplication returns the application as an XML document that
// importApplication reads back. With exportSecrets each linked OAuth
// client travels along (key, secret and settings), so that the import
// recreates it where it is missing.
func (a *AppMgt) ExportApplication(ctx context.Context, name string, exportSecrets bool) (*string, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := a.Store.FindServiceProviderByName(ctx, p.TenantID, name)
	if errors.Is(err, ErrNotFound) {
		return nil, errNameNotFound(name, p.TenantDomain)
	}
	if err != nil {
		return nil, errReadFailed(err, name, p.TenantDomain)
	}
	sp, err := a.view(ctx, p, rec, false)
	if err != nil {
		return nil, err
	}
	if exportSecrets {
		if err := a.addSecrets(ctx, p, sp, true); err != nil {
			return nil, err
		}
	}
	// The instance's identity stays behind; the name identifies the
	// application on import.
	sp.ApplicationID, sp.ApplicationResourceId, sp.Owner, sp.TenantDomain = 0, nil, nil, nil
	out, err := marshalSP(sp)
	if err != nil {
		return nil, Internal("appmgt.export-failed", "Error in exporting Service Provider %s@%s", err, name, p.TenantDomain)
	}
	return &out, nil
}

// ImportApplication reads an exported application. An application of that
// name in the tenant is updated (responseCode 200), otherwise one is created
// (201). Refused content (name rules, unknown OAuth clients, ...) gives
// responseCode 400 with the reason in errors, as upstream answers client
// errors; unreadable content is a fault.
func (a *AppMgt) ImportApplication(ctx context.Context, c *wsdl.SpFileContent) (*wsdl.ImportResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if c == nil || strings.TrimSpace(str(c.Content)) == "" {
		file := ""
		if c != nil {
			file = str(c.FileName)
		}
		return nil, errImportEmpty(file, p.TenantDomain)
	}
	tree, err := unmarshalSP(str(c.Content))
	if err != nil {
		return nil, errImportInvalid(str(c.FileName), p.TenantDomain)
	}
	resp, err := a.importTree(ctx, p, tree)
	var de *Error
	if errors.As(err, &de) && de.Kind == ClientError {
		// importApplication exists in IS 7 profiles only, whose texts are
		// the defaults.
		return &wsdl.ImportResponse{
			ResponseCode: importFailed,
			ErrorCode:    ptr(importInvalidRequest),
			Errors:       []string{fmt.Sprintf(de.Default, de.Args...)},
		}, nil
	}
	return resp, err
}

func (a *AppMgt) importTree(ctx context.Context, p Principal, tree *wsdl.ServiceProvider) (*wsdl.ImportResponse, error) {
	name := str(tree.ApplicationName)
	if err := checkName(name); err != nil {
		return nil, err
	}
	rec, err := a.Store.FindServiceProviderByName(ctx, p.TenantID, name)
	created := errors.Is(err, ErrNotFound)
	if err != nil && !created {
		return nil, errReadFailed(err, name, p.TenantDomain)
	}
	// Nothing is written before the tree is known to fit; update checks
	// the document it stores once more.
	if err := a.checkImportedTree(p, name, tree, created); err != nil {
		return nil, err
	}
	provisioned, err := a.provisionClients(ctx, p, tree)
	if err != nil {
		return nil, err
	}
	undo := func() {
		for _, key := range provisioned {
			a.OAuth.DeleteOAuthApp(ctx, p.TenantID, key)
		}
	}
	code := int32(importUpdated)
	if created {
		code = importCreated
		if rec, err = a.create(ctx, p, name, str(tree.Description)); err != nil {
			undo()
			return nil, err
		}
	}
	tree.ApplicationID = int32(rec.ID)
	if err := a.update(ctx, p, tree, rec); err != nil {
		if created {
			a.Store.DeleteServiceProvider(ctx, p.TenantID, rec.ID)
		}
		undo()
		return nil, err
	}
	return &wsdl.ImportResponse{
		ApplicationName:       ptr(name),
		ApplicationResourceId: ptr(rec.UUID),
		ResponseCode:          code,
		Errors:                []string{},
	}, nil
}

// checkImportedTree refuses an imported tree with a value longer than its
// limit, measured on the document the tree is stored as, with the fault of
// creating the application or, when it exists, of updating it.
func (a *AppMgt) checkImportedTree(p Principal, name string, tree *wsdl.ServiceProvider, created bool) error {
	failed, tooLong := errUpdateFailed, errUpdateAppTooLong
	if created {
		failed, tooLong = errCreateFailed, errCreateTooLong
	}
	doc, err := storedTree(tree)
	if err != nil {
		return failed(err, name, p.TenantDomain)
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return failed(err, name, p.TenantDomain)
	}
	if err := a.checkLengths(name, str(tree.Description), doc, data); err != nil {
		return tooLong(err, name, p.TenantDomain)
	}
	return nil
}

// provisionClients creates the OAuth clients an exported tree carries that
// the tenant lacks, and returns their keys. Every client is read and
// checked against the field limits before the first is created.
func (a *AppMgt) provisionClients(ctx context.Context, p Principal, tree *wsdl.ServiceProvider) ([]string, error) {
	if a.OAuth == nil || tree.InboundAuthenticationConfig == nil {
		return nil, nil
	}
	limits := a.limits()
	var missing []*OAuthApp
	seen := map[string]bool{}
	for _, ic := range tree.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs {
		if !isOAuthInbound(ic) || ic.InboundConfiguration == nil {
			continue
		}
		app, err := unmarshalClient(*ic.InboundConfiguration)
		if err != nil || app.ConsumerKey != str(ic.InboundAuthKey) || seen[app.ConsumerKey] {
			continue
		}
		seen[app.ConsumerKey] = true
		_, err = a.OAuth.FindOAuthAppByKey(ctx, p.TenantID, app.ConsumerKey)
		if err == nil {
			continue
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, Internal("appmgt.oauth-read-failed", "Error while reading the OAuth application %s", err, app.ConsumerKey)
		}
		app.TenantID, app.Owner = p.TenantID, p.Username
		if err := limits.checkOAuthApp(app); err != nil {
			return nil, errRegisterTooLong(err, app.Name, p.TenantDomain)
		}
		missing = append(missing, app)
	}
	var created []string
	for _, app := range missing {
		err := a.OAuth.CreateOAuthApp(ctx, app)
		switch {
		case err == nil:
			created = append(created, app.ConsumerKey)
			continue
		case errors.Is(err, ErrDuplicateKey):
			err = errOAuthClientExists(app.ConsumerKey)
		case errors.Is(err, ErrDuplicateName):
			err = Errorf("oauth.duplicate-name", "An application with the same name already exists.")
		default:
			err = Internal("oauth.register-failed", "Error when adding a new OAuth consumer application.", err)
		}
		for _, key := range created {
			a.OAuth.DeleteOAuthApp(ctx, p.TenantID, key)
		}
		return nil, err
	}
	return created, nil
}

// GetAllLocalAuthenticators lists the local authenticators of the server.
func (a *AppMgt) GetAllLocalAuthenticators(ctx context.Context) ([]*wsdl.LocalAuthenticatorConfig, error) {
	return slices.Clone(a.catalogue().LocalAuthenticators), nil
}

// GetAllRequestPathAuthenticators lists the request path authenticators.
func (a *AppMgt) GetAllRequestPathAuthenticators(ctx context.Context) ([]*wsdl.RequestPathAuthenticatorConfig, error) {
	return slices.Clone(a.catalogue().RequestPathAuthenticators), nil
}

// GetAllLocalClaimUris lists the local claim URIs, sorted.
func (a *AppMgt) GetAllLocalClaimUris(ctx context.Context) ([]string, error) {
	uris := slices.Clone(a.catalogue().LocalClaimURIs)
	sort.Strings(uris)
	return orEmpty(uris), nil
}

// GetAllIdentityProviders lists the federated identity providers.
func (a *AppMgt) GetAllIdentityProviders(ctx context.Context) ([]*wsdl.IdentityProvider, error) {
	return orEmpty(slices.Clone(a.catalogue().IdentityProviders)), nil
}

// GetIdentityProvider returns the named identity provider, or null.
func (a *AppMgt) GetIdentityProvider(ctx context.Context, name string) (*wsdl.IdentityProvider, error) {
	for _, idp := range a.catalogue().IdentityProviders {
		if str(idp.IdentityProviderName) == name {
			return idp, nil
		}
	}
	return nil, nil
}

// GetAuthenticationTemplatesJSON returns the adaptive authentication
// script templates by category, as JSON.
func (a *AppMgt) GetAuthenticationTemplatesJSON(ctx context.Context) (*string, error) {
	s := a.catalogue().AuthenticationTemplatesJSON
	return &s, nil
}

// GetCustomInboundAuthenticatorConfigs lists the custom inbound protocols.
func (a *AppMgt) GetCustomInboundAuthenticatorConfigs(ctx context.Context) ([]*wsdl.InboundAuthenticationRequestConfig, error) {
	return orEmpty(slices.Clone(a.catalogue().CustomInboundAuthenticators)), nil
}

// GetInstance answers the static accessor IS 5.0 leaked onto the port with
// an empty value.
func (a *AppMgt) GetInstance(ctx context.Context) (*wsdl.ApplicationManagementService, error) {
	return &wsdl.ApplicationManagementService{}, nil
}
