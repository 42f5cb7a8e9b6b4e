package schema

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// IsPostgresURL reports whether a database location names PostgreSQL
// rather than an SQLite file.
func IsPostgresURL(location string) bool {
	return strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://")
}

var postgresDialect = &dialect{
	migrations: "migrations/postgres",
	open: func(url string) (*sql.DB, error) {
		config, err := pgx.ParseConfig(url)
		if err != nil {
			return nil, err
		}
		// pgx pings a pooled connection before reuse when it has been idle
		// for more than a second; a connection that died more recently is
		// caught by pgConn, which has database/sql retry what is safe
		// to retry.
		db := sql.OpenDB(pgConnector{stdlib.GetConnector(*config)})
		DefaultPoolLimits().apply(db)
		return db, nil
	},
	constraint: postgresConstraint,
	// Migrations of several instances starting at once queue on a lock
	// held until their transaction ends.
	lockMigrations: `SELECT pg_advisory_xact_lock(7411001)`,
	ilike:          "ILIKE",
	// pgx prepares each query once per connection and keeps it (its
	// statement cache, 512 queries by default; statement_cache_capacity
	// and default_query_exec_mode in the URL change that, e.g. behind
	// PgBouncer).
	cachesStatements: true,
}

// PoolLimits bound the connections to a PostgreSQL database.
type PoolLimits struct {
	// MaxConns is the most connections open at once; a request finding
	// them all busy waits for one.
	MaxConns int
	// MaxIdleConns is the most unused connections kept open. Below
	// MaxConns, a burst opens connections that are closed again after it.
	MaxIdleConns int
	// MaxLifetime closes a connection this long after it opened, so that
	// a failover or a load balancer spreads connections anew; 0 keeps them.
	MaxLifetime time.Duration
	// MaxIdleTime closes a connection unused this long; 0 keeps them.
	MaxIdleTime time.Duration
}

// DefaultPoolLimits are the limits a PostgreSQL database opens with: as
// many connections as a server's requests keep busy, all kept while idle
// (opening one costs far more than a query), renewed hourly.
func DefaultPoolLimits() PoolLimits {
	n := max(16, 4*runtime.GOMAXPROCS(0))
	return PoolLimits{MaxConns: n, MaxIdleConns: n, MaxLifetime: time.Hour, MaxIdleTime: 30 * time.Minute}
}

// Check reports limits that make no sense.
func (l PoolLimits) Check() error {
	switch {
	case l.MaxConns < 1:
		return fmt.Errorf("schema: at most %d database connections: need at least 1", l.MaxConns)
	case l.MaxIdleConns < 0 || l.MaxIdleConns > l.MaxConns:
		return fmt.Errorf("schema: %d idle database connections: need 0 to %d (the most connections)", l.MaxIdleConns, l.MaxConns)
	case l.MaxLifetime < 0 || l.MaxIdleTime < 0:
		return errors.New("schema: database connection lifetimes cannot be negative")
	}
	return nil
}

func (l PoolLimits) apply(db *sql.DB) {
	db.SetMaxOpenConns(l.MaxConns)
	db.SetMaxIdleConns(l.MaxIdleConns)
	db.SetConnMaxLifetime(l.MaxLifetime)
	db.SetConnMaxIdleTime(l.MaxIdleTime)
}

// PoolStats returns the state of the database's connections.
func (db *DB) PoolStats() sql.DBStats { return db.db.Stats() }

// SetPoolLimits sets the limits of a PostgreSQL database's connections.
// An SQLite database keeps its own, which its locking needs, and reports
// an error.
func (db *DB) SetPoolLimits(l PoolLimits) error {
	if db.dialect != postgresDialect {
		return errors.New("schema: connection limits apply to PostgreSQL only")
	}
	if err := l.Check(); err != nil {
		return err
	}
	l.apply(db.db)
	return nil
}

// postgresConstraint implements dialect.constraint: PostgreSQL names the
// violated constraint (SQLSTATE 23505, unique_violation).
func postgresConstraint(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) && e.Code == "23505" {
		return e.ConstraintName
	}
	return ""
}

// pgConnector makes the pgx driver take the "?" placeholders every
// query of this package is written with, turning them into $1, $2, ...
type pgConnector struct{ driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{conn.(*stdlib.Conn)}, nil
}

// pgConn is a pgx connection whose queries are rebound first, and
// whose failures on a connection that died (PostgreSQL restarted, or ended
// the connection) are reported as driver.ErrBadConn where nothing can have
// changed: database/sql then runs the statement again on another
// connection. Every other method is the pgx connection's own.
type pgConn struct{ *stdlib.Conn }

// died reports whether a statement failed because its connection is gone,
// and not because the caller gave up.
func (c *pgConn) died(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil && c.Conn.Conn().IsClosed()
}

// BeginTx begins a transaction; a BEGIN that failed changed nothing.
func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	if c.died(ctx, err) {
		return nil, driver.ErrBadConn
	}
	return tx, err
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(rebind(query))
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(query))
}

// ExecContext runs a statement; a SELECT outside a transaction that
// failed changed nothing. Any other statement may have been carried out
// before the connection died, and its error stands.
func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	outside := c.Conn.Conn().PgConn().TxStatus() == 'I'
	res, err := c.Conn.ExecContext(ctx, rebind(query), args)
	if outside && c.died(ctx, err) && isSelect(query) {
		return nil, driver.ErrBadConn
	}
	return res, err
}

// QueryContext runs a query, retried as ExecContext is.
func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	outside := c.Conn.Conn().PgConn().TxStatus() == 'I'
	rows, err := c.Conn.QueryContext(ctx, rebind(query), args)
	if outside && c.died(ctx, err) && isSelect(query) {
		return nil, driver.ErrBadConn
	}
	return rows, err
}

// isSelect reports whether query is a SELECT, which only reads: this
// package's queries call no function that writes.
func isSelect(query string) bool {
	query = strings.TrimLeft(query, " \t\r\n(")
	return len(query) >= 6 && strings.EqualFold(query[:6], "SELECT")
}

var rebound sync.Map // query → rebound query

// rebind replaces each ? outside quoted strings, quoted identifiers and
// comments with $n.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			// A comment runs to the end of the line.
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			b.WriteString(query[i : i+end])
			i += end - 1
			continue
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	q := b.String()
	rebound.Store(query, q)
	return q
}

// IntegrityCheck of PostgreSQL: the server checks itself; a query that
// answers proves the connection.
func postgresIntegrity(ctx context.Context, db *sql.DB) (string, error) {
	var ok string
	if err := db.QueryRowContext(ctx, `SELECT 'ok'`).Scan(&ok); err != nil {
		return "", fmt.Errorf("schema: integrity check: %w", err)
	}
	return ok, nil
}
