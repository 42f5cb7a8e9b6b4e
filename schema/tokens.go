package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/isadmin/isadmin/admin"
)

var _ admin.TokenStore = (*DB)(nil)

// tokenColumns lists the columns scanToken reads, the client's tenant, key
// and state joined in.
const tokenColumns = `t.id, t.app_id, t.authz_user, t.user_type, t.scope, t.access_hash,
	COALESCE(t.refresh_hash, ''), COALESCE(t.sealed, ''), t.state, t.issued_at, t.validity,
	t.refresh_validity, a.tenant_id, a.consumer_key, a.state`

// TokenBinding is what a token's sealed copy is sealed to: its column and
// the hash of its access token, unique in the whole database.
func TokenBinding(accessHash string) string {
	return "oauth_tokens.sealed\x00" + accessHash
}

// CreateToken stores t and sets its ID; see admin.TokenStore.
func (db *DB) CreateToken(ctx context.Context, t *admin.Token) error {
	var sealed any
	if t.Reusable {
		keys := db.secretKeys.Load()
		if keys == nil {
			return fmt.Errorf("schema: create token: %w", errNoSecretKeys)
		}
		sealed = keys.Seal(t.AccessToken+"\x00"+t.RefreshToken, TokenBinding(t.AccessHash))
	}
	var refresh any
	if t.RefreshHash != "" {
		refresh = t.RefreshHash
	}
	var id int64
	err := db.updateOne(ctx, func(q execer) error {
		return q.QueryRowContext(ctx, `
			INSERT INTO oauth_tokens (app_id, authz_user, user_type, scope, access_hash, refresh_hash,
				sealed, state, state_id, issued_at, validity, refresh_validity)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'NONE', ?, ?, ?)
			RETURNING id`,
			t.AppID, t.AuthzUser, t.UserType, t.Scope, t.AccessHash, refresh, sealed, t.State,
			t.IssuedAt.UnixMilli(), lifetimeMillis(t.Validity), lifetimeMillis(t.RefreshValidity),
		).Scan(&id)
	})
	if err != nil && db.dialect.constraint(err) == "oauth_tokens_one_active_key" {
		return admin.ErrActiveTokenExists
	}
	if err != nil {
		return fmt.Errorf("schema: create token: %w", db.mapError(err))
	}
	t.ID = id
	return nil
}

// FindActiveToken returns the client's active token for the user, type and
// scope; see admin.TokenStore.
func (db *DB) FindActiveToken(ctx context.Context, appID int64, authzUser, userType, scope string) (*admin.Token, error) {
	t, err := db.scanToken(db.row(ctx, `
		SELECT `+tokenColumns+`
		FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id
		WHERE t.app_id = ? AND t.authz_user = ? AND t.user_type = ? AND t.scope = ? AND t.state = 'ACTIVE' AND t.state_id = 'NONE'`,
		appID, authzUser, userType, scope))
	if err != nil {
		return nil, fmt.Errorf("schema: find active token: %w", err)
	}
	return t, nil
}

// FindToken returns the token of an access token hash.
func (db *DB) FindToken(ctx context.Context, accessHash string) (*admin.Token, error) {
	t, err := db.scanToken(db.row(ctx, `
		SELECT `+tokenColumns+`
		FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id
		WHERE t.access_hash = ?`, accessHash))
	if err != nil {
		return nil, fmt.Errorf("schema: find token: %w", err)
	}
	return t, nil
}

// FindTokenByRefresh returns the token of a refresh token hash.
func (db *DB) FindTokenByRefresh(ctx context.Context, refreshHash string) (*admin.Token, error) {
	t, err := db.scanToken(db.row(ctx, `
		SELECT `+tokenColumns+`
		FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id
		WHERE t.refresh_hash = ?`, refreshHash))
	if err != nil {
		return nil, fmt.Errorf("schema: find token by refresh token: %w", err)
	}
	return t, nil
}

