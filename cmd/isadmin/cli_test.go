package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/sealed"
)

func init() { cliHashCost = bcrypt.MinCost }

// cliDataDir returns a data directory with a database as a first start of
// the server leaves it: the super tenant with admin/admin.
func cliDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	db, err := schema.Open(ctx, filepath.Join(dir, "isadmin.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id := &admin.Identity{Store: db, HashCost: bcrypt.MinCost}
	if _, err := id.EnsureAdmin(ctx, admin.SuperTenantID, "admin", "admin", false); err != nil {
		t.Fatal(err)
	}
	return dir
}

// cliResult is what one command printed and returned.
type cliResult struct {
	stdout, stderr string
	err            error
}

// cliRun runs isadmin with the arguments, the environment and standard
// input given.
func cliRun(t *testing.T, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	old := cliStdin
	cliStdin = strings.NewReader(stdin)
	defer func() { cliStdin = old }()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return cliResult{stdout.String(), stderr.String(), err}
}

// message is what the user sees of an error: main prints a failure's text,
// a usage error has printed its own.
func (r cliResult) message() string {
	if r.err != nil && !errors.Is(r.err, errUsage) {
		return "isadmin: " + r.err.Error()
	}
	return r.stderr
}

// cliAuth reports whether the user logs in with the password on the
// database in dir.
func cliAuth(t *testing.T, dir, user, pass string) bool {
	t.Helper()
	ctx := context.Background()
	db, err := schema.Open(ctx, filepath.Join(dir, "isadmin.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = (&admin.Identity{Store: db}).Authenticate(ctx, user, pass)
	if err != nil && !errors.Is(err, admin.ErrBadCredentials) {
		t.Fatal(err)
	}
	return err == nil
}

type cliStep struct {
	name  string
	args  []string
	env   map[string]string
	stdin string
	code  int
	// out is the exact standard output.
	out string
	// msg is part of the message shown for a failure or usage error.
	msg string
	// check runs after the step.
	check func(t *testing.T)
}

// TestCLI runs every command against one database, in order: each step
// sees what the previous ones did.
func TestCLI(t *testing.T) {
	dir := cliDataDir(t)
	pw := func(p string) map[string]string { return map[string]string{passwordEnv: p} }
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("from-file\r\nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	auth := func(user, pass string, want bool) func(t *testing.T) {
		return func(t *testing.T) {
			t.Helper()
			if got := cliAuth(t, dir, user, pass); got != want {
				t.Errorf("%s logs in with %q: %v, want %v", user, pass, got, want)
			}
		}
	}
	d := []string{"--data-dir", dir}
	a := func(args ...string) []string { return append(args, d...) }

	steps := []cliStep{
		// tenant
		{name: "tenant add", args: a("tenant", "add", "example.com", "--admin-user", "boss"), env: pw("bosspw"), check: auth("boss@example.com", "bosspw", true)},
		{name: "tenant add default admin from file", args: a("tenant", "add", "--password-file", pwFile, "other.org"), check: auth("admin@other.org", "from-file", true)},
		{name: "tenant add from stdin", args: a("tenant", "add", "third.net", "--password-stdin"), stdin: "piped\n", check: auth("admin@third.net", "piped", true)},
		{name: "tenant add flag beats env", args: a("tenant", "add", "fourth.net", "--password-stdin"), env: pw("env"), stdin: "flag", check: auth("admin@fourth.net", "flag", true)},
		{name: "tenant add duplicate", args: a("tenant", "add", "example.com"), env: pw("x"), code: 1, msg: "isadmin: tenant example.com already exists"},
		{name: "tenant add super", args: a("tenant", "add", "carbon.super"), env: pw("x"), code: 1, msg: "tenant carbon.super already exists"},
		{name: "tenant add no dot", args: a("tenant", "add", "localhost"), env: pw("x"), code: 1, msg: `invalid tenant domain "localhost"`},
		{name: "tenant add no password", args: a("tenant", "add", "fifth.net"), code: 2, msg: "no password given: use --password-file FILE or --password-stdin, or set ISADMIN_USER_PASSWORD"},
		{name: "tenant add empty stdin", args: a("tenant", "add", "fifth.net", "--password-stdin"), code: 1, msg: "the password must not be empty"},
		{name: "tenant add missing file", args: a("tenant", "add", "fifth.net", "--password-file", filepath.Join(dir, "nope")), code: 1, msg: "--password-file: open"},
		{name: "tenant add two sources", args: a("tenant", "add", "fifth.net", "--password-file", pwFile, "--password-stdin"), code: 2, msg: "exclude each other"},
		{name: "tenant add password argument", args: a("tenant", "add", "fifth.net", "secret"), env: pw("x"), code: 2, msg: `unexpected argument "secret"`},
		{name: "tenant add missing domain", args: a("tenant", "add"), env: pw("x"), code: 2, msg: "missing arguments; want DOMAIN"},
		{name: "tenant add password flag", args: a("tenant", "add", "fifth.net", "--password", "x"), code: 2, msg: "flag provided but not defined: -password"},
		{name: "tenant list", args: a("tenant", "list"), out: "carbon.super\tactive\nexample.com\tactive\nother.org\tactive\nthird.net\tactive\nfourth.net\tactive\n"},
		{name: "tenant disable", args: a("tenant", "disable", "third.net"), check: auth("admin@third.net", "piped", false)},
		{name: "tenant list disabled", args: a("tenant", "list"), out: "carbon.super\tactive\nexample.com\tactive\nother.org\tactive\nthird.net\tdisabled\nfourth.net\tactive\n"},
		{name: "tenant disable super", args: a("tenant", "disable", "carbon.super"), code: 1, msg: "the super tenant carbon.super cannot be disabled"},
		{name: "tenant disable unknown", args: a("tenant", "disable", "nowhere.org"), code: 1, msg: "tenant nowhere.org does not exist"},
		{name: "tenant enable", args: a("tenant", "enable", "third.net"), check: auth("admin@third.net", "piped", true)},
		{name: "tenant enable unknown", args: a("tenant", "enable", "nowhere.org"), code: 1, msg: "tenant nowhere.org does not exist"},
		{name: "tenant unknown command", args: a("tenant", "remove", "example.com"), code: 2, msg: `unknown tenant command "remove"`},

		// role
		{name: "role add", args: a("role", "add", "editor", "/permission/admin/manage", "/permission/admin/login", "--tenant", "example.com")},
		{name: "role add flags first", args: a("role", "add", "--tenant", "example.com", "viewer")},
		{name: "role add super tenant", args: a("role", "add", "auditor", "/permission/admin/monitor")},
		{name: "role add duplicate", args: a("role", "add", "editor", "--tenant", "example.com"), code: 1, msg: "role editor already exists in example.com"},
		{name: "role add bad permission", args: a("role", "add", "x", "admin/manage", "--tenant", "example.com"), code: 1, msg: `invalid permission "admin/manage": it must start with /permission`},
		{name: "role add unknown tenant", args: a("role", "add", "x", "--tenant", "nowhere.org"), code: 1, msg: "tenant nowhere.org does not exist"},
		{name: "role add missing name", args: a("role", "add", "--tenant", "example.com"), code: 2, msg: "missing arguments; want ROLE [PERMISSION ...]"},
		{name: "role grant", args: a("role", "grant", "viewer", "/permission/admin/manage/identity/applicationmgt/view", "--tenant", "example.com")},
		{name: "role grant bad permission", args: a("role", "grant", "viewer", "/perm/x", "--tenant", "example.com"), code: 1, msg: "must start with /permission"},
		{name: "role grant unknown role", args: a("role", "grant", "ghost", "/permission/x", "--tenant", "example.com"), code: 1, msg: "role ghost does not exist in example.com"},
		{name: "role grant missing permission", args: a("role", "grant", "viewer", "--tenant", "example.com"), code: 2, msg: "missing arguments"},
		{name: "role revoke", args: a("role", "revoke", "editor", "/permission/admin/login", "--tenant", "example.com")},
		{name: "role revoke not granted", args: a("role", "revoke", "editor", "/permission/admin/login", "--tenant", "example.com"), code: 1, msg: "role editor in example.com does not have permission /permission/admin/login"},
		{name: "role revoke admin root", args: a("role", "revoke", "admin", "/permission", "--tenant", "example.com"), code: 1, msg: "keeps permission /permission"},
		{name: "role list", args: a("role", "list", "--tenant", "example.com"), out: "admin\t/permission\neditor\t/permission/admin/manage\nviewer\t/permission/admin/manage/identity/applicationmgt/view\n"},
		{name: "role list super tenant", args: a("role", "list"), out: "admin\t/permission\nauditor\t/permission/admin/monitor\n"},
		{name: "role list unknown tenant", args: a("role", "list", "--tenant", "nowhere.org"), code: 1, msg: "tenant nowhere.org does not exist"},

		// user
		{name: "user add", args: a("user", "add", "bob@example.com", "--role", "editor", "--role", "viewer"), env: pw("bobpw"), check: auth("bob@example.com", "bobpw", true)},
		{name: "user add super tenant", args: a("user", "add", "--password-stdin", "alice"), stdin: "alicepw\n", check: auth("alice", "alicepw", true)},
		{name: "user add after --", args: []string{"user", "add", "--data-dir", dir, "--password-file", pwFile, "--", "carol@example.com"}, check: auth("carol@example.com", "from-file", true)},
		{name: "user add duplicate", args: a("user", "add", "bob@example.com"), env: pw("x"), code: 1, msg: "isadmin: user bob@example.com already exists"},
		{name: "user add unknown tenant", args: a("user", "add", "bob@nowhere.org"), env: pw("x"), code: 1, msg: "tenant nowhere.org does not exist"},
		{name: "user add unknown role", args: a("user", "add", "dave@example.com", "--role", "ghost"), env: pw("x"), code: 1, msg: "role ghost does not exist in example.com"},
		{name: "user add missing password", args: a("user", "add", "dave@example.com"), code: 2, msg: "no password given"},
		{name: "user add long password", args: a("user", "add", "dave@example.com"), env: pw(strings.Repeat("x", 73)), code: 1, msg: "at most 72 are allowed"},
		{name: "user add bad name", args: a("user", "add", "da:ve@example.com"), env: pw("x"), code: 1, msg: `invalid user name "da:ve"`},
		{name: "user add password argument", args: a("user", "add", "dave@example.com", "davepw"), env: pw("x"), code: 2, msg: `unexpected argument "davepw"`},
		{name: "user list", args: a("user", "list", "--tenant", "example.com"), out: "bob@example.com\teditor,viewer\nboss@example.com\tadmin\ncarol@example.com\t\n"},
		{name: "user list super tenant", args: a("user", "list"), out: "admin@carbon.super\tadmin\nalice@carbon.super\t\n"},
		{name: "user list unknown tenant", args: a("user", "list", "--tenant", "nowhere.org"), code: 1, msg: "tenant nowhere.org does not exist"},
		{name: "user passwd", args: a("user", "passwd", "bob@example.com", "--password-stdin"), stdin: "newpw\r\n", check: func(t *testing.T) {
			auth("bob@example.com", "bobpw", false)(t)
			auth("bob@example.com", "newpw", true)(t)
		}},
		{name: "user passwd unknown", args: a("user", "passwd", "nobody@example.com"), env: pw("x"), code: 1, msg: "user nobody@example.com does not exist"},
		{name: "user passwd missing password", args: a("user", "passwd", "bob@example.com"), code: 2, msg: "no password given"},
		{name: "user delete last admin", args: a("user", "delete", "boss@example.com"), code: 1, msg: "user boss@example.com is the last member of role admin of example.com and cannot be deleted"},
		{name: "user delete last super admin", args: a("user", "delete", "admin"), code: 1, msg: "admin@carbon.super is the last member"},
		{name: "user delete", args: a("user", "delete", "carol@example.com"), check: auth("carol@example.com", "from-file", false)},
		{name: "user delete unknown", args: a("user", "delete", "carol@example.com"), code: 1, msg: "user carol@example.com does not exist"},
		{name: "user delete missing name", args: a("user", "delete"), code: 2, msg: "missing arguments; want USER[@DOMAIN]"},

		// role membership
		{name: "role assign", args: a("role", "assign", "admin", "bob@example.com")},
		{name: "role assign again", args: a("role", "assign", "admin", "bob@example.com"), code: 1, msg: "user bob@example.com already has role admin"},
		{name: "role assign unknown role", args: a("role", "assign", "ghost", "bob@example.com"), code: 1, msg: "role ghost does not exist in example.com"},
		{name: "role assign unknown user", args: a("role", "assign", "editor", "nobody@example.com"), code: 1, msg: "user nobody@example.com does not exist"},
		{name: "role assign other tenant's role", args: a("role", "assign", "auditor", "bob@example.com"), code: 1, msg: "role auditor does not exist in example.com"},
		{name: "role unassign", args: a("role", "unassign", "viewer", "bob@example.com")},
		{name: "role unassign not member", args: a("role", "unassign", "viewer", "bob@example.com"), code: 1, msg: "user bob@example.com does not have role viewer"},
		{name: "user delete former last admin", args: a("user", "delete", "boss@example.com")},
		{name: "role unassign last admin", args: a("role", "unassign", "admin", "bob@example.com"), code: 1, msg: "last member of role admin"},
		{name: "user list after", args: a("user", "list", "--tenant", "example.com"), out: "bob@example.com\tadmin,editor\n"},

		// data directory from the environment
		{name: "data dir from env", args: []string{"tenant", "list"}, env: map[string]string{"ISADMIN_DATA_DIR": dir},
			out: "carbon.super\tactive\nexample.com\tactive\nother.org\tactive\nthird.net\tactive\nfourth.net\tactive\n"},
		{name: "data dir flag beats env", args: a("tenant", "list"), env: map[string]string{"ISADMIN_DATA_DIR": t.TempDir()},
			out: "carbon.super\tactive\nexample.com\tactive\nother.org\tactive\nthird.net\tactive\nfourth.net\tactive\n"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := cliRun(t, s.env, s.stdin, s.args...)
			if got := exitCode(r.err); got != s.code {
				t.Fatalf("exit status %d, want %d; error %v; stderr:\n%s", got, s.code, r.err, r.stderr)
			}
			if r.stdout != s.out {
				t.Errorf("stdout\n got %q\nwant %q", r.stdout, s.out)
			}
			if s.code != 0 && !strings.Contains(r.message(), s.msg) {
				t.Errorf("message %q, want it to contain %q", r.message(), s.msg)
			}
			if s.code == 0 && r.stderr != "" {
				t.Errorf("stderr on success: %q", r.stderr)
			}
			if s.check != nil {
				s.check(t)
			}
		})
	}
}

// TestCLIMissingDatabase: no command creates a database.
func TestCLIMissingDatabase(t *testing.T) {
	for _, args := range [][]string{
		{"tenant", "list"},
		{"tenant", "add", "example.com"},
		{"tenant", "disable", "example.com"},
		{"tenant", "enable", "example.com"},
		{"user", "add", "bob"},
		{"user", "list"},
		{"user", "passwd", "bob"},
		{"user", "delete", "bob"},
		{"role", "add", "r"},
		{"role", "grant", "r", "/permission"},
		{"role", "revoke", "r", "/permission"},
		{"role", "list"},
		{"role", "assign", "r", "bob"},
		{"role", "unassign", "r", "bob"},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			dir := t.TempDir()
			r := cliRun(t, map[string]string{"ISADMIN_DATA_DIR": dir, passwordEnv: "pw"}, "", args...)
			if exitCode(r.err) != 1 {
				t.Fatalf("exit status %d, want 1: %v %s", exitCode(r.err), r.err, r.stderr)
			}
			want := "isadmin: no database at " + filepath.Join(dir, "isadmin.db") + ": run `isadmin serve` once to create it, or check --data-dir"
			if !strings.HasPrefix(r.message(), want) {
				t.Errorf("message %q, want %q...", r.message(), want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the data directory is no longer empty: %v", entries)
			}
		})
	}
	t.Run("missing directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "none")
		r := cliRun(t, nil, "", "tenant", "list", "--data-dir", dir)
		if exitCode(r.err) != 1 || !strings.Contains(r.message(), "no database at") {
			t.Errorf("exit %d, message %q", exitCode(r.err), r.message())
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the data directory was created: %v", err)
		}
	})
}

