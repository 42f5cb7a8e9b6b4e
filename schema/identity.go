package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/isadmin/isadmin/admin"
)

var _ admin.IdentityStore = (*DB)(nil)

func init() {
	for name, err := range map[string]error{
		"tenants_domain_key":       admin.ErrDuplicateName,
		"users_tenant_id_name_key": admin.ErrDuplicateName,
		"roles_tenant_id_name_key": admin.ErrDuplicateName,
		"user_roles_pkey":          admin.ErrDuplicateName,
		"role_permissions_pkey":    admin.ErrDuplicateName,
		"sessions_pkey":            admin.ErrDuplicateKey,
	} {
		constraintErrors[name] = err
	}
	for columns, name := range map[string]string{
		"tenants.domain":                                        "tenants_domain_key",
		"users.tenant_id, users.name":                           "users_tenant_id_name_key",
		"roles.tenant_id, roles.name":                           "roles_tenant_id_name_key",
		"user_roles.user_id, user_roles.role_id":                "user_roles_pkey",
		"role_permissions.role_id, role_permissions.permission": "role_permissions_pkey",
		"sessions.id":                                           "sessions_pkey",
	} {
		sqliteUniqueColumns[columns] = name
	}
}

// CreateTenant inserts t and sets its ID and CreatedAt; a taken domain is
// admin.ErrDuplicateName. Tenant ids count up from 1, as Identity Server's
// do; the super tenant keeps -1234.
func (db *DB) CreateTenant(ctx context.Context, t *admin.Tenant) error {
	now := db.now()
	var id int64
	err := db.update(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `
			INSERT INTO tenants (id, domain, active, created_at)
			VALUES ((SELECT CASE WHEN max(id) < 1 THEN 1 ELSE max(id) + 1 END FROM tenants), ?, ?, ?)
			RETURNING id`,
			t.Domain, t.Active, formatTime(now)).Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("schema: create tenant %q: %w", t.Domain, db.mapError(err))
	}
	t.ID, t.CreatedAt = id, now
	return nil
}

func scanTenant(row scanner) (*admin.Tenant, error) {
	var t admin.Tenant
	var created string
	if err := row.Scan(&t.ID, &t.Domain, &t.Active, &created); err != nil {
		return nil, err
	}
	var err error
	t.CreatedAt, err = parseTime(created)
	return &t, err
}

func (db *DB) findTenant(ctx context.Context, what string, query string, arg any) (*admin.Tenant, error) {
	t, err := scanTenant(db.row(ctx, `SELECT id, domain, active, created_at FROM tenants WHERE `+query, arg))
	if errors.Is(err, sql.ErrNoRows) {
		err = admin.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("schema: find tenant %s: %w", what, err)
	}
	return t, nil
}

// FindTenantByDomain returns the tenant with the domain, or admin.ErrNotFound.
func (db *DB) FindTenantByDomain(ctx context.Context, domain string) (*admin.Tenant, error) {
	return db.findTenant(ctx, fmt.Sprintf("%q", domain), "domain = ?", domain)
}

// FindTenantByID returns the tenant with the id, or admin.ErrNotFound.
func (db *DB) FindTenantByID(ctx context.Context, id int64) (*admin.Tenant, error) {
	return db.findTenant(ctx, fmt.Sprint(id), "id = ?", id)
}

