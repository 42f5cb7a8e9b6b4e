package admin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/isadmin/isadmin/wsdl"
)

// OAuthConfig is what a fresh Identity Server answers from its identity.xml;
// the wire profile supplies it.
type OAuthConfig struct {
	AllowedGrantTypes           []string
	ScopeValidators             []string
	TokenTypes                  []string
	PKCESupported               bool
	RefreshTokenRenewal         bool
	HashDisabled                bool
	UserTokenExpiry             int64 // seconds
	ApplicationTokenExpiry      int64
	RefreshTokenExpiry          int64
	IDTokenExpiry               int64
	IDTokenEncryptionAlgorithms []string
	IDTokenEncryptionMethods    []string
	TokenBindings               []*wsdl.TokenBindingMetaDataDTO
	// Limits are the column sizes of the generation's database scripts;
	// zero limits take IS 7's.
	Limits FieldLimits
}

// OAuthAdmin implements wsdl.OAuthAdminService for every profile.
type OAuthAdmin struct {
	Store  OAuthAppStore
	Config OAuthConfig
	// Authorizations knows the users' tokens; without it no user holds
	// any.
	Authorizations AuthorizationStore
	// NewKey makes consumer keys and secrets; GenerateKey by default.
	NewKey func() string

	clients clientCache
}

var (
	_ wsdl.OAuthAdminService                  = (*OAuthAdmin)(nil)
	_ wsdl.GetAllOAuthApplicationDataStreamer = (*OAuthAdmin)(nil)
)

// GenerateKey returns a key in the shape Identity Server's
// OAuthUtil.getRandomNumber produces: 20 random bytes, Base64 with "/" as
// "_", "+" as "f" and the padding "=" as "a": 28 characters ending in "a".
func GenerateKey() string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	s := base64.StdEncoding.EncodeToString(b[:])
	return strings.NewReplacer("/", "_", "=", "a", "+", "f").Replace(s)
}

// limits returns the field limits of the service's generation.
func (s *OAuthAdmin) limits() FieldLimits { return s.Config.Limits.complete() }

func (s *OAuthAdmin) newKey() string {
	if s.NewKey != nil {
		return s.NewKey()
	}
	return GenerateKey()
}

func caller(ctx context.Context) (Principal, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return Principal{}, Errorf("auth.not-logged-in", "User not logged in")
	}
	return p, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr(s string) *string { return &s }

func errNoClient(key string) *Error {
	return Errorf("oauth.client-not-found", "Cannot find a valid OAuth client for consumerKey: %s", key)
}

// validate checks the callback and grant types of a client.
func (s *OAuthAdmin) validate(dto *wsdl.OAuthConsumerAppDTO) error {
	grants := str(dto.GrantTypes)
	if (strings.Contains(grants, "authorization_code") || strings.Contains(grants, "implicit")) && strings.TrimSpace(str(dto.CallbackUrl)) == "" {
		return Errorf("oauth.callback-required", "Callback URI is mandatory for Code or Implicit grant types")
	}
	for _, g := range strings.Fields(grants) {
		allowed := false
		for _, a := range s.Config.AllowedGrantTypes {
			if a == g {
				allowed = true
				break
			}
		}
		if !allowed {
			return Errorf("oauth.grant-not-allowed", "'%s' grant type is not allowed.", g)
		}
	}
	if seen := map[string]bool{}; dto.Audiences != nil {
		for _, a := range dto.Audiences {
			if strings.TrimSpace(a) == "" || seen[a] {
				return Errorf("oauth.bad-audiences", "Audience values cannot contain duplicates or empty values.")
			}
			seen[a] = true
		}
	}
	if dto.CibaAllowFederatedUsers && !dto.CibaSkipUserValidation {
		return Errorf("oauth.ciba-federated", "cibaAllowFederatedUsers requires cibaSkipUserValidation to be enabled")
	}
	return nil
}

// settingsOf stores every DTO field that has no column of its own.
func settingsOf(dto *wsdl.OAuthConsumerAppDTO) ([]byte, error) {
	c := *dto
	c.OAuthVersion, c.ApplicationName, c.CallbackUrl, c.GrantTypes = nil, nil, nil, nil
	c.OauthConsumerKey, c.OauthConsumerSecret, c.Username, c.State = nil, nil, nil, nil
	return json.Marshal(&c)
}

