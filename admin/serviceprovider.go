package admin

import (
	"context"
	"time"
)

// ServiceProviderRecord is one service provider (application) of a tenant
// as stored.
type ServiceProviderRecord struct {
	// ID is the applicationID clients see.
	ID       int64
	TenantID int64
	Name     string
	// UUID is the application's resource id (IS 7 applicationResourceId).
	UUID        string
	Description string
	// Owner is the owner's user name, without tenant domain.
	Owner string
	// Document is the whole ServiceProvider tree as JSON, as this package
	// writes it; the store treats it as opaque.
	Document []byte
	// OAuthKeys are the consumer keys of the provider's oauth2 inbound
	// configurations. A key links to at most one service provider of the
	// tenant: the store enforces it and reports ErrDuplicateKey.
	OAuthKeys []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ServiceProviderStore keeps service providers. Names are unique per
// tenant (ErrDuplicateName).
type ServiceProviderStore interface {
	CreateServiceProvider(ctx context.Context, sp *ServiceProviderRecord) error
	// UpdateServiceProvider replaces the row with sp.ID in sp.TenantID and its
	// OAuth key links in one transaction, which also deletes the OAuth
	// client of every key the update unlinks, unless the store holds that
	// key as MAPPED (out-of-band) keys.
	UpdateServiceProvider(ctx context.Context, sp *ServiceProviderRecord) error
	FindServiceProviderByName(ctx context.Context, tenantID int64, name string) (*ServiceProviderRecord, error)
	FindServiceProviderByID(ctx context.Context, tenantID, id int64) (*ServiceProviderRecord, error)
	// FindServiceProviderByOAuthKey returns the provider linking the key.
	FindServiceProviderByOAuthKey(ctx context.Context, tenantID int64, consumerKey string) (*ServiceProviderRecord, error)
	// ListServiceProviders returns the tenant's providers whose name
	// matches the filter (SQL LIKE pattern on name; "" for all), ordered by
	// name, with the total count before offset and limit (limit <= 0: all).
	ListServiceProviders(ctx context.Context, tenantID int64, nameLike string, offset, limit int) ([]*ServiceProviderRecord, int, error)
	// DeleteServiceProvider deletes the provider and, in the same
	// transaction, the OAuth clients it links, except MAPPED ones.
	DeleteServiceProvider(ctx context.Context, tenantID, id int64) error
}
