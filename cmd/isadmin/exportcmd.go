package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/isadmin/isadmin/transfer"
)

const exportHelp = `Usage: isadmin export FILE [--tenant DOMAIN,...] [flags]

Writes every OAuth client (with its secret) and every service provider of the
database to FILE (- for standard output) as a versioned JSON document that
isadmin import --from-file reads back. The same data gives the same bytes:
tenants sorted by domain, clients by consumer key, service providers by name.
The file holds client secrets in clear: it is written with mode 0600.

Flags:
`

func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("isadmin export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	tenants := fs.String("tenant", "", "export only these tenants, `DOMAIN,...`")
	dbf := addDBFlags(fs)
	keyFile := fs.String("secret-key-file", "", "the key file the database's client secrets are sealed with (default <data-dir>/secret.key); env ISADMIN_SECRET_KEY_FILE")
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "isadmin: export: %s\nRun 'isadmin export -h' for usage.\n", fmt.Sprintf(format, a...))
		return errUsage
	}
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, exportHelp)
			writeFlags(stdout, fs)
			return nil
		}
		return usageErr("%v", err)
	}
	if len(positional) != 1 {
		return usageErr("want one FILE")
	}
	var domains []string
	for _, d := range strings.Split(*tenants, ",") {
		if d = strings.TrimSpace(d); d != "" {
			domains = append(domains, d)
		}
	}
	db, err := openTarget(ctx, fs, dbf, *keyFile, getenv, false)
	if err != nil {
		return failure(err)
	}
	defer db.Close()
	file, err := transfer.Export(ctx, db, domains)
	if err != nil {
		return failure(err)
	}
	data, err := file.Marshal()
	if err != nil {
		return failure(err)
	}
	clients, sps := 0, 0
	for _, t := range file.Tenants {
		clients += len(t.Clients)
		sps += len(t.ServiceProviders)
	}
	path := positional[0]
	if path == "-" {
		_, err := stdout.Write(data)
		return failure(err)
	}
	if err := writeFileAtomic(path, data); err != nil {
		return failure(err)
	}
	fmt.Fprintf(stderr, "exported %d OAuth clients and %d service providers of %d tenants to %s\n", clients, sps, len(file.Tenants), path)
	return nil
}

// writeFileAtomic writes data to a new file beside path (mode 0600) and
// renames it to path, so that path is never half written.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