// TestCLIHelp: each group and command explains itself on -h, on standard
// output; a group without a command is a usage error.
func TestCLIHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"tenant", "-h"}, []string{"Usage: isadmin tenant COMMAND", "add DOMAIN [--admin-user NAME]", "list", "disable DOMAIN", "enable DOMAIN", "--password-stdin", "ISADMIN_USER_PASSWORD", "--data-dir DIR"}},
		{[]string{"user", "-h"}, []string{"Usage: isadmin user COMMAND", "add USER[@DOMAIN] [--role ROLE ...]", "list [--tenant DOMAIN]", "passwd USER[@DOMAIN]", "delete USER[@DOMAIN]", "--password-file FILE", "ISADMIN_DATA_DIR"}},
		{[]string{"role", "--help"}, []string{"Usage: isadmin role COMMAND", "add ROLE [PERMISSION ...] [--tenant DOMAIN]", "grant ROLE PERMISSION", "revoke ROLE PERMISSION", "list [--tenant DOMAIN]", "assign ROLE USER[@DOMAIN]", "unassign ROLE USER[@DOMAIN]"}},
		{[]string{"user", "add", "-h"}, []string{"Usage: isadmin user add USER[@DOMAIN] [--role ROLE ...] [flags]", "--role ROLE", "--password-file FILE", "--data-dir DIR"}},
		{[]string{"role", "grant", "--help"}, []string{"Usage: isadmin role grant ROLE PERMISSION [--tenant DOMAIN] [flags]", `--tenant DOMAIN`, `(default "carbon.super")`}},
		{[]string{"help"}, []string{"isadmin tenant COMMAND", "isadmin user COMMAND", "isadmin role COMMAND"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := cliRun(t, nil, "", tc.args...)
			if r.err != nil {
				t.Fatalf("error %v", r.err)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("help lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}
	if r := cliRun(t, nil, "", "user"); !errors.Is(r.err, errUsage) || !strings.Contains(r.stderr, "Usage: isadmin user COMMAND") {
		t.Errorf("isadmin user: error %v, stderr %q", r.err, r.stderr)
	}
	if !strings.Contains(cliRun(t, nil, "", "user", "add", "-h").stdout, "Passwords are never command-line arguments") {
		t.Error("user add -h does not say how to give the password")
	}
	if strings.Contains(cliRun(t, nil, "", "role", "-h").stdout, "--password") {
		t.Error("role -h lists password flags")
	}
}

// TestHelpOnStdout: help asked for (isadmin help X, X -h, X --help) goes
// to standard output, with exit status 0 and nothing on standard error,
// for every command the usage lists and for commands of groups; a command
// line a command cannot take prints to standard error, exit status 2.
func TestHelpOnStdout(t *testing.T) {
	var commands []string
	for _, line := range strings.Split(usage, "\n") {
		if rest, ok := strings.CutPrefix(line, "  isadmin "); ok {
			commands = append(commands, strings.Fields(rest)[0])
		}
	}
	if len(commands) < 18 {
		t.Fatalf("the usage lists %d commands: %q", len(commands), commands)
	}
	type helpCase struct {
		args []string
		want string
	}
	var cases []helpCase
	for _, c := range commands {
		for _, args := range [][]string{{"help", c}, {c, "-h"}, {c, "--help"}} {
			cases = append(cases, helpCase{args, "isadmin " + c})
		}
	}
	cases = append(cases,
		helpCase{[]string{"help"}, "isadmin serve"},
		helpCase{[]string{"-h"}, "isadmin serve"},
		helpCase{[]string{"secret-key", "add", "-h"}, "Usage: isadmin secret-key add"},
		helpCase{[]string{"user", "add", "-h"}, "Usage: isadmin user add"},
		helpCase{[]string{"client", "get", "--help"}, "Usage: isadmin client get"},
		helpCase{[]string{"sp", "help"}, "Usage: isadmin sp"},
		helpCase{[]string{"help", "serve"}, "--tls-cert"},
		helpCase{[]string{"backup", "--data-dir", "x", "-h"}, "Usage: isadmin backup"},
	)
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := cliRun(t, nil, "", tc.args...)
			if r.err != nil || r.stderr != "" || !strings.Contains(r.stdout, tc.want) {
				t.Errorf("exit status %d (%v), stdout has %q: %v, stderr %q", exitCode(r.err), r.err, tc.want, strings.Contains(r.stdout, tc.want), r.stderr)
			}
		})
	}

	// A serve that takes its command line starts on a temporary directory
	// and loopback, and stops at once: the context is done.
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "nope"}, `unknown command "nope"`},
		{[]string{"serve", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"serve", "--hash-tokens", "false"}, `unexpected argument "false" after --hash-tokens`},
		{[]string{"user"}, "Usage: isadmin user COMMAND"},
		{[]string{"user", "add", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"backup"}, "Usage: isadmin backup"},
		{[]string{"restore", "a", "b"}, "Usage: isadmin restore"},
		{[]string{"migrate", "extra"}, `unexpected argument "extra"`},
		{[]string{"copy"}, "--from and --to are required"},
		{[]string{"bench", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"version", "extra"}, "Usage: isadmin version"},
		{[]string{"health", "extra"}, "Usage: isadmin health"},
		{[]string{"profiles", "extra"}, "Usage: isadmin profiles"},
		{[]string{"secret-key"}, "Usage: isadmin secret-key add"},
		{[]string{"rewrap", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"export"}, "want one FILE"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := tc.args
			if args[0] == "serve" {
				args = append(slices.Clone(args), "--data-dir", t.TempDir(), "--https-addr=", "--http-addr=127.0.0.1:0", "--log-format=json")
			}
			var stdout, stderr bytes.Buffer
			err := run(done, args, func(string) string { return "" }, &stdout, &stderr)
			r := cliResult{stdout.String(), stderr.String(), err}
			// What main shows: an error it prints after what the
			// command printed itself.
			shown := r.stderr
			if r.err != nil && r.err != errUsage {
				shown += "isadmin: " + r.err.Error()
			}
			if exitCode(r.err) != 2 || r.stdout != "" || !strings.Contains(shown, tc.want) {
				t.Errorf("exit status %d (%v), stdout %q, stderr and error %q, want %q in them", exitCode(r.err), r.err, r.stdout, shown, tc.want)
			}
		})
	}
}

