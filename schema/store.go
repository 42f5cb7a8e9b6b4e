package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/store"
)

var (
	_ store.Store = (*DB)(nil)
)

// The constraints of migrations 0004 and 0009 and the sentinel errors they
// report.
func init() {
	for columns, name := range map[string]string{
		"store_applications.uuid": "store_applications_uuid_key",
		"store_applications.tenant_id, store_applications.owner, store_applications.name": "store_applications_tenant_id_owner_name_key",
		"store_key_mappings.uuid": "store_key_mappings_uuid_key",
		"store_key_mappings.application_id, store_key_mappings.key_type, store_key_mappings.key_manager": "store_key_mappings_application_id_key_type_key_manager_key",
		"store_key_mappings.tenant_id, store_key_mappings.consumer_key, store_key_mappings.key_manager":  "store_key_mappings_tenant_id_consumer_key_key_manager_key",
	} {
		sqliteUniqueColumns[columns] = name
	}
	for name, err := range map[string]error{
		"store_applications_uuid_key":                                admin.ErrDuplicateKey,
		"store_applications_tenant_id_owner_name_key":                admin.ErrDuplicateName,
		"store_key_mappings_uuid_key":                                admin.ErrDuplicateKey,
		"store_key_mappings_application_id_key_type_key_manager_key": store.ErrKeyTypeTaken,
		"store_key_mappings_tenant_id_consumer_key_key_manager_key":  store.ErrConsumerKeyMapped,
	} {
		constraintErrors[name] = err
	}
}

// storeApplicationColumns lists the columns of store_applications in the
// order scanStoreApplication reads them.
const storeApplicationColumns = `id, uuid, tenant_id, owner, name, throttling_policy, description,
	token_type, callback_url, status, group_ids, attributes, created_at, updated_at`

// CreateStoreApplication inserts app and sets its ID, CreatedAt and
// UpdatedAt; an empty Status becomes APPROVED and an empty TokenType JWT. It
// returns admin.ErrDuplicateName when the owner has an application of that
// name in the tenant. On failure app is left unchanged.
func (db *DB) CreateStoreApplication(ctx context.Context, app *store.Application) error {
	groups, attrs, err := marshalAppLists(app)
	if err != nil {
		return fmt.Errorf("schema: create store application %q: %w", app.Name, err)
	}
	status, tokenType := storeDefault(app.Status, store.StatusApproved), storeDefault(app.TokenType, "JWT")
	now := db.now()
	var id int64
	err = db.update(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `
			INSERT INTO store_applications (uuid, tenant_id, owner, name, throttling_policy, description,
				token_type, callback_url, status, group_ids, attributes, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			RETURNING id`,
			app.UUID, app.TenantID, app.Owner, app.Name, app.ThrottlingPolicy, app.Description,
			tokenType, app.CallbackURL, status, groups, attrs, formatTime(now), formatTime(now),
		).Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("schema: create store application %q: %w", app.Name, db.mapError(err))
	}
	app.ID, app.Status, app.TokenType, app.CreatedAt, app.UpdatedAt = id, status, tokenType, now, now
	return nil
}

// UpdateStoreApplication replaces the name, throttling policy, description,
// token type, callback URL, groups and attributes of the application with
// app.ID in app.TenantID, sets app.UpdatedAt and reloads the columns it does
// not change. It returns admin.ErrNotFound when the tenant has no such
// application and admin.ErrDuplicateName when the new name is taken.
func (db *DB) UpdateStoreApplication(ctx context.Context, app *store.Application) error {
	groups, attrs, err := marshalAppLists(app)
	if err != nil {
		return fmt.Errorf("schema: update store application %d: %w", app.ID, err)
	}
	tokenType := storeDefault(app.TokenType, "JWT")
	now := db.now()
	var got *store.Application
	err = db.update(ctx, func(tx *sql.Tx) error {
		var err error
		got, err = scanStoreApplication(tx.QueryRowContext(ctx, `
			UPDATE store_applications SET name = ?, throttling_policy = ?, description = ?,
				token_type = ?, callback_url = ?, group_ids = ?, attributes = ?, updated_at = ?
			WHERE id = ? AND tenant_id = ?
			RETURNING `+storeApplicationColumns,
			app.Name, app.ThrottlingPolicy, app.Description, tokenType, app.CallbackURL, groups, attrs,
			formatTime(now), app.ID, app.TenantID))
		return err
	})
	if err != nil {
		return fmt.Errorf("schema: update store application %d: %w", app.ID, db.mapError(err))
	}
	*app = *got
	return nil
}

