// Command seed fills an isadmin SQLite database quickly for the benchmark:
// it copies one row that the server created (through its SOAP or store API)
// many times in one transaction, changing only the columns that must be
// unique. Copying a real row keeps every other column as the server writes
// it; reading the column list from the table keeps the copy in step with
// the migrations. Run it while the server is stopped.
//
// Usage:
//
//	seed oauth --db data/isadmin.db --template-key KEY --count N [--owned M] [--prefix P] [--secret-key-file FILE]
//	seed store --db data/isadmin.db --template-uuid UUID --count N [--prefix P] --out FILE
//
// oauth copies the OAuth client with consumer key KEY N times, with consumer
// key and application name P0, P1, ...; the first M copies keep the
// template's owner, the others belong to 100 made-up owners. Each copy's
// secret is the template's, sealed again for the copy's row with the key
// file (--secret-key-file, default secret.key beside the database). store copies
// the store application UUID N times, named P0, P1, ..., with fresh UUIDs,
// and writes "UUID P<i>" lines to FILE.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite"

	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/sealed"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 || (args[0] != "oauth" && args[0] != "store") {
		return errors.New("usage: seed oauth|store --db FILE ... (see the package comment)")
	}
	fs := flag.NewFlagSet("seed "+args[0], flag.ContinueOnError)
	dbPath := fs.String("db", "", "the server's SQLite database")
	templateKey := fs.String("template-key", "", "oauth: consumer key of the row to copy")
	templateUUID := fs.String("template-uuid", "", "store: UUID of the application to copy")
	count := fs.Int("count", 0, "copies to insert")
	owned := fs.Int("owned", -1, "oauth: copies that keep the template's owner (default: all)")
	prefix := fs.String("prefix", "seed-", "prefix of the unique keys and names")
	out := fs.String("out", "", "store: file of \"UUID name\" lines")
	keyFile := fs.String("secret-key-file", "", "oauth: the server's secret key file (default: secret.key beside --db)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *dbPath == "" || *count <= 0 {
		return errors.New("--db and a positive --count are required")
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", *dbPath+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_txlock=immediate")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	start := time.Now()
	switch args[0] {
	case "oauth":
		if *templateKey == "" {
			return errors.New("--template-key is required")
		}
		if *owned < 0 || *owned > *count {
			*owned = *count
		}
		if *keyFile == "" {
			*keyFile = filepath.Join(filepath.Dir(*dbPath), "secret.key")
		}
		keys, err := sealed.ReadKeyFile(*keyFile)
		if err != nil {
			return err
		}
		var owner, stored string
		if err := db.QueryRowContext(ctx, `SELECT owner, consumer_secret FROM oauth_apps WHERE consumer_key = ?`, *templateKey).Scan(&owner, &stored); err != nil {
			return fmt.Errorf("template %q: %w", *templateKey, err)
		}
		secret, err := keys.Open(stored, schema.ClientSecretBinding(*templateKey))
		if err != nil {
			return fmt.Errorf("template %q: %w", *templateKey, err)
		}
		err = copyRows(ctx, db, "oauth_apps", "consumer_key", *templateKey, []string{"consumer_key", "name", "owner", "consumer_secret"}, *count,
			func(i int) []any {
				o := owner
				if i >= *owned {
					o = "seed-owner-" + strconv.Itoa(i%100)
				}
				key := *prefix + strconv.Itoa(i)
				return []any{key, key, o, keys.Seal(secret, schema.ClientSecretBinding(key))}
			})
	case "store":
		if *templateUUID == "" || *out == "" {
			return errors.New("--template-uuid and --out are required")
		}
		var lines strings.Builder
		err = copyRows(ctx, db, "store_applications", "uuid", *templateUUID, []string{"uuid", "name"}, *count,
			func(i int) []any {
				id, name := newUUID(), *prefix+strconv.Itoa(i)
				fmt.Fprintf(&lines, "%s %s\n", id, name)
				return []any{id, name}
			})
		if err == nil {
			err = os.WriteFile(*out, []byte(lines.String()), 0o644)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "seed %s: %d rows in %v\n", args[0], *count, time.Since(start).Round(time.Millisecond))
	return nil
}

// copyRows inserts count copies of the row of table where keyColumn = key,
// in one transaction; set gives the values of the columns changed in copy i.
// The integer primary key "id" is left to the database.
func copyRows(ctx context.Context, db *sql.DB, table, keyColumn, key string, changed []string, count int, set func(i int) []any) error {
	rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return err
	}
	var cols, exprs []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		if name == "id" {
			continue
		}
		cols = append(cols, name)
		expr := name
		for j, c := range changed {
			if c == name {
				expr = "?" + strconv.Itoa(j+1)
			}
		}
		exprs = append(exprs, expr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(cols) == 0 {
		return fmt.Errorf("no table %s", table)
	}
	// The template is found once; each copy reads it by its row id, as
	// the key column need not be indexed on its own.
	var id int64
	if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT id FROM %s WHERE %s = ?`, table, keyColumn), key).Scan(&id); err != nil {
		return fmt.Errorf("template %s %q: %w", keyColumn, key, err)
	}
	query := fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s WHERE id = ?%d`,
		table, strings.Join(cols, ", "), strings.Join(exprs, ", "), table, len(changed)+1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	defer stmt.Close()
	for i := range count {
		res, err := stmt.ExecContext(ctx, append(set(i), id)...)
		if err != nil {
			return fmt.Errorf("copy %d: %w", i, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("copy %d: template %s %q not found", i, keyColumn, key)
		}
	}
	return tx.Commit()
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
