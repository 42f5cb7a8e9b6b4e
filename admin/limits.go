package admin

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/isadmin/isadmin/wsdl"
)

// FieldLimits are the longest values the admin services store in each
// field: the column sizes Identity Server's own database scripts declare, so
// that a value Identity Server's database refuses is refused here as well,
// before anything is written, with the fault Identity Server answers.
//
// Field limits count characters (Unicode code points), the unit of
// VARCHAR(n) in H2 (Identity Server's default database), in MySQL with a
// utf8 character set and in PostgreSQL. Where Identity Server keeps a value
// in a BLOB, or spread over rows of a table without a bound on their number,
// the limit is a bound of this project's on the stored document, counted in
// bytes of its stored (JSON or XML) form; the README lists these bounds.
//
// A zero limit takes its default: the size in the scripts of IS 7 or the
// project's bound. A wire profile of an older generation sets the columns
// its scripts declared smaller ("max-length <name> <n>" in settings.txt).
//
// Sources of the defaults, cited by line below:
//   - IS 7: wso2/carbon-identity-framework,
//     features/identity-core/org.wso2.carbon.identity.core.server.feature/resources/dbscripts/h2.sql
//     at f35167f52fb5b0b94adf9127a7322156391e42b1. IDN_OAUTH_CONSUMER_APPS
//     is unchanged on the main branch (lines 8-28 there too, as quoted in
//     the review of wso2/carbon-identity-framework#8202).
//   - Where the dialects of one generation differ, the smallest size wins:
//     a value longer than that fails on some database Identity Server
//     supports.
type FieldLimits struct {
	// OAuthAppName is IDN_OAUTH_CONSUMER_APPS.APP_NAME VARCHAR(255), line 15.
	OAuthAppName int
	// OAuthConsumerKey is IDN_OAUTH_CONSUMER_APPS.CONSUMER_KEY VARCHAR(255),
	// line 10.
	OAuthConsumerKey int
	// OAuthConsumerSecret is IDN_OAUTH_CONSUMER_APPS.CONSUMER_SECRET
	// VARCHAR(2048), line 11.
	OAuthConsumerSecret int
	// OAuthVersion is IDN_OAUTH_CONSUMER_APPS.OAUTH_VERSION VARCHAR(128),
	// line 16.
	OAuthVersion int
	// OAuthCallbackURL is IDN_OAUTH_CONSUMER_APPS.CALLBACK_URL VARCHAR(2048),
	// line 17 (1024 before wso2/carbon-identity-framework#2135, IS 5.8).
	OAuthCallbackURL int
	// OAuthGrantTypes is IDN_OAUTH_CONSUMER_APPS.GRANT_TYPES VARCHAR(1024),
	// line 18.
	OAuthGrantTypes int
	// OAuthProperty bounds every other string of a client: Identity Server
	// keeps each setting in a row of IDN_OIDC_PROPERTY, PROPERTY_VALUE
	// VARCHAR(2047), line 892.
	OAuthProperty int
	// OAuthScopeValidator is IDN_OAUTH2_SCOPE_VALIDATORS.SCOPE_VALIDATOR
	// VARCHAR(128), line 32.
	OAuthScopeValidator int
	// OAuthSettingsBytes bounds the stored settings document of a client
	// (its JSON): upstream spreads them over any number of rows.
	OAuthSettingsBytes int

	// ScopeName is IDN_OAUTH2_SCOPE.NAME VARCHAR(255), line 196.
	ScopeName int
	// ScopeClaim is IDN_CLAIM.CLAIM_URI VARCHAR(255), line 815: a scope
	// maps to claims by their URI.
	ScopeClaim int
	// ScopeClaimsBytes bounds the stored claim list of a scope (its JSON):
	// upstream maps a scope to any number of rows of
	// IDN_OIDC_SCOPE_CLAIM_MAPPING.
	ScopeClaimsBytes int

	// AppName is SP_APP.APP_NAME VARCHAR(255), line 356.
	AppName int
	// AppDescription is SP_APP.DESCRIPTION VARCHAR(1024), line 359.
	AppDescription int
	// AppURL is SP_APP.IMAGE_URL and ACCESS_URL VARCHAR(1024), lines 373-374.
	AppURL int
	// InboundKey is SP_INBOUND_AUTH.INBOUND_AUTH_KEY VARCHAR(255), line 396;
	// InboundType INBOUND_AUTH_TYPE and INBOUND_CONFIG_TYPE VARCHAR(255),
	// lines 397-398; InboundPropertyName PROP_NAME VARCHAR(255), line 399;
	// InboundPropertyValue PROP_VALUE VARCHAR(1024), line 400.
	InboundKey, InboundType, InboundPropertyName, InboundPropertyValue int
	// AppProperty is SP_METADATA.NAME, VALUE and DISPLAY_NAME VARCHAR(255),
	// lines 385-387: an application's spProperties.
	AppProperty int
	// AppDocumentBytes bounds the stored configuration tree of an
	// application (its JSON): upstream spreads it over a dozen tables with
	// any number of rows and BLOB scripts.
	AppDocumentBytes int

	// TemplateName is SP_TEMPLATE.NAME VARCHAR(255), line 491;
	// TemplateDescription SP_TEMPLATE.DESCRIPTION VARCHAR(1023), line 492.
	TemplateName, TemplateDescription int
	// TemplateContentBytes bounds a template's content, SP_TEMPLATE.CONTENT
	// BLOB, line 493, in bytes of its XML.
	TemplateContentBytes int
}

