package schema

import (
	"context"
	"database/sql"
	"fmt"
)

// readerCount is how many connections serve the hot single-row reads.
const readerCount = 4

// reader is a connection kept for reads, with its prepared statements.
// database/sql serializes every pooled statement on one lock of the whole
// pool; a connection of its own takes only its own lock, so concurrent
// requests read side by side.
type reader struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

// openReaders sets up the read connections. Only SQLite gets them: its
// connections never go stale, while PostgreSQL's may, and pgx is well
// served by the pool.
func (db *DB) openReaders(ctx context.Context) error {
	if db.dialect != sqliteDialect || db.memory {
		return nil
	}
	db.readers = make(chan *reader, readerCount)
	for range readerCount {
		c, err := db.db.Conn(ctx)
		if err != nil {
			db.closeReaders()
			return fmt.Errorf("schema: open read connection: %w", err)
		}
		db.readers <- &reader{conn: c, stmts: map[string]*sql.Stmt{}}
	}
	return nil
}

func (db *DB) closeReaders() {
	if db.readers == nil {
		return
	}
	for {
		select {
		case r := <-db.readers:
			r.conn.Close()
		default:
			return
		}
	}
}

// withReader runs fn with the prepared statement of query on a read
// connection, or on the pool when there are none.
func (db *DB) withReader(ctx context.Context, query string, fn func(*sql.Stmt) error) error {
	if db.readers == nil {
		st, err := db.prepared(ctx, query)
		if err != nil {
			return err
		}
		return fn(st)
	}
	var r *reader
	select {
	case r = <-db.readers:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { db.readers <- r }()
	st, ok := r.stmts[query]
	if !ok {
		var err error
		if st, err = r.conn.PrepareContext(ctx, query); err != nil {
			return err
		}
		r.stmts[query] = st
	}
	return fn(st)
}

// readRow runs a one-row query on a read connection and scans its row.
func (db *DB) readRow(ctx context.Context, query string, args []any, dest ...any) error {
	if db.dialect.cachesStatements {
		return db.db.QueryRowContext(ctx, query, args...).Scan(dest...)
	}
	return db.withReader(ctx, query, func(st *sql.Stmt) error {
		return st.QueryRowContext(ctx, args...).Scan(dest...)
	})
}

// readRows runs a query on a read connection and hands fn its rows, which
// are closed afterwards.
func (db *DB) readRows(ctx context.Context, query string, args []any, fn func(*sql.Rows) error) error {
	if db.dialect.cachesStatements {
		rows, err := db.db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := fn(rows); err != nil {
			return err
		}
		return rows.Err()
	}
	return db.withReader(ctx, query, func(st *sql.Stmt) error {
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := fn(rows); err != nil {
			return err
		}
		return rows.Err()
	})
}

// rowFunc adapts readRow to the scanner the scan functions take.
type rowFunc func(dest ...any) error

func (f rowFunc) Scan(dest ...any) error { return f(dest...) }

// row is queryRow on a read connection, for the reads every request makes.
func (db *DB) row(ctx context.Context, query string, args ...any) scanner {
	return rowFunc(func(dest ...any) error { return db.readRow(ctx, query, args, dest...) })
}
