package schema

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

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
		// A pooled connection is checked before reuse: after PostgreSQL
		// restarts or drops connections, the next request gets a live one
		// instead of the dead one's error.
		alwaysPing := stdlib.OptionShouldPing(func(context.Context, stdlib.ShouldPingParams) bool { return true })
		return sql.OpenDB(rebindConnector{stdlib.GetConnector(*config, alwaysPing)}), nil
	},
	constraint: postgresConstraint,
	// Migrations of several instances starting at once queue on a lock
	// held until their transaction ends.
	lockMigrations: `SELECT pg_advisory_xact_lock(7411001)`,
	ilike:          "ILIKE",
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

// rebindConnector makes the pgx driver take the "?" placeholders every
// query of this package is written with, turning them into $1, $2, ...
type rebindConnector struct{ driver.Connector }

func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &rebindConn{conn.(*stdlib.Conn)}, nil
}

// rebindConn is a pgx connection whose queries are rebound first; every
// other method is the pgx connection's own.
type rebindConn struct{ *stdlib.Conn }

func (c *rebindConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(rebind(query))
}

func (c *rebindConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(query))
}

func (c *rebindConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(query), args)
}

func (c *rebindConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(query), args)
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
