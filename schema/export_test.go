package schema

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"
)

// SQLDB returns the database/sql handle of db for tests that inspect the
// connection settings or the migration records.
func SQLDB(db *DB) *sql.DB { return db.db }

// OpenThrough opens the database at location with the migrations up to and
// including the one named last applied, and no later one, for tests of a
// later migration against the data of an earlier release. The caller
// closes the handle.
func OpenThrough(ctx context.Context, location, last string) (*sql.DB, error) {
	d := sqliteDialect
	if IsPostgresURL(location) {
		d = postgresDialect
	} else if _, err := createPrivate(location); err != nil {
		return nil, err
	}
	sqlDB, err := d.open(location)
	if err != nil {
		return nil, err
	}
	db := &DB{db: sqlDB, dialect: d, Now: time.Now}
	if _, err := sqlDB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    TEXT NOT NULL PRIMARY KEY,
	applied_at TEXT NOT NULL
)`); err != nil {
		sqlDB.Close()
		return nil, err
	}
	names, err := fs.Glob(migrationFS, d.migrations+"/*.sql")
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	sort.Strings(names)
	found := false
	for _, name := range names {
		if _, err := db.migrateFile(ctx, name); err != nil {
			sqlDB.Close()
			return nil, err
		}
		if path.Base(name) == last {
			found = true
			break
		}
	}
	if !found {
		sqlDB.Close()
		return nil, fmt.Errorf("no migration %s", last)
	}
	return sqlDB, nil
}

// Listing is a listing's query with example arguments and the index its
// plan must use.
type Listing struct {
	Name  string
	Query string
	Args  []any
	Index string
	// Walks names an index whose use would read more than the answer.
	Walks string
}

// Listings are the queries whose cost must follow the size of their
// answer, not of the table.
func Listings(db *DB) []Listing {
	storeOrder := "LOWER(name), name, id"
	return []Listing{
		{"getAllOAuthApplicationData", listOAuthAppsQuery, []any{1, "admin"}, "oauth_apps_tenant_id_owner_name_id_idx", "oauth_apps_tenant_id_name_idx"},
		{"getAppsAuthorizedByUser", listAuthorizedAppsQuery, []any{1, "admin@carbon.super"}, "oauth_tokens_lower_authz_user_idx", "oauth_apps_tenant_id_name_idx"},
		{"getAllApplicationBasicInfo", `SELECT ` + serviceProviderColumns + ` FROM service_providers WHERE tenant_id = ? ORDER BY name, id LIMIT ? OFFSET ?`,
			[]any{1, 100, 0}, constraintIndex(db, "service_providers_tenant_id_name_key"), ""},
		{"store applications", `SELECT ` + storeApplicationColumns + ` FROM store_applications WHERE tenant_id = ? AND owner = ? ORDER BY ` + storeOrder + ` LIMIT ? OFFSET ?`,
			[]any{1, "admin", 25, 0}, constraintIndex(db, "store_applications_tenant_id_owner_name_key"), ""},
		{"application keys", `SELECT ` + keyMappingColumns + ` FROM store_key_mappings WHERE application_id = ? ORDER BY id`,
			[]any{1}, constraintIndex(db, "store_key_mappings_application_id_key_type_key_manager_key"), ""},
	}
}

// IsPostgres reports whether db is a PostgreSQL database.
func IsPostgres(db *DB) bool { return db.dialect == postgresDialect }

// constraintIndex is the name of the index behind a table constraint:
// PostgreSQL names it after the constraint; SQLite's sqlite_autoindex_
// names are not the constraint's, so "" (any index of the table) stands.
func constraintIndex(db *DB, name string) string {
	if db.dialect == postgresDialect {
		return name
	}
	return ""
}
