package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/isadmin/isadmin/admin"
)

var (
	_ admin.ServiceProviderStore = (*DB)(nil)
	_ admin.TemplateStore        = (*DB)(nil)
)

// The constraints of migrations 0003 and 0009 and the sentinel errors they
// report.
func init() {
	for columns, name := range map[string]string{
		"service_providers.tenant_id, service_providers.name":   "service_providers_tenant_id_name_key",
		"sp_oauth_links.tenant_id, sp_oauth_links.consumer_key": "sp_oauth_links_tenant_id_consumer_key_key",
		"sp_templates.tenant_id, sp_templates.name":             "sp_templates_tenant_id_name_key",
	} {
		sqliteUniqueColumns[columns] = name
	}
	constraintErrors["service_providers_tenant_id_name_key"] = admin.ErrDuplicateName
	constraintErrors["sp_oauth_links_tenant_id_consumer_key_key"] = admin.ErrDuplicateKey
	constraintErrors["sp_templates_tenant_id_name_key"] = admin.ErrDuplicateName
}

// serviceProviderColumns lists the columns of service_providers in the order
// scanServiceProvider reads them.
const serviceProviderColumns = `id, tenant_id, name, uuid, description, owner, document, created_at, updated_at`

// CreateServiceProvider inserts sp and links its OAuth keys in one
// transaction, and sets sp.ID, CreatedAt and UpdatedAt. It returns
// admin.ErrDuplicateName when the tenant has a provider of that name and
// admin.ErrDuplicateKey when a key is linked to another provider of the
// tenant already (or listed twice). On failure nothing is stored and sp is left unchanged.
func (db *DB) CreateServiceProvider(ctx context.Context, sp *admin.ServiceProviderRecord) error {
	now := db.now()
	var id int64
	err := db.update(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO service_providers (tenant_id, name, uuid, description, owner, document,
				created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			RETURNING id`,
			sp.TenantID, sp.Name, sp.UUID, sp.Description, sp.Owner, string(sp.Document),
			formatTime(now), formatTime(now),
		).Scan(&id); err != nil {
			return err
		}
		return insertOAuthLinks(ctx, tx, id, sp.TenantID, sp.OAuthKeys)
	})
	if err != nil {
		return fmt.Errorf("schema: create service provider %q: %w", sp.Name, db.mapError(err))
	}
	sp.ID, sp.CreatedAt, sp.UpdatedAt = id, now, now
	return nil
}

// UpdateServiceProvider replaces the name, description, owner and document
// of the provider with sp.ID in sp.TenantID and replaces its OAuth key links,
// in one transaction. The UUID never changes: sp.UUID and sp.CreatedAt are
// reloaded, sp.UpdatedAt is set. It returns admin.ErrNotFound when the tenant
// has no such provider and maps constraint violations as
// CreateServiceProvider does; on failure nothing changes.
func (db *DB) UpdateServiceProvider(ctx context.Context, sp *admin.ServiceProviderRecord) error {
	now := db.now()
	var uuid, createdAt string
	err := db.update(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `
			UPDATE service_providers SET name = ?, description = ?, owner = ?, document = ?,
				updated_at = ?
			WHERE id = ? AND tenant_id = ?
			RETURNING uuid, created_at`,
			sp.Name, sp.Description, sp.Owner, string(sp.Document), formatTime(now),
			sp.ID, sp.TenantID,
		).Scan(&uuid, &createdAt); err != nil {
			return err
		}
		old, err := linkedKeys(ctx, tx, sp.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sp_oauth_links WHERE sp_id = ?`, sp.ID); err != nil {
			return err
		}
		if err := insertOAuthLinks(ctx, tx, sp.ID, sp.TenantID, sp.OAuthKeys); err != nil {
			return err
		}
		for _, key := range old {
			if !slices.Contains(sp.OAuthKeys, key) {
				if err := dropClient(ctx, tx, sp.TenantID, key); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		err = admin.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("schema: update service provider %d: %w", sp.ID, db.mapError(err))
	}
	created, err := parseTime(createdAt)
	if err != nil {
		return fmt.Errorf("schema: update service provider %d: %w", sp.ID, err)
	}
	sp.UUID, sp.CreatedAt, sp.UpdatedAt = uuid, created, now
	return nil
}

func linkedKeys(ctx context.Context, tx *sql.Tx, spID int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT consumer_key FROM sp_oauth_links WHERE sp_id = ? ORDER BY id`, spID)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

// dropClient deletes the OAuth client of a key a provider no longer links,
// in the provider's transaction, unless the store holds the key as MAPPED
// (out-of-band) keys: those clients are not the provider's to delete.
func dropClient(ctx context.Context, tx *sql.Tx, tenantID int64, key string) error {
	_, err := tx.ExecContext(ctx, `
		DELETE FROM oauth_apps WHERE tenant_id = ? AND consumer_key = ?
		AND NOT EXISTS (SELECT 1 FROM store_key_mappings m
			WHERE m.tenant_id = oauth_apps.tenant_id AND m.consumer_key = oauth_apps.consumer_key AND m.mode = 'MAPPED')`,
		tenantID, key)
	return err
}

func insertOAuthLinks(ctx context.Context, tx *sql.Tx, spID, tenantID int64, keys []string) error {
	for _, key := range keys {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO sp_oauth_links (sp_id, tenant_id, consumer_key) VALUES (?, ?, ?)`,
			spID, tenantID, key); err != nil {
			return err
		}
	}
	return nil
}

