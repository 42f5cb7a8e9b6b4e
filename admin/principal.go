package admin

import (
	"context"
	"errors"
)

// Principal is the authenticated caller of an operation.
type Principal struct {
	TenantID     int64
	TenantDomain string
	// Username is the user name without tenant domain.
	Username string
	// SessionID is the cookie value of the session the caller came with,
	// if any.
	SessionID string
	// permissions are the caller's permissions when authentication read
	// them already; nil means unknown.
	permissions []string
	// oauthVersion is the OAuth clients' change count authentication read
	// before the request's other reads; 0 means unknown.
	oauthVersion int64
	// identityVersion is the identity change count authentication read;
	// 0 means unknown.
	identityVersion int64
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

func cutLast(s, sep string) (before, after string, found bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

// SessionSink carries login sessions between the transport and
// AuthenticationAdmin, which knows nothing of cookies: the transport puts
// the session cookie it received in Cookie, and login and logout leave what
// the transport must send back.
type SessionSink struct {
	// Cookie is the session cookie value of the request, if any.
	Cookie string
	// TenantDomain is the tenant the request's URL names ("" for none).
	TenantDomain string
	// NewSession is the cookie value of a session started by the request.
	NewSession string
	// Ended is set when the request ended its session.
	Ended bool
}

type sinkKey struct{}

// WithSessionSink returns a context carrying s.
func WithSessionSink(ctx context.Context, s *SessionSink) context.Context {
	return context.WithValue(ctx, sinkKey{}, s)
}

// SessionSinkFrom returns the sink of ctx; a throwaway one when there is none.
func SessionSinkFrom(ctx context.Context) *SessionSink {
	if s, ok := ctx.Value(sinkKey{}).(*SessionSink); ok {
		return s
	}
	return &SessionSink{}
}