// ListTenants returns every tenant, the super tenant first.
func (db *DB) ListTenants(ctx context.Context) ([]*admin.Tenant, error) {
	rows, err := db.queryRows(ctx, `SELECT id, domain, active, created_at FROM tenants ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("schema: list tenants: %w", err)
	}
	defer rows.Close()
	out := []*admin.Tenant{}
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, fmt.Errorf("schema: list tenants: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SetTenantActive activates or deactivates a tenant.
func (db *DB) SetTenantActive(ctx context.Context, id int64, active bool) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx, `UPDATE tenants SET active = ? WHERE id = ?`, active, id))
	})
	if err != nil {
		return fmt.Errorf("schema: set tenant %d active: %w", id, err)
	}
	return nil
}

// CreateUser inserts u and sets its ID and CreatedAt.
func (db *DB) CreateUser(ctx context.Context, u *admin.User) error {
	now := db.now()
	var id int64
	err := db.update(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO users (tenant_id, name, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			u.TenantID, u.Name, u.PasswordHash, formatTime(now)).Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("schema: create user %q: %w", u.Name, db.mapError(err))
	}
	u.ID, u.CreatedAt = id, now
	return nil
}

const userColumns = `id, tenant_id, name, password_hash, created_at`

func scanUser(row scanner) (*admin.User, error) {
	var u admin.User
	var created string
	if err := row.Scan(&u.ID, &u.TenantID, &u.Name, &u.PasswordHash, &created); err != nil {
		return nil, err
	}
	var err error
	if u.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &u, nil
}

// FindUser returns the tenant's user, or admin.ErrNotFound.
func (db *DB) FindUser(ctx context.Context, tenantID int64, name string) (*admin.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = ? AND name = ?`, tenantID, name))
	if errors.Is(err, sql.ErrNoRows) {
		err = admin.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("schema: find user %q: %w", name, err)
	}
	return u, nil
}

// ListUsers returns the tenant's users by name.
func (db *DB) ListUsers(ctx context.Context, tenantID int64) ([]*admin.User, error) {
	rows, err := db.queryRows(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = ? ORDER BY name`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("schema: list users: %w", err)
	}
	defer rows.Close()
	out := []*admin.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("schema: list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetPassword replaces the user's password hash and clears its locks.
func (db *DB) SetPassword(ctx context.Context, tenantID int64, name, hash string) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		if err := expectOne(tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE tenant_id = ? AND name = ?`,
			hash, tenantID, name)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE tenant_id = ? AND username = ?`, tenantID, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("schema: set password of %q: %w", name, err)
	}
	return nil
}

// DeleteUser deletes the user, its role memberships and its sessions.
func (db *DB) DeleteUser(ctx context.Context, tenantID int64, name string) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		if err := expectOne(tx.ExecContext(ctx, `DELETE FROM users WHERE tenant_id = ? AND name = ?`, tenantID, name)); err != nil {
			return err
		}
		// The user's tokens end with the user, as Identity Server's user
		// operation listener revokes them.
		if _, err := tx.ExecContext(ctx, `UPDATE oauth_tokens SET state = 'REVOKED', state_id = 'ENDED-' || CAST(id AS TEXT), sealed = NULL
			WHERE state IN ('ACTIVE', 'EXPIRED') AND lower(authz_user) = lower(? || '@' || (SELECT domain FROM tenants WHERE id = ?))
				AND app_id IN (SELECT id FROM oauth_apps WHERE tenant_id = ?)`, name, tenantID, tenantID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE tenant_id = ? AND username = ?`, tenantID, name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE tenant_id = ? AND username = ?`, tenantID, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("schema: delete user %q: %w", name, err)
	}
	return nil
}

// ReserveLoginAttempt counts an attempt to log in as a user from a source
// before its password is checked, in one statement, so that concurrent
// attempts on every instance all count, and returns its number: it may
// be checked unless it is beyond the max-th while the lock holds. The
// max-th attempt starts a lock until lockUntil and moves the identity
// version, so that credentials verified before are verified again; an
// expired lock starts the count afresh.
func (db *DB) ReserveLoginAttempt(ctx context.Context, tenantID int64, name, source string, max int, now, lockUntil time.Time) (int, error) {
	var attempts int64
	n, until := now.UnixNano(), lockUntil.UnixNano()
	// The lock a first attempt starts: none unless one attempt is the max.
	first := int64(0)
	if max <= 1 {
		first = until
	}
	err := db.update(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO login_attempts (tenant_id, username, source, attempts, locked_until)
			VALUES (?, ?, ?, 1, CAST(? AS BIGINT))
			ON CONFLICT (tenant_id, username, source) DO UPDATE SET
				attempts = CASE WHEN login_attempts.locked_until <> 0 AND login_attempts.locked_until <= CAST(? AS BIGINT) THEN 1
					ELSE login_attempts.attempts + 1 END,
				locked_until = CASE
					WHEN login_attempts.locked_until <> 0 AND login_attempts.locked_until <= CAST(? AS BIGINT) THEN CAST(? AS BIGINT)
					WHEN login_attempts.locked_until = 0 AND login_attempts.attempts + 1 >= CAST(? AS BIGINT) THEN CAST(? AS BIGINT)
					ELSE login_attempts.locked_until END
			RETURNING attempts`,
			tenantID, name, source, first, n, n, first, max, until).Scan(&attempts)
		if err != nil {
			return err
		}
		if attempts == int64(max) {
			_, err = tx.ExecContext(ctx, `UPDATE identity_version SET version = version + 1 WHERE id = 1`)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("schema: reserve a login attempt of %q: %w", name, err)
	}
	return int(attempts), nil
}