// FindServiceProviderByName returns the tenant's provider with the name, or
// admin.ErrNotFound.
func (db *DB) FindServiceProviderByName(ctx context.Context, tenantID int64, name string) (*admin.ServiceProviderRecord, error) {
	sp, err := db.findServiceProvider(ctx, `
		SELECT `+serviceProviderColumns+` FROM service_providers
		WHERE tenant_id = ? AND name = ?`, tenantID, name)
	if err != nil {
		return nil, fmt.Errorf("schema: find service provider %q: %w", name, err)
	}
	return sp, nil
}

// FindServiceProviderByID returns the tenant's provider with the id, or
// admin.ErrNotFound.
func (db *DB) FindServiceProviderByID(ctx context.Context, tenantID, id int64) (*admin.ServiceProviderRecord, error) {
	sp, err := db.findServiceProvider(ctx, `
		SELECT `+serviceProviderColumns+` FROM service_providers
		WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("schema: find service provider %d: %w", id, err)
	}
	return sp, nil
}

// FindServiceProviderByOAuthKey returns the tenant's provider linking the
// consumer key, or admin.ErrNotFound; a link in another tenant is not found.
func (db *DB) FindServiceProviderByOAuthKey(ctx context.Context, tenantID int64, consumerKey string) (*admin.ServiceProviderRecord, error) {
	sp, err := db.findServiceProvider(ctx, `
		SELECT `+prefixColumns("s.", serviceProviderColumns)+`
		FROM service_providers s JOIN sp_oauth_links l ON l.sp_id = s.id
		WHERE l.tenant_id = ? AND l.consumer_key = ? AND s.tenant_id = l.tenant_id`,
		tenantID, consumerKey)
	if err != nil {
		return nil, fmt.Errorf("schema: find service provider by key %q: %w", consumerKey, err)
	}
	return sp, nil
}

func (db *DB) findServiceProvider(ctx context.Context, query string, args ...any) (*admin.ServiceProviderRecord, error) {
	sp, err := scanServiceProvider(db.queryRow(ctx, query, args...))
	if err != nil {
		return nil, err
	}
	if err := db.loadOAuthKeys(ctx, []*admin.ServiceProviderRecord{sp}); err != nil {
		return nil, err
	}
	return sp, nil
}

// ListServiceProviders returns the tenant's providers whose name matches
// nameLike, ordered by name then id, with the number of matching providers
// before offset and limit are applied (limit <= 0: no limit). nameLike is a
// SQL LIKE pattern with backslash as the escape character; "" matches every
// name. The slice is empty, not nil, when nothing matches.
func (db *DB) ListServiceProviders(ctx context.Context, tenantID int64, nameLike string, offset, limit int) ([]*admin.ServiceProviderRecord, int, error) {
	where := `tenant_id = ?`
	args := []any{tenantID}
	if nameLike != "" {
		where += ` AND name ` + db.dialect.ilike + ` ? ESCAPE '\'`
		args = append(args, nameLike)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM service_providers WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("schema: count service providers: %w", err)
	}
	if offset < 0 {
		offset = 0
	}
	if limit <= 0 {
		limit = math.MaxInt32 // no limit, in every dialect
	}
	rows, err := db.queryRows(ctx, `
		SELECT `+serviceProviderColumns+` FROM service_providers
		WHERE `+where+`
		ORDER BY name, id
		LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("schema: list service providers: %w", err)
	}
	defer rows.Close()
	sps := []*admin.ServiceProviderRecord{}
	for rows.Next() {
		sp, err := scanServiceProvider(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("schema: list service providers: %w", err)
		}
		sps = append(sps, sp)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("schema: list service providers: %w", err)
	}
	rows.Close()
	if err := db.loadOAuthKeys(ctx, sps); err != nil {
		return nil, 0, fmt.Errorf("schema: list service providers: %w", err)
	}
	return sps, total, nil
}

// loadOAuthKeys fills the OAuthKeys of sps, in the order they were linked.
func (db *DB) loadOAuthKeys(ctx context.Context, sps []*admin.ServiceProviderRecord) error {
	if len(sps) == 0 {
		return nil
	}
	byID := make(map[int64]*admin.ServiceProviderRecord, len(sps))
	args := make([]any, 0, len(sps))
	for _, sp := range sps {
		sp.OAuthKeys = []string{}
		byID[sp.ID] = sp
		args = append(args, sp.ID)
	}
	rows, err := db.queryRows(ctx, `
		SELECT sp_id, consumer_key FROM sp_oauth_links
		WHERE sp_id IN (?`+strings.Repeat(", ?", len(args)-1)+`)
		ORDER BY sp_id, id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return err
		}
		if sp := byID[id]; sp != nil {
			sp.OAuthKeys = append(sp.OAuthKeys, key)
		}
	}
	return rows.Err()
}

