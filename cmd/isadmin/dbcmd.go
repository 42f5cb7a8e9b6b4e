package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mattn/go-isatty"

	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/transfer"
)

// runMigrate applies the migrations to the configured database and exits:
// isadmin migrate [--data-dir DIR | --database-url URL].
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("isadmin migrate", flag.ContinueOnError)
	dbf := addDBFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: isadmin migrate [--data-dir DIR | --database-url URL]\n\nApplies the database migrations and exits.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "isadmin migrate: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	location := dbf.location(fs, getenv)
	switch {
	case *dbf.url != "" && !schema.IsPostgresURL(location):
		fmt.Fprintln(stderr, "isadmin migrate: --database-url must be a postgres:// URL")
		return errUsage
	case *dbf.url == "":
		if err := os.MkdirAll(filepath.Dir(location), dataDirMode); err != nil {
			return failure(err)
		}
	}
	db, err := schema.Open(ctx, location)
	if err != nil {
		return failure(err)
	}
	defer db.Close()
	tables, err := db.Tables(ctx)
	if err != nil {
		return failure(err)
	}
	fmt.Fprintf(stdout, "migrated: %d tables\n", len(tables))
	return nil
}

// runCopy moves a deployment from the embedded database to PostgreSQL:
// isadmin copy --from PATH --to URL.
func runCopy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("isadmin copy", flag.ContinueOnError)
	from := fs.String("from", "", "SQLite database file to copy (e.g. data/isadmin.db)")
	to := fs.String("to", "", "PostgreSQL URL to copy into; its tables must be empty")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: isadmin copy --from data/isadmin.db --to postgres://user@host/db\n\nCopies every row into a fresh PostgreSQL database, in one transaction.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "isadmin copy: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	case *from == "" || *to == "":
		fmt.Fprintln(stderr, "isadmin copy: --from and --to are required")
		return errUsage
	case schema.IsPostgresURL(*from) || !schema.IsPostgresURL(*to):
		fmt.Fprintln(stderr, "isadmin copy: --from is an SQLite file, --to a postgres:// URL")
		return errUsage
	}
	if _, err := os.Stat(*from); err != nil {
		return failure(fmt.Errorf("--from: %w", err))
	}
	src, err := schema.Open(ctx, *from)
	if err != nil {
		return failure(err)
	}
	defer src.Close()
	dst, err := schema.Open(ctx, *to)
	if err != nil {
		return failure(err)
	}
	defer dst.Close()
	var progress schema.CopyProgress = &transfer.Lines{W: stderr}
	if f, ok := stderr.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		progress = &transfer.Bar{W: stderr}
	}
	if err := schema.Copy(ctx, src, dst, progress); err != nil {
		return failure(err)
	}
	tables, _ := src.Tables(ctx)
	fmt.Fprintf(stdout, "copied %d tables\n", len(tables))
	return nil
}