// ClearLoginAttempts forgets the attempts of a user from a source, after
// one succeeded.
func (db *DB) ClearLoginAttempts(ctx context.Context, tenantID int64, name, source string) error {
	err := db.updateOne(ctx, func(q execer) error {
		_, err := q.ExecContext(ctx, `DELETE FROM login_attempts WHERE tenant_id = ? AND username = ? AND source = ?`, tenantID, name, source)
		return err
	})
	if err != nil {
		return fmt.Errorf("schema: clear login attempts of %q: %w", name, err)
	}
	return nil
}

// CreateRole inserts the role with its permissions.
func (db *DB) CreateRole(ctx context.Context, r *admin.Role) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO roles (tenant_id, name) VALUES (?, ?) RETURNING id`, r.TenantID, r.Name).Scan(&id); err != nil {
			return err
		}
		for _, p := range r.Permissions {
			if _, err := tx.ExecContext(ctx, `INSERT INTO role_permissions (role_id, permission) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("schema: create role %q: %w", r.Name, db.mapError(err))
	}
	return nil
}

func (db *DB) rolePermissions(ctx context.Context, tenantID int64, name string) ([]string, error) {
	rows, err := db.queryRows(ctx, `
		SELECT p.permission FROM role_permissions p JOIN roles r ON r.id = p.role_id
		WHERE r.tenant_id = ? AND r.name = ? ORDER BY p.permission`, tenantID, name)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// FindRole returns the role with its permissions, or admin.ErrNotFound.
func (db *DB) FindRole(ctx context.Context, tenantID int64, name string) (*admin.Role, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT count(*) FROM roles WHERE tenant_id = ? AND name = ?`, tenantID, name).Scan(&n); err != nil {
		return nil, fmt.Errorf("schema: find role %q: %w", name, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("schema: find role %q: %w", name, admin.ErrNotFound)
	}
	perms, err := db.rolePermissions(ctx, tenantID, name)
	if err != nil {
		return nil, fmt.Errorf("schema: find role %q: %w", name, err)
	}
	return &admin.Role{TenantID: tenantID, Name: name, Permissions: perms}, nil
}

// ListRoles returns the tenant's roles by name, with their permissions.
func (db *DB) ListRoles(ctx context.Context, tenantID int64) ([]*admin.Role, error) {
	rows, err := db.queryRows(ctx, `SELECT name FROM roles WHERE tenant_id = ? ORDER BY name`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("schema: list roles: %w", err)
	}
	names, err := scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("schema: list roles: %w", err)
	}
	out := make([]*admin.Role, 0, len(names))
	for _, n := range names {
		perms, err := db.rolePermissions(ctx, tenantID, n)
		if err != nil {
			return nil, fmt.Errorf("schema: list roles: %w", err)
		}
		out = append(out, &admin.Role{TenantID: tenantID, Name: n, Permissions: perms})
	}
	return out, nil
}

// GrantPermission adds a permission to a role; granting twice is no error.
func (db *DB) GrantPermission(ctx context.Context, tenantID int64, role, permission string) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx, `
			INSERT INTO role_permissions (role_id, permission)
			SELECT id, ? FROM roles WHERE tenant_id = ? AND name = ?
			ON CONFLICT (role_id, permission) DO UPDATE SET permission = excluded.permission`, permission, tenantID, role))
	})
	if err != nil {
		return fmt.Errorf("schema: grant %q to role %q: %w", permission, role, err)
	}
	return nil
}

// RevokePermission removes a permission from a role, or reports
// admin.ErrNotFound.
func (db *DB) RevokePermission(ctx context.Context, tenantID int64, role, permission string) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx, `
			DELETE FROM role_permissions WHERE permission = ?
			AND role_id = (SELECT id FROM roles WHERE tenant_id = ? AND name = ?)`, permission, tenantID, role))
	})
	if err != nil {
		return fmt.Errorf("schema: revoke %q from role %q: %w", permission, role, err)
	}
	return nil
}

// DeleteRole deletes the tenant's role with its permissions and
// memberships, or reports admin.ErrNotFound.
func (db *DB) DeleteRole(ctx context.Context, tenantID int64, name string) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx, `DELETE FROM roles WHERE tenant_id = ? AND name = ?`, tenantID, name))
	})
	if err != nil {
		return fmt.Errorf("schema: delete role %q: %w", name, err)
	}
	return nil
}

// AddUserToRole makes the user a member of the role; admin.ErrNotFound when
// either does not exist, admin.ErrDuplicateName when it already is.
func (db *DB) AddUserToRole(ctx context.Context, tenantID int64, user, role string) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx, `
			INSERT INTO user_roles (user_id, role_id)
			SELECT u.id, r.id FROM users u, roles r
			WHERE u.tenant_id = ? AND u.name = ? AND r.tenant_id = u.tenant_id AND r.name = ?`, tenantID, user, role))
	})
	if err != nil {
		return fmt.Errorf("schema: add %q to role %q: %w", user, role, db.mapError(err))
	}
	return nil
}

// RemoveUserFromRole ends a membership, or reports admin.ErrNotFound.
func (db *DB) RemoveUserFromRole(ctx context.Context, tenantID int64, user, role string) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx, `
			DELETE FROM user_roles
			WHERE user_id = (SELECT id FROM users WHERE tenant_id = ? AND name = ?)
			AND role_id = (SELECT id FROM roles WHERE tenant_id = ? AND name = ?)`, tenantID, user, tenantID, role))
	})
	if err != nil {
		return fmt.Errorf("schema: remove %q from role %q: %w", user, role, err)
	}
	return nil
}

// UserRoles lists the names of the user's roles.
func (db *DB) UserRoles(ctx context.Context, tenantID int64, user string) ([]string, error) {
	rows, err := db.queryRows(ctx, `
		SELECT r.name FROM roles r JOIN user_roles ur ON ur.role_id = r.id JOIN users u ON u.id = ur.user_id
		WHERE u.tenant_id = ? AND u.name = ? ORDER BY r.name`, tenantID, user)
	if err != nil {
		return nil, fmt.Errorf("schema: roles of %q: %w", user, err)
	}
	return scanStrings(rows)
}

// UserPermissions lists the permissions of the user's roles.
func (db *DB) UserPermissions(ctx context.Context, tenantID int64, user string) ([]string, error) {
	rows, err := db.queryRows(ctx, `
		SELECT DISTINCT p.permission FROM role_permissions p
		JOIN user_roles ur ON ur.role_id = p.role_id JOIN users u ON u.id = ur.user_id
		WHERE u.tenant_id = ? AND u.name = ? ORDER BY p.permission`, tenantID, user)
	if err != nil {
		return nil, fmt.Errorf("schema: permissions of %q: %w", user, err)
	}
	return scanStrings(rows)
}

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, s *admin.Session) error {
	err := db.updateOne(ctx, func(q execer) error {
		expires := ""
		if !s.ExpiresAt.IsZero() {
			expires = formatTime(s.ExpiresAt)
		}
		_, err := q.ExecContext(ctx, `INSERT INTO sessions (id, tenant_id, username, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			s.ID, s.TenantID, s.Username, formatTime(s.CreatedAt), formatTime(s.LastSeen), expires)
		return err
	})
	if err != nil {
		return fmt.Errorf("schema: create session: %w", db.mapError(err))
	}
	return nil
}

