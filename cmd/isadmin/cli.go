package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mattn/go-isatty"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/sealed"
)

// The tenant, user and role commands manage the database of a server, which
// may be running: SQLite's WAL mode and busy timeout let both write.

// cliHashCost is the bcrypt cost of the password hashes the commands write;
// 0 is admin.Identity's default, the server's too. Tests lower it.
var cliHashCost int

// cliStdin is what --password-stdin reads.
var cliStdin io.Reader = os.Stdin

// passwordEnv holds the password when no password flag is given.
const passwordEnv = "ISADMIN_USER_PASSWORD"

// maxPasswordLine bounds what is read looking for a password line.
const maxPasswordLine = 4096

// cliFailure is a management command that failed: exit status 1.
type cliFailure struct{ err error }

func (f *cliFailure) Error() string { return strings.TrimPrefix(f.err.Error(), "admin: ") }
func (f *cliFailure) Unwrap() error { return f.err }

func failure(err error) error {
	if err == nil {
		return nil
	}
	return &cliFailure{err}
}

// usageError is a command line the command cannot take, with what is
// wrong with it: exit status 2.
type usageError struct{ err error }

func (u *usageError) Error() string        { return u.err.Error() }
func (u *usageError) Unwrap() error        { return u.err }
func (u *usageError) Is(target error) bool { return target == errUsage }

// exitCode is the exit status for an error of run: 0 for none, 2 for a
// command line it cannot take (errUsage), 1 for any other failure (a
// failed command, a server that cannot start or stops on an error).
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		return 1
	}
}

// cliCommand is one subcommand of a command group.
type cliCommand struct {
	name    string
	args    string // the arguments, as the synopsis shows them
	summary string
	// min and max bound the number of arguments; max < 0 is no bound.
	min, max int
	// The flags the command takes besides --data-dir and --database-url;
	// secretKey: --secret-key-file, for the commands that read client
	// secrets, which the key file opens.
	tenant, adminUser, roles, password, secretKey bool
	run                                           func(ctx context.Context, c *cliCall) error
}

// cliCall is one run of a command: its arguments and flags, and the
// identity store of the database.
type cliCall struct {
	id        *admin.Identity
	db        *schema.DB
	out       io.Writer
	args      []string
	tenant    string
	adminUser string
	roles     []string
	password  string
}

type cliGroup struct {
	name, summary string
	commands      []*cliCommand
}

