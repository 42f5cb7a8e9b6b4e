package schema_test

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
)

// TestListingPlans checks that every listing reads through an index led by
// its filter, so that its cost follows the size of its answer: a listing of
// one owner's 1,000 clients must not walk a tenant of 1,000,000. On
// PostgreSQL sequential scans are priced out for the check, since the
// planner rightly prefers them on an almost empty table.
func TestListingPlans(t *testing.T) {
	ctx := context.Background()
	db := schematest.Open(t, schematest.Location(t, t.TempDir()))
	for _, l := range schema.Listings(db) {
		t.Run(l.Name, func(t *testing.T) {
			plan := explain(t, ctx, db, l.Query, l.Args)
			table := regexp.MustCompile(`(?i)FROM\s+(\w+)`).FindStringSubmatch(l.Query)[1]
			if l.Walks != "" && strings.Contains(plan, l.Walks) {
				t.Fatalf("plan walks %s:\n%s", l.Walks, plan)
			}
			if schema.IsPostgres(db) {
				if strings.Contains(plan, "Seq Scan on "+table) || !strings.Contains(plan, "Index") {
					t.Fatalf("plan reads all of %s:\n%s", table, plan)
				}
				if l.Index != "" && !strings.Contains(plan, " "+l.Index) {
					t.Fatalf("plan does not use %s:\n%s", l.Index, plan)
				}
				return
			}
			if regexp.MustCompile(`SCAN `+table+`\b`).MatchString(plan) && !strings.Contains(plan, "SCAN "+table+" USING") {
				t.Fatalf("plan reads all of %s:\n%s", table, plan)
			}
			want := "SEARCH " + table + " USING "
			if l.Index != "" {
				want = "USING INDEX " + l.Index
			}
			if !strings.Contains(plan, want) {
				t.Fatalf("plan lacks %q:\n%s", want, plan)
			}
		})
	}
}

// explain returns the query's plan, one step per line.
func explain(t *testing.T, ctx context.Context, db *schema.DB, query string, args []any) string {
	t.Helper()
	sqlDB := schema.SQLDB(db)
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	prefix := "EXPLAIN QUERY PLAN "
	if schema.IsPostgres(db) {
		prefix = "EXPLAIN "
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := tx.QueryContext(ctx, prefix+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		// SQLite: id, parent, notused, detail; PostgreSQL: one text column.
		lines = append(lines, vals[len(vals)-1].String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
