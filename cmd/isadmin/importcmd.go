package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/sealed"
	"github.com/isadmin/isadmin/transfer"
	"github.com/isadmin/isadmin/wsdl"
)

// The import command: a transfer.Source (a running Identity Server over
// SOAP, or an export file) into the configured database.

const importPasswordEnv = "ISADMIN_IMPORT_PASSWORD"

const importHelp = `Usage: isadmin import --from URL --user USER [--password-file FILE] [flags]
       isadmin import --from-file FILE [flags]

Copies every OAuth client (key, secret, grant types, callback and every other
field) and every service provider (with its inbound configuration and the
clients it links) into the database of --data-dir or --database-url, keeping
keys and secrets as they are. Run again, it creates what is new, updates what
changed (or keeps it, --no-update) and reports the rest unchanged. Each client
and each service provider is written whole or not at all.

--from reads a running WSO2 Identity Server (or isadmin) over its SOAP admin
services, in the wire profile --profile names or the one its WSDL matches.
--from-file reads a file of isadmin export.

Flags:
`

const importHelpTail = `
Tenants: --user's tenant by default. --tenant a.com,b.org reads those, each
with the credentials --credentials gives for it, else as USER@DOMAIN with
--user's password. --all-tenants reads --user's tenant and every tenant
--credentials names. The credentials file has a line USER@DOMAIN:PASSWORD per
user (# starts a comment); each user's own clients are read, the first of a
tenant reads its service providers. With --from-file, every tenant of the
file unless --tenant names some.

The password of --user comes from --password-file, or from the variable
ISADMIN_IMPORT_PASSWORD.

Exit status: 0 when every item was imported (or unchanged), 1 when any failed
or could not be read (the summary lists each with its reason), 2 for a
command line it cannot take.
`

type importFlags struct {
	from, fromFile, user, passwordFile, profile, tenants, credentials string
	allTenants, createTenants, dryRun, noUpdate, verbose, insecureTLS bool
	createDatabase                                                    bool
	cacert, progress                                                  string
	timeout, retryWait                                                time.Duration
	retries                                                           int
	db                                                                dbFlags
	secretKeyFile                                                     string
}

func importFlagSet(f *importFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("isadmin import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&f.from, "from", "", "base `URL` of the server to read, e.g. https://is.example.com:9443")
	fs.StringVar(&f.fromFile, "from-file", "", "read the export `FILE` instead (- for standard input)")
	fs.StringVar(&f.user, "user", "", "`USER` to read with (USER@DOMAIN for a tenant's admin)")
	fs.StringVar(&f.passwordFile, "password-file", "", "read --user's password from the first line of `FILE`")
	fs.StringVar(&f.profile, "profile", "", "wire `PROFILE` of the server (is-5.0 ... is-7.3); default: the one its WSDL matches")
	fs.StringVar(&f.tenants, "tenant", "", "read these tenants, `DOMAIN,...`")
	fs.BoolVar(&f.allTenants, "all-tenants", false, "read --user's tenant and every tenant --credentials names (with --from-file: every tenant of the file)")
	fs.StringVar(&f.credentials, "credentials", "", "`FILE` of USER@DOMAIN:PASSWORD lines, the users to read each tenant with (and to make it with, --create-tenants)")
	fs.BoolVar(&f.createTenants, "create-tenants", false, "make a tenant the database lacks, with the first of its credentials as its admin")
	fs.BoolVar(&f.createDatabase, "create-database", false, "make the database (and its secret key file) when there is none, as the server's first start does: a fixture loads in one step")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print what would change, write nothing")
	fs.BoolVar(&f.noUpdate, "no-update", false, "keep items the database has with other values as they are")
	fs.BoolVar(&f.verbose, "verbose", false, "print every item created, updated or kept")
	fs.BoolVar(&f.insecureTLS, "insecure-tls", false, "do not verify the server's certificate")
	fs.StringVar(&f.cacert, "cacert", "", "trust the PEM certificates in `FILE` for the server")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "bound each call to the server")
	fs.IntVar(&f.retries, "retries", 4, "tries again a call that failed transiently (network, timeout, HTTP 429/5xx) this many times, with backoff")
	fs.DurationVar(&f.retryWait, "retry-wait", 500*time.Millisecond, "wait this long before the first retry; each further wait doubles, up to 10s")
	fs.StringVar(&f.progress, "progress", "auto", "bar, lines or none; auto: a bar on a terminal, lines otherwise")
	f.db = addDBFlags(fs)
	fs.StringVar(&f.secretKeyFile, "secret-key-file", "", "the key file the database's client secrets are sealed with (default <data-dir>/secret.key); env ISADMIN_SECRET_KEY_FILE")
	return fs
}

