package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/isadmin/isadmin/schema"
)

// dbFlags are the flags naming a database: --data-dir (its isadmin.db) or
// --database-url, with their ISADMIN_* variables.
type dbFlags struct {
	dataDir, url *string
}

func addDBFlags(fs *flag.FlagSet) dbFlags {
	return dbFlags{
		dataDir: fs.String("data-dir", "data", "directory of the SQLite database (env ISADMIN_DATA_DIR)"),
		url:     fs.String("database-url", "", "PostgreSQL URL instead of --data-dir (env ISADMIN_DATABASE_URL)"),
	}
}

// location resolves the database the flags and variables name.
func (f dbFlags) location(fs *flag.FlagSet, getenv func(string) string) string {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if v, ok := lookup(getenv, "ISADMIN_DATABASE_URL"); ok && !given["database-url"] {
		*f.url = v
	}
	if v, ok := lookup(getenv, "ISADMIN_DATA_DIR"); ok && !given["data-dir"] {
		*f.dataDir = v
	}
	if *f.url != "" {
		return *f.url
	}
	return filepath.Join(*f.dataDir, "isadmin.db")
}

// runBackup writes a consistent copy of the SQLite database to a new file
// while the server runs.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("isadmin backup", flag.ContinueOnError)
	db := addDBFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: isadmin backup [--data-dir DIR] FILE\n\nWrites a consistent copy of the SQLite database to FILE (which must not exist), also while the server runs.\nThe database is read as it is: no migration is applied to it or to the copy.\nPostgreSQL: pg_dump --format=custom --file FILE URL.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	location := db.location(fs, getenv)
	if schema.IsPostgresURL(location) {
		return failure(fmt.Errorf("%w: pg_dump --format=custom --file %s '%s'", schema.ErrNotSQLite, fs.Arg(0), location))
	}
	if _, err := os.Stat(location); err != nil {
		return failure(fmt.Errorf("isadmin backup: no database at %s: %w", location, err))
	}
	// Read as it is, not migrated: a backup changes nothing in the database.
	last, known, err := schema.Backup(ctx, location, fs.Arg(0))
	if err != nil {
		return failure(err)
	}
	if !known {
		fmt.Fprintf(stdout, "the database has migration %s, which this isadmin does not know: restore the backup with the isadmin that migrated it, or a newer one\n", last)
	}
	fmt.Fprintf(stdout, "wrote a backup of %s (schema at migration %s) to %s\n", location, last, fs.Arg(0))
	return nil
}

// runRestore puts a backup in place of the SQLite database of a stopped
// server.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("isadmin restore", flag.ContinueOnError)
	db := addDBFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: isadmin restore [--data-dir DIR] FILE\n\nPuts the backup FILE in place of the SQLite database; stop the server first (restore refuses while one runs on DIR).\nThe database it replaces is kept beside it (isadmin.db.before-restore-TIME).\nPostgreSQL: pg_restore --clean --if-exists --dbname URL FILE.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	location := db.location(fs, getenv)
	if schema.IsPostgresURL(location) {
		return failure(fmt.Errorf("%w: pg_restore --clean --if-exists --dbname '%s' %s", schema.ErrNotSQLite, location, fs.Arg(0)))
	}
	if err := os.MkdirAll(filepath.Dir(location), dataDirMode); err != nil {
		return failure(err)
	}
	// The lock a server holds on the data directory: a restore under a
	// running server would be lost to it.
	dir := filepath.Dir(location)
	lock, err := lockDataDir(dir)
	if errors.Is(err, errDataDirLocked) {
		return failure(fmt.Errorf("isadmin restore: a server is running on %s: stop it before restoring", dir))
	}
	if err != nil {
		return failure(fmt.Errorf("isadmin restore: %s: %w", dir, err))
	}
	defer lock.release()
	kept, err := schema.Restore(ctx, fs.Arg(0), location, time.Now())
	if err != nil {
		return failure(err)
	}
	if kept != "" {
		fmt.Fprintf(stdout, "kept the database it replaced as %s\n", kept)
	}
	fmt.Fprintf(stdout, "restored %s from %s\n", location, fs.Arg(0))
	return nil
}