// FindStoreApplication returns the tenant's application with the UUID, or
// admin.ErrNotFound.
func (db *DB) FindStoreApplication(ctx context.Context, tenantID int64, uuid string) (*store.Application, error) {
	return db.findStoreApplication(ctx, fmt.Sprintf("%q", uuid), `tenant_id = ? AND uuid = ?`, tenantID, uuid)
}

// FindStoreApplicationByID returns the tenant's application with the id, or
// admin.ErrNotFound.
func (db *DB) FindStoreApplicationByID(ctx context.Context, tenantID, id int64) (*store.Application, error) {
	return db.findStoreApplication(ctx, fmt.Sprint(id), `tenant_id = ? AND id = ?`, tenantID, id)
}

// FindStoreApplicationByName returns the owner's application with the name
// in the tenant, or admin.ErrNotFound.
func (db *DB) FindStoreApplicationByName(ctx context.Context, tenantID int64, owner, name string) (*store.Application, error) {
	return db.findStoreApplication(ctx, fmt.Sprintf("%q", name), `tenant_id = ? AND owner = ? AND name = ?`, tenantID, owner, name)
}

func (db *DB) findStoreApplication(ctx context.Context, what, where string, args ...any) (*store.Application, error) {
	app, err := scanStoreApplication(db.queryRow(ctx,
		`SELECT `+storeApplicationColumns+` FROM store_applications WHERE `+where, args...))
	if err != nil {
		return nil, fmt.Errorf("schema: find store application %s: %w", what, err)
	}
	return app, nil
}

// storeApplicationOrder maps ApplicationFilter.SortBy to its columns.
var storeApplicationOrder = map[string]string{
	"":                 "name",
	"name":             "name",
	"throttlingPolicy": "throttling_policy",
	"status":           "status",
}

