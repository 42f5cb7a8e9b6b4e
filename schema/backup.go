package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrOrphanLog reports an SQLite database file that is missing beside its
// write-ahead log: what copying the .db file of a running server, or
// losing it, leaves. A new empty database there would hide that.
var ErrOrphanLog = errors.New("schema: the database file is missing but its write-ahead log is there")

// ErrNotSQLite reports a backup or restore asked of a PostgreSQL database,
// which pg_dump and pg_restore do.
var ErrNotSQLite = errors.New("schema: backup and restore copy SQLite files; back PostgreSQL up with pg_dump")

// checkOrphanLog refuses to create path when its -wal or -shm file exists.
func checkOrphanLog(path string) error {
	if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			return fmt.Errorf("%w: %s is missing, %s%s is not; restore the whole set, or a backup (isadmin restore), instead of starting on an empty database", ErrOrphanLog, path, path, suffix)
		}
	}
	return nil
}

// Backup writes a consistent copy of the SQLite database at from to the
// new file to (which must not exist), also while a server writes to it. It
// changes nothing in the database: it opens it read-only and applies no
// migration, so that the copy is the database as it is, whichever isadmin
// migrated it. VACUUM INTO reads one snapshot and writes a complete
// database file without a write-ahead log. Backup returns the last
// migration the database records, and whether this binary knows every
// migration it records: false for a database a newer isadmin migrated,
// whose copy only that isadmin (or a later one) can restore.
func Backup(ctx context.Context, from, to string) (last string, known bool, err error) {
	if IsPostgresURL(from) || IsPostgresURL(to) || from == ":memory:" {
		return "", false, ErrNotSQLite
	}
	src, err := openReadOnly(from)
	if err != nil {
		return "", false, fmt.Errorf("schema: backup: %w", err)
	}
	defer src.Close()
	versions, err := recordedMigrations(ctx, src)
	if err != nil {
		return "", false, fmt.Errorf("schema: backup: %s: %w", from, err)
	}
	if len(versions) == 0 {
		return "", false, fmt.Errorf("schema: backup: %s records no migrations: it is no isadmin database, or its tables are in a write-ahead log (%s-wal) that is not beside it", from, from)
	}
	known, ours := true, knownMigrations()
	for _, v := range versions {
		known = known && ours[v]
	}
	// Made first, with its mode and by this process alone: VACUUM INTO
	// fills an empty file.
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, sqliteFileMode)
	if errors.Is(err, fs.ErrExist) {
		return "", false, fmt.Errorf("schema: backup: %s exists; give a new file", to)
	}
	if err != nil {
		return "", false, fmt.Errorf("schema: backup: %w", err)
	}
	f.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, to); err != nil {
		os.Remove(to)
		return "", false, fmt.Errorf("schema: backup to %s: %w", to, err)
	}
	if err := syncFile(to); err != nil {
		return "", false, fmt.Errorf("schema: backup: %w", err)
	}
	syncDir(filepath.Dir(to))
	return versions[len(versions)-1], known, nil
}

// openReadOnly opens the SQLite database at path for reading only: it
// writes nothing to the database file, creates none, and runs no
// migration.
func openReadOnly(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	if strings.ContainsAny(path, "?#") {
		return nil, errors.New("database path must not contain '?' or '#'")
	}
	return sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
}

// recordedMigrations lists the migrations schema_migrations records, in
// order; none when the table is missing.
func recordedMigrations(ctx context.Context, db *sql.DB) ([]string, error) {
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&tables); err != nil {
		return nil, fmt.Errorf("no sound SQLite database: %w", err)
	}
	if tables == 0 {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

// knownMigrations are the names of this binary's SQLite migrations.
func knownMigrations() map[string]bool {
	names, _ := fs.Glob(migrationFS, sqliteDialect.migrations+"/*.sql")
	known := map[string]bool{}
	for _, n := range names {
		known[filepath.Base(n)] = true
	}
	return known
}

// syncFile makes the content of the file at path durable.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Restore puts the SQLite backup at from in place of the database at to,
// which no server may use meanwhile. The backup must be a sound database
// this binary's migrations cover. An existing database is kept beside,
// as to plus ".before-restore-" and the time, and its write-ahead log
// goes with it; the new file is written in full before it takes the
// name. Run as root, Restore gives the new file the owner and group of
// the database it replaces, or of the directory when there is none, so
// that the server's own user can open it (SQLite gives the -wal and -shm
// files it makes later the owner of the database file). It returns the
// name the old database was kept under, if any.
func Restore(ctx context.Context, from, to string, now time.Time) (kept string, err error) {
	if IsPostgresURL(from) || IsPostgresURL(to) {
		return "", ErrNotSQLite
	}
	src, err := openBackup(ctx, from)
	if err != nil {
		return "", err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(to), filepath.Base(to)+".restore-*")
	if err != nil {
		return "", fmt.Errorf("schema: restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	in, err := os.Open(from)
	if err != nil {
		tmp.Close()
		return "", fmt.Errorf("schema: restore: %w", err)
	}
	_, err = io.Copy(tmp, in)
	in.Close()
	if err == nil {
		err = tmp.Chmod(sqliteFileMode)
	}
	if err == nil {
		err = takeOwner(tmp, to)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("schema: restore: %w", err)
	}
	if _, err := os.Stat(to); err == nil {
		kept = to + ".before-restore-" + now.UTC().Format("20060102T150405Z")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(to+suffix, kept+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("schema: restore: keeping the old database: %w", err)
			}
		}
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(to + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return kept, fmt.Errorf("schema: restore: %w", err)
		}
	}
	if err := os.Rename(tmp.Name(), to); err != nil {
		return kept, fmt.Errorf("schema: restore: %w", err)
	}
	syncDir(filepath.Dir(to))
	return kept, nil
}

// openBackup opens a backup read-only and checks it: a sound SQLite
// database whose recorded migrations this binary has.
func openBackup(ctx context.Context, path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("schema: restore: %w", err)
	}
	src, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, fmt.Errorf("schema: restore: %w", err)
	}
	var report string
	if err := src.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&report); err != nil || report != "ok" {
		src.Close()
		if err == nil {
			err = errors.New(report)
		}
		return nil, fmt.Errorf("schema: restore: %s is no sound SQLite database: %w", path, err)
	}
	known := knownMigrations()
	rows, err := src.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("schema: restore: %s is no isadmin database: %w", path, err)
	}
	versions, err := scanStrings(rows)
	if err != nil {
		src.Close()
		return nil, err
	}
	for _, v := range versions {
		if !known[v] {
			src.Close()
			return nil, fmt.Errorf("%w: the backup has migration %s", ErrNewerSchema, v)
		}
	}
	if len(versions) == 0 || !strings.HasSuffix(versions[0], ".sql") {
		src.Close()
		return nil, fmt.Errorf("schema: restore: %s records no migrations", path)
	}
	return src, nil
}

// takeOwner gives f, a new file that is to replace the database at path,
// the owner and group of that database, or of its directory when there is
// none. Only root can give a file away; for any other user the file is
// already the user's, and nothing is done.
func takeOwner(f *os.File, path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	uid, gid, ok := ownerOf(path)
	if !ok {
		if uid, gid, ok = ownerOf(filepath.Dir(path)); !ok {
			return nil
		}
	}
	return f.Chown(uid, gid)
}

// syncDir makes a rename in dir durable, where the system allows.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