// FindSession returns the session, or admin.ErrNotFound.
func (db *DB) FindSession(ctx context.Context, id string) (*admin.Session, error) {
	var s admin.Session
	var created, seen, expires string
	err := db.row(ctx, `SELECT id, tenant_id, username, created_at, last_seen, expires_at FROM sessions WHERE id = ?`, id).
		Scan(&s.ID, &s.TenantID, &s.Username, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		err = admin.ErrNotFound
	}
	if err == nil {
		if s.CreatedAt, err = parseTime(created); err == nil {
			s.LastSeen, err = parseTime(seen)
		}
		if err == nil && expires != "" {
			s.ExpiresAt, err = parseTime(expires)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("schema: find session: %w", err)
	}
	return &s, nil
}

// TouchSession records activity on a session.
func (db *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	err := db.updateOne(ctx, func(q execer) error {
		return expectOne(q.ExecContext(ctx, `UPDATE sessions SET last_seen = ? WHERE id = ?`, formatTime(at), id))
	})
	if err != nil {
		return fmt.Errorf("schema: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session; ending an unknown one is no error.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	err := db.updateOne(ctx, func(q execer) error {
		_, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("schema: delete session: %w", err)
	}
	return nil
}

// DeleteRememberMe ends every remember-me login of a user.
func (db *DB) DeleteRememberMe(ctx context.Context, tenantID int64, username string) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE tenant_id = ? AND username = ? AND expires_at <> ''`, tenantID, username)
		return err
	})
	if err != nil {
		return fmt.Errorf("schema: delete remember-me logins of %q: %w", username, err)
	}
	return nil
}

// DeleteSessions ends every session of a user.
func (db *DB) DeleteSessions(ctx context.Context, tenantID int64, username string) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE tenant_id = ? AND username = ?`, tenantID, username)
		return err
	})
	if err != nil {
		return fmt.Errorf("schema: delete sessions of %q: %w", username, err)
	}
	return nil
}