func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var f importFlags
	fs := importFlagSet(&f)
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "isadmin: import: %s\nRun 'isadmin import -h' for usage.\n", fmt.Sprintf(format, a...))
		return errUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, importHelp)
			writeFlags(stdout, fs)
			fmt.Fprint(stdout, importHelpTail)
			return nil
		}
		return usageErr("%v", err)
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected argument %q", fs.Arg(0))
	case (f.from == "") == (f.fromFile == ""):
		return usageErr("give one of --from URL and --from-file FILE")
	case f.tenants != "" && f.allTenants:
		return usageErr("--tenant and --all-tenants exclude each other")
	case f.retries < 0:
		return usageErr("--retries must not be negative")
	case f.timeout <= 0:
		return usageErr("--timeout must be positive")
	case f.retryWait <= 0:
		return usageErr("--retry-wait must be positive")
	}
	var tenants []string
	if f.tenants != "" {
		for _, t := range strings.Split(f.tenants, ",") {
			if t = strings.TrimSpace(t); t != "" {
				tenants = append(tenants, t)
			}
		}
	}
	creds := map[string][]transfer.Credential{}
	var credOrder []string
	if f.credentials != "" {
		var err error
		if creds, credOrder, err = readCredentials(f.credentials); err != nil {
			return usageErr("--credentials: %v", err)
		}
	}

	// The source.
	var src transfer.Source
	if f.fromFile != "" {
		if f.user != "" || f.profile != "" {
			return usageErr("--user and --profile go with --from, not --from-file")
		}
		in := io.Reader(cliStdin)
		if f.fromFile != "-" {
			fh, err := os.Open(f.fromFile)
			if err != nil {
				return failure(err)
			}
			defer fh.Close()
			in = fh
		}
		file, err := transfer.ReadFile(in)
		if err != nil {
			return failure(fmt.Errorf("%s: %w", f.fromFile, err))
		}
		if len(tenants) > 0 {
			have := map[string]*transfer.FileTenant{}
			for _, t := range file.Tenants {
				have[t.Domain] = t
			}
			var picked []*transfer.FileTenant
			for _, d := range tenants {
				if have[d] == nil {
					return failure(fmt.Errorf("%s has no tenant %s", f.fromFile, d))
				}
				picked = append(picked, have[d])
			}
			file.Tenants = picked
		}
		src = &transfer.FileSource{File: file}
	} else {
		if !strings.HasPrefix(f.from, "http://") && !strings.HasPrefix(f.from, "https://") {
			return usageErr("--from must be an http:// or https:// URL")
		}
		if f.user == "" && len(creds) == 0 {
			return usageErr("give --user (and its password) or --credentials")
		}
		password := ""
		if f.user != "" {
			var err error
			if password, err = readImportPassword(f.passwordFile, getenv); err != nil {
				if errors.Is(err, errNoImportPassword) {
					return usageErr("%v", err)
				}
				return failure(err)
			}
		}
		userName, userDomain := admin.SplitUsername(f.user)
		order := []string{}
		add := func(domain string) error {
			for _, d := range order {
				if d == domain {
					return nil
				}
			}
			if len(creds[domain]) == 0 {
				if f.user == "" {
					return fmt.Errorf("no credentials for tenant %s: name it in --credentials", domain)
				}
				u := userName + "@" + domain
				if domain == admin.SuperTenantDomain {
					u = userName
				}
				creds[domain] = []transfer.Credential{{Username: u, Password: password}}
			}
			order = append(order, domain)
			return nil
		}
		if f.user != "" && len(creds[userDomain]) == 0 {
			creds[userDomain] = []transfer.Credential{{Username: f.user, Password: password}}
		} else if f.user != "" {
			creds[userDomain] = append([]transfer.Credential{{Username: f.user, Password: password}}, creds[userDomain]...)
		}
		switch {
		case len(tenants) > 0:
			for _, d := range tenants {
				if err := add(d); err != nil {
					return usageErr("%v", err)
				}
			}
		case f.allTenants:
			if f.user != "" {
				add(userDomain)
			}
			for _, d := range credOrder {
				add(d)
			}
		case f.user != "":
			add(userDomain)
		default:
			add(credOrder[0])
		}
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: f.insecureTLS}
		if f.cacert != "" {
			pem, err := os.ReadFile(f.cacert)
			if err != nil {
				return failure(fmt.Errorf("--cacert: %w", err))
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return failure(fmt.Errorf("--cacert %s: no PEM certificate in it", f.cacert))
			}
			transport.TLSClientConfig.RootCAs = pool
		}
		client := &http.Client{Timeout: f.timeout, Transport: transport}
		profileName := f.profile
		if profileName == "" {
			det, err := transfer.Detect(ctx, client, f.from, transfer.Retry{Attempts: f.retries + 1, Backoff: f.retryWait})
			if err != nil {
				return failure(fmt.Errorf("detecting the release of %s (or give --profile): %w", f.from, err))
			}
			profileName = det.Profile
			fmt.Fprintf(stderr, "source %s: profile %s, from its WSDL\n", f.from, det)
			if !det.Exact {
				fmt.Fprintf(stderr, "warning: no profile has exactly the WSDLs of %s; reading it as %s (give --profile to choose)\n", f.from, det.Profile)
			}
		}
		profile, err := wsdl.Load(profileName)
		if err != nil {
			return usageErr("--profile: %v", err)
		}
		src = &transfer.SOAPSource{URL: strings.TrimSuffix(f.from, "/"), Profile: profile, HTTP: client,
			Credentials: creds, Order: order, Retry: transfer.Retry{Attempts: f.retries + 1, Backoff: f.retryWait}}
	}

	// The sink.
	db, err := openTarget(ctx, fs, f.db, f.secretKeyFile, getenv, f.createDatabase && !f.dryRun)
	if err != nil {
		return failure(err)
	}
	defer db.Close()
	sink := &transfer.Sink{DB: db, DryRun: f.dryRun, NoUpdate: f.noUpdate}
	if f.createTenants {
		id := &admin.Identity{Store: db, HashCost: cliHashCost}
		sink.CreateTenant = func(ctx context.Context, domain string, dryRun bool) error {
			c := creds[domain]
			if len(c) == 0 {
				return fmt.Errorf("no admin for it: name one in --credentials")
			}
			if dryRun {
				return nil
			}
			name, _ := admin.SplitUsername(c[0].Username)
			_, err := id.AddTenant(ctx, domain, name, c[0].Password)
			return err
		}
	}

	var progress transfer.Progress
	switch f.progress {
	case "auto":
		if fh, ok := stderr.(*os.File); ok && (isatty.IsTerminal(fh.Fd()) || isatty.IsCygwinTerminal(fh.Fd())) {
			progress = &transfer.Bar{W: stderr}
		} else {
			progress = &transfer.Lines{W: stderr}
		}
	case "bar":
		progress = &transfer.Bar{W: stderr}
	case "lines":
		progress = &transfer.Lines{W: stderr}
	case "none":
		progress = transfer.NoProgress{}
	default:
		return usageErr("--progress: want auto, bar, lines or none, got %q", f.progress)
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	// What changed (or would), listed in order once the import is done:
	// items are written several at a time.
	var changed []transfer.Result
	each := func(r transfer.Result) {
		if r.Outcome != transfer.Unchanged && r.Outcome != transfer.Failed && (f.dryRun || f.verbose) {
			changed = append(changed, r)
		}
	}
	sum, err := transfer.Import(ctx, src, sink, progress, each)
	transfer.SortResults(changed)
	for _, r := range changed {
		fmt.Fprintln(out, r.String())
	}
	sum.Write(out, f.dryRun)
	if err != nil {
		return failure(err)
	}
	if sum.Failed() {
		return failure(fmt.Errorf("import: %d items failed", len(sum.Failures)))
	}
	return nil
}

