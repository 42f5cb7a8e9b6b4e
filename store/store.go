// Package store is the store's domain: applications and the OAuth keys
// that hang off them per key type, CREATED by the store or MAPPED from
// clients made elsewhere, and the storage they need. The JSON and Jaggery
// faces (package storeapi) and the pages (package web) translate to it.
package store

import (
	"context"
	"errors"
	"time"
)

// Key types, modes and states of key mappings, as API Manager names them.
const (
	KeyTypeProduction = "PRODUCTION"
	KeyTypeSandbox    = "SANDBOX"

	// ModeCreated keys belong to an OAuth client the store created in the
	// key manager; deleting the mapping deletes the client.
	ModeCreated = "CREATED"
	// ModeMapped keys belong to an OAuth client that exists on its own (an
	// out-of-band client); the store never deletes or changes it.
	ModeMapped = "MAPPED"

	// StateApproved is the state of generated keys, StateCompleted the state
	// of mapped ones.
	StateApproved  = "APPROVED"
	StateCompleted = "COMPLETED"

	// StatusApproved is the status of every application: there is no
	// approval workflow.
	StatusApproved = "APPROVED"
)

// Storage sentinel errors beside those of package admin. The store reports
// them (possibly wrapped) when a unique constraint of the key mappings breaks.
var (
	// ErrKeyTypeTaken means the application has keys of that type in that
	// key manager already.
	ErrKeyTypeTaken = errors.New("store: the application has keys of this type already")
	// ErrConsumerKeyMapped means the consumer key is mapped to an
	// application of the tenant already, in the same key manager.
	ErrConsumerKeyMapped = errors.New("store: the consumer key is mapped already")
)

// Application is a store application: what API consumers subscribe with
// and what OAuth keys hang off. It belongs to its owner within a tenant.
type Application struct {
	ID int64
	// UUID is the applicationId clients see.
	UUID     string
	TenantID int64
	// Owner is the owner's user name, without tenant domain.
	Owner            string
	Name             string
	ThrottlingPolicy string
	Description      string
	// TokenType is OAUTH or JWT.
	TokenType string
	// CallbackURL is the legacy (API Manager 1.x) application callback.
	CallbackURL string
	Status      string
	Groups      []string
	Attributes  map[string]string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// KeyMapping links an application, under a key type, to an OAuth client of
// a key manager. Neither the consumer secret nor any other client setting
// is kept here: the key manager holds them.
type KeyMapping struct {
	ID int64
	// UUID is the keyMappingId clients see.
	UUID          string
	ApplicationID int64
	TenantID      int64
	KeyType       string
	// KeyManager is the name of the key manager holding the client.
	KeyManager  string
	ConsumerKey string
	// Mode is ModeCreated or ModeMapped.
	Mode  string
	State string
	// Provisioned tells, for a MAPPED key, that the store registered the
	// client in the key manager with the supplied key and secret because the
	// key manager did not know it.
	Provisioned bool
	CreatedAt   time.Time
}

// ApplicationFilter selects the applications of one owner.
type ApplicationFilter struct {
	TenantID int64
	Owner    string
	// Name, when set, selects the application with exactly that name.
	Name string
	// SortBy is "name" (default), "throttlingPolicy" or "status";
	// Descending reverses the order.
	SortBy     string
	Descending bool
	// Offset and Limit page the result; Limit <= 0 returns every row.
	Offset, Limit int
}

// MappingConflicts is what would refuse mapping a consumer key to a key
// type of an application in a key manager.
type MappingConflicts struct {
	// TypeTaken tells that the application has keys of the type in the
	// key manager already.
	TypeTaken bool
	// Holder is the id of the tenant's application holding the consumer
	// key in the key manager; 0 for none.
	Holder int64
}

// Store keeps store applications and their key mappings. Uniqueness lives
// in the store: an owner's application names are unique within a tenant
// (admin.ErrDuplicateName); an application has at most one key mapping per
// key type and key manager (ErrKeyTypeTaken); a consumer key is mapped at
// most once per key manager and tenant (ErrConsumerKeyMapped). Missing rows are
// admin.ErrNotFound.
type Store interface {
	CreateStoreApplication(ctx context.Context, app *Application) error
	// UpdateStoreApplication replaces the name, throttling policy,
	// description, token type, callback URL, groups and attributes of the
	// application with app.ID in app.TenantID.
	UpdateStoreApplication(ctx context.Context, app *Application) error
	FindStoreApplication(ctx context.Context, tenantID int64, uuid string) (*Application, error)
	FindStoreApplicationByID(ctx context.Context, tenantID, id int64) (*Application, error)
	FindStoreApplicationByName(ctx context.Context, tenantID int64, owner, name string) (*Application, error)
	// ListStoreApplications returns a page of applications and the number
	// of applications the filter selects.
	ListStoreApplications(ctx context.Context, f ApplicationFilter) ([]*Application, int, error)
	// DeleteStoreApplication deletes the application and its key mappings.
	DeleteStoreApplication(ctx context.Context, tenantID, id int64) error

	CreateKeyMapping(ctx context.Context, m *KeyMapping) error
	// ListKeyMappings returns the application's mappings, oldest first.
	ListKeyMappings(ctx context.Context, applicationID int64) ([]*KeyMapping, error)
	FindKeyMapping(ctx context.Context, applicationID int64, uuid string) (*KeyMapping, error)
	// FindStoreApplicationForMapping returns the tenant's application
	// with the UUID, as FindStoreApplication does, and in the same read
	// what would refuse mapping consumerKey to its key type in the key
	// manager.
	FindStoreApplicationForMapping(ctx context.Context, tenantID int64, uuid, keyType, keyManager, consumerKey string) (*Application, MappingConflicts, error)
	DeleteKeyMapping(ctx context.Context, id int64) error
}
