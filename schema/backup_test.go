package schema_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
)

// TestBackupAsItIs: Backup copies a database an older isadmin migrated
// without migrating it or its copy, and one a newer isadmin migrated as it
// is, saying that this binary does not know its schema.
func TestBackupAsItIs(t *testing.T) {
	ctx := context.Background()
	location := filepath.Join(t.TempDir(), "isadmin.db")
	raw, err := schema.OpenThrough(ctx, location, "0003_service_providers.sql")
	if err != nil {
		t.Fatal(err)
	}
	raw.Close()
	want := schematest.RecordedMigrations(t, location)
	backup := filepath.Join(t.TempDir(), "backup.db")
	last, known, err := schema.Backup(ctx, location, backup)
	if err != nil || last != "0003_service_providers.sql" || !known {
		t.Fatalf("Backup = %q, %v, %v", last, known, err)
	}
	if got := schematest.RecordedMigrations(t, location); !slices.Equal(got, want) {
		t.Errorf("the database records %v after the backup, want %v", got, want)
	}
	if got := schematest.RecordedMigrations(t, backup); !slices.Equal(got, want) {
		t.Errorf("the backup records %v, want %v", got, want)
	}
	if _, _, err := schema.Backup(ctx, location, backup); err == nil {
		t.Error("a backup over an existing file")
	}

	raw, err = sql.Open("sqlite", location)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES ('9999_from_the_future.sql', '2030-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	newer := filepath.Join(t.TempDir(), "newer.db")
	if last, known, err := schema.Backup(ctx, location, newer); err != nil || last != "9999_from_the_future.sql" || known {
		t.Errorf("Backup of a newer database = %q, %v, %v", last, known, err)
	}
	if got := schematest.RecordedMigrations(t, newer); len(got) != len(want)+1 {
		t.Errorf("the backup of a newer database records %v", got)
	}
}

// TestOpenCreated: Created is set for a database Open made, and for a
// file that records no migration (empty, or with no table), not for one
// that does.
func TestOpenCreated(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		make func(t *testing.T, path string)
	}{
		{"absent", func(*testing.T, string) {}},
		{"empty file", func(t *testing.T, path string) { os.WriteFile(path, nil, 0o600) }},
		{"no table", func(t *testing.T, path string) {
			db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`PRAGMA user_version = 1`); err != nil {
				t.Fatal(err)
			}
			db.Close()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			location := filepath.Join(t.TempDir(), "isadmin.db")
			tc.make(t, location)
			db, err := schema.Open(ctx, location)
			if err != nil {
				t.Fatal(err)
			}
			created := db.Created
			db.Close()
			if !created {
				t.Error("Created is false")
			}
			db, err = schema.Open(ctx, location)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if db.Created {
				t.Error("Created is true on the second open")
			}
		})
	}
}