// Bounds of this project's where Identity Server declares no size.
const (
	// DefaultSettingsBytes bounds an OAuth client's settings and a scope's
	// claim list: 32 settings of the longest a property row holds.
	DefaultSettingsBytes = 64 << 10
	// DefaultAppDocumentBytes bounds an application's tree and a template's
	// content.
	DefaultAppDocumentBytes = 256 << 10
)

// fieldLimit names a limit for profile settings and gives its default.
type fieldLimit struct {
	name  string
	field func(*FieldLimits) *int
	def   int
}

var fieldLimits = []fieldLimit{
	{"oauth-app-name", func(l *FieldLimits) *int { return &l.OAuthAppName }, 255},
	{"oauth-consumer-key", func(l *FieldLimits) *int { return &l.OAuthConsumerKey }, 255},
	{"oauth-consumer-secret", func(l *FieldLimits) *int { return &l.OAuthConsumerSecret }, 2048},
	{"oauth-version", func(l *FieldLimits) *int { return &l.OAuthVersion }, 128},
	{"oauth-callback-url", func(l *FieldLimits) *int { return &l.OAuthCallbackURL }, 2048},
	{"oauth-grant-types", func(l *FieldLimits) *int { return &l.OAuthGrantTypes }, 1024},
	{"oauth-property", func(l *FieldLimits) *int { return &l.OAuthProperty }, 2047},
	{"oauth-scope-validator", func(l *FieldLimits) *int { return &l.OAuthScopeValidator }, 128},
	{"oauth-settings-bytes", func(l *FieldLimits) *int { return &l.OAuthSettingsBytes }, DefaultSettingsBytes},
	{"scope-name", func(l *FieldLimits) *int { return &l.ScopeName }, 255},
	{"scope-claim", func(l *FieldLimits) *int { return &l.ScopeClaim }, 255},
	{"scope-claims-bytes", func(l *FieldLimits) *int { return &l.ScopeClaimsBytes }, DefaultSettingsBytes},
	{"app-name", func(l *FieldLimits) *int { return &l.AppName }, 255},
	{"app-description", func(l *FieldLimits) *int { return &l.AppDescription }, 1024},
	{"app-url", func(l *FieldLimits) *int { return &l.AppURL }, 1024},
	{"inbound-key", func(l *FieldLimits) *int { return &l.InboundKey }, 255},
	{"inbound-type", func(l *FieldLimits) *int { return &l.InboundType }, 255},
	{"inbound-property-name", func(l *FieldLimits) *int { return &l.InboundPropertyName }, 255},
	{"inbound-property-value", func(l *FieldLimits) *int { return &l.InboundPropertyValue }, 1024},
	{"app-property", func(l *FieldLimits) *int { return &l.AppProperty }, 255},
	{"app-document-bytes", func(l *FieldLimits) *int { return &l.AppDocumentBytes }, DefaultAppDocumentBytes},
	{"template-name", func(l *FieldLimits) *int { return &l.TemplateName }, 255},
	{"template-description", func(l *FieldLimits) *int { return &l.TemplateDescription }, 1023},
	{"template-content-bytes", func(l *FieldLimits) *int { return &l.TemplateContentBytes }, DefaultAppDocumentBytes},
}

// DefaultFieldLimits returns the column sizes of IS 7's database scripts
// and the project's bounds of the documents.
func DefaultFieldLimits() FieldLimits {
	return FieldLimits{}.complete()
}

// complete returns l with every zero limit set to its default.
func (l FieldLimits) complete() FieldLimits {
	for _, f := range fieldLimits {
		if p := f.field(&l); *p <= 0 {
			*p = f.def
		}
	}
	return l
}

// Set sets the limit a profile setting names, e.g. "oauth-callback-url".
func (l *FieldLimits) Set(name string, n int) error {
	if n <= 0 {
		return fmt.Errorf("admin: field limit %s: want a positive length, got %d", name, n)
	}
	names := make([]string, 0, len(fieldLimits))
	for _, f := range fieldLimits {
		if f.name == name {
			*f.field(l) = n
			return nil
		}
		names = append(names, f.name)
	}
	return fmt.Errorf("admin: unknown field limit %q (known: %s)", name, strings.Join(names, ", "))
}

