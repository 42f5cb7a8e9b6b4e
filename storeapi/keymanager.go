package storeapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/soap"
	"github.com/isadmin/isadmin/wsdl"
)

// ResidentKeyManager is the name of the local key manager, as API Manager
// names its built-in one; requests that name no key manager use it.
const ResidentKeyManager = "Resident Key Manager"

// OAuthClient is an OAuth client as a key manager holds it.
type OAuthClient struct {
	Name           string
	ConsumerKey    string
	ConsumerSecret string
	CallbackURL    string
	GrantTypes     []string
}

// KeyManager holds the OAuth clients behind key mappings. Local serves this
// server's own clients in process; Remote those of an OAuthAdminService
// elsewhere (a WSO2 Identity Server or another isadmin) over SOAP. The store
// cannot tell them apart.
type KeyManager interface {
	// Client returns the client with the consumer key, or ErrClientNotFound.
	Client(ctx context.Context, consumerKey string) (*OAuthClient, error)
	// CreateClient registers c and returns it as stored. Without a consumer
	// key, key and secret are generated; a supplied key and secret are
	// stored verbatim. A taken key is ErrClientExists, a taken name
	// ErrClientNameTaken.
	CreateClient(ctx context.Context, c *OAuthClient) (*OAuthClient, error)
	// UpdateClient sets the grant types and callback URL of the client with
	// c.ConsumerKey, keeping every other setting, and returns it.
	UpdateClient(ctx context.Context, c *OAuthClient) (*OAuthClient, error)
	// RegenerateSecret gives the client a new secret and returns it.
	RegenerateSecret(ctx context.Context, consumerKey string) (*OAuthClient, error)
	// DeleteClient deletes the client, or reports ErrClientNotFound.
	DeleteClient(ctx context.Context, consumerKey string) error
	// AllowedGrantTypes lists the grant types clients may have.
	AllowedGrantTypes(ctx context.Context) ([]string, error)
}

// Errors of key managers.
var (
	ErrClientNotFound  = errors.New("storeapi: the key manager has no OAuth client with this consumer key")
	ErrClientExists    = errors.New("storeapi: the key manager has an OAuth client with this consumer key already")
	ErrClientNameTaken = errors.New("storeapi: the key manager has an OAuth client with this name already")
)

// KeyManagerError is any other failure of a key manager.
type KeyManagerError struct {
	// Status is the HTTP status the store answers with: 400 when the key
	// manager refused the request as invalid, 502 when a remote one failed,
	// 500 when the local one did.
	Status int
	// Message is what the key manager said; it holds no secret.
	Message string
	Err     error
}

func (e *KeyManagerError) Error() string {
	if e.Err != nil {
		return "storeapi: key manager: " + e.Message + ": " + e.Err.Error()
	}
	return "storeapi: key manager: " + e.Message
}

func (e *KeyManagerError) Unwrap() error { return e.Err }

// oauthKM runs the KeyManager operations on an OAuthAdminService; classify
// turns the service's errors into the key manager errors above, has tells
// which operations the service offers.
type oauthKM struct {
	svc      wsdl.OAuthAdminService
	has      func(operation string) bool
	classify func(err error, consumerKey string) error
}