var errNoImportPassword = errors.New("no password for --user: use --password-file FILE, or set " + importPasswordEnv)

func readImportPassword(file string, getenv func(string) string) (string, error) {
	if file != "" {
		return readPassword(file, false, func(string) string { return "" })
	}
	if p, ok := lookup(getenv, importPasswordEnv); ok {
		return p, nil
	}
	return "", errNoImportPassword
}

// readCredentials reads USER@DOMAIN:PASSWORD lines; a USER without
// @DOMAIN is of the super tenant.
func readCredentials(path string) (map[string][]transfer.Credential, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	out := map[string][]transfer.Credential{}
	var order []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		user, password, ok := strings.Cut(line, ":")
		user = strings.TrimSpace(user)
		if !ok || user == "" || password == "" {
			return nil, nil, fmt.Errorf("line %d: want USER@DOMAIN:PASSWORD", i+1)
		}
		_, domain := admin.SplitUsername(user)
		if len(out[domain]) == 0 {
			order = append(order, domain)
		}
		out[domain] = append(out[domain], transfer.Credential{Username: user, Password: password})
	}
	if len(order) == 0 {
		return nil, nil, errors.New("no credentials in it")
	}
	return out, order, nil
}

// openTarget opens the database the flags name, with the key file its
// client secrets are sealed with. Unless create is true it refuses to make
// either; with create a missing SQLite database and a missing key file are
// made as the server's first start makes them.
func openTarget(ctx context.Context, fs *flag.FlagSet, dbf dbFlags, keyFile string, getenv func(string) string, create bool) (*schema.DB, error) {
	location := dbf.location(fs, getenv)
	databaseURL := ""
	if schema.IsPostgresURL(location) {
		databaseURL = location
	}
	var db *schema.DB
	var err error
	if create {
		if databaseURL == "" {
			if err := os.MkdirAll(*dbf.dataDir, 0o700); err != nil {
				return nil, err
			}
		}
		db, err = schema.Open(ctx, location)
	} else {
		db, err = openDatabase(ctx, *dbf.dataDir, databaseURL)
	}
	if err != nil {
		return nil, err
	}
	if keyFile == "" {
		keyFile = secretKeyFile(*dbf.dataDir, getenv("ISADMIN_SECRET_KEY_FILE"))
	}
	var keys *sealed.Keyring
	if create {
		keys, err = loadSecretKeys(ctx, zerolog.Nop(), db, keyFile)
	} else {
		keys, err = sealed.ReadKeyFile(keyFile)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("the secret key file (--secret-key-file, ISADMIN_SECRET_KEY_FILE): %w", err)
	}
	if _, err := db.UseSecretKeys(ctx, keys); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w (key file %s)", err, keyFile)
	}
	return db, nil
}
