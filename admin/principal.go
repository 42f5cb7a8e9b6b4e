package admin

import (
	"context"
	"crypto/subtle"
	"errors"
)

// Principal is the authenticated caller of an operation.
type Principal struct {
	TenantID     int64
	TenantDomain string
	// Username is the user name without tenant domain.
	Username string
}

// QualifiedName is the user name as upstream shows it: user@tenant.
func (p Principal) QualifiedName() string { return p.Username + "@" + p.TenantDomain }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// ErrBadCredentials means the user name or password is wrong.
var ErrBadCredentials = errors.New("admin: authentication failure")

// Authenticator checks a user name and password.
type Authenticator interface {
	Authenticate(ctx context.Context, username, password string) (Principal, error)
}

// StaticAuthenticator accepts one super-tenant administrator.
type StaticAuthenticator struct {
	Username string
	Password string
}

// Authenticate compares in constant time; "admin@carbon.super" and "admin"
// name the same user.
func (a StaticAuthenticator) Authenticate(ctx context.Context, username, password string) (Principal, error) {
	if name, domain, ok := cutLast(username, "@"); ok && domain == SuperTenantDomain {
		username = name
	}
	userOK := subtle.ConstantTimeCompare([]byte(username), []byte(a.Username))
	passOK := subtle.ConstantTimeCompare([]byte(password), []byte(a.Password))
	if userOK&passOK != 1 {
		return Principal{}, ErrBadCredentials
	}
	return Principal{TenantID: SuperTenantID, TenantDomain: SuperTenantDomain, Username: a.Username}, nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}