func (s *OAuthAdmin) applyDefaults(dto *wsdl.OAuthConsumerAppDTO) {
	if dto.UserAccessTokenExpiryTime <= 0 {
		dto.UserAccessTokenExpiryTime = s.Config.UserTokenExpiry
	}
	if dto.ApplicationAccessTokenExpiryTime <= 0 {
		dto.ApplicationAccessTokenExpiryTime = s.Config.ApplicationTokenExpiry
	}
	if dto.RefreshTokenExpiryTime <= 0 {
		dto.RefreshTokenExpiryTime = s.Config.RefreshTokenExpiry
	}
	if dto.IdTokenExpiryTime <= 0 {
		dto.IdTokenExpiryTime = s.Config.IDTokenExpiry
	}
	if dto.TokenType == nil && len(s.Config.TokenTypes) > 0 {
		dto.TokenType = ptr(s.Config.TokenTypes[0])
	}
}

// dtoOf is the wire view of a stored client.
func dtoOf(app *OAuthApp, tenantDomain string) (*wsdl.OAuthConsumerAppDTO, error) {
	dto := new(wsdl.OAuthConsumerAppDTO)
	if len(app.Settings) > 0 {
		if err := json.Unmarshal(app.Settings, dto); err != nil {
			return nil, Internal("oauth.corrupt", "Error while reading the OAuth application %s", err, app.ConsumerKey)
		}
	}
	dto.OAuthVersion = ptr(app.OAuthVersion)
	dto.ApplicationName = ptr(app.Name)
	dto.CallbackUrl = ptr(app.CallbackURL)
	dto.GrantTypes = ptr(app.GrantTypes)
	dto.OauthConsumerKey = ptr(app.ConsumerKey)
	dto.OauthConsumerSecret = ptr(app.ConsumerSecret)
	dto.Username = ptr(app.Owner + "@" + tenantDomain)
	dto.State = ptr(app.State)
	withUpstreamArrays(dto)
	return dto, nil
}

// RegisterOAuthApplicationData registers a client. A caller-supplied key and
// secret are stored verbatim: that is how clients created elsewhere are
// provisioned.
func (s *OAuthAdmin) RegisterOAuthApplicationData(ctx context.Context, dto *wsdl.OAuthConsumerAppDTO) error {
	_, err := s.register(ctx, dto)
	return err
}

// RegisterAndRetrieveOAuthApplicationData registers a client and returns it.
func (s *OAuthAdmin) RegisterAndRetrieveOAuthApplicationData(ctx context.Context, dto *wsdl.OAuthConsumerAppDTO) (*wsdl.OAuthConsumerAppDTO, error) {
	return s.register(ctx, dto)
}

func (s *OAuthAdmin) register(ctx context.Context, dto *wsdl.OAuthConsumerAppDTO) (*wsdl.OAuthConsumerAppDTO, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if dto == nil {
		return nil, Errorf("oauth.no-application", "No application details in the request. Failed to register OAuth App.")
	}
	if strings.TrimSpace(str(dto.ApplicationName)) == "" {
		return nil, Errorf("oauth.name-required", "Application name cannot be empty.")
	}
	if err := s.validate(dto); err != nil {
		return nil, err
	}
	c := *dto
	s.applyDefaults(&c)
	app := &OAuthApp{
		TenantID:     p.TenantID,
		Owner:        p.Username,
		Name:         str(c.ApplicationName),
		ConsumerKey:  str(c.OauthConsumerKey),
		CallbackURL:  str(c.CallbackUrl),
		GrantTypes:   strings.Join(strings.Fields(str(c.GrantTypes)), " "),
		OAuthVersion: str(c.OAuthVersion),
		State:        StateActive,
	}
	if app.OAuthVersion == "" {
		app.OAuthVersion = "OAuth-2.0"
	}
	if app.ConsumerKey == "" {
		app.ConsumerKey = s.newKey()
		app.ConsumerSecret = s.newKey()
	} else {
		app.ConsumerSecret = str(c.OauthConsumerSecret)
		if app.ConsumerSecret == "" {
			app.ConsumerSecret = s.newKey()
		}
	}
	if app.Settings, err = settingsOf(&c); err != nil {
		return nil, Internal("oauth.register-failed", "Error when adding a new OAuth consumer application.", err)
	}
	if err := s.limits().checkOAuthApp(app); err != nil {
		return nil, errRegisterTooLong(err, app.Name, p.TenantDomain)
	}
	if err := s.Store.CreateOAuthApp(ctx, app); err != nil {
		switch {
		case errors.Is(err, ErrDuplicateName):
			return nil, Errorf("oauth.duplicate-name", "An application with the same name already exists.")
		case errors.Is(err, ErrDuplicateKey):
			return nil, Errorf("oauth.duplicate-key", "An application with the same clientId already exists.")
		}
		return nil, Internal("oauth.register-failed", "Error when adding a new OAuth consumer application.", err)
	}
	return dtoOf(app, p.TenantDomain)
}