// characters counts the characters of s as VARCHAR(n) counts them.
func characters(s string) int { return utf8.RuneCountInString(s) }

// lengthCheck finds the first stored value longer than its limit. Its error
// names the field; it becomes the cause of a domain error, whose text is the
// fault Identity Server answers, which names none.
type lengthCheck struct{ err error }

// text checks a value against a limit in characters.
func (c *lengthCheck) text(field, value string, max int) {
	// A string of at most max bytes has at most max characters.
	if c.err != nil || len(value) <= max {
		return
	}
	if n := characters(value); n > max {
		c.err = fmt.Errorf("%s has %d characters, more than the %d its column holds", field, n, max)
	}
}

// textp checks an optional value.
func (c *lengthCheck) textp(field string, value *string, max int) {
	if value != nil {
		c.text(field, *value, max)
	}
}

// size checks a stored document against a bound in bytes.
func (c *lengthCheck) size(what string, n, max int) {
	if c.err == nil && n > max {
		c.err = fmt.Errorf("%s takes %d bytes, more than the bound of %d", what, n, max)
	}
}

// settings checks an OAuth client's settings document: its size, and each
// string in it against the row it takes upstream.
func (c *lengthCheck) settings(doc []byte, l FieldLimits) {
	c.size("the client's settings", len(doc), l.OAuthSettingsBytes)
	if c.err != nil || len(doc) == 0 {
		return
	}
	var fields map[string]any
	if json.Unmarshal(doc, &fields) != nil {
		// Not a document of this package's: its size is all there is to
		// check.
		return
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		max := l.OAuthProperty
		if k == "scopeValidators" {
			max = l.OAuthScopeValidator
		}
		c.eachString(k, fields[k], max)
	}
}

// eachString checks every string of a decoded JSON value.
func (c *lengthCheck) eachString(path string, v any, max int) {
	if c.err != nil {
		return
	}
	switch v := v.(type) {
	case string:
		c.text(path, v, max)
	case []any:
		for i, e := range v {
			c.eachString(path+"["+strconv.Itoa(i)+"]", e, max)
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c.eachString(path+"."+k, v[k], max)
		}
	}
}

// checkOAuthApp reports the first value of a client, as it is to be
// stored, longer than its limit.
func (l FieldLimits) checkOAuthApp(app *OAuthApp) error {
	var c lengthCheck
	c.text("applicationName", app.Name, l.OAuthAppName)
	c.text("oauthConsumerKey", app.ConsumerKey, l.OAuthConsumerKey)
	c.text("oauthConsumerSecret", app.ConsumerSecret, l.OAuthConsumerSecret)
	c.text("OAuthVersion", app.OAuthVersion, l.OAuthVersion)
	c.text("callbackUrl", app.CallbackURL, l.OAuthCallbackURL)
	c.text("grantTypes", app.GrantTypes, l.OAuthGrantTypes)
	c.settings(app.Settings, l)
	return c.err
}

// checkScope reports the first value of a scope, as it is to be stored,
// longer than its limit.
func (l FieldLimits) checkScope(s *Scope) error {
	var c lengthCheck
	c.text("scope", s.Name, l.ScopeName)
	for i, claim := range s.Claims {
		c.text("claims["+strconv.Itoa(i)+"]", claim, l.ScopeClaim)
	}
	if c.err == nil {
		doc, err := json.Marshal(s.Claims)
		if err != nil {
			return fmt.Errorf("admin: encoding the claims of scope %s: %w", s.Name, err)
		}
		c.size("the scope's claims", len(doc), l.ScopeClaimsBytes)
	}
	return c.err
}

// checkAppColumns reports a name or description of an application longer
// than its column.
func (l FieldLimits) checkAppColumns(name, description string) error {
	var c lengthCheck
	c.text("applicationName", name, l.AppName)
	c.text("description", description, l.AppDescription)
	return c.err
}

