package schema

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Tables lists the tables of the database in the order they were created,
// which is an order their foreign keys allow to fill; the bookkeeping of
// each database (schema_migrations, identity_version,
// oauth_version_shards, token_version_shards, session_version_shards) is
// left out.
func (db *DB) Tables(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid`
	if db.dialect == postgresDialect {
		q = `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.oid`
	}
	rows, err := db.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("schema: list tables: %w", err)
	}
	names, err := scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("schema: list tables: %w", err)
	}
	out := names[:0]
	for _, n := range names {
		if n != "schema_migrations" && n != "identity_version" && n != "oauth_version_shards" && n != "token_version_shards" && n != "session_version_shards" {
			out = append(out, n)
		}
	}
	return out, nil
}

// CopyProgress hears how a copy goes: per table, its number of rows, the
// rows copied, and its end.
type CopyProgress interface {
	Start(table string, rows int)
	Add(rows int)
	Done()
}

// Copy copies every row of every table of from into to, whose tables must
// hold nothing but what the migrations put there (the super tenant), in one
// transaction of to: a deployment moves from SQLite to PostgreSQL whole or
// not at all. Both must be at the same migration. Rows go in batches, one
// statement each: a statement costs the same whatever the table's size
// (the change counts' triggers fire once per statement), so the copy's
// time grows with the number of rows. progress may be nil.
func Copy(ctx context.Context, from, to *DB, progress CopyProgress) error {
	fromVersions, err := from.migrations(ctx)
	if err != nil {
		return err
	}
	toVersions, err := to.migrations(ctx)
	if err != nil {
		return err
	}
	if fromVersions != toVersions {
		return fmt.Errorf("schema: copy: the databases are at different migrations (%s / %s)", fromVersions, toVersions)
	}
	tables, err := from.Tables(ctx)
	if err != nil {
		return err
	}
	return to.update(ctx, func(tx *sql.Tx) error {
		for _, t := range tables {
			if err := copyTable(ctx, from, to, tx, t, progress); err != nil {
				return fmt.Errorf("schema: copy %s: %w", t, err)
			}
		}
		return nil
	})
}

func (db *DB) migrations(ctx context.Context) (string, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return "", fmt.Errorf("schema: migrations: %w", err)
	}
	v, err := scanStrings(rows)
	return strings.Join(v, ","), err
}

// maxCopyParameters bounds a batch's parameters below SQLite's 32,766 and
// PostgreSQL's 65,535.
const maxCopyParameters = 30000

// copyBatchRows is the most rows one INSERT carries.
const copyBatchRows = 500

func copyTable(ctx context.Context, from, to *DB, tx *sql.Tx, table string, progress CopyProgress) error {
	// The super tenant comes with the migrations, in both.
	seeded := ""
	if table == "tenants" {
		seeded = ` WHERE id <> -1234`
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table+seeded).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the target table is not empty (%d rows)", n)
	}
	var total int
	if err := from.db.QueryRowContext(ctx, `SELECT count(*) FROM `+table+seeded).Scan(&total); err != nil {
		return err
	}
	if total == 0 {
		progress = nil // nothing to tell
	}
	if progress != nil {
		progress.Start(table, total)
		defer progress.Done()
	}
	bools, err := to.booleanColumns(ctx, tx, table)
	if err != nil {
		return err
	}
	rows, err := from.db.QueryContext(ctx, `SELECT * FROM `+table+seeded)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	perBatch := max(1, min(copyBatchRows, maxCopyParameters/max(len(cols), 1)))
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	head := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	var full string // the statement of a full batch, built once
	batch := make([]any, 0, perBatch*len(cols))
	flush := func() error {
		count := len(batch) / len(cols)
		if count == 0 {
			return nil
		}
		stmt := full
		if count != perBatch || stmt == "" {
			stmt = head + strings.TrimSuffix(strings.Repeat(row+", ", count), ", ")
			if count == perBatch {
				full = stmt
			}
		}
		if _, err := tx.ExecContext(ctx, stmt, batch...); err != nil {
			return err
		}
		batch = batch[:0]
		if progress != nil {
			progress.Add(count)
		}
		return nil
	}
	values := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, c := range cols {
			v := values[i]
			if n, ok := v.(int64); ok && bools[c] {
				v = n != 0
			}
			batch = append(batch, v)
		}
		if len(batch) == perBatch*len(cols) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	return to.resetIdentity(ctx, tx, table, cols)
}

// booleanColumns names the boolean columns of a PostgreSQL table; SQLite
// keeps booleans as integers.
func (db *DB) booleanColumns(ctx context.Context, tx *sql.Tx, table string) (map[string]bool, error) {
	out := map[string]bool{}
	if db.dialect != postgresDialect {
		return out, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ? AND data_type = 'boolean'`, table)
	if err != nil {
		return nil, err
	}
	names, err := scanStrings(rows)
	for _, n := range names {
		out[n] = true
	}
	return out, err
}

// resetIdentity moves a PostgreSQL identity column past the copied ids.
func (db *DB) resetIdentity(ctx context.Context, tx *sql.Tx, table string, cols []string) error {
	if db.dialect != postgresDialect || len(cols) == 0 || cols[0] != "id" {
		return nil
	}
	var seq sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT pg_get_serial_sequence(?, 'id')`, table).Scan(&seq); err != nil || !seq.Valid {
		return err
	}
	_, err := tx.ExecContext(ctx, `SELECT setval(?, GREATEST((SELECT max(id) FROM `+table+`), 1))`, seq.String)
	return err
}