// RegisterOAuthConsumer registers an unnamed OAuth 1.0a consumer and returns
// its key and secret.
func (s *OAuthAdmin) RegisterOAuthConsumer(ctx context.Context) ([]string, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	app := &OAuthApp{
		TenantID: p.TenantID, Owner: p.Username, ConsumerKey: s.newKey(), ConsumerSecret: s.newKey(),
		OAuthVersion: "OAuth-1.0a", State: StateActive,
	}
	if err := s.Store.CreateOAuthApp(ctx, app); err != nil {
		return nil, Internal("oauth.register-failed", "Error when adding a new OAuth consumer application.", err)
	}
	return []string{app.ConsumerKey, app.ConsumerSecret}, nil
}

func (s *OAuthAdmin) find(ctx context.Context, key string) (*OAuthApp, Principal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, p, err
	}
	if app, ok := s.clients.get(p.TenantID, key, p.oauthVersion); ok {
		return app, p, nil
	}
	app, err := s.Store.FindOAuthAppByKey(ctx, p.TenantID, key)
	if errors.Is(err, ErrNotFound) {
		return nil, p, errNoClient(key)
	}
	if err != nil {
		return nil, p, Internal("oauth.read-failed", "Error while reading the OAuth application %s", err, key)
	}
	s.clients.put(app, p.oauthVersion)
	return app, p, nil
}

// GetOAuthApplicationData returns the client with the given key.
// The answer shares its field values with the client cache: callers may
// set its fields but must not write through them.
func (s *OAuthAdmin) GetOAuthApplicationData(ctx context.Context, key string) (*wsdl.OAuthConsumerAppDTO, error) {
	if p, err := caller(ctx); err == nil {
		if dto, ok := s.clients.getDTO(p.TenantID, key, p.oauthVersion); ok {
			return dto, nil
		}
	}
	app, p, err := s.find(ctx, key)
	if err != nil {
		return nil, err
	}
	dto, err := dtoOf(app, p.TenantDomain)
	if err != nil {
		return nil, err
	}
	s.clients.putDTO(p.TenantID, key, p.oauthVersion, dto)
	return dto, nil
}

// GetOAuthApplicationDataByAppName returns the tenant's client of that name.
func (s *OAuthAdmin) GetOAuthApplicationDataByAppName(ctx context.Context, name string) (*wsdl.OAuthConsumerAppDTO, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	app, err := s.Store.FindOAuthAppByName(ctx, p.TenantID, name)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf("oauth.name-not-found", "Cannot find a valid OAuth client with application name: %s in tenant: %d", name, p.TenantID)
	}
	if err != nil {
		return nil, Internal("oauth.read-failed", "Error while reading the OAuth application %s", err, name)
	}
	return dtoOf(app, p.TenantDomain)
}

