// Command isadmin answers WSO2 Identity Server's SOAP admin services.
//
// Usage:
//
//	isadmin serve [flags]
//
// Every flag has an ISADMIN_* environment variable; flags win.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if err != errUsage {
			fmt.Fprintln(os.Stderr, "isadmin:", err)
		}
		os.Exit(exitCode(err))
	}
}

var errUsage = errors.New("usage")

const usage = `isadmin answers WSO2 Identity Server's SOAP admin services.

Usage:
  isadmin serve [flags]    run the server (isadmin serve -h lists the flags)
  isadmin tenant COMMAND   add, list, disable and enable tenants (isadmin tenant -h)
  isadmin user COMMAND     add, list and delete users, set passwords (isadmin user -h)
  isadmin role COMMAND     add roles, grant and revoke permissions, assign roles (isadmin role -h)
  isadmin client COMMAND   list, show, create and delete OAuth clients (isadmin client -h)
  isadmin sp COMMAND       list, show and delete service providers (isadmin sp -h)
  isadmin import --from URL | --from-file FILE
                           copy OAuth clients and service providers from a WSO2 IS or an export (isadmin import -h)
  isadmin export FILE      write the OAuth clients and service providers to a JSON file import reads
  isadmin migrate          apply the database migrations and exit
  isadmin backup FILE      write a consistent copy of the SQLite database, also while serving
  isadmin restore FILE     put a backup in place of the SQLite database (server stopped)
  isadmin copy --from data/isadmin.db --to postgres://...
                           move a deployment from SQLite to PostgreSQL
  isadmin secret-key add   put a new key first in the key file of the client secrets
  isadmin rewrap           seal every stored client secret again under the first key
  isadmin bench --url URL  load-test a server, SQLite commits or cold starts (isadmin bench -h)
  isadmin profiles         list the wire profiles: IS releases, API Manager releases, differences
  isadmin version          print the version, commit, Go version and wire profiles
  isadmin health [--url U] ask a server's /health/ready (exit status 0 when ready)
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		m := NewMain()
		m.Stdout, m.Stderr = stdout, stderr
		if err := m.ParseFlags(args[1:], getenv); err != nil {
			if errors.Is(err, errHelp) {
				return nil
			}
			if errors.Is(err, errUsage) {
				return err
			}
			return &usageError{err}
		}
		if err := m.Run(ctx); err != nil {
			m.Close(context.Background())
			return err
		}
		// SIGHUP reads the configuration and the TLS certificate again
		// instead of ending the process (Main.Reload, which logs what it
		// applied or why it applied nothing).
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
	wait:
		for {
			select {
			case <-hup:
				m.Reload()
			case <-ctx.Done():
				break wait
			}
		}
		shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return m.Close(shutdown)
	case "tenant", "user", "role", "client", "sp":
		return runManage(ctx, args, getenv, stdout, stderr)
	case "import":
		return runImport(ctx, args[1:], getenv, stdout, stderr)
	case "export":
		return runExport(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], getenv, stdout, stderr)
	case "restore":
		return runRestore(ctx, args[1:], getenv, stdout, stderr)
	case "copy":
		return runCopy(ctx, args[1:], stdout, stderr)
	case "secret-key":
		return runSecretKey(args[1:], getenv, stdout, stderr)
	case "rewrap":
		return runRewrap(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "profiles":
		return runProfiles(args[1:], stdout, stderr)
	case "version", "--version":
		return runVersion(args[1:], stdout, stderr)
	case "health":
		return runHealth(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		if len(args) > 1 && args[0] == "help" {
			// isadmin help COMMAND is isadmin COMMAND -h.
			return run(ctx, []string{args[1], "-h"}, getenv, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "isadmin: unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
}
