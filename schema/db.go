// Package schema stores the domain of package admin in a SQL database. It
// owns the tables, applies the embedded migrations when a database is opened
// and maps constraint violations to the sentinel errors of package admin.
//
// SQLite (through modernc.org/sqlite) is the embedded default; PostgreSQL
// (through pgx) serves several instances sharing one database. The SQL is
// written once, with ? placeholders; whatever differs lives in an
// unexported dialect value and the dialect's migrations.
package schema

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema/sealed"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// DB is a handle to the database. It is safe for concurrent use.
type DB struct {
	db      *sql.DB
	dialect *dialect
	stmts   sync.Map // query → *sql.Stmt
	// closeOnce makes Close safe to call again.
	closeOnce sync.Once
	closeErr  error
	// Created says Open made the SQLite file, or found one that recorded
	// no migration (an empty file; a copy of the database file alone,
	// made while its tables sat in a write-ahead log left behind): a new,
	// empty database.
	Created bool
	// Migrated lists the migrations Open applied, in order: none when the
	// database was up to date.
	Migrated []string
	// readers serve the reads of every request (SQLite files only).
	readers chan *reader
	memory  bool
	// writes queue this process's SQLite write transactions for the
	// committer (commitGroups): SQLite has one writer at a time, and its
	// busy handler sleeps and retries where a queue hands over at once.
	writes        chan *write
	committerDone chan struct{}
	// versions shares reads of the change counts between requests, and
	// wal, when the database is an SQLite file, tells when no commit
	// came since the last read.
	versions sharedReads
	wal      *walIndex
	// secretKeys seal and open client secrets; UseSecretKeys sets them.
	secretKeys atomic.Pointer[sealed.Keyring]

	// Now returns the current time. It stamps the created_at and updated_at
	// columns and may be replaced by tests. Open sets it to time.Now.
	Now func() time.Time
}

// Open opens the database at location, a PostgreSQL URL
// (postgres://user@host/db?search_path=x) or an SQLite file path, creating
// the SQLite file if needed, and applies the migrations that have not been
// applied yet. The path ":memory:" opens a private in-memory SQLite
// database, which lives as long as the DB.
func Open(ctx context.Context, location string) (*DB, error) {
	d := sqliteDialect
	shown := location
	if IsPostgresURL(location) {
		d = postgresDialect
		shown = redactURL(location)
	}
	sqlDB, err := d.open(location)
	if err != nil {
		return nil, fmt.Errorf("schema: open %s: %w", shown, err)
	}
	created := false
	if d == sqliteDialect && location != ":memory:" {
		// The pool has not touched the file yet.
		if err := checkOrphanLog(location); err != nil {
			sqlDB.Close()
			return nil, err
		}
		if created, err = createPrivate(location); err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("schema: open %s: %w", shown, err)
		}
		// Every request reads, and a connection closed for want of an idle
		// slot costs its schema parse and statements again on reopening.
		sqlDB.SetMaxOpenConns(maxSQLiteConns)
		sqlDB.SetMaxIdleConns(maxSQLiteConns)
	}
	if location == ":memory:" {
		// Every connection to ":memory:" is a database of its own, so the
		// pool must hold on to exactly one.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
	}
	db := &DB{db: sqlDB, dialect: d, Now: time.Now, memory: location == ":memory:", Created: created}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("schema: open %s: %w", shown, err)
	}
	if d == sqliteDialect && !db.memory && !created {
		recorded, err := recordedMigrations(ctx, sqlDB)
		if err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("schema: open %s: %w", shown, err)
		}
		db.Created = len(recorded) == 0
	}
	if err := db.migrate(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	if err := db.openReaders(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	if d == sqliteDialect && !db.memory {
		db.wal = openWALIndex(location)
	}
	if d == sqliteDialect {
		db.writes = make(chan *write, maxBatch)
		db.committerDone = make(chan struct{})
		go db.commitGroups()
	}
	return db, nil
}

// sqliteFileMode is the mode of the SQLite database file this package
// creates: its owner's alone. SQLite gives its -wal and -shm files the mode
// of the database file.
const sqliteFileMode fs.FileMode = 0o600

// createPrivate creates an empty SQLite database file with sqliteFileMode unless
// a file exists at path, so that SQLite never creates it with the process's
// default mode.
func createPrivate(path string) (created bool, err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, sqliteFileMode)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, f.Close()
}

// redactURL hides the password of a database URL.
func redactURL(location string) string {
	u, err := url.Parse(location)
	if err != nil {
		return "(unparsable database URL)"
	}
	return u.Redacted()
}

// Close closes the database; later calls return what the first did.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { db.closeErr = db.close() })
	return db.closeErr
}

