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
		if err := db.migrateFile(ctx, name); err != nil {
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
