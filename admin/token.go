package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Token states, as Identity Server names them.
const (
	TokenActive   = "ACTIVE"
	TokenExpired  = "EXPIRED"
	TokenRevoked  = "REVOKED"
	TokenInactive = "INACTIVE"
)

// User types of a token: one of the client itself, or of a user of it.
const (
	UserTypeApplication     = "APPLICATION"
	UserTypeApplicationUser = "APPLICATION_USER"
)

// Token is an OAuth 2.0 access token and its refresh token.
type Token struct {
	ID    int64
	AppID int64
	// AuthzUser is the user the token acts for, user@tenant; for a
	// client_credentials token the client's owner.
	AuthzUser string
	UserType  string
	// Scope is the granted scopes, sorted, space-separated.
	Scope string
	// AccessToken and RefreshToken are the texts: set when the token is
	// issued, and when a stored token is read for reuse and its sealed
	// copy opens; empty otherwise.
	AccessToken  string
	RefreshToken string
	// AccessHash and RefreshHash find the token (HashToken); RefreshHash
	// is empty for a token without refresh token.
	AccessHash  string
	RefreshHash string
	// Reusable keeps a sealed copy of the texts, so that the token can be
	// handed out again while it is active.
	Reusable bool
	State    string
	IssuedAt time.Time
	// Validity and RefreshValidity are the lifetimes; negative ones never
	// end.
	Validity        time.Duration
	RefreshValidity time.Duration

	// Read with the token: its client's tenant, key and state.
	TenantID    int64
	ConsumerKey string
	AppState    string
}

// ExpiresAt is when the access token stops being valid; the zero time when
// it never does.
func (t *Token) ExpiresAt() time.Time {
	if t.Validity < 0 {
		return time.Time{}
	}
	return t.IssuedAt.Add(t.Validity)
}

// Expired reports whether the access token has expired at now.
func (t *Token) Expired(now time.Time) bool {
	return t.Validity >= 0 && !now.Before(t.IssuedAt.Add(t.Validity))
}

// RefreshExpired reports whether the refresh token has expired at now.
func (t *Token) RefreshExpired(now time.Time) bool {
	return t.RefreshValidity >= 0 && !now.Before(t.IssuedAt.Add(t.RefreshValidity))
}

// ErrActiveTokenExists reports that the client has an active token for the
// user, user type and scope already: another request issued it first.
var ErrActiveTokenExists = errors.New("admin: an active token exists already")

// TokenStore keeps tokens. At most one token per client, user, user type
// and scope is active: the store refuses a second with
// ErrActiveTokenExists.
type TokenStore interface {
	// CreateToken stores t, with a sealed copy of its texts when
	// t.Reusable, and sets t.ID.
	CreateToken(ctx context.Context, t *Token) error
	// FindActiveToken returns the active token of the client for the
	// user, user type and scope, with its texts when its sealed copy
	// opens, or ErrNotFound.
	FindActiveToken(ctx context.Context, appID int64, authzUser, userType, scope string) (*Token, error)
	// FindToken returns the token whose access token hashes to
	// accessHash, or ErrNotFound.
	FindToken(ctx context.Context, accessHash string) (*Token, error)
	// FindTokenByRefresh returns the token whose refresh token hashes to
	// refreshHash, or ErrNotFound.
	FindTokenByRefresh(ctx context.Context, refreshHash string) (*Token, error)
	// EndToken moves the token from state from to state to; it reports
	// false when the token was not in state from.
	EndToken(ctx context.Context, id int64, from, to string) (bool, error)
}

// HashToken is what a token is found by: the hex SHA-256 of its text.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