func cliGroups() []*cliGroup {
	return []*cliGroup{
		{name: "tenant", summary: "Manage tenants. The super tenant carbon.super always exists.", commands: []*cliCommand{
			{name: "add", args: "DOMAIN", summary: "create a tenant with its admin role (/permission) and its admin user", min: 1, max: 1, adminUser: true, password: true,
				run: func(ctx context.Context, c *cliCall) error {
					_, err := c.id.AddTenant(ctx, c.args[0], c.adminUser, c.password)
					return err
				}},
			{name: "list", summary: "list tenants: DOMAIN, active or disabled", min: 0, max: 0,
				run: func(ctx context.Context, c *cliCall) error {
					ts, err := c.id.ListTenants(ctx)
					if err != nil {
						return err
					}
					for _, t := range ts {
						state := "active"
						if !t.Active {
							state = "disabled"
						}
						fmt.Fprintf(c.out, "%s\t%s\n", t.Domain, state)
					}
					return nil
				}},
			{name: "disable", args: "DOMAIN", summary: "disable a tenant: its users can no longer authenticate", min: 1, max: 1,
				run: func(ctx context.Context, c *cliCall) error { return c.id.SetTenantActive(ctx, c.args[0], false) }},
			{name: "enable", args: "DOMAIN", summary: "enable a disabled tenant", min: 1, max: 1,
				run: func(ctx context.Context, c *cliCall) error { return c.id.SetTenantActive(ctx, c.args[0], true) }},
		}},
		{name: "user", summary: "Manage users. USER@DOMAIN names a user of tenant DOMAIN; a bare USER belongs to carbon.super.", commands: []*cliCommand{
			{name: "add", args: "USER[@DOMAIN]", summary: "create a user, in the roles given with --role", min: 1, max: 1, roles: true, password: true,
				run: func(ctx context.Context, c *cliCall) error { return c.id.AddUser(ctx, c.args[0], c.password, c.roles) }},
			{name: "list", summary: "list a tenant's users: USER@DOMAIN, roles separated by commas", min: 0, max: 0, tenant: true,
				run: func(ctx context.Context, c *cliCall) error {
					us, err := c.id.ListUsers(ctx, c.tenant)
					if err != nil {
						return err
					}
					for _, u := range us {
						fmt.Fprintf(c.out, "%s\t%s\n", u.QualifiedName(), strings.Join(u.Roles, ","))
					}
					return nil
				}},
			{name: "passwd", args: "USER[@DOMAIN]", summary: "set a user's password, unlock the account and end its sessions", min: 1, max: 1, password: true,
				run: func(ctx context.Context, c *cliCall) error { return c.id.SetPassword(ctx, c.args[0], c.password) }},
			{name: "delete", args: "USER[@DOMAIN]", summary: "delete a user (not the last member of a tenant's admin role)", min: 1, max: 1,
				run: func(ctx context.Context, c *cliCall) error { return c.id.DeleteUser(ctx, c.args[0]) }},
		}},
		{name: "role", summary: "Manage roles and their permissions. A permission is a path under /permission and covers the paths below it.", commands: []*cliCommand{
			{name: "add", args: "ROLE [PERMISSION ...]", summary: "create a role with the given permissions", min: 1, max: -1, tenant: true,
				run: func(ctx context.Context, c *cliCall) error { return c.id.AddRole(ctx, c.tenant, c.args[0], c.args[1:]) }},
			{name: "grant", args: "ROLE PERMISSION", summary: "add a permission to a role", min: 2, max: 2, tenant: true,
				run: func(ctx context.Context, c *cliCall) error {
					return c.id.GrantPermission(ctx, c.tenant, c.args[0], c.args[1])
				}},
			{name: "revoke", args: "ROLE PERMISSION", summary: "remove a permission from a role", min: 2, max: 2, tenant: true,
				run: func(ctx context.Context, c *cliCall) error {
					return c.id.RevokePermission(ctx, c.tenant, c.args[0], c.args[1])
				}},
			{name: "list", summary: "list a tenant's roles: ROLE, permissions separated by commas", min: 0, max: 0, tenant: true,
				run: func(ctx context.Context, c *cliCall) error {
					rs, err := c.id.ListRoles(ctx, c.tenant)
					if err != nil {
						return err
					}
					for _, r := range rs {
						fmt.Fprintf(c.out, "%s\t%s\n", r.Name, strings.Join(r.Permissions, ","))
					}
					return nil
				}},
			{name: "assign", args: "ROLE USER[@DOMAIN]", summary: "give a user a role of the user's tenant", min: 2, max: 2,
				run: func(ctx context.Context, c *cliCall) error { return c.id.AssignRole(ctx, c.args[1], c.args[0]) }},
			{name: "unassign", args: "ROLE USER[@DOMAIN]", summary: "take a role from a user (not admin from its last member)", min: 2, max: 2,
				run: func(ctx context.Context, c *cliCall) error { return c.id.UnassignRole(ctx, c.args[1], c.args[0]) }},
		}},
	}
}

// cliFlags are the parsed flags of a command.
type cliFlags struct {
	dataDir, databaseURL, tenant, adminUser, passwordFile, secretKeyFile string
	passwordStdin                                                        bool
	roles                                                                stringList
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// flagSet declares the flags of the commands for which has is true.
func flagSet(name string, f *cliFlags, has func(func(*cliCommand) bool) bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&f.dataDir, "data-dir", "data", "data directory `DIR` holding the server's isadmin.db; env ISADMIN_DATA_DIR")
	fs.StringVar(&f.databaseURL, "database-url", "", "PostgreSQL `URL` of the server's database, instead of --data-dir; env ISADMIN_DATABASE_URL")
	if has(func(c *cliCommand) bool { return c.tenant }) {
		fs.StringVar(&f.tenant, "tenant", admin.SuperTenantDomain, "`DOMAIN` of the tenant")
	}
	if has(func(c *cliCommand) bool { return c.adminUser }) {
		fs.StringVar(&f.adminUser, "admin-user", "admin", "`NAME` of the tenant's admin user")
	}
	if has(func(c *cliCommand) bool { return c.roles }) {
		fs.Var(&f.roles, "role", "put the user in `ROLE` (repeatable)")
	}
	if has(func(c *cliCommand) bool { return c.password }) {
		fs.StringVar(&f.passwordFile, "password-file", "", "read the password from the first line of `FILE`")
		fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	}
	if has(func(c *cliCommand) bool { return c.secretKey }) {
		fs.StringVar(&f.secretKeyFile, "secret-key-file", "", "key `FILE` the server's client secrets are sealed with, the server's --secret-key-file; env ISADMIN_SECRET_KEY_FILE; default: secret.key in --data-dir")
	}
	return fs
}

