package admin

import "github.com/isadmin/isadmin/wsdl"

// Catalogue is what the server offers applications: authenticators,
// federated identity providers, local claims, adaptive authentication
// templates and custom inbound protocols. Upstream reads them from its
// deployed components and configuration; here they are data.
type Catalogue struct {
	LocalAuthenticators       []*wsdl.LocalAuthenticatorConfig
	RequestPathAuthenticators []*wsdl.RequestPathAuthenticatorConfig
	// IdentityProviders are the federated identity providers; a fresh
	// server has none.
	IdentityProviders []*wsdl.IdentityProvider
	LocalClaimURIs    []string
	// AuthenticationTemplatesJSON is the answer of
	// getAuthenticationTemplatesJSON: templates by category.
	AuthenticationTemplatesJSON string
	CustomInboundAuthenticators []*wsdl.InboundAuthenticationRequestConfig
}

// DefaultCatalogue returns what a fresh Identity Server offers, one list
// for every profile: the local authenticators of IS 5.x (basic, iwa, as a
// captured getAllLocalAuthenticators answer shows them) followed by those IS
// 7 adds, the two request path authenticators, no identity providers, the
// http://wso2.org/claims dialect's common claims, no adaptive
// authentication templates and no custom inbound protocols. Each call
// returns new values.
func DefaultCatalogue() *Catalogue {
	return &Catalogue{
		LocalAuthenticators: []*wsdl.LocalAuthenticatorConfig{
			localAuthenticator("BasicAuthenticator", "basic"),
			localAuthenticator("IWAAuthenticator", "iwa"),
			localAuthenticator("IdentifierExecutor", "identifier-first"),
			localAuthenticator("FIDOAuthenticator", "fido"),
			localAuthenticator("totp", "TOTP"),
			localAuthenticator("email-otp-authenticator", "Email OTP"),
			localAuthenticator("sms-otp-authenticator", "SMS OTP"),
			localAuthenticator("MagicLinkAuthenticator", "Magic Link"),
			localAuthenticator("backup-code-authenticator", "Backup Code"),
			localAuthenticator("SessionExecutor", "active-sessions-limit-handler"),
			localAuthenticator("x509CertificateAuthenticator", "X509 Certificate"),
		},
		RequestPathAuthenticators: []*wsdl.RequestPathAuthenticatorConfig{
			requestPathAuthenticator("BasicAuthRequestPathAuthenticator", "basic-auth"),
			requestPathAuthenticator("OAuthRequestPathAuthenticator", "oauth-bearer"),
		},
		IdentityProviders: []*wsdl.IdentityProvider{},
		LocalClaimURIs: []string{
			"http://wso2.org/claims/addresses",
			"http://wso2.org/claims/addresses.formatted",
			"http://wso2.org/claims/country",
			"http://wso2.org/claims/created",
			"http://wso2.org/claims/dob",
			"http://wso2.org/claims/displayName",
			"http://wso2.org/claims/emailaddress",
			"http://wso2.org/claims/emails.home",
			"http://wso2.org/claims/emails.other",
			"http://wso2.org/claims/emails.work",
			"http://wso2.org/claims/externalid",
			"http://wso2.org/claims/formattedName",
			"http://wso2.org/claims/fullname",
			"http://wso2.org/claims/gender",
			"http://wso2.org/claims/givenname",
			"http://wso2.org/claims/groups",
			"http://wso2.org/claims/identity/accountDisabled",
			"http://wso2.org/claims/identity/accountLocked",
			"http://wso2.org/claims/identity/askPassword",
			"http://wso2.org/claims/identity/emailVerified",
			"http://wso2.org/claims/identity/failedLoginAttempts",
			"http://wso2.org/claims/identity/lastLoginTime",
			"http://wso2.org/claims/identity/lastPasswordUpdateTime",
			"http://wso2.org/claims/identity/phoneVerified",
			"http://wso2.org/claims/im",
			"http://wso2.org/claims/lastname",
			"http://wso2.org/claims/local",
			"http://wso2.org/claims/locality",
			"http://wso2.org/claims/location",
			"http://wso2.org/claims/middleName",
			"http://wso2.org/claims/mobile",
			"http://wso2.org/claims/modified",
			"http://wso2.org/claims/nickname",
			"http://wso2.org/claims/organization",
			"http://wso2.org/claims/otherphone",
			"http://wso2.org/claims/phoneNumbers",
			"http://wso2.org/claims/phoneNumbers.home",
			"http://wso2.org/claims/phoneNumbers.work",
			"http://wso2.org/claims/photos",
			"http://wso2.org/claims/postalcode",
			"http://wso2.org/claims/preferredLanguage",
			"http://wso2.org/claims/profileUrl",
			"http://wso2.org/claims/region",
			"http://wso2.org/claims/resourceType",
			"http://wso2.org/claims/role",
			"http://wso2.org/claims/stateorprovince",
			"http://wso2.org/claims/streetaddress",
			"http://wso2.org/claims/telephone",
			"http://wso2.org/claims/timeZone",
			"http://wso2.org/claims/title",
			"http://wso2.org/claims/url",
			"http://wso2.org/claims/userType",
			"http://wso2.org/claims/userid",
			"http://wso2.org/claims/username",
			"http://wso2.org/claims/userprincipal",
		},
		AuthenticationTemplatesJSON: "{}",
		CustomInboundAuthenticators: []*wsdl.InboundAuthenticationRequestConfig{},
	}
}

// localAuthenticator is an authenticator as getAllLocalAuthenticators lists
// it: not enabled, valid, without properties.
func localAuthenticator(name, displayName string) *wsdl.LocalAuthenticatorConfig {
	return &wsdl.LocalAuthenticatorConfig{
		Name: ptr(name), DisplayName: ptr(displayName), Valid: true,
		Properties: []*wsdl.Property{}, Tags: []string{},
	}
}

func requestPathAuthenticator(name, displayName string) *wsdl.RequestPathAuthenticatorConfig {
	return &wsdl.RequestPathAuthenticatorConfig{
		Name: ptr(name), DisplayName: ptr(displayName), Valid: true,
		Properties: []*wsdl.Property{}, Tags: []string{},
	}
}