func clientOf(dto *wsdl.OAuthConsumerAppDTO) *OAuthClient {
	return &OAuthClient{
		Name:           deref(dto.ApplicationName),
		ConsumerKey:    deref(dto.OauthConsumerKey),
		ConsumerSecret: deref(dto.OauthConsumerSecret),
		CallbackURL:    deref(dto.CallbackUrl),
		GrantTypes:     strings.Fields(deref(dto.GrantTypes)),
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (k *oauthKM) get(ctx context.Context, key string) (*wsdl.OAuthConsumerAppDTO, error) {
	dto, err := k.svc.GetOAuthApplicationData(ctx, key)
	if err != nil {
		return nil, k.classify(err, key)
	}
	if dto == nil || deref(dto.OauthConsumerKey) == "" {
		return nil, ErrClientNotFound
	}
	return dto, nil
}

func (k *oauthKM) Client(ctx context.Context, key string) (*OAuthClient, error) {
	dto, err := k.get(ctx, key)
	if err != nil {
		return nil, err
	}
	return clientOf(dto), nil
}

func (k *oauthKM) CreateClient(ctx context.Context, c *OAuthClient) (*OAuthClient, error) {
	version, grants := "OAuth-2.0", strings.Join(c.GrantTypes, " ")
	dto := &wsdl.OAuthConsumerAppDTO{
		OAuthVersion: &version, ApplicationName: &c.Name, CallbackUrl: &c.CallbackURL, GrantTypes: &grants,
	}
	key, secret := c.ConsumerKey, c.ConsumerSecret
	if key != "" {
		dto.OauthConsumerKey, dto.OauthConsumerSecret = &key, &secret
	}
	if key == "" && k.has("registerAndRetrieveOAuthApplicationData") {
		got, err := k.svc.RegisterAndRetrieveOAuthApplicationData(ctx, dto)
		if err != nil {
			return nil, k.classify(err, key)
		}
		if got == nil || deref(got.OauthConsumerKey) == "" {
			return nil, &KeyManagerError{Status: http.StatusBadGateway, Message: "registerAndRetrieveOAuthApplicationData returned no client"}
		}
		return clientOf(got), nil
	}
	// A supplied key and secret (provisioning) go through
	// registerOAuthApplicationData, which every generation has, as API
	// Manager's documentation tells to provision out-of-band clients.
	// Generations without registerAndRetrieve (IS 5.0) get a key and secret
	// made here, in Identity Server's shape. The client is read back.
	if key == "" {
		key, secret = admin.GenerateKey(), admin.GenerateKey()
		dto.OauthConsumerKey, dto.OauthConsumerSecret = &key, &secret
	}
	if err := k.svc.RegisterOAuthApplicationData(ctx, dto); err != nil {
		return nil, k.classify(err, key)
	}
	return k.Client(ctx, key)
}

func (k *oauthKM) UpdateClient(ctx context.Context, c *OAuthClient) (*OAuthClient, error) {
	dto, err := k.get(ctx, c.ConsumerKey)
	if err != nil {
		return nil, err
	}
	grants, callback := strings.Join(c.GrantTypes, " "), c.CallbackURL
	dto.GrantTypes, dto.CallbackUrl = &grants, &callback
	if err := k.svc.UpdateConsumerApplication(ctx, dto); err != nil {
		return nil, k.classify(err, c.ConsumerKey)
	}
	return k.Client(ctx, c.ConsumerKey)
}

func (k *oauthKM) RegenerateSecret(ctx context.Context, key string) (*OAuthClient, error) {
	if k.has("updateAndRetrieveOauthSecretKey") {
		dto, err := k.svc.UpdateAndRetrieveOauthSecretKey(ctx, key)
		if err != nil {
			return nil, k.classify(err, key)
		}
		if dto == nil || deref(dto.OauthConsumerKey) == "" {
			return k.Client(ctx, key)
		}
		return clientOf(dto), nil
	}
	// Generations without a secret operation (IS 5.0): register the client
	// again under the same key with a new secret, restoring the old one if
	// that fails.
	old, err := k.get(ctx, key)
	if err != nil {
		return nil, err
	}
	renewed := *old
	secret := admin.GenerateKey()
	renewed.OauthConsumerSecret = &secret
	renewed.Username, renewed.State = nil, nil
	if err := k.svc.RemoveOAuthApplicationData(ctx, key); err != nil {
		return nil, k.classify(err, key)
	}
	if err := k.svc.RegisterOAuthApplicationData(ctx, &renewed); err != nil {
		restore := *old
		restore.Username, restore.State = nil, nil
		if rerr := k.svc.RegisterOAuthApplicationData(ctx, &restore); rerr != nil {
			return nil, &KeyManagerError{Status: http.StatusBadGateway,
				Message: "the client was removed to change its secret and could not be registered again", Err: errors.Join(err, rerr)}
		}
		return nil, k.classify(err, key)
	}
	return k.Client(ctx, key)
}

func (k *oauthKM) DeleteClient(ctx context.Context, key string) error {
	if err := k.svc.RemoveOAuthApplicationData(ctx, key); err != nil {
		return k.classify(err, key)
	}
	return nil
}

func (k *oauthKM) AllowedGrantTypes(ctx context.Context) ([]string, error) {
	grants, err := k.svc.GetAllowedGrantTypes(ctx)
	if err != nil {
		return nil, k.classify(err, "")
	}
	return grants, nil
}

// Local is the key manager of this server's own OAuth clients: package
// admin's OAuthAdminService called in process, as the store's caller (the
// principal in the context), so clients are looked up in the caller's
// tenant and created in the caller's name.
type Local struct {
	// OAuth is the service, an *admin.OAuthAdmin.
	OAuth wsdl.OAuthAdminService
	// Tokens issues its clients' tokens, a *tokens.Server; without it the
	// key manager issues none.
	Tokens LocalTokens
	// Profile supplies the texts of the service's errors; nil uses the
	// service's defaults.
	Profile *wsdl.Profile
}

var _ KeyManager = (*Local)(nil)

func (l *Local) km() *oauthKM {
	return &oauthKM{svc: l.OAuth, has: func(string) bool { return true }, classify: l.classify}
}

// classify maps the domain errors of package admin.
func (l *Local) classify(err error, _ string) error {
	var de *admin.Error
	if !errors.As(err, &de) {
		return &KeyManagerError{Status: http.StatusInternalServerError, Message: "internal error", Err: err}
	}
	switch de.Code {
	case "oauth.client-not-found", "oauth.update-not-found":
		return ErrClientNotFound
	case "oauth.duplicate-key":
		return ErrClientExists
	case "oauth.duplicate-name":
		return ErrClientNameTaken
	}
	if de.Kind == admin.ServerError {
		return &KeyManagerError{Status: http.StatusInternalServerError, Message: "internal error", Err: err}
	}
	if l.Profile == nil {
		return &KeyManagerError{Status: http.StatusBadRequest, Message: fmt.Sprintf(de.Default, de.Args...)}
	}
	return &KeyManagerError{Status: http.StatusBadRequest, Message: l.Profile.Text(de.Code, de.Default, de.Args...)}
}

func (l *Local) ensureCaller(ctx context.Context) error {
	if _, ok := admin.PrincipalFrom(ctx); !ok {
		return &KeyManagerError{Status: http.StatusInternalServerError, Message: "no caller in the context"}
	}
	return nil
}

// Client implements KeyManager.
func (l *Local) Client(ctx context.Context, key string) (*OAuthClient, error) {
	if err := l.ensureCaller(ctx); err != nil {
		return nil, err
	}
	return l.km().Client(ctx, key)
}

// CreateClient implements KeyManager.
func (l *Local) CreateClient(ctx context.Context, c *OAuthClient) (*OAuthClient, error) {
	if err := l.ensureCaller(ctx); err != nil {
		return nil, err
	}
	return l.km().CreateClient(ctx, c)
}

// UpdateClient implements KeyManager.
func (l *Local) UpdateClient(ctx context.Context, c *OAuthClient) (*OAuthClient, error) {
	if err := l.ensureCaller(ctx); err != nil {
		return nil, err
	}
	return l.km().UpdateClient(ctx, c)
}

// RegenerateSecret implements KeyManager.
func (l *Local) RegenerateSecret(ctx context.Context, key string) (*OAuthClient, error) {
	if err := l.ensureCaller(ctx); err != nil {
		return nil, err
	}
	return l.km().RegenerateSecret(ctx, key)
}

// DeleteClient implements KeyManager.
func (l *Local) DeleteClient(ctx context.Context, key string) error {
	if err := l.ensureCaller(ctx); err != nil {
		return err
	}
	return l.km().DeleteClient(ctx, key)
}

// AllowedGrantTypes implements KeyManager.
func (l *Local) AllowedGrantTypes(ctx context.Context) ([]string, error) {
	return l.km().AllowedGrantTypes(ctx)
}

// DefaultRemoteProfile is the wire profile of a remote key manager that
// names none: the latest Identity Server release.
const DefaultRemoteProfile = "is-7.3"

// RemoteConfig describes a remote key manager.
type RemoteConfig struct {
	Name string
	// URL is the server's base URL, e.g. https://is.example.com:9443.
	URL string
	// Profile is the wire profile the server speaks (is-5.0 ... is-7.3).
	Profile string
	// SOAP12 sends SOAP 1.2 instead of 1.1.
	SOAP12 bool
	// Username and Password are the admin credentials, user@tenant for a
	// tenant's admin.
	Username, Password string
	// InsecureTLS skips the verification of the server's certificate.
	InsecureTLS bool
	// Timeout bounds each call; 30 seconds when zero.
	Timeout time.Duration
}

// Remote is a key manager reached over SOAP: the OAuthAdminService of a
// WSO2 Identity Server or of another isadmin, in one wire profile, with
// admin credentials. Its clients live in the tenant of those credentials,
// whoever calls the store.
type Remote struct {
	// OAuth is the service, usually a *wsdl.OAuthAdminServiceClient.
	OAuth   wsdl.OAuthAdminService
	Profile *wsdl.Profile
	// TokenURL is the server's token endpoint, for the tenant of the
	// admin credentials; HTTP the client that calls it.
	TokenURL string
	HTTP     *http.Client
}

var _ KeyManager = (*Remote)(nil)

// NewRemote returns the remote key manager c describes.
func NewRemote(c RemoteConfig) (*Remote, error) {
	if c.URL == "" {
		return nil, fmt.Errorf("storeapi: key manager %q: no url", c.Name)
	}
	p, err := wsdl.Load(c.Profile)
	if err != nil {
		return nil, fmt.Errorf("storeapi: key manager %q: %w", c.Name, err)
	}
	if p.Service("OAuthAdminService") == nil {
		return nil, fmt.Errorf("storeapi: key manager %q: profile %s has no OAuthAdminService", c.Name, c.Profile)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if c.InsecureTLS {
		transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	version := soap.V11
	if c.SOAP12 {
		version = soap.V12
	}
	client := &soap.Client{URL: c.URL, Profile: p, Version: version, Username: c.Username, Password: c.Password,
		HTTP: &http.Client{Timeout: timeout, Transport: transport}}
	tokenURL := strings.TrimSuffix(c.URL, "/") + "/oauth2/token"
	if _, domain := admin.SplitUsername(c.Username); domain != admin.SuperTenantDomain {
		tokenURL = strings.TrimSuffix(c.URL, "/") + "/t/" + url.PathEscape(domain) + "/oauth2/token"
	}
	return &Remote{OAuth: &wsdl.OAuthAdminServiceClient{Caller: client}, Profile: p, TokenURL: tokenURL, HTTP: client.HTTP}, nil
}

func (r *Remote) km() *oauthKM {
	svc := r.Profile.Service("OAuthAdminService")
	has := func(op string) bool { return svc != nil && svc.Operation(op) != nil }
	return &oauthKM{svc: r.OAuth, has: has, classify: r.classify}
}

// classify maps a remote fault by the profile's texts.
func (r *Remote) classify(err error, key string) error {
	var rf *soap.RemoteFault
	if !errors.As(err, &rf) {
		return &KeyManagerError{Status: http.StatusBadGateway, Message: "the key manager cannot be reached", Err: err}
	}
	reason := strings.TrimSpace(rf.Reason)
	switch {
	case rf.Status == http.StatusUnauthorized || strings.HasSuffix(rf.Code, soap.CodeAuthenticationFailure):
		return &KeyManagerError{Status: http.StatusBadGateway, Message: "the key manager refused the configured credentials", Err: err}
	case strings.HasSuffix(rf.Code, soap.CodeAccessDenied):
		return &KeyManagerError{Status: http.StatusBadGateway, Message: "the configured key manager user lacks a permission", Err: err}
	case r.says(reason, "oauth.client-not-found", key) || r.says(reason, "oauth.update-not-found", key):
		return ErrClientNotFound
	case r.says(reason, "oauth.duplicate-key", key):
		return ErrClientExists
	case r.says(reason, "oauth.duplicate-name", key):
		return ErrClientNameTaken
	}
	return &KeyManagerError{Status: http.StatusBadGateway, Message: reason, Err: err}
}

// says reports whether reason is the profile's text for code, filled with
// key (or, for texts with verbs, starts with the text before the first one).
func (r *Remote) says(reason, code, key string) bool {
	text, ok := r.Profile.Message(code)
	if !ok {
		return false
	}
	i := strings.IndexByte(text, '%')
	if i < 0 {
		return reason == text
	}
	if reason == fmt.Sprintf(text, key) {
		return true
	}
	prefix := strings.TrimSpace(text[:i])
	return prefix != "" && strings.HasPrefix(reason, prefix)
}

// Client implements KeyManager.
func (r *Remote) Client(ctx context.Context, key string) (*OAuthClient, error) {
	return r.km().Client(ctx, key)
}

// CreateClient implements KeyManager.
func (r *Remote) CreateClient(ctx context.Context, c *OAuthClient) (*OAuthClient, error) {
	return r.km().CreateClient(ctx, c)
}

// UpdateClient implements KeyManager.
func (r *Remote) UpdateClient(ctx context.Context, c *OAuthClient) (*OAuthClient, error) {
	return r.km().UpdateClient(ctx, c)
}

// RegenerateSecret implements KeyManager.
func (r *Remote) RegenerateSecret(ctx context.Context, key string) (*OAuthClient, error) {
	return r.km().RegenerateSecret(ctx, key)
}

// DeleteClient implements KeyManager.
func (r *Remote) DeleteClient(ctx context.Context, key string) error {
	return r.km().DeleteClient(ctx, key)
}

// AllowedGrantTypes implements KeyManager.
func (r *Remote) AllowedGrantTypes(ctx context.Context) ([]string, error) {
	return r.km().AllowedGrantTypes(ctx)
}

// ParseKeyManager reads a key manager description of the form
//
//	name=Other,url=https://is:9443,profile=is-5.0,user=admin,password-env=OTHER_KM_PASSWORD
//
// with the optional keys soap (1.1 or 1.2), insecure-tls (true or false)
// and timeout (a duration such as 30s). The password comes from the named
// environment variable, read through getenv; it never appears in the
// description.
func ParseKeyManager(spec string, getenv func(string) string) (RemoteConfig, error) {
	c := RemoteConfig{Profile: DefaultRemoteProfile}
	seen := map[string]bool{}
	passwordEnv := ""
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || v == "" {
			return c, fmt.Errorf("storeapi: key manager %q: want key=value, got %q", spec, part)
		}
		if seen[k] {
			return c, fmt.Errorf("storeapi: key manager %q: %s given twice", spec, k)
		}
		seen[k] = true
		switch k {
		case "name":
			c.Name = v
		case "url":
			c.URL = strings.TrimSuffix(v, "/")
		case "profile":
			c.Profile = v
		case "user":
			c.Username = v
		case "password-env":
			passwordEnv = v
		case "soap":
			switch v {
			case "1.1":
			case "1.2":
				c.SOAP12 = true
			default:
				return c, fmt.Errorf("storeapi: key manager %q: soap: want 1.1 or 1.2, got %q", spec, v)
			}
		case "insecure-tls":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return c, fmt.Errorf("storeapi: key manager %q: insecure-tls: want true or false, got %q", spec, v)
			}
			c.InsecureTLS = b
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return c, fmt.Errorf("storeapi: key manager %q: timeout: want a positive duration, got %q", spec, v)
			}
			c.Timeout = d
		case "password":
			return c, fmt.Errorf("storeapi: key manager %q: give the password through an environment variable (password-env=VAR), not on the command line", c.Name)
		default:
			return c, fmt.Errorf("storeapi: key manager %q: unknown key %q (want name, url, profile, user, password-env, soap, insecure-tls, timeout)", spec, k)
		}
	}
	switch {
	case c.Name == "":
		return c, fmt.Errorf("storeapi: key manager %q: name is missing", spec)
	case c.Name == ResidentKeyManager:
		return c, fmt.Errorf("storeapi: key manager %q: the name %q is the local key manager's", spec, ResidentKeyManager)
	case c.URL == "":
		return c, fmt.Errorf("storeapi: key manager %q: url is missing", c.Name)
	case !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://"):
		return c, fmt.Errorf("storeapi: key manager %q: url must start with http:// or https://", c.Name)
	case c.Username == "":
		return c, fmt.Errorf("storeapi: key manager %q: user is missing", c.Name)
	case passwordEnv == "":
		return c, fmt.Errorf("storeapi: key manager %q: password-env is missing", c.Name)
	}
	if c.Password = getenv(passwordEnv); c.Password == "" {
		return c, fmt.Errorf("storeapi: key manager %q: environment variable %s is empty", c.Name, passwordEnv)
	}
	if _, err := wsdl.Load(c.Profile); err != nil {
		return c, fmt.Errorf("storeapi: key manager %q: %w", c.Name, err)
	}
	return c, nil
}