func (g *cliGroup) help() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: isadmin %s COMMAND [ARGUMENTS] [flags]\n\n%s\n\nCommands:\n", g.name, g.summary)
	var f cliFlags
	fs := flagSet("isadmin "+g.name, &f, func(p func(*cliCommand) bool) bool {
		for _, c := range g.commands {
			if p(c) {
				return true
			}
		}
		return false
	})
	width := 0
	for _, c := range g.commands {
		width = max(width, len(c.synopsis()))
	}
	for _, c := range g.commands {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, c.synopsis(), c.summary)
	}
	b.WriteString("\nFlags:\n")
	writeFlags(&b, fs)
	if g.hasPassword() {
		b.WriteString(passwordHelp)
	}
	fmt.Fprintf(&b, "\nThe commands work on the database of a server, which may be running; they never\ncreate one: run `isadmin serve` once first. `isadmin %s COMMAND -h` shows one command.\n", g.name)
	return b.String()
}

const passwordHelp = `
Passwords are never command-line arguments (they would show in ps): give
--password-file FILE, --password-stdin, or the variable ISADMIN_USER_PASSWORD.
A password has 1 to 72 bytes.
`

func (g *cliGroup) hasPassword() bool {
	for _, c := range g.commands {
		if c.password {
			return true
		}
	}
	return false
}

func (c *cliCommand) synopsis() string {
	s := c.name
	if c.args != "" {
		s += " " + c.args
	}
	if c.roles {
		s += " [--role ROLE ...]"
	}
	if c.adminUser {
		s += " [--admin-user NAME]"
	}
	if c.tenant {
		s += " [--tenant DOMAIN]"
	}
	return s
}

func (c *cliCommand) flagSet(group string, f *cliFlags) *flag.FlagSet {
	return flagSet("isadmin "+group+" "+c.name, f, func(p func(*cliCommand) bool) bool { return p(c) })
}

func (c *cliCommand) help(group string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: isadmin %s %s [flags]\n\n%s.\n\nFlags:\n", group, c.synopsis(), upperFirst(c.summary))
	var f cliFlags
	writeFlags(&b, c.flagSet(group, &f))
	if c.password {
		b.WriteString(passwordHelp)
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func writeFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if arg != "" && arg != "value" {
			name += " " + arg
		}
		if f.DefValue != "" && f.DefValue != "false" {
			usage += fmt.Sprintf(" (default %q)", f.DefValue)
		}
		fmt.Fprintf(w, "  %-22s %s\n", name, usage)
	})
}

// parseFlags parses args with fs. What the flag package prints on the way
// (fs.Usage, which must print to fs.Output()) goes to stdout when help was
// asked for (-h, --help: flag.ErrHelp), to stderr otherwise: help asked
// for is the command's output, exit status 0; a flag it cannot take is a
// usage error.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	var printed bytes.Buffer
	fs.SetOutput(&printed)
	err := fs.Parse(args)
	fs.SetOutput(stderr)
	w := stderr
	if errors.Is(err, flag.ErrHelp) {
		w = stdout
	}
	w.Write(printed.Bytes())
	return err
}

