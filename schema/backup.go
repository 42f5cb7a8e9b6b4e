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

// Backup writes a consistent copy of the SQLite database to path, which
// must not exist, while the database serves: VACUUM INTO reads one
// snapshot and writes a complete database file without a write-ahead log.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect != sqliteDialect || db.memory {
		return ErrNotSQLite
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("schema: backup: %s exists; give a new file", path)
	}
	if _, err := db.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("schema: backup to %s: %w", path, err)
	}
	if err := os.Chmod(path, sqliteFileMode); err != nil {
		return fmt.Errorf("schema: backup: %w", err)
	}
	return nil
}

// Restore puts the SQLite backup at from in place of the database at to,
// which no server may use meanwhile. The backup must be a sound database
// this binary's migrations cover. An existing database is kept beside,
// as to plus ".before-restore-" and the time, and its write-ahead log
// goes with it; the new file is written in full before it takes the
// name. It returns the name the old database was kept under, if any.
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
	names, err := fs.Glob(migrationFS, sqliteDialect.migrations+"/*.sql")
	if err != nil {
		src.Close()
		return nil, err
	}
	known := map[string]bool{}
	for _, n := range names {
		known[filepath.Base(n)] = true
	}
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

// syncDir makes a rename in dir durable, where the system allows.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