// EndToken moves a token out of state from; its sealed copy goes, and it
// gets a state_id of its own, so that another token may be active.
func (db *DB) EndToken(ctx context.Context, id int64, from, to string) (bool, error) {
	var n int64
	err := db.updateOne(ctx, func(q execer) error {
		res, err := q.ExecContext(ctx, `UPDATE oauth_tokens SET state = ?, state_id = ?, sealed = NULL
			WHERE id = ? AND state = ?`, to, endedStateID(id), id, from)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("schema: end token %d: %w", id, err)
	}
	return n == 1, nil
}

// lifetimeMillis is a lifetime as stored: milliseconds, -1 for one that
// never ends (any negative duration, however short).
func lifetimeMillis(d time.Duration) int64 {
	if d < 0 {
		return -1
	}
	return d.Milliseconds()
}

// endedStateID is the state_id of a token that is no longer active: its
// own, as Identity Server gives it a fresh UUID.
func endedStateID(id int64) string { return fmt.Sprintf("ENDED-%d", id) }

// revokeClientTokens revokes every active token of a client, in the
// transaction that revokes the client or changes its secret.
func revokeClientTokens(ctx context.Context, tx *sql.Tx, appID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE oauth_tokens SET state = 'REVOKED', state_id = 'ENDED-' || CAST(id AS TEXT), sealed = NULL
		WHERE app_id = ? AND state = 'ACTIVE'`, appID)
	return err
}

func (db *DB) scanToken(row scanner) (*admin.Token, error) {
	var (
		t                             admin.Token
		sealed                        string
		issued, validity, refreshLife int64
	)
	err := row.Scan(&t.ID, &t.AppID, &t.AuthzUser, &t.UserType, &t.Scope, &t.AccessHash, &t.RefreshHash,
		&sealed, &t.State, &issued, &validity, &refreshLife, &t.TenantID, &t.ConsumerKey, &t.AppState)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, admin.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	t.IssuedAt = time.UnixMilli(issued).UTC()
	t.Validity = time.Duration(validity) * time.Millisecond
	t.RefreshValidity = time.Duration(refreshLife) * time.Millisecond
	if sealed != "" {
		// A copy sealed under a key no longer given cannot be handed out
		// again; the token stays valid, and the next request gets a new one.
		if keys := db.secretKeys.Load(); keys != nil {
			if plain, err := keys.Open(sealed, TokenBinding(t.AccessHash)); err == nil {
				t.AccessToken, t.RefreshToken, _ = strings.Cut(plain, "\x00")
				t.Reusable = true
			}
		}
	}
	return &t, nil
}

var _ admin.AuthorizationStore = (*DB)(nil)

// listAuthorizedAppsQuery finds the user's tokens through
// oauth_tokens_lower_authz_user_idx, which holds the same expression, then
// their clients by id. The unary + keeps SQLite from walking the tenant's
// clients by oauth_apps_tenant_id_name_idx instead.
const listAuthorizedAppsQuery = `SELECT ` + oauthAppColumns + ` FROM oauth_apps
	WHERE +tenant_id = ? AND id IN (SELECT app_id FROM oauth_tokens
		WHERE lower(authz_user) = lower(?) AND state IN ('ACTIVE', 'EXPIRED'))
	ORDER BY name, id`

// ListAuthorizedApps returns the tenant's clients for which the user
// (user@tenant, matched without regard to case) holds active or expired
// tokens, ordered by name.
func (db *DB) ListAuthorizedApps(ctx context.Context, tenantID int64, authzUser string) ([]*admin.OAuthApp, error) {
	return db.listOAuthApps(ctx, "list authorized apps", listAuthorizedAppsQuery, tenantID, authzUser)
}

// RevokeUserTokens revokes the user's active and expired tokens for the
// tenant's clients of those names and returns how many.
func (db *DB) RevokeUserTokens(ctx context.Context, tenantID int64, authzUser string, appNames []string) (int, error) {
	if len(appNames) == 0 {
		return 0, nil
	}
	args := []any{authzUser, tenantID}
	for _, n := range appNames {
		args = append(args, n)
	}
	var n int64
	err := db.updateOne(ctx, func(q execer) error {
		res, err := q.ExecContext(ctx, `UPDATE oauth_tokens SET state = 'REVOKED', state_id = 'ENDED-' || CAST(id AS TEXT), sealed = NULL
			WHERE state IN ('ACTIVE', 'EXPIRED') AND lower(authz_user) = lower(?)
				AND app_id IN (SELECT id FROM oauth_apps WHERE tenant_id = ? AND name IN (?`+strings.Repeat(", ?", len(appNames)-1)+`))`, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("schema: revoke user tokens: %w", err)
	}
	return int(n), nil
}