// GetAllOAuthApplicationData returns the caller's own named clients.
func (s *OAuthAdmin) GetAllOAuthApplicationData(ctx context.Context) ([]*wsdl.OAuthConsumerAppDTO, error) {
	out := []*wsdl.OAuthConsumerAppDTO{}
	err := s.StreamGetAllOAuthApplicationData(ctx, func(dto *wsdl.OAuthConsumerAppDTO) error {
		out = append(out, dto)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// StreamGetAllOAuthApplicationData hands the caller's own named clients to
// yield one at a time, so that a response listing thousands of them holds
// their rows but only one answer element at a time. The rows are read
// whole first: yield writes to the client, whose pace must not hold a
// database connection.
func (s *OAuthAdmin) StreamGetAllOAuthApplicationData(ctx context.Context, yield func(*wsdl.OAuthConsumerAppDTO) error) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	apps, err := s.Store.ListOAuthApps(ctx, p.TenantID, p.Username)
	var de *Error
	if err != nil && !errors.As(err, &de) {
		return Internal("oauth.read-failed", "Error while reading the OAuth applications of %s", err, p.Username)
	}
	if err != nil {
		return err
	}
	for i, app := range apps {
		apps[i] = nil // written out: its memory may go
		if app.Name == "" {
			continue
		}
		dto, err := dtoOf(app, p.TenantDomain)
		if err != nil {
			return err
		}
		if err := yield(dto); err != nil {
			return err
		}
	}
	return nil
}

// UpdateConsumerApplication updates a client; the secret must match and is
// not changed.
func (s *OAuthAdmin) UpdateConsumerApplication(ctx context.Context, dto *wsdl.OAuthConsumerAppDTO) error {
	if dto == nil || str(dto.OauthConsumerKey) == "" || str(dto.OauthConsumerSecret) == "" {
		return Errorf("oauth.update-no-credentials", "ConsumerKey or ConsumerSecret is not provided for updating the OAuth application.")
	}
	key := str(dto.OauthConsumerKey)
	app, _, err := s.find(ctx, key)
	if err != nil {
		var de *Error
		if errors.As(err, &de) && de.Code == "oauth.client-not-found" {
			return Errorf("oauth.update-not-found", "OAuth application cannot be found for consumerKey: %s", key)
		}
		return err
	}
	if subtle.ConstantTimeCompare([]byte(app.ConsumerSecret), []byte(str(dto.OauthConsumerSecret))) != 1 {
		return Errorf("oauth.update-bad-secret", "Invalid ConsumerSecret is provided for updating the OAuth application with consumerKey: %s", key)
	}
	if err := s.validate(dto); err != nil {
		return err
	}
	c := *dto
	s.applyDefaults(&c)
	if name := str(c.ApplicationName); strings.TrimSpace(name) != "" {
		app.Name = name
	}
	app.CallbackURL = str(c.CallbackUrl)
	app.GrantTypes = strings.Join(strings.Fields(str(c.GrantTypes)), " ")
	if v := str(c.OAuthVersion); v != "" {
		app.OAuthVersion = v
	}
	if app.Settings, err = settingsOf(&c); err != nil {
		return Internal("oauth.update-failed", "Error while updating the OAuth application %s", err, key)
	}
	if err := s.limits().checkOAuthApp(app); err != nil {
		return errUpdateTooLong(err)
	}
	return s.save(ctx, app)
}

func (s *OAuthAdmin) save(ctx context.Context, app *OAuthApp) error {
	// The request's own later reads must see its write, whatever version
	// it started with.
	s.clients.forget(app.TenantID, app.ConsumerKey)
	err := s.Store.UpdateOAuthApp(ctx, app)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrDuplicateName):
		return Errorf("oauth.duplicate-name", "An application with the same name already exists.")
	case errors.Is(err, ErrNotFound):
		return errNoClient(app.ConsumerKey)
	}
	return Internal("oauth.update-failed", "Error while updating the OAuth application %s", err, app.ConsumerKey)
}

// RemoveOAuthApplicationData deletes a client.
func (s *OAuthAdmin) RemoveOAuthApplicationData(ctx context.Context, key string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	s.clients.forget(p.TenantID, key)
	err = s.Store.DeleteOAuthApp(ctx, p.TenantID, key)
	if errors.Is(err, ErrNotFound) {
		return errNoClient(key)
	}
	if err != nil {
		return Internal("oauth.delete-failed", "Error occurred while deleting OAuth2 application data for application with consumer key: %s", err, key)
	}
	return nil
}

