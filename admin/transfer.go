package admin

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/isadmin/isadmin/wsdl"
)

// The rules an import (package transfer) shares with the admin services:
// how a client's wire form becomes the stored one and back, how a service
// provider's tree is stored, and the checks both apply before writing.

// ClientSettings is the stored settings document of a client: every field
// of dto without a column of its own, as register and update store it.
func ClientSettings(dto *wsdl.OAuthConsumerAppDTO) ([]byte, error) {
	return settingsOf(dto)
}

// ClientDTO is the wire view of a stored client, as getOAuthApplicationData
// answers it in every profile (the profile leaves out the fields it lacks).
func ClientDTO(app *OAuthApp, tenantDomain string) (*wsdl.OAuthConsumerAppDTO, error) {
	return dtoOf(app, tenantDomain)
}

// CheckClient reports the first value of a client, as it is to be stored,
// longer than IS 7's column for it (DefaultFieldLimits), and a client
// without consumer key, secret or OAuth version.
func CheckClient(app *OAuthApp) error {
	switch {
	case strings.TrimSpace(app.ConsumerKey) == "":
		return Errorf("oauth.no-key", "An OAuth client needs a consumer key.")
	case app.ConsumerSecret == "":
		return Errorf("oauth.no-secret", "The OAuth client %s has no consumer secret.", app.ConsumerKey)
	case app.OAuthVersion == "":
		return Errorf("oauth.no-version", "The OAuth client %s has no OAuth version.", app.ConsumerKey)
	case app.State != StateActive && app.State != StateRevoked:
		return Errorf("oauth.bad-state", "Invalid application state: %s. Use ACTIVE or REVOKED.", app.State)
	}
	return DefaultFieldLimits().checkOAuthApp(app)
}

// NewApplicationTree is the configuration createApplication stores for a
// new application, beyond its name, description and owner.
func NewApplicationTree() *wsdl.ServiceProvider { return freshTree() }

// StoredApplication is the part of an application's tree, as getApplication
// answers it, that is stored as its document (see storedTree: no id, name,
// description, owner, resource id, tenant, secrets or derived properties),
// with the consumer keys its oauth2 inbound configurations link.
func StoredApplication(sp *wsdl.ServiceProvider) (*wsdl.ServiceProvider, []string, error) {
	doc, err := storedTree(sp)
	if err != nil {
		return nil, nil, err
	}
	return doc, oauthKeys(doc), nil
}

// CheckApplication applies the name rules and IS 7's column sizes
// (DefaultFieldLimits) to an application about to be stored with the
// stored tree doc, and returns the document to store.
func CheckApplication(name, description string, doc *wsdl.ServiceProvider) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	if err := DefaultFieldLimits().checkAppColumns(name, description); err != nil {
		return nil, err
	}
	if err := DefaultFieldLimits().checkAppTree(doc, data); err != nil {
		return nil, err
	}
	return data, nil
}

// ApplicationOwner is the stored owner of an application whose wire view
// names owner u: the user name, after its user store domain unless that is
// PRIMARY; "" when u names nobody.
func ApplicationOwner(u *wsdl.User) string {
	if u == nil || str(u.UserName) == "" {
		return ""
	}
	domain := str(u.UserStoreDomain)
	if domain == "" || strings.EqualFold(domain, primaryUserStore) {
		return str(u.UserName)
	}
	return domain + "/" + str(u.UserName)
}

// ApplicationView is the tree getApplication answers for a stored
// application in tenant domain (without the secrets of its clients).
func ApplicationView(rec *ServiceProviderRecord, tenantDomain string) (*wsdl.ServiceProvider, error) {
	a := &AppMgt{}
	return a.view(context.Background(), Principal{TenantID: rec.TenantID, TenantDomain: tenantDomain}, rec, false)
}