// parseInterspersed parses flags wherever they stand among the arguments;
// "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// runManage runs a tenant, user or role command: args[0] is the group.
func runManage(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var g *cliGroup
	for _, gr := range append(cliGroups(), clientGroups()...) {
		if gr.name == args[0] {
			g = gr
		}
	}
	if g == nil {
		return fmt.Errorf("unknown command %q", args[0])
	}
	if len(args) < 2 {
		fmt.Fprint(stderr, g.help())
		return errUsage
	}
	var c *cliCommand
	switch name := args[1]; name {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, g.help())
		return nil
	default:
		for _, cmd := range g.commands {
			if cmd.name == name {
				c = cmd
			}
		}
		if c == nil {
			fmt.Fprintf(stderr, "isadmin: unknown %s command %q\n\n%s", g.name, name, g.help())
			return errUsage
		}
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "isadmin: %s\nRun 'isadmin %s %s -h' for usage.\n", fmt.Sprintf(format, a...), g.name, c.name)
		return errUsage
	}

	var f cliFlags
	fs := c.flagSet(g.name, &f)
	positional, err := parseInterspersed(fs, args[2:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, c.help(g.name))
		return nil
	}
	if err != nil {
		return usageErr("%s %s: %v", g.name, c.name, err)
	}
	switch {
	case len(positional) < c.min:
		return usageErr("%s %s: missing arguments; want %s", g.name, c.name, c.args)
	case c.max >= 0 && len(positional) > c.max:
		return usageErr("%s %s: unexpected argument %q", g.name, c.name, positional[c.max])
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if v, ok := lookup(getenv, "ISADMIN_DATABASE_URL"); ok && !given["database-url"] {
		f.databaseURL = v
	}
	if f.databaseURL != "" && !schema.IsPostgresURL(f.databaseURL) {
		return usageErr("--database-url must be a postgres:// URL")
	}
	if v, ok := lookup(getenv, "ISADMIN_DATA_DIR"); ok && !given["data-dir"] {
		f.dataDir = v
	}
	if f.dataDir == "" {
		return usageErr("--data-dir must not be empty")
	}

	call := &cliCall{out: stdout, args: positional, tenant: f.tenant, adminUser: f.adminUser, roles: f.roles}
	if c.password {
		if f.passwordFile != "" && f.passwordStdin {
			return usageErr("--password-file and --password-stdin exclude each other")
		}
		if call.password, err = readPassword(f.passwordFile, f.passwordStdin, getenv); err != nil {
			if errors.Is(err, errNoPassword) {
				return usageErr("%v", err)
			}
			return failure(err)
		}
	}

	db, err := openDatabase(ctx, f.dataDir, f.databaseURL)
	if err != nil {
		return failure(err)
	}
	defer db.Close()
	call.id, call.db = &admin.Identity{Store: db, HashCost: cliHashCost}, db
	if c.secretKey {
		// Client secrets are sealed: the key file of the deployment opens
		// them.
		if v, ok := lookup(getenv, "ISADMIN_SECRET_KEY_FILE"); ok && !given["secret-key-file"] {
			f.secretKeyFile = v
		}
		keyFile := secretKeyFile(f.dataDir, f.secretKeyFile)
		keys, err := sealed.ReadKeyFile(keyFile)
		if err != nil {
			return failure(fmt.Errorf("the secret key file (--secret-key-file, ISADMIN_SECRET_KEY_FILE; default secret.key in --data-dir): %w", err))
		}
		if _, err := db.UseSecretKeys(ctx, keys); err != nil {
			return failure(fmt.Errorf("%w (key file %s)", err, keyFile))
		}
	}
	return failure(c.run(ctx, call))
}

var errNoPassword = errors.New("no password given: use --password-file FILE or --password-stdin, or set " + passwordEnv)

// readPassword reads the password from the file, from standard input, or
// from the environment, in that order of preference.
func readPassword(file string, fromStdin bool, getenv func(string) string) (string, error) {
	switch {
	case file != "":
		fh, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("--password-file: %w", err)
		}
		defer fh.Close()
		p, err := firstLine(fh)
		if err != nil {
			return "", fmt.Errorf("--password-file %s: %w", file, err)
		}
		return p, nil
	case fromStdin:
		if f, ok := cliStdin.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
			return "", errors.New("--password-stdin: standard input is a terminal; pipe the password in, or use --password-file")
		}
		p, err := firstLine(cliStdin)
		if err != nil {
			return "", fmt.Errorf("--password-stdin: %w", err)
		}
		return p, nil
	}
	if p, ok := lookup(getenv, passwordEnv); ok {
		return p, nil
	}
	return "", errNoPassword
}

// firstLine reads up to the first line feed and drops it, and a carriage
// return before it.
func firstLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, maxPasswordLine)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if errors.Is(err, io.EOF) && len(line) == maxPasswordLine {
		return "", fmt.Errorf("no line feed within %d bytes", maxPasswordLine)
	}
	line = strings.TrimSuffix(line, "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// openDatabase opens the server's database: the PostgreSQL database at
// databaseURL, or the SQLite file in dir, refusing to create one.
func openDatabase(ctx context.Context, dir, databaseURL string) (*schema.DB, error) {
	if databaseURL != "" {
		return schema.Open(ctx, databaseURL)
	}
	path := filepath.Join(dir, "isadmin.db")
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no database at %s: run `isadmin serve` once to create it, or check --data-dir (ISADMIN_DATA_DIR)", path)
	}
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a database file", path)
	}
	return schema.Open(ctx, path)
}