// GetOauthApplicationState returns ACTIVE or REVOKED, nil for unknown keys.
func (s *OAuthAdmin) GetOauthApplicationState(ctx context.Context, key string) (*string, error) {
	app, _, err := s.find(ctx, key)
	if err != nil {
		var de *Error
		if errors.As(err, &de) && de.Code == "oauth.client-not-found" {
			return nil, nil
		}
		return nil, err
	}
	return ptr(app.State), nil
}

// UpdateConsumerAppState sets the state of a client.
func (s *OAuthAdmin) UpdateConsumerAppState(ctx context.Context, key, state string) error {
	if state != StateActive && state != StateRevoked {
		return Errorf("oauth.bad-state", "Invalid application state: %s. Use ACTIVE or REVOKED.", state)
	}
	app, _, err := s.find(ctx, key)
	if err != nil {
		var de *Error
		if errors.As(err, &de) && de.Code == "oauth.client-not-found" {
			return Errorf("oauth.state-not-found", "Error while updating state of OAuth app with consumerKey: %s", key)
		}
		return err
	}
	app.State = state
	return s.save(ctx, app)
}

// UpdateOauthSecretKey gives a client a new secret and makes it ACTIVE.
func (s *OAuthAdmin) UpdateOauthSecretKey(ctx context.Context, key string) error {
	_, err := s.UpdateAndRetrieveOauthSecretKey(ctx, key)
	return err
}

// UpdateAndRetrieveOauthSecretKey gives a client a new secret and returns it.
func (s *OAuthAdmin) UpdateAndRetrieveOauthSecretKey(ctx context.Context, key string) (*wsdl.OAuthConsumerAppDTO, error) {
	app, p, err := s.find(ctx, key)
	if err != nil {
		return nil, err
	}
	app.ConsumerSecret = s.newKey()
	app.State = StateActive
	if err := s.save(ctx, app); err != nil {
		return nil, err
	}
	return dtoOf(app, p.TenantDomain)
}

// GetAllowedGrantTypes lists the grant types clients may use.
func (s *OAuthAdmin) GetAllowedGrantTypes(ctx context.Context) ([]string, error) {
	return append([]string(nil), s.Config.AllowedGrantTypes...), nil
}

// GetAllowedScopeValidators lists the scope validators.
func (s *OAuthAdmin) GetAllowedScopeValidators(ctx context.Context) ([]string, error) {
	return append([]string(nil), s.Config.ScopeValidators...), nil
}

// GetSupportedTokenTypes lists the access token types.
func (s *OAuthAdmin) GetSupportedTokenTypes(ctx context.Context) ([]string, error) {
	return append([]string(nil), s.Config.TokenTypes...), nil
}

// IsPKCESupportEnabled reports PKCE support.
func (s *OAuthAdmin) IsPKCESupportEnabled(ctx context.Context) (bool, error) {
	return s.Config.PKCESupported, nil
}

// IsRefreshTokenRenewalEnabled reports refresh token renewal.
func (s *OAuthAdmin) IsRefreshTokenRenewalEnabled(ctx context.Context) (bool, error) {
	return s.Config.RefreshTokenRenewal, nil
}

// IsHashDisabled reports whether secrets are kept in plain text.
func (s *OAuthAdmin) IsHashDisabled(ctx context.Context) (bool, error) {
	return s.Config.HashDisabled, nil
}

// GetTokenExpiryTimes returns the default token lifetimes in seconds.
func (s *OAuthAdmin) GetTokenExpiryTimes(ctx context.Context) (*wsdl.OAuthTokenExpiryTimeDTO, error) {
	return &wsdl.OAuthTokenExpiryTimeDTO{
		ApplicationAccessTokenExpiryTime: s.Config.ApplicationTokenExpiry,
		IdTokenExpiryTime:                s.Config.IDTokenExpiry,
		RefreshTokenExpiryTime:           s.Config.RefreshTokenExpiry,
		UserAccessTokenExpiryTime:        s.Config.UserTokenExpiry,
	}, nil
}

