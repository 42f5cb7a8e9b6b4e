package admin

import (
	"context"
	"time"
)

// Tenant is an organisation with its own users, roles and applications.
type Tenant struct {
	ID        int64
	Domain    string
	Active    bool
	CreatedAt time.Time
}

// User is a user of a tenant.
type User struct {
	ID           int64
	TenantID     int64
	Name         string
	PasswordHash string
	CreatedAt    time.Time
}

// Role is a named set of permission paths of a tenant.
type Role struct {
	TenantID    int64
	Name        string
	Permissions []string
}

// Session is a login session. ID is the SHA-256 of the cookie value.
type Session struct {
	ID        string
	TenantID  int64
	Username  string
	CreatedAt time.Time
	LastSeen  time.Time
	// ExpiresAt is set on remember-me sessions: they live until then,
	// whatever the idle timeout.
	ExpiresAt time.Time
}

// Credentials is what authenticating a user needs, read in one go.
type Credentials struct {
	Tenant      Tenant
	User        User
	Permissions []string
}

// Versions are counts of changes the database keeps: Identity moves with
// every change of passwords, locks, users, tenants' state, roles,
// permissions and role memberships; OAuth with every change of OAuth
// clients. Caches stay valid while their count stands.
type Versions struct {
	Identity int64
	OAuth    int64
	// Tokens counts changes of token states.
	Tokens int64
	// Sessions counts the ends of login sessions.
	Sessions int64
}

// IdentityStore keeps tenants, users, roles and sessions.
type IdentityStore interface {
	// FindCredentials returns the user of the tenant with that domain, the
	// tenant and the user's permissions, or ErrNotFound.
	FindCredentials(ctx context.Context, domain, name string) (*Credentials, error)
	// Versions reads the change counts of identities and OAuth clients.
	Versions(ctx context.Context) (Versions, error)

	CreateTenant(ctx context.Context, t *Tenant) error
	FindTenantByDomain(ctx context.Context, domain string) (*Tenant, error)
	FindTenantByID(ctx context.Context, id int64) (*Tenant, error)
	ListTenants(ctx context.Context) ([]*Tenant, error)
	SetTenantActive(ctx context.Context, id int64, active bool) error

	CreateUser(ctx context.Context, u *User) error
	FindUser(ctx context.Context, tenantID int64, name string) (*User, error)
	ListUsers(ctx context.Context, tenantID int64) ([]*User, error)
	// SetPassword replaces the hash, clears the failure count and the lock.
	SetPassword(ctx context.Context, tenantID int64, name, hash string) error
	DeleteUser(ctx context.Context, tenantID int64, name string) error
	// ReserveLoginAttempt counts an attempt to log in before its
	// password is checked, atomically across instances, and returns its
	// number: the max-th locks until lockUntil, and any later one while
	// the lock holds may not be checked. An expired lock counts afresh.
	ReserveLoginAttempt(ctx context.Context, tenantID int64, name, source string, max int, now, lockUntil time.Time) (int, error)
	// ClearLoginAttempts forgets the attempts of a user from a source.
	ClearLoginAttempts(ctx context.Context, tenantID int64, name, source string) error

	CreateRole(ctx context.Context, r *Role) error
	FindRole(ctx context.Context, tenantID int64, name string) (*Role, error)
	ListRoles(ctx context.Context, tenantID int64) ([]*Role, error)
	// DeleteRole deletes a role with its permissions and memberships, or
	// reports ErrNotFound.
	DeleteRole(ctx context.Context, tenantID int64, name string) error
	GrantPermission(ctx context.Context, tenantID int64, role, permission string) error
	RevokePermission(ctx context.Context, tenantID int64, role, permission string) error
	AddUserToRole(ctx context.Context, tenantID int64, user, role string) error
	RemoveUserFromRole(ctx context.Context, tenantID int64, user, role string) error
	// UserRoles lists the names of the user's roles.
	UserRoles(ctx context.Context, tenantID int64, user string) ([]string, error)
	// UserPermissions is the union of the permissions of the user's roles.
	UserPermissions(ctx context.Context, tenantID int64, user string) ([]string, error)

	CreateSession(ctx context.Context, s *Session) error
	FindSession(ctx context.Context, id string) (*Session, error)
	TouchSession(ctx context.Context, id string, at time.Time) error
	DeleteSession(ctx context.Context, id string) error
	// DeleteRememberMe ends every remember-me login of a user.
	DeleteRememberMe(ctx context.Context, tenantID int64, username string) error
	// DeleteSessions ends every session of a user.
	DeleteSessions(ctx context.Context, tenantID int64, username string) error
}