// TestClientSecretKeyFile: the client commands read the key file that
// --secret-key-file names, over ISADMIN_SECRET_KEY_FILE, over secret.key in
// the data directory; a missing key file is named with the flag.
func TestClientSecretKeyFile(t *testing.T) {
	dir := cliDataDir(t)
	keyFile := filepath.Join(t.TempDir(), "isadmin.key")
	if _, err := sealed.CreateKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	otherKey := filepath.Join(t.TempDir(), "other.key")
	if _, err := sealed.CreateKeyFile(otherKey); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.key")
	env := func(file string) map[string]string { return map[string]string{"ISADMIN_SECRET_KEY_FILE": file} }
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		code int
		// want is in the standard output, or for a failure in the
		// message.
		want string
	}{
		{name: "create with the flag", args: []string{"client", "create", "by-cli", "--secret-key-file", keyFile}, want: "secret\t"},
		{name: "list with the flag", args: []string{"client", "list", "--secret-key-file", keyFile}, want: "\tby-cli\tadmin\tACTIVE\tclient_credentials"},
		{name: "list with the variable", args: []string{"client", "list"}, env: env(keyFile), want: "\tby-cli\t"},
		{name: "the flag wins over the variable", args: []string{"client", "list", "--secret-key-file", keyFile}, env: env(missing), want: "\tby-cli\t"},
		{name: "none: secret.key in the data directory", args: []string{"client", "list"}, code: 1,
			want: "the secret key file (--secret-key-file, ISADMIN_SECRET_KEY_FILE; default secret.key in --data-dir): "},
		{name: "a missing file", args: []string{"client", "list", "--secret-key-file", missing}, code: 1, want: "--secret-key-file"},
		{name: "another deployment's key file", args: []string{"client", "list", "--secret-key-file", otherKey}, code: 1, want: otherKey},
		{name: "get without the key file", args: []string{"client", "get", "x"}, code: 1, want: "--secret-key-file"},
		{name: "help of the group", args: []string{"client", "-h"}, want: "--secret-key-file FILE"},
		{name: "help of a command", args: []string{"client", "get", "-h"}, want: "ISADMIN_SECRET_KEY_FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if !slices.Contains(args, "-h") {
				args = append(slices.Clone(args), "--data-dir", dir)
			}
			r := cliRun(t, tc.env, "", args...)
			if got := exitCode(r.err); got != tc.code {
				t.Fatalf("exit status %d, want %d; error %v; stderr:\n%s", got, tc.code, r.err, r.stderr)
			}
			got := r.stdout
			if tc.code != 0 {
				got = r.message()
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("%q, want %q in it", got, tc.want)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errUsage, 2},
		{failure(errors.New("x")), 1},
		{failure(admin.Errorf("c", "tenant %s does not exist", "x.org")), 1},
		{errors.New("listen: address in use"), 1},
		{&usageError{errors.New("--log-format: want auto, console or json")}, 2},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	if got := failure(admin.Errorf("c", "tenant %s does not exist", "x.org")).Error(); got != "tenant x.org does not exist" {
		t.Errorf("failure text %q", got)
	}
}