// checkAppTree reports the first value of an application's stored tree
// longer than its column upstream, and a stored document doc larger than
// the bound.
func (l FieldLimits) checkAppTree(tree *wsdl.ServiceProvider, doc []byte) error {
	var c lengthCheck
	c.textp("imageUrl", tree.ImageUrl, l.AppURL)
	c.textp("accessUrl", tree.AccessUrl, l.AppURL)
	if tree.InboundAuthenticationConfig != nil {
		for i, ic := range tree.InboundAuthenticationConfig.InboundAuthenticationRequestConfigs {
			if ic == nil {
				continue
			}
			at := "inboundAuthenticationRequestConfigs[" + strconv.Itoa(i) + "]."
			c.textp(at+"inboundAuthKey", ic.InboundAuthKey, l.InboundKey)
			c.textp(at+"inboundAuthType", ic.InboundAuthType, l.InboundType)
			c.textp(at+"inboundConfigType", ic.InboundConfigType, l.InboundType)
			for j, p := range ic.Properties {
				if p == nil {
					continue
				}
				pat := at + "properties[" + strconv.Itoa(j) + "]."
				c.textp(pat+"name", p.Name, l.InboundPropertyName)
				c.textp(pat+"value", p.Value, l.InboundPropertyValue)
			}
		}
	}
	for i, p := range tree.SpProperties {
		if p == nil {
			continue
		}
		at := "spProperties[" + strconv.Itoa(i) + "]."
		c.textp(at+"name", p.Name, l.AppProperty)
		c.textp(at+"value", p.Value, l.AppProperty)
		c.textp(at+"displayName", p.DisplayName, l.AppProperty)
	}
	c.size("the application's configuration", len(doc), l.AppDocumentBytes)
	return c.err
}

// checkTemplate reports a template value longer than its column, and
// content larger than the bound.
func (l FieldLimits) checkTemplate(t *SPTemplate) error {
	var c lengthCheck
	c.text("name", t.Name, l.TemplateName)
	c.text("description", t.Description, l.TemplateDescription)
	c.size("the template's content", len(t.Content), l.TemplateContentBytes)
	return c.err
}

// Domain errors of values longer than their columns. Each carries the text
// Identity Server answers when its database refuses such a value (the
// defaults are IS 7's; a profile's messages may replace them) and, as its
// cause, which field was too long, for the server's own log.

// errRegisterTooLong is the fault of registerOAuthApplicationData: IS 7's
// OAuthAppDAO.addOAuthApplication wraps the SQLException as
// "Error when executing SQL to create OAuth app <name>@<tenant> "
// (wso2-extensions/identity-inbound-auth-oauth,
// components/org.wso2.carbon.identity.oauth/src/main/java/org/wso2/carbon/identity/oauth/dao/OAuthAppDAO.java
// at ced4fe53961955429d2afaf3f208ea20250ffa88), which
// OAuthAdminServiceImpl.registerAndRetrieveOAuthApplicationData lets
// through.
func errRegisterTooLong(cause error, name, tenantDomain string) *Error {
	return &Error{Kind: ClientError, Code: "oauth.register-too-long", Err: cause,
		Default: "Error when executing SQL to create OAuth app %s@%s ", Args: []any{name, tenantDomain}}
}

// errUpdateTooLong is the fault of updateConsumerApplication: the same
// file's OAuthAppDAO.updateConsumerApplication.
func errUpdateTooLong(cause error) *Error {
	return &Error{Kind: ClientError, Code: "oauth.update-too-long", Err: cause,
		Default: "Error when updating OAuth application"}
}

// errAddScopeTooLong is the fault of addScope
// (OAuthAdminServiceImpl.addScope(String, String[]) of the same
// repository).
func errAddScopeTooLong(cause error) *Error {
	return &Error{Kind: ClientError, Code: "oauth.scope-add-too-long", Err: cause,
		Default: "Error while inserting OIDC scopes and claims."}
}

// errUpdateScopeTooLong is the fault of updateScope
// (OAuthAdminServiceImpl.updateScope(String, String[], String[])).
func errUpdateScopeTooLong(cause error, scope string, tenantID int64) *Error {
	return &Error{Kind: ClientError, Code: "oauth.scope-update-too-long", Err: cause,
		Default: "Error while updating OIDC claims for the scope: %s in tenant: %d", Args: []any{scope, tenantID}}
}

// errCreateTooLong is the fault of creating an application: the text of
// any failure of its database write (appmgt.create-failed).
func errCreateTooLong(cause error, name, tenantDomain string) *Error {
	return &Error{Kind: ClientError, Code: "appmgt.create-too-long", Err: cause,
		Default: "Error while creating application: %s for tenant: %s", Args: []any{name, tenantDomain}}
}

// errUpdateAppTooLong is the fault of updating an application
// (appmgt.update-failed's text).
func errUpdateAppTooLong(cause error, name, tenantDomain string) *Error {
	return &Error{Kind: ClientError, Code: "appmgt.update-too-long", Err: cause,
		Default: "Error while updating application: %s for tenant: %s", Args: []any{name, tenantDomain}}
}

// errTemplateTooLong is the fault of storing a template
// (appmgt.template-failed's text).
func errTemplateTooLong(cause error) *Error {
	return &Error{Kind: ClientError, Code: "appmgt.template-too-long", Err: cause,
		Default: "Server error occurred."}
}