// ListStoreApplications returns the owner's applications in the tenant that
// the filter selects, in its order (case-insensitive, ties broken by the
// exact value, then by id), with their number
// before offset and limit apply. The slice is empty, not nil, when nothing
// matches.
func (db *DB) ListStoreApplications(ctx context.Context, f store.ApplicationFilter) ([]*store.Application, int, error) {
	column, ok := storeApplicationOrder[f.SortBy]
	if !ok {
		return nil, 0, fmt.Errorf("schema: list store applications: unknown sort key %q", f.SortBy)
	}
	// Case-insensitive first, as people read names; the exact value and the
	// id break ties so pages never overlap.
	order := "LOWER(" + column + "), " + column + ", id"
	if f.Descending {
		order = "LOWER(" + column + ") DESC, " + column + " DESC, id DESC"
	}
	where := `tenant_id = ? AND owner = ?`
	args := []any{f.TenantID, f.Owner}
	if f.Name != "" {
		where += ` AND name = ?`
		args = append(args, f.Name)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM store_applications WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("schema: count store applications: %w", err)
	}
	offset, limit := max(f.Offset, 0), f.Limit
	if limit <= 0 {
		limit = math.MaxInt32 // no limit, in every dialect
	}
	rows, err := db.queryRows(ctx, `
		SELECT `+storeApplicationColumns+` FROM store_applications
		WHERE `+where+`
		ORDER BY `+order+`
		LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("schema: list store applications: %w", err)
	}
	defer rows.Close()
	apps := []*store.Application{}
	for rows.Next() {
		app, err := scanStoreApplication(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("schema: list store applications: %w", err)
		}
		apps = append(apps, app)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("schema: list store applications: %w", err)
	}
	return apps, total, nil
}

// DeleteStoreApplication deletes the tenant's application with the id and
// its key mappings. It returns admin.ErrNotFound when there is none.
func (db *DB) DeleteStoreApplication(ctx context.Context, tenantID, id int64) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx,
			`DELETE FROM store_applications WHERE tenant_id = ? AND id = ?`, tenantID, id))
	})
	if err != nil {
		return fmt.Errorf("schema: delete store application %d: %w", id, err)
	}
	return nil
}

// keyMappingColumns lists the columns of store_key_mappings in the order
// scanKeyMapping reads them.
const keyMappingColumns = `id, uuid, application_id, tenant_id, key_type, key_manager, consumer_key,
	mode, state, provisioned, created_at`

// CreateKeyMapping inserts m and sets its ID and CreatedAt; the tenant is
// the application's. It returns store.ErrKeyTypeTaken when the
// application has keys of that type in that key manager,
// store.ErrConsumerKeyMapped when the consumer key is mapped in that key
// manager and tenant already and admin.ErrNotFound when the
// application does not exist. On failure m is left unchanged.
func (db *DB) CreateKeyMapping(ctx context.Context, m *store.KeyMapping) error {
	now := db.now()
	var id, tenantID int64
	err := db.updateOne(ctx, func(q execer) error {
		err := q.QueryRowContext(ctx, `
			INSERT INTO store_key_mappings (uuid, application_id, tenant_id, key_type, key_manager,
				consumer_key, mode, state, provisioned, created_at)
			SELECT ?, id, tenant_id, ?, ?, ?, ?, ?, CAST(? AS BOOLEAN), ? FROM store_applications WHERE id = ?
			RETURNING id, tenant_id`,
			m.UUID, m.KeyType, m.KeyManager, m.ConsumerKey, m.Mode, m.State, m.Provisioned, formatTime(now),
			m.ApplicationID,
		).Scan(&id, &tenantID)
		if errors.Is(err, sql.ErrNoRows) {
			return admin.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("schema: create key mapping of %q: %w", m.ConsumerKey, db.mapError(err))
	}
	m.ID, m.TenantID, m.CreatedAt = id, tenantID, now
	return nil
}

// ListKeyMappings returns the application's key mappings in the order they
// were made; an empty slice when there are none.
func (db *DB) ListKeyMappings(ctx context.Context, applicationID int64) ([]*store.KeyMapping, error) {
	rows, err := db.queryRows(ctx, `
		SELECT `+keyMappingColumns+` FROM store_key_mappings
		WHERE application_id = ?
		ORDER BY id`, applicationID)
	if err != nil {
		return nil, fmt.Errorf("schema: list key mappings: %w", err)
	}
	defer rows.Close()
	ms := []*store.KeyMapping{}
	for rows.Next() {
		m, err := scanKeyMapping(rows)
		if err != nil {
			return nil, fmt.Errorf("schema: list key mappings: %w", err)
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schema: list key mappings: %w", err)
	}
	return ms, nil
}

// FindKeyMapping returns the application's key mapping with the UUID, or
// admin.ErrNotFound.
func (db *DB) FindKeyMapping(ctx context.Context, applicationID int64, uuid string) (*store.KeyMapping, error) {
	m, err := scanKeyMapping(db.queryRow(ctx, `
		SELECT `+keyMappingColumns+` FROM store_key_mappings
		WHERE application_id = ? AND uuid = ?`, applicationID, uuid))
	if err != nil {
		return nil, fmt.Errorf("schema: find key mapping %q: %w", uuid, err)
	}
	return m, nil
}

// FindStoreApplicationForMapping implements store.Store: the application
// and both checks in one query, two round trips fewer for every mapping on
// PostgreSQL.
func (db *DB) FindStoreApplicationForMapping(ctx context.Context, tenantID int64, uuid, keyType, keyManager, consumerKey string) (*store.Application, store.MappingConflicts, error) {
	var (
		c     store.MappingConflicts
		taken int64
	)
	// Unqualified columns in the subqueries are store_key_mappings'.
	app, err := scanStoreApplication(withColumns(db.queryRow(ctx, `
		SELECT `+storeApplicationColumns+`,
			(SELECT count(*) FROM store_key_mappings WHERE application_id = a.id AND key_type = ? AND key_manager = ?),
			COALESCE((SELECT application_id FROM store_key_mappings WHERE tenant_id = a.tenant_id AND key_manager = ? AND consumer_key = ?), 0)
		FROM store_applications a WHERE a.tenant_id = ? AND a.uuid = ?`,
		keyType, keyManager, keyManager, consumerKey, tenantID, uuid), &taken, &c.Holder))
	if err != nil {
		return nil, c, fmt.Errorf("schema: find store application %q for mapping %q: %w", uuid, consumerKey, err)
	}
	c.TypeTaken = taken > 0
	return app, c, nil
}

// withColumns scans the row's further columns into extra, after the ones
// a scan function reads.
func withColumns(row scanner, extra ...any) scanner {
	return rowFunc(func(dest ...any) error { return row.Scan(append(dest, extra...)...) })
}

// DeleteKeyMapping deletes the key mapping with the id. It returns
// admin.ErrNotFound when there is none.
func (db *DB) DeleteKeyMapping(ctx context.Context, id int64) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx, `DELETE FROM store_key_mappings WHERE id = ?`, id))
	})
	if err != nil {
		return fmt.Errorf("schema: delete key mapping %d: %w", id, err)
	}
	return nil
}

// scanStoreApplication reads a row of storeApplicationColumns. It returns
// admin.ErrNotFound for sql.ErrNoRows.
func scanStoreApplication(row scanner) (*store.Application, error) {
	var (
		app                  store.Application
		groups, attrs        string
		createdAt, updatedAt string
	)
	err := row.Scan(&app.ID, &app.UUID, &app.TenantID, &app.Owner, &app.Name, &app.ThrottlingPolicy,
		&app.Description, &app.TokenType, &app.CallbackURL, &app.Status, &groups, &attrs,
		&createdAt, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, admin.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(groups), &app.Groups); err != nil {
		return nil, fmt.Errorf("bad groups of application %q: %w", app.UUID, err)
	}
	if err := json.Unmarshal([]byte(attrs), &app.Attributes); err != nil {
		return nil, fmt.Errorf("bad attributes of application %q: %w", app.UUID, err)
	}
	if app.Groups == nil {
		app.Groups = []string{}
	}
	if app.Attributes == nil {
		app.Attributes = map[string]string{}
	}
	if app.CreatedAt, err = parseTime(createdAt); err != nil {
		return nil, err
	}
	if app.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return nil, err
	}
	return &app, nil
}

// scanKeyMapping reads a row of keyMappingColumns. It returns
// admin.ErrNotFound for sql.ErrNoRows.
func scanKeyMapping(row scanner) (*store.KeyMapping, error) {
	var (
		m         store.KeyMapping
		createdAt string
	)
	err := row.Scan(&m.ID, &m.UUID, &m.ApplicationID, &m.TenantID, &m.KeyType, &m.KeyManager,
		&m.ConsumerKey, &m.Mode, &m.State, &m.Provisioned, &createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, admin.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if m.CreatedAt, err = parseTime(createdAt); err != nil {
		return nil, err
	}
	return &m, nil
}

// marshalAppLists returns the groups and attributes of app as JSON; nil
// becomes empty.
func marshalAppLists(app *store.Application) (groups, attrs string, err error) {
	g, a := app.Groups, app.Attributes
	if g == nil {
		g = []string{}
	}
	if a == nil {
		a = map[string]string{}
	}
	gb, err := json.Marshal(g)
	if err != nil {
		return "", "", err
	}
	ab, err := json.Marshal(a)
	if err != nil {
		return "", "", err
	}
	return string(gb), string(ab), nil
}

func storeDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
