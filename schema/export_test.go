package schema

import "database/sql"

// SQLDB returns the database/sql handle of db for tests that inspect the
// connection settings or the migration records.
func SQLDB(db *DB) *sql.DB { return db.db }
