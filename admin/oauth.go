package admin

import (
	"context"
	"time"
)

// OAuth client states, as upstream names them.
const (
	StateActive  = "ACTIVE"
	StateRevoked = "REVOKED"
)

// OAuthApp is one OAuth client (an "OAuth consumer application") of a tenant.
type OAuthApp struct {
	ID       int64
	TenantID int64
	// Owner is the user name of the owner, without tenant domain.
	Owner          string
	Name           string
	ConsumerKey    string
	ConsumerSecret string
	CallbackURL    string
	// GrantTypes is the space-separated grant type list.
	GrantTypes   string
	OAuthVersion string
	State        string
	// Settings holds every other client setting (token lifetimes, PKCE,
	// OIDC options ...) as an opaque JSON document owned by this package.
	Settings  []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Scope is an OAuth scope of a tenant with the claims it releases.
type Scope struct {
	TenantID int64
	Name     string
	Claims   []string
}

// OAuthAppStore keeps OAuth clients and scopes. Uniqueness lives in the
// store: CreateOAuthApp reports ErrDuplicateKey when the tenant has a client
// with the consumer key, ErrDuplicateName when the owner already has an
// application of that name in the tenant. Consumer keys are unique per
// tenant, as in Identity Server 7, so that no answer tells a tenant of
// another tenant's keys.
type OAuthAppStore interface {
	CreateOAuthApp(ctx context.Context, app *OAuthApp) error
	// UpdateOAuthApp replaces every column of the row with app.ID.
	UpdateOAuthApp(ctx context.Context, app *OAuthApp) error
	FindOAuthAppByKey(ctx context.Context, tenantID int64, consumerKey string) (*OAuthApp, error)
	FindOAuthAppByName(ctx context.Context, tenantID int64, name string) (*OAuthApp, error)
	// ListOAuthApps returns the owner's applications ordered by name,
	// read whole, so that no database work waits on a slow client.
	ListOAuthApps(ctx context.Context, tenantID int64, owner string) ([]*OAuthApp, error)
	// DeleteOAuthApp reports ErrNotFound when no row was deleted.
	DeleteOAuthApp(ctx context.Context, tenantID int64, consumerKey string) error

	CreateScope(ctx context.Context, s *Scope) error
	UpdateScope(ctx context.Context, s *Scope) error
	FindScope(ctx context.Context, tenantID int64, name string) (*Scope, error)
	ListScopes(ctx context.Context, tenantID int64) ([]*Scope, error)
	DeleteScope(ctx context.Context, tenantID int64, name string) error
}

// AuthorizationStore knows the tokens users hold for OAuth clients: the
// authorizations getAppsAuthorizedByUser lists and
// revokeAuthzForAppsByResoureOwner revokes. Users are user@tenant, matched
// without regard to case.
type AuthorizationStore interface {
	// ListAuthorizedApps returns the tenant's clients for which the user
	// holds active or expired tokens, ordered by name.
	ListAuthorizedApps(ctx context.Context, tenantID int64, authzUser string) ([]*OAuthApp, error)
	// RevokeUserTokens revokes the user's tokens for the tenant's clients
	// of those names and returns how many.
	RevokeUserTokens(ctx context.Context, tenantID int64, authzUser string, appNames []string) (int, error)
}