// GetSupportedIDTokenAlgorithms returns the ID token encryption options.
func (s *OAuthAdmin) GetSupportedIDTokenAlgorithms(ctx context.Context) (*wsdl.OAuthIDTokenAlgorithmDTO, error) {
	dto := &wsdl.OAuthIDTokenAlgorithmDTO{
		SupportedIdTokenEncryptionAlgorithms: append([]string(nil), s.Config.IDTokenEncryptionAlgorithms...),
		SupportedIdTokenEncryptionMethods:    append([]string(nil), s.Config.IDTokenEncryptionMethods...),
	}
	if len(s.Config.IDTokenEncryptionAlgorithms) > 0 {
		dto.DefaultIdTokenEncryptionAlgorithm = ptr(s.Config.IDTokenEncryptionAlgorithms[0])
	}
	if len(s.Config.IDTokenEncryptionMethods) > 0 {
		dto.DefaultIdTokenEncryptionMethod = ptr(s.Config.IDTokenEncryptionMethods[0])
	}
	return dto, nil
}

// GetSupportedTokenBindingsMetaData returns the token binding types.
func (s *OAuthAdmin) GetSupportedTokenBindingsMetaData(ctx context.Context) ([]*wsdl.TokenBindingMetaDataDTO, error) {
	return s.Config.TokenBindings, nil
}

// GetAudiences exists in the contract only; it does nothing.
func (s *OAuthAdmin) GetAudiences(ctx context.Context) error { return nil }

// GetAppsAuthorizedByUser lists the clients for which the caller holds
// active or expired tokens (a client's owner holds its client_credentials
// tokens), each with its key, name, owner and grant types only.
func (s *OAuthAdmin) GetAppsAuthorizedByUser(ctx context.Context) ([]*wsdl.OAuthConsumerAppDTO, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	out := []*wsdl.OAuthConsumerAppDTO{}
	if s.Authorizations == nil {
		return out, nil
	}
	apps, err := s.Authorizations.ListAuthorizedApps(ctx, p.TenantID, p.QualifiedName())
	if err != nil {
		return nil, Internal("oauth.read-failed", "Error while reading the OAuth application %s", err, "")
	}
	for _, app := range apps {
		out = append(out, &wsdl.OAuthConsumerAppDTO{OauthConsumerKey: ptr(app.ConsumerKey), ApplicationName: ptr(app.Name),
			Username: ptr(app.Owner + "@" + p.TenantDomain), GrantTypes: ptr(app.GrantTypes)})
	}
	return out, nil
}

// RevokeAuthzForAppsByResoureOwner revokes the caller's tokens for the
// clients named (by name, as upstream matches them); other users' tokens
// stay.
func (s *OAuthAdmin) RevokeAuthzForAppsByResoureOwner(ctx context.Context, req *wsdl.OAuthRevocationRequestDTO) (*wsdl.OAuthRevocationResponseDTO, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if req == nil || len(req.Apps) == 0 {
		return &wsdl.OAuthRevocationResponseDTO{Error: true, ErrorCode: ptr("invalid_request"), ErrorMsg: ptr("Invalid revocation request")}, nil
	}
	if s.Authorizations != nil {
		if _, err := s.Authorizations.RevokeUserTokens(ctx, p.TenantID, p.QualifiedName(), req.Apps); err != nil {
			return nil, Internal("oauth.revoke-failed", "Error occurred while revoking OAuth2 tokens", err)
		}
	}
	return &wsdl.OAuthRevocationResponseDTO{}, nil
}

// UpdateApproveAlwaysForAppConsentByResourceOwner records a consent choice;
// without tokens there is nothing to change.
func (s *OAuthAdmin) UpdateApproveAlwaysForAppConsentByResourceOwner(ctx context.Context, appName, state string) (*wsdl.OAuthRevocationResponseDTO, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	return &wsdl.OAuthRevocationResponseDTO{}, nil
}

