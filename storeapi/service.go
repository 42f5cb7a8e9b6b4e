package storeapi

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/store"
)

// This file is the store's face for other views of it (the store web page):
// the same rules as the JSON and Jaggery routes, without HTTP. Errors are
// *Error values whose Description is the text the JSON answers carry.

// Authorize checks that p may use the store.
func (s *Server) Authorize(ctx context.Context, p admin.Principal) error {
	return s.authorize(ctx, p)
}

// Applications returns p's applications, by name.
func (s *Server) Applications(ctx context.Context, p admin.Principal) ([]*store.Application, error) {
	apps, _, err := s.Store.ListStoreApplications(ctx, store.ApplicationFilter{TenantID: p.TenantID, Owner: p.Username})
	return apps, err
}

// CreateApplication adds an application of p with the default throttling
// policy and token type, as the devportal's form does.
func (s *Server) CreateApplication(ctx context.Context, p admin.Principal, name, description string) (*store.Application, error) {
	app := &store.Application{UUID: s.newUUID(), TenantID: p.TenantID, Owner: p.Username, Status: store.StatusApproved}
	policy := "Unlimited"
	req := applicationRequest{Name: &name, ThrottlingPolicy: &policy, Description: &description}
	if err := req.apply(app); err != nil {
		return nil, err
	}
	if err := s.Store.CreateStoreApplication(ctx, app); err != nil {
		if errors.Is(err, admin.ErrDuplicateName) {
			return nil, duplicateName(app.Name)
		}
		return nil, err
	}
	return app, nil
}

// Application returns p's application with the UUID and its key mappings.
func (s *Server) Application(ctx context.Context, p admin.Principal, uuid string) (*store.Application, []*store.KeyMapping, error) {
	app, err := s.ownedApplication(ctx, p, uuid)
	if err != nil {
		return nil, nil, err
	}
	keys, err := s.Store.ListKeyMappings(ctx, app.ID)
	if err != nil {
		return nil, nil, err
	}
	return app, keys, nil
}

// DeleteApplication deletes p's application with the UUID, and the OAuth
// clients of its CREATED keys; MAPPED clients stay.
func (s *Server) DeleteApplication(ctx context.Context, p admin.Principal, uuid string) error {
	app, err := s.ownedApplication(ctx, p, uuid)
	if err != nil {
		return err
	}
	return s.deleteApplication(ctx, app)
}

// ClientOf returns the OAuth client behind a key mapping, or nil when its
// key manager no longer has it (or is no longer configured).
func (s *Server) ClientOf(ctx context.Context, m *store.KeyMapping) (*OAuthClient, error) {
	return s.clientOfMapping(ctx, m)
}

// GenerateKeys registers a new OAuth client for the key type of p's
// application in the resident key manager (CREATED keys).
func (s *Server) GenerateKeys(ctx context.Context, p admin.Principal, uuid, keyType string, grants []string, callbackURL string) (*store.KeyMapping, *OAuthClient, error) {
	app, err := s.ownedApplication(ctx, p, uuid)
	if err != nil {
		return nil, nil, err
	}
	return s.generate(ctx, p, app, keyGenerateRequest{KeyType: keyType, GrantTypesToBeSupported: grants, CallbackURL: callbackURL})
}

// ProvideKeys maps an existing OAuth client of the resident key manager to
// the key type of p's application (MAPPED keys), provisioning it when the
// key manager does not know the key and the server allows that.
func (s *Server) ProvideKeys(ctx context.Context, p admin.Principal, uuid, keyType, consumerKey, consumerSecret string) (*store.KeyMapping, *OAuthClient, error) {
	if err := s.mappingAllowed(); err != nil {
		return nil, nil, err
	}
	return s.mapClient(ctx, p, uuid, keyMappingRequest{KeyType: keyType, ConsumerKey: consumerKey, ConsumerSecret: consumerSecret}, nil)
}

// MappingAllowed reports whether the store maps existing OAuth clients.
func (s *Server) MappingAllowed() bool { return s.mappingAllowed() == nil }

// KeysOf returns the key mapping of the key type among keys, as the store
// page shows it: the resident key manager's, else the first of another
// key manager; nil when there is none.
func KeysOf(keys []*store.KeyMapping, keyType string) *store.KeyMapping {
	var other *store.KeyMapping
	for _, m := range keys {
		switch {
		case m.KeyType != keyType:
		case m.KeyManager == ResidentKeyManager:
			return m
		case other == nil:
			other = m
		}
	}
	return other
}