// TestCLIWhileServing manages a running server's database: what the
// commands do takes effect on the next request.
func TestCLIWhileServing(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, "is-next", func(c *Config) { c.DataDir = dir })
	cli := func(env map[string]string, stdin string, args ...string) {
		t.Helper()
		args = append(args, "--data-dir", dir)
		if s.Config.DatabaseURL != "" {
			args = append(args, "--database-url", s.Config.DatabaseURL)
		}
		r := cliRun(t, env, stdin, args...)
		if r.err != nil {
			t.Fatalf("isadmin %s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
		}
	}
	list := call{user: "bob@example.com", pass: "bobpw", action: "getAllOAuthApplicationData", body: "<xsd:getAllOAuthApplicationData/>"}
	denied := func(c call) {
		t.Helper()
		code, reason := s.do(t, c).fault(t)
		if !strings.HasSuffix(code, "50978") {
			t.Errorf("fault %q %q, want the access denied code 50978", code, reason)
		}
	}
	refused := func(c call) {
		t.Helper()
		if code, reason := s.do(t, c).fault(t); code != "axis2ns2:50977" {
			t.Errorf("fault %q %q, want axis2ns2:50977", code, reason)
		}
	}

	cli(map[string]string{passwordEnv: "bosspw"}, "", "tenant", "add", "example.com", "--admin-user", "boss")
	cli(map[string]string{passwordEnv: "bobpw"}, "", "user", "add", "bob@example.com")
	denied(list)

	cli(nil, "", "role", "add", "manager", "/permission/admin/manage", "--tenant", "example.com")
	cli(nil, "", "role", "assign", "manager", "bob@example.com")
	s.do(t, list).ok(t)
	boss := list
	boss.user, boss.pass = "boss@example.com", "bosspw"
	s.do(t, boss).ok(t)

	cli(nil, "", "role", "revoke", "manager", "/permission/admin/manage", "--tenant", "example.com")
	denied(list)
	cli(nil, "", "role", "grant", "manager", "/permission/admin/manage/identity", "--tenant", "example.com")
	s.do(t, list).ok(t)

	cli(nil, "", "tenant", "disable", "example.com")
	refused(list)
	refused(boss)
	s.do(t, call{action: "getAllOAuthApplicationData", body: "<xsd:getAllOAuthApplicationData/>"}).ok(t) // the super admin still works
	cli(nil, "", "tenant", "enable", "example.com")
	s.do(t, list).ok(t)

	cli(nil, "newpw\n", "user", "passwd", "bob@example.com", "--password-stdin")
	refused(list)
	withNew := list
	withNew.pass = "newpw"
	s.do(t, withNew).ok(t)

	cli(nil, "", "role", "unassign", "manager", "bob@example.com")
	denied(withNew)
	cli(nil, "", "user", "delete", "bob@example.com")
	refused(withNew)
}