// AddScope creates a scope releasing the given claims.
func (s *OAuthAdmin) AddScope(ctx context.Context, scope string, claims []string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if strings.TrimSpace(scope) == "" {
		return Errorf("oauth.scope-name-required", "Scope name cannot be empty.")
	}
	sc := &Scope{TenantID: p.TenantID, Name: scope, Claims: claims}
	if err := s.limits().checkScope(sc); err != nil {
		return errAddScopeTooLong(err)
	}
	err = s.Store.CreateScope(ctx, sc)
	if errors.Is(err, ErrDuplicateName) {
		return Errorf("oauth.scope-exists", "Scope with the name %s already exists.", scope)
	}
	if err != nil {
		return Internal("oauth.scope-failed", "Error while adding the scope %s", err, scope)
	}
	return nil
}

func (s *OAuthAdmin) findScope(ctx context.Context, scope string) (*Scope, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := s.Store.FindScope(ctx, p.TenantID, scope)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf("oauth.scope-not-found", "Scope with the name %s does not exist.", scope)
	}
	if err != nil {
		return nil, Internal("oauth.scope-failed", "Error while reading the scope %s", err, scope)
	}
	return sc, nil
}

// UpdateScope adds and removes claims of a scope.
func (s *OAuthAdmin) UpdateScope(ctx context.Context, scope string, add, remove []string) error {
	sc, err := s.findScope(ctx, scope)
	if err != nil {
		return err
	}
	drop := map[string]bool{}
	for _, c := range remove {
		drop[c] = true
	}
	have := map[string]bool{}
	claims := []string{}
	for _, c := range append(sc.Claims, add...) {
		if !drop[c] && !have[c] {
			have[c] = true
			claims = append(claims, c)
		}
	}
	sc.Claims = claims
	if err := s.limits().checkScope(sc); err != nil {
		return errUpdateScopeTooLong(err, scope, sc.TenantID)
	}
	if err := s.Store.UpdateScope(ctx, sc); err != nil {
		return Internal("oauth.scope-failed", "Error while updating the scope %s", err, scope)
	}
	return nil
}

// DeleteScope deletes a scope.
func (s *OAuthAdmin) DeleteScope(ctx context.Context, scope string) error {
	sc, err := s.findScope(ctx, scope)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteScope(ctx, sc.TenantID, sc.Name); err != nil {
		return Internal("oauth.scope-failed", "Error while deleting the scope %s", err, scope)
	}
	return nil
}

// IsScopeExist reports whether the scope exists.
func (s *OAuthAdmin) IsScopeExist(ctx context.Context, scope string) (bool, error) {
	_, err := s.findScope(ctx, scope)
	var de *Error
	if errors.As(err, &de) && de.Code == "oauth.scope-not-found" {
		return false, nil
	}
	return err == nil, err
}

// GetClaims returns the claims of a scope; none for an unknown scope.
func (s *OAuthAdmin) GetClaims(ctx context.Context, scope string) ([]string, error) {
	sc, err := s.findScope(ctx, scope)
	var de *Error
	if errors.As(err, &de) && de.Code == "oauth.scope-not-found" {
		return []string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return sc.Claims, nil
}

// GetScopes returns the tenant's scopes with their claims.
func (s *OAuthAdmin) GetScopes(ctx context.Context) ([]*wsdl.ScopeDTO, error) {
	scopes, err := s.listScopes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*wsdl.ScopeDTO, 0, len(scopes))
	for _, sc := range scopes {
		out = append(out, &wsdl.ScopeDTO{Name: ptr(sc.Name), Claim: sc.Claims})
	}
	return out, nil
}

// GetScopeNames returns the names of the tenant's scopes.
func (s *OAuthAdmin) GetScopeNames(ctx context.Context) ([]string, error) {
	scopes, err := s.listScopes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		out = append(out, sc.Name)
	}
	return out, nil
}

func (s *OAuthAdmin) listScopes(ctx context.Context) ([]*Scope, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	scopes, err := s.Store.ListScopes(ctx, p.TenantID)
	if err != nil {
		return nil, Internal("oauth.scope-failed", "Error while reading the scopes of tenant %d", err, p.TenantID)
	}
	return scopes, nil
}