// ownedKeys returns the key mapping of the key type (KeysOf) of p's
// application.
func (s *Server) ownedKeys(ctx context.Context, p admin.Principal, uuid, keyType string) (*store.KeyMapping, error) {
	if err := checkKeyType(keyType); err != nil {
		return nil, err
	}
	_, keys, err := s.Application(ctx, p, uuid)
	if err != nil {
		return nil, err
	}
	m := KeysOf(keys, keyType)
	if m == nil {
		return nil, badRequest("The application has no %s keys: generate or provide them first.", keyType)
	}
	return m, nil
}

// LegacyGrantTypes are the grant types API Manager 1.9's "Generate keys"
// gives a client (client_credentials, password and refresh_token), among
// those the resident key manager allows.
func (s *Server) LegacyGrantTypes(ctx context.Context) ([]string, error) {
	km, ok := s.KeyManagers[ResidentKeyManager]
	if !ok {
		return nil, badRequest("Key manager %q is not configured.", ResidentKeyManager)
	}
	allowed, err := km.AllowedGrantTypes(ctx)
	if err != nil {
		return nil, kmFailure(ResidentKeyManager, err)
	}
	grants := []string{}
	for _, g := range jagDefaultGrants {
		if slices.Contains(allowed, g) {
			grants = append(grants, g)
		}
	}
	return grants, nil
}

// GenerateToken gets an access token for the keys of the key type of p's
// application (KeysOf) with the client_credentials grant: the key
// manager's active token while it lasts, else a new one. Validity 0 takes
// the key manager's default; a negative one asks for a token that never
// expires (ExpiresIn is then -1).
func (s *Server) GenerateToken(ctx context.Context, p admin.Principal, uuid, keyType string, validity time.Duration) (*AccessToken, error) {
	m, err := s.ownedKeys(ctx, p, uuid, keyType)
	if err != nil {
		return nil, err
	}
	if validity < 0 {
		validity = -1
	}
	t, err := s.clientCredentialsToken(ctx, m, "", []string{}, validity)
	if err == nil && validity < 0 {
		t.ExpiresIn = -1
	}
	return t, err
}

// RegenerateToken is the "Re-generate" button of API Manager 1.9's store
// (action=refreshToken) for the keys of the key type of p's application
// (KeysOf): the client's current token is revoked, then a new one is got
// with the validity (as GenerateToken's).
func (s *Server) RegenerateToken(ctx context.Context, p admin.Principal, uuid, keyType string, validity time.Duration) (*AccessToken, error) {
	m, err := s.ownedKeys(ctx, p, uuid, keyType)
	if err != nil {
		return nil, err
	}
	return s.refreshToken(ctx, m, "", "", []string{}, validity)
}

// refreshToken revokes the client's token old, then gets a new one with
// the client_credentials grant, as API Manager 1.9's refreshToken does
// (a refusal of the revocation aborts). Without old, the token the key
// manager hands the client now (its active one, which it would hand out
// again) is the one revoked, so that the new token is a new one. Without
// secret, the key manager's copy is used. A negative validity asks for a
// token that never expires; ExpiresIn is then -1.
func (s *Server) refreshToken(ctx context.Context, m *store.KeyMapping, secret, old string, scopes []string, validity time.Duration) (*AccessToken, error) {
	km, issuer, err := s.tokenIssuer(m.KeyManager)
	if err != nil {
		return nil, err
	}
	if secret == "" {
		c, err := km.Client(ctx, m.ConsumerKey)
		if errors.Is(err, ErrClientNotFound) {
			return nil, conflict("Key manager %q no longer has the OAuth client %q of key mapping %s.", m.KeyManager, m.ConsumerKey, m.UUID)
		}
		if err != nil {
			return nil, kmFailure(m.KeyManager, err)
		}
		secret = c.ConsumerSecret
	}
	if validity < 0 {
		validity = -1
	}
	if old == "" {
		current, err := issuer.ClientCredentialsToken(ctx, m.ConsumerKey, secret, scopes, 0)
		if err != nil {
			return nil, kmFailure(m.KeyManager, err)
		}
		old = current.AccessToken
	}
	if err := issuer.RevokeToken(ctx, m.ConsumerKey, secret, old); err != nil {
		return nil, kmFailure(m.KeyManager, err)
	}
	t, err := issuer.ClientCredentialsToken(ctx, m.ConsumerKey, secret, scopes, validity)
	if err != nil {
		return nil, kmFailure(m.KeyManager, err)
	}
	if validity < 0 {
		t.ExpiresIn = -1
	}
	return t, nil
}

// ErrorMessage is the text a view shows for err: the store's description
// for its own errors, a generic line otherwise.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Description
	}
	return "The store could not do this: an internal error occurred."
}