// FindCredentials reads a user, its tenant and its permissions in one
// query: the one query authenticating a request costs.
func (db *DB) FindCredentials(ctx context.Context, domain, name string) (*admin.Credentials, error) {
	var c *admin.Credentials
	err := db.readRows(ctx, `
		SELECT t.id, t.domain, t.active, u.id, u.name, u.password_hash, p.permission
		FROM tenants t
		JOIN users u ON u.tenant_id = t.id
		LEFT JOIN user_roles ur ON ur.user_id = u.id
		LEFT JOIN role_permissions p ON p.role_id = ur.role_id
		WHERE t.domain = ? AND u.name = ?`, []any{domain, name}, func(rows *sql.Rows) error {
		for rows.Next() {
			var perm sql.NullString
			var row admin.Credentials
			if err := rows.Scan(&row.Tenant.ID, &row.Tenant.Domain, &row.Tenant.Active, &row.User.ID, &row.User.Name,
				&row.User.PasswordHash, &perm); err != nil {
				return err
			}
			if c == nil {
				c = &row
				c.User.TenantID = c.Tenant.ID
				c.Permissions = []string{}
			}
			if perm.Valid {
				c.Permissions = append(c.Permissions, perm.String)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schema: find credentials of %q: %w", name, err)
	}
	if c == nil {
		return nil, fmt.Errorf("schema: find credentials of %q: %w", name, admin.ErrNotFound)
	}
	return c, nil
}

// CountSessions returns how many login sessions are stored, ended ones not
// yet removed included.
func (db *DB) CountSessions(ctx context.Context) (int, error) {
	var n int
	if err := db.row(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("schema: count sessions: %w", err)
	}
	return n, nil
}