// DeleteServiceProvider deletes the tenant's provider with the id and its
// OAuth key links. It returns admin.ErrNotFound when there is none.
func (db *DB) DeleteServiceProvider(ctx context.Context, tenantID, id int64) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		keys, err := linkedKeys(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := expectOne(tx.ExecContext(ctx,
			`DELETE FROM service_providers WHERE tenant_id = ? AND id = ?`, tenantID, id)); err != nil {
			return err
		}
		for _, key := range keys {
			if err := dropClient(ctx, tx, tenantID, key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("schema: delete service provider %d: %w", id, err)
	}
	return nil
}

// scanServiceProvider reads a row of serviceProviderColumns. It returns
// admin.ErrNotFound for sql.ErrNoRows.
func scanServiceProvider(row scanner) (*admin.ServiceProviderRecord, error) {
	var (
		sp                   admin.ServiceProviderRecord
		document             string
		createdAt, updatedAt string
	)
	err := row.Scan(&sp.ID, &sp.TenantID, &sp.Name, &sp.UUID, &sp.Description, &sp.Owner,
		&document, &createdAt, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, admin.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if document != "" {
		sp.Document = []byte(document)
	}
	if sp.CreatedAt, err = parseTime(createdAt); err != nil {
		return nil, err
	}
	if sp.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return nil, err
	}
	return &sp, nil
}

// prefixColumns qualifies every column of a comma-separated list.
func prefixColumns(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// CreateSPTemplate inserts t. It returns admin.ErrDuplicateName when the
// tenant has a template of that name already.
func (db *DB) CreateSPTemplate(ctx context.Context, t *admin.SPTemplate) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO sp_templates (tenant_id, name, description, content) VALUES (?, ?, ?, ?)`,
			t.TenantID, t.Name, t.Description, t.Content)
		return err
	})
	if err != nil {
		return fmt.Errorf("schema: create template %q: %w", t.Name, db.mapError(err))
	}
	return nil
}

// UpdateSPTemplate replaces the tenant's template named oldName with t,
// which may rename it. It returns admin.ErrNotFound when there is no such
// template and admin.ErrDuplicateName when the new name is taken.
func (db *DB) UpdateSPTemplate(ctx context.Context, tenantID int64, oldName string, t *admin.SPTemplate) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx,
			`UPDATE sp_templates SET name = ?, description = ?, content = ? WHERE tenant_id = ? AND name = ?`,
			t.Name, t.Description, t.Content, tenantID, oldName))
	})
	if err != nil {
		return fmt.Errorf("schema: update template %q: %w", oldName, db.mapError(err))
	}
	return nil
}

// FindSPTemplate returns the tenant's template with the name, or
// admin.ErrNotFound.
func (db *DB) FindSPTemplate(ctx context.Context, tenantID int64, name string) (*admin.SPTemplate, error) {
	t := &admin.SPTemplate{}
	err := db.queryRow(ctx,
		`SELECT tenant_id, name, description, content FROM sp_templates WHERE tenant_id = ? AND name = ?`,
		tenantID, name).Scan(&t.TenantID, &t.Name, &t.Description, &t.Content)
	if errors.Is(err, sql.ErrNoRows) {
		err = admin.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("schema: find template %q: %w", name, err)
	}
	return t, nil
}

// ListSPTemplates returns the tenant's templates ordered by name; empty, not
// nil, when there are none.
func (db *DB) ListSPTemplates(ctx context.Context, tenantID int64) ([]*admin.SPTemplate, error) {
	rows, err := db.queryRows(ctx,
		`SELECT tenant_id, name, description, content FROM sp_templates WHERE tenant_id = ? ORDER BY name`,
		tenantID)
	if err != nil {
		return nil, fmt.Errorf("schema: list templates: %w", err)
	}
	defer rows.Close()
	out := []*admin.SPTemplate{}
	for rows.Next() {
		t := &admin.SPTemplate{}
		if err := rows.Scan(&t.TenantID, &t.Name, &t.Description, &t.Content); err != nil {
			return nil, fmt.Errorf("schema: list templates: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schema: list templates: %w", err)
	}
	return out, nil
}

// DeleteSPTemplate deletes the tenant's template with the name. It returns
// admin.ErrNotFound when there is none.
func (db *DB) DeleteSPTemplate(ctx context.Context, tenantID int64, name string) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx,
			`DELETE FROM sp_templates WHERE tenant_id = ? AND name = ?`, tenantID, name))
	})
	if err != nil {
		return fmt.Errorf("schema: delete template %q: %w", name, err)
	}
	return nil
}
