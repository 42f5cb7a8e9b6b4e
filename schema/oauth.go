package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/isadmin/isadmin/admin"
)

var _ admin.OAuthAppStore = (*DB)(nil)

// oauthAppColumns lists the columns of oauth_apps in the order scanOAuthApp
// reads them.
const oauthAppColumns = `id, tenant_id, owner, name, consumer_key, consumer_secret,
	callback_url, grant_types, oauth_version, state, settings, created_at, updated_at`

// CreateOAuthApp inserts app and sets its ID, CreatedAt and UpdatedAt. It
// returns admin.ErrDuplicateKey when the tenant has a client with the
// consumer key already and admin.ErrDuplicateName when the owner has an
// application of that name in the tenant already. On failure app is left unchanged.
func (db *DB) CreateOAuthApp(ctx context.Context, app *admin.OAuthApp) error {
	now := db.now()
	var id int64
	secret, err := db.sealSecret(app.ConsumerKey, app.ConsumerSecret)
	if err != nil {
		return fmt.Errorf("schema: create oauth app %q: %w", app.ConsumerKey, err)
	}
	err = db.updateOne(ctx, func(q execer) error {
		return q.QueryRowContext(ctx, `
			INSERT INTO oauth_apps (tenant_id, owner, name, consumer_key, consumer_secret,
				callback_url, grant_types, oauth_version, state, settings, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			RETURNING id`,
			app.TenantID, app.Owner, app.Name, app.ConsumerKey, secret,
			app.CallbackURL, app.GrantTypes, app.OAuthVersion, app.State, string(app.Settings),
			formatTime(now), formatTime(now),
		).Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("schema: create oauth app %q: %w", app.ConsumerKey, db.mapError(err))
	}
	app.ID, app.CreatedAt, app.UpdatedAt = id, now, now
	return nil
}

// UpdateOAuthApp replaces every column of the row with app.ID and
// app.TenantID except created_at, sets app.UpdatedAt and reloads
// app.CreatedAt. It returns admin.ErrNotFound when the tenant has no such row
// and maps constraint violations as CreateOAuthApp does. On failure app is
// left unchanged.
func (db *DB) UpdateOAuthApp(ctx context.Context, app *admin.OAuthApp) error {
	now := db.now()
	var createdAt string
	secret, err := db.sealSecret(app.ConsumerKey, app.ConsumerSecret)
	if err != nil {
		return fmt.Errorf("schema: update oauth app %d: %w", app.ID, err)
	}
	err = db.update(ctx, func(tx *sql.Tx) error {
		// A client revoked, or given a new secret, loses its active
		// tokens in the same transaction, as Identity Server's
		// updateAppAndRevokeTokensAndAuthzCodes does.
		var oldKey, oldState, oldSecret string
		err := tx.QueryRowContext(ctx, `SELECT consumer_key, state, consumer_secret FROM oauth_apps WHERE id = ? AND tenant_id = ?`,
			app.ID, app.TenantID).Scan(&oldKey, &oldState, &oldSecret)
		if err != nil {
			return err
		}
		revoke := app.State == admin.StateRevoked && oldState != admin.StateRevoked
		if !revoke {
			old, err := db.openSecret(oldKey, oldSecret)
			revoke = err != nil || old != app.ConsumerSecret
		}
		if revoke {
			if err := revokeClientTokens(ctx, tx, app.ID); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `
			UPDATE oauth_apps SET owner = ?, name = ?, consumer_key = ?, consumer_secret = ?,
				callback_url = ?, grant_types = ?, oauth_version = ?, state = ?, settings = ?,
				updated_at = ?
			WHERE id = ? AND tenant_id = ?
			RETURNING created_at`,
			app.Owner, app.Name, app.ConsumerKey, secret,
			app.CallbackURL, app.GrantTypes, app.OAuthVersion, app.State, string(app.Settings),
			formatTime(now), app.ID, app.TenantID,
		).Scan(&createdAt)
	})
	if errors.Is(err, sql.ErrNoRows) {
		err = admin.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("schema: update oauth app %d: %w", app.ID, db.mapError(err))
	}
	created, err := parseTime(createdAt)
	if err != nil {
		return fmt.Errorf("schema: update oauth app %d: %w", app.ID, err)
	}
	app.CreatedAt, app.UpdatedAt = created, now
	return nil
}

// FindOAuthAppByKey returns the tenant's application with the consumer key,
// or admin.ErrNotFound.
func (db *DB) FindOAuthAppByKey(ctx context.Context, tenantID int64, consumerKey string) (*admin.OAuthApp, error) {
	app, err := db.scanOAuthApp(db.row(ctx, `
		SELECT `+oauthAppColumns+`
		FROM oauth_apps
		WHERE tenant_id = ? AND consumer_key = ?`,
		tenantID, consumerKey))
	if err != nil {
		return nil, fmt.Errorf("schema: find oauth app by key %q: %w", consumerKey, err)
	}
	return app, nil
}

// FindOAuthAppByName returns the tenant's application with the name, or
// admin.ErrNotFound. When several owners have an application of that name,
// the one created first (lowest id) is returned.
func (db *DB) FindOAuthAppByName(ctx context.Context, tenantID int64, name string) (*admin.OAuthApp, error) {
	app, err := db.scanOAuthApp(db.queryRow(ctx, `
		SELECT `+oauthAppColumns+`
		FROM oauth_apps
		WHERE tenant_id = ? AND name = ?
		ORDER BY id
		LIMIT 1`,
		tenantID, name))
	if err != nil {
		return nil, fmt.Errorf("schema: find oauth app by name %q: %w", name, err)
	}
	return app, nil
}

// listOAuthAppsQuery reads the owner's clients in name order through
// oauth_apps_tenant_id_owner_name_id_idx: the rows read are the answer's.
const listOAuthAppsQuery = `SELECT ` + oauthAppColumns + ` FROM oauth_apps WHERE tenant_id = ? AND owner = ? ORDER BY name, id`

// ListOAuthApps returns the owner's applications in the tenant ordered by
// name, then id. It returns an empty slice when there are none. The rows
// are all read before it returns: a caller that writes them to a slow
// client holds no database connection meanwhile.
func (db *DB) ListOAuthApps(ctx context.Context, tenantID int64, owner string) ([]*admin.OAuthApp, error) {
	return db.listOAuthApps(ctx, "list oauth apps", listOAuthAppsQuery, tenantID, owner)
}

// listOAuthApps reads the clients a query selects, all of them before it
// returns; an empty slice when there are none.
func (db *DB) listOAuthApps(ctx context.Context, what, query string, args ...any) ([]*admin.OAuthApp, error) {
	rows, err := db.queryRows(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("schema: %s: %w", what, err)
	}
	defer rows.Close()
	apps := []*admin.OAuthApp{}
	for rows.Next() {
		app, err := db.scanOAuthApp(rows)
		if err != nil {
			return nil, fmt.Errorf("schema: %s: %w", what, err)
		}
		apps = append(apps, app)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schema: %s: %w", what, err)
	}
	return apps, nil
}

// DeleteOAuthApp deletes the tenant's application with the consumer key. It
// returns admin.ErrNotFound when there is none.
func (db *DB) DeleteOAuthApp(ctx context.Context, tenantID int64, consumerKey string) error {
	err := db.updateOne(ctx, func(q execer) error {
		return expectOne(q.ExecContext(ctx,
			`DELETE FROM oauth_apps WHERE tenant_id = ? AND consumer_key = ?`,
			tenantID, consumerKey))
	})
	if err != nil {
		return fmt.Errorf("schema: delete oauth app %q: %w", consumerKey, err)
	}
	return nil
}

// CreateScope inserts s. It returns admin.ErrDuplicateName when the tenant
// has a scope of that name already.
func (db *DB) CreateScope(ctx context.Context, s *admin.Scope) error {
	claims, err := marshalClaims(s.Claims)
	if err != nil {
		return fmt.Errorf("schema: create scope %q: %w", s.Name, err)
	}
	err = db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO oauth_scopes (tenant_id, name, claims) VALUES (?, ?, ?)`,
			s.TenantID, s.Name, claims)
		return err
	})
	if err != nil {
		return fmt.Errorf("schema: create scope %q: %w", s.Name, db.mapError(err))
	}
	return nil
}

// UpdateScope replaces the claims of the tenant's scope named s.Name. It
// returns admin.ErrNotFound when there is no such scope.
func (db *DB) UpdateScope(ctx context.Context, s *admin.Scope) error {
	claims, err := marshalClaims(s.Claims)
	if err != nil {
		return fmt.Errorf("schema: update scope %q: %w", s.Name, err)
	}
	err = db.update(ctx, func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx,
			`UPDATE oauth_scopes SET claims = ? WHERE tenant_id = ? AND name = ?`,
			claims, s.TenantID, s.Name))
	})
	if err != nil {
		return fmt.Errorf("schema: update scope %q: %w", s.Name, err)
	}
	return nil
}

// FindScope returns the tenant's scope with the name, or admin.ErrNotFound.
func (db *DB) FindScope(ctx context.Context, tenantID int64, name string) (*admin.Scope, error) {
	s, err := scanScope(db.queryRow(ctx,
		`SELECT tenant_id, name, claims FROM oauth_scopes WHERE tenant_id = ? AND name = ?`,
		tenantID, name))
	if err != nil {
		return nil, fmt.Errorf("schema: find scope %q: %w", name, err)
	}
	return s, nil
}

// ListScopes returns the tenant's scopes ordered by name. It returns an empty
// slice when there are none.
func (db *DB) ListScopes(ctx context.Context, tenantID int64) ([]*admin.Scope, error) {
	rows, err := db.queryRows(ctx,
		`SELECT tenant_id, name, claims FROM oauth_scopes WHERE tenant_id = ? ORDER BY name`,
		tenantID)
	if err != nil {
		return nil, fmt.Errorf("schema: list scopes: %w", err)
	}
	defer rows.Close()
	scopes := []*admin.Scope{}
	for rows.Next() {
		s, err := scanScope(rows)
		if err != nil {
			return nil, fmt.Errorf("schema: list scopes: %w", err)
		}
		scopes = append(scopes, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schema: list scopes: %w", err)
	}
	return scopes, nil
}

// DeleteScope deletes the tenant's scope with the name. It returns
// admin.ErrNotFound when there is none.
func (db *DB) DeleteScope(ctx context.Context, tenantID int64, name string) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx,
			`DELETE FROM oauth_scopes WHERE tenant_id = ? AND name = ?`,
			tenantID, name))
	})
	if err != nil {
		return fmt.Errorf("schema: delete scope %q: %w", name, err)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanOAuthApp reads a row of oauthAppColumns and opens its secret. It
// returns admin.ErrNotFound for sql.ErrNoRows.
func (db *DB) scanOAuthApp(row scanner) (*admin.OAuthApp, error) {
	var (
		app                  admin.OAuthApp
		settings             string
		createdAt, updatedAt string
	)
	err := row.Scan(&app.ID, &app.TenantID, &app.Owner, &app.Name, &app.ConsumerKey,
		&app.ConsumerSecret, &app.CallbackURL, &app.GrantTypes, &app.OAuthVersion,
		&app.State, &settings, &createdAt, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, admin.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if app.ConsumerSecret, err = db.openSecret(app.ConsumerKey, app.ConsumerSecret); err != nil {
		return nil, err
	}
	if settings != "" {
		app.Settings = []byte(settings)
	}
	if app.CreatedAt, err = parseTime(createdAt); err != nil {
		return nil, err
	}
	if app.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return nil, err
	}
	return &app, nil
}

// scanScope reads the tenant_id, name and claims columns of a scope. It
// returns admin.ErrNotFound for sql.ErrNoRows.
func scanScope(row scanner) (*admin.Scope, error) {
	var (
		s      admin.Scope
		claims string
	)
	err := row.Scan(&s.TenantID, &s.Name, &claims)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, admin.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(claims), &s.Claims); err != nil {
		return nil, fmt.Errorf("bad claims of scope %q: %w", s.Name, err)
	}
	if s.Claims == nil {
		s.Claims = []string{}
	}
	return &s, nil
}

// marshalClaims returns claims as a JSON array; nil becomes "[]".
func marshalClaims(claims []string) (string, error) {
	if claims == nil {
		claims = []string{}
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// expectOne returns admin.ErrNotFound unless the statement affected a row.
func expectOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return admin.ErrNotFound
	}
	return nil
}

// ListTenantOAuthApps returns every client of the tenant, whoever owns it,
// ordered by name, then id.
func (db *DB) ListTenantOAuthApps(ctx context.Context, tenantID int64) ([]*admin.OAuthApp, error) {
	return db.listOAuthApps(ctx, "list oauth apps", `SELECT `+oauthAppColumns+` FROM oauth_apps WHERE tenant_id = ? ORDER BY name, id`, tenantID)
}