func (db *DB) close() error {
	if db.writes != nil {
		close(db.writes)
		<-db.committerDone
	}
	if db.dialect == sqliteDialect && !db.memory {
		// A clean stop leaves everything in the database file: a copy of
		// it alone, made while stopped, is then complete.
		db.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	db.wal.close()
	db.closeReaders()
	db.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("schema: close: %w", err)
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check and returns its report: "ok"
// for a sound database, otherwise one problem per line.
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	if db.dialect == postgresDialect {
		return postgresIntegrity(ctx, db.db)
	}
	rows, err := db.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return "", fmt.Errorf("schema: integrity check: %w", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", fmt.Errorf("schema: integrity check: %w", err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("schema: integrity check: %w", err)
	}
	return strings.Join(lines, "\n"), nil
}

// migrate applies, in lexical order of their file names, the migrations of
// the dialect that schema_migrations does not list yet. Each migration runs in
// a transaction of its own together with the row that records it, so a
// migration is applied completely or not at all.
func (db *DB) migrate(ctx context.Context) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		if err := db.lockMigrations(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    TEXT NOT NULL PRIMARY KEY,
	applied_at TEXT NOT NULL
)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("schema: create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, db.dialect.migrations+"/*.sql")
	if err != nil {
		return fmt.Errorf("schema: list migrations: %w", err)
	}
	sort.Strings(names)
	if err := db.checkNotNewer(ctx, names); err != nil {
		return err
	}
	for _, name := range names {
		applied, err := db.migrateFile(ctx, name)
		if err != nil {
			return fmt.Errorf("schema: migration %s: %w", path.Base(name), err)
		}
		if applied {
			db.Migrated = append(db.Migrated, path.Base(name))
		}
	}
	return nil
}

// ErrNewerSchema reports a database that a newer isadmin migrated: this
// binary does not know all of its schema.
var ErrNewerSchema = errors.New("schema: the database was migrated by a newer isadmin")

// checkNotNewer refuses a database whose recorded migrations this binary
// does not all have: it would misread or damage what it does not know.
func (db *DB) checkNotNewer(ctx context.Context, names []string) error {
	known := map[string]bool{}
	for _, n := range names {
		known[path.Base(n)] = true
	}
	rows, err := db.db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return fmt.Errorf("schema: read schema_migrations: %w", err)
	}
	recorded, err := scanStrings(rows)
	if err != nil {
		return fmt.Errorf("schema: read schema_migrations: %w", err)
	}
	for _, v := range recorded {
		if !known[v] {
			return fmt.Errorf("%w: its schema has migration %s, and this binary knows up to %s; run the isadmin that migrated it (or a newer one), or restore a backup made before",
				ErrNewerSchema, recorded[len(recorded)-1], path.Base(names[len(names)-1]))
		}
	}
	return nil
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("schema: ping: %w", err)
	}
	return nil
}

// migrateFile applies one migration unless it is recorded already, and
// reports whether it applied it. The check runs inside the write
// transaction, so two processes opening the same database at once cannot
// both apply it.
func (db *DB) migrateFile(ctx context.Context, name string) (applied bool, err error) {
	version := path.Base(name)
	err = db.update(ctx, func(tx *sql.Tx) error {
		applied = false
		if err := db.lockMigrations(ctx, tx); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx,
			`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		applied = true
		body, err := fs.ReadFile(migrationFS, name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			version, formatTime(db.now()))
		return err
	})
	return applied && err == nil, err
}

// lockMigrations makes concurrent migrations of one database wait for each
// other, where the dialect needs more than its write transaction for that.
func (db *DB) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if db.dialect.lockMigrations == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, db.dialect.lockMigrations)
	return err
}

// update runs fn in a write transaction and commits it when fn succeeds.
// Write transactions take the write lock when they begin, so concurrent
// writers wait for each other instead of failing.
func (db *DB) update(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.writes != nil {
		return db.queueWrite(ctx, fn)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// execer runs statements: a transaction, or PostgreSQL's pool.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// updateOne runs the one statement fn makes as a transaction of its own.
// PostgreSQL runs a lone statement as a transaction anyway, so there fn
// gets the pool, which saves the round trips of BEGIN and COMMIT; on
// SQLite it is update's.
func (db *DB) updateOne(ctx context.Context, fn func(q execer) error) error {
	if db.dialect.cachesStatements && db.writes == nil {
		return fn(db.db)
	}
	return db.update(ctx, func(tx *sql.Tx) error { return fn(tx) })
}

// now returns the current time in UTC, without a monotonic clock reading.
func (db *DB) now() time.Time {
	return db.Now().UTC()
}

// formatTime returns t as stored in the database: UTC, RFC 3339 with
// nanoseconds.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// parseTime parses a time written by formatTime.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad timestamp %q: %w", s, err)
	}
	return t.UTC(), nil
}

// constraintErrors maps the names of unique and primary key constraints to
// the sentinel errors of package admin. The names are the ones PostgreSQL
// would choose by default; the migrations of every dialect use them.
var constraintErrors = map[string]error{
	"oauth_apps_tenant_id_consumer_key_key": admin.ErrDuplicateKey,
	"oauth_apps_tenant_id_owner_name_key":   admin.ErrDuplicateName,
	"oauth_scopes_pkey":                     admin.ErrDuplicateName,
}

// mapError returns err joined with the sentinel error of the constraint it
// violated, if that constraint is known, and err itself otherwise.
func (db *DB) mapError(err error) error {
	if sentinel, ok := constraintErrors[db.dialect.constraint(err)]; ok {
		return fmt.Errorf("%w: %w", sentinel, err)
	}
	return err
}

// dialect holds what differs between the databases the package supports.
// Queries use ? placeholders.
type dialect struct {
	// open opens the database at a location (file path or URL).
	open func(location string) (*sql.DB, error)
	// migrations is the directory of migrationFS with the dialect's
	// migrations.
	migrations string
	// constraint returns the name of the unique or primary key constraint
	// that err reports as violated, or "" if err is no such violation.
	constraint func(err error) string
	// lockMigrations is SQL run first in each migration transaction.
	lockMigrations string
	// ilike is the case-insensitive LIKE operator.
	ilike string
	// cachesStatements says the driver prepares and keeps the statements
	// of each connection itself, so database/sql's prepared statements
	// would only add their locks.
	cachesStatements bool
}

// maxSQLiteConns bounds the connections to an SQLite file, all of which
// stay open once made.
const maxSQLiteConns = 32

// sqlitePragmas are set on every connection. WAL lets readers run while one
// connection writes; synchronous=FULL makes a commit durable once it returns;
// busy_timeout makes a connection wait for a lock instead of failing with
// SQLITE_BUSY. _txlock=immediate makes every read-write transaction take the
// write lock in BEGIN, where waiting is still possible, rather than at its
// first write, where SQLite may have to fail it.
const sqlitePragmas = "_pragma=busy_timeout(10000)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(FULL)" +
	"&_pragma=foreign_keys(ON)" +
	"&_txlock=immediate"

var sqliteDialect = &dialect{
	migrations: "migrations/sqlite",
	open: func(path string) (*sql.DB, error) {
		switch {
		case path == "":
			return nil, errors.New("empty database path")
		case strings.ContainsRune(path, '?'):
			return nil, errors.New("database path must not contain '?'")
		}
		return sql.Open("sqlite", path+"?"+sqlitePragmas)
	},
	constraint: sqliteConstraint,
	ilike:      "LIKE",
}

// sqliteUniqueColumns maps the column lists that SQLite names in unique and
// primary key violations to the names of the constraints.
var sqliteUniqueColumns = map[string]string{
	"oauth_apps.tenant_id, oauth_apps.consumer_key":           "oauth_apps_tenant_id_consumer_key_key",
	"oauth_apps.tenant_id, oauth_apps.owner, oauth_apps.name": "oauth_apps_tenant_id_owner_name_key",
	"oauth_scopes.tenant_id, oauth_scopes.name":               "oauth_scopes_pkey",
	"oauth_tokens.app_id, oauth_tokens.authz_user, oauth_tokens.user_type, oauth_tokens.scope, oauth_tokens.state, oauth_tokens.state_id": "oauth_tokens_one_active_key",
}

// sqliteConstraint implements dialect.constraint for SQLite, which names the
// columns rather than the constraint: "UNIQUE constraint failed:
// oauth_apps.tenant_id, oauth_apps.consumer_key".
func sqliteConstraint(err error) string {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return ""
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
	default:
		return ""
	}
	const marker = "UNIQUE constraint failed: "
	msg := e.Error()
	i := strings.Index(msg, marker)
	if i < 0 {
		return ""
	}
	columns := msg[i+len(marker):]
	if j := strings.Index(columns, " ("); j >= 0 {
		columns = columns[:j]
	}
	return sqliteUniqueColumns[columns]
}

// prepared returns the prepared statement of a query, preparing it on first
// use. Parsing SQL costs more than running a simple query, and the same few
// queries serve every request. PostgreSQL's driver prepares and caches the
// statements of each connection itself (pgx's statement cache), so there
// the queries go to the pool directly: see queryRows and queryRow.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if old, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return old.(*sql.Stmt), nil
	}
	return st, nil
}

// queryRows runs a read query through its prepared statement.
func (db *DB) queryRows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.dialect.cachesStatements {
		return db.db.QueryContext(ctx, query, args...)
	}
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow runs a one-row read query through its prepared statement.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	if db.dialect.cachesStatements {
		return db.db.QueryRowContext(ctx, query, args...)
	}
	st, err := db.prepared(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// rowScanner is what *sql.Row offers, so a failed preparation can answer
// like a failed query.
type rowScanner interface {
	Scan(dest ...any) error
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
