package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/soap"
	"github.com/isadmin/isadmin/storeapi"
	"github.com/isadmin/isadmin/tokens"
	"github.com/isadmin/isadmin/web"
	"github.com/isadmin/isadmin/wsdl"
)

// defaultPassword is Identity Server's out-of-the-box admin password. With
// it the server only listens on loopback addresses.
const defaultPassword = "admin"

// Config is the server's configuration.
type Config struct {
	WireProfile   string
	AdminUser     string
	AdminPassword string
	DataDir       string
	// DatabaseURL is a PostgreSQL URL; empty means SQLite in DataDir.
	DatabaseURL string
	// Pool bounds the connections to the PostgreSQL database.
	Pool schema.PoolLimits
	// SecretKeyFile holds the keys the client secrets are sealed with;
	// empty means secret.key in DataDir, made on first start.
	SecretKeyFile string
	HTTPSAddr     string
	HTTPAddr      string
	TLSCert       string
	TLSKey        string
	MaxBodyBytes  int64
	LogFormat     string
	// MaxFailedLogins consecutive failures lock an account for LockDuration,
	// for the source of the failures unless LockScope says otherwise.
	MaxFailedLogins int
	LockDuration    time.Duration
	LockScope       admin.LockScope
	// FailedLoginsPerSource limits a source's failed logins per minute; 0
	// means no limit.
	FailedLoginsPerSource int
	SessionIdleTimeout    time.Duration
	// MapExistingAuthApps allows the store to map existing OAuth clients.
	MapExistingAuthApps bool
	// HashTokens keeps access tokens hashed only: an active token is never
	// handed out again, and isHashDisabled answers false.
	HashTokens bool
	// ResetAdminPassword sets the admin's password to AdminPassword
	// although the admin exists; otherwise only a new admin takes it.
	ResetAdminPassword bool
	// ProvisionUnknownKeys makes the store register consumer keys a key
	// manager does not know when mapping them.
	ProvisionUnknownKeys bool
	// KeyManagers are the remote key managers of the store, beside the
	// resident one.
	KeyManagers []storeapi.RemoteConfig
	// HTTPAdminServices serves the SOAP admin services on the plain HTTP
	// listener too (Carbon's HttpAdminServices); by default they answer
	// on HTTPS only.
	HTTPAdminServices bool
	// Hostname is the host name of the endpoint addresses in served WSDL
	// documents (carbon.xml <HostName>).
	Hostname string
	// AllowedHosts are further names requests may give in their Host
	// header, beside Hostname, loopback names and IP literals.
	AllowedHosts []string
	// CORSOrigins are the origins whose pages may call the store API and
	// the OAuth 2.0 endpoints (scheme://host[:port]); none by default.
	CORSOrigins []string
	// MetricsToken, when set, is the Bearer token /metrics asks for.
	MetricsToken string
}

// Main is the server process; end-to-end tests run it too.
type Main struct {
	Config Config
	// Stdout takes the help asked for (serve -h); Stderr the log and the
	// usage of a command line serve cannot take.
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock; time.Now by default.
	Now func() time.Time

	DB      *schema.DB
	Profile *wsdl.Profile
	Log     zerolog.Logger
	// flushLog writes out the lines the log holds (newLogger).
	flushLog func() error

	// hashCost is the bcrypt cost of password hashes; tests lower it.
	hashCost int
	// handler serves every route; benchmarks call it without a network.
	handler http.Handler

	metrics *metrics
	// cert is the HTTPS listener's certificate; Reload replaces it.
	cert atomic.Pointer[tls.Certificate]
	// live holds the settings of the request path that Reload replaces.
	live atomic.Pointer[liveSettings]
	// identity and store take the login policy and the mapping settings
	// Reload applies.
	identity *admin.Identity
	store    *storeapi.Server

	// args and getenv are what ParseFlags read the configuration from;
	// Reload reads it again from them. Nil getenv: the Config was set
	// directly, and Reload keeps it.
	args   []string
	getenv func(string) string
	// reloadMu makes reloads one at a time.
	reloadMu sync.Mutex

	httpsListener net.Listener
	httpListener  net.Listener
	servers       []*http.Server
	// dataLock is the lock of the data directory an SQLite server holds
	// from Run to Close.
	dataLock *dataDirLock
}

// NewMain returns a Main with the default configuration.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Now: time.Now}
}

type option struct {
	name, env, usage string
	value            *string
	def              string
}

// isBool reports whether the option is true|false: its default is one of
// them. Its flag is a boolean flag (boolText).
func (o option) isBool() bool { return o.def == "true" || o.def == "false" }

// boolText is a true|false option as a boolean flag of the flag package: a
// bare --x means true, --x=false sets false, and --x false leaves false as
// an argument. The value is kept as text, as every option's is, so that
// the variables and the config file fill it the same way.
type boolText struct{ p *string }

func (v boolText) IsBoolFlag() bool { return true }

func (v boolText) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v boolText) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	*v.p = strconv.FormatBool(b)
	return nil
}

// errHelp reports that serve was asked for its help, which it printed.
var errHelp = errors.New("help")

// serveUsage prints serve's flags, each with the kind of value it takes,
// its variable and its default.
func serveUsage(w io.Writer, opts []option) {
	fmt.Fprint(w, "Usage: isadmin serve [flags]\n\nRuns the server. Every flag has an ISADMIN_* variable; a flag given wins over its variable, which wins over --config.\nA true|false flag alone means true (--hash-tokens); its value follows \"=\" (--hash-tokens=false).\nSIGHUP reads the configuration and the certificate again (see README: which settings take effect without a restart).\n\nFlags:\n")
	for _, o := range opts {
		kind := " TEXT"
		switch _, durErr := time.ParseDuration(o.def); {
		case o.isBool():
			kind = "[=true|false]"
		case durErr == nil && strings.ContainsAny(o.def, "hms"):
			kind = " DURATION"
		case o.def != "" && strings.Trim(o.def, "0123456789") == "":
			kind = " N"
		case o.name == "key-manager":
			kind = " SPEC"
		}
		fmt.Fprintf(w, "  --%s%s\n    \t%s\n    \t(env %s", o.name, kind, o.usage, o.env)
		if o.def != "" {
			fmt.Fprintf(w, "; default %s", o.def)
		}
		fmt.Fprint(w, ")\n")
	}
}

// ParseFlags reads flags, then ISADMIN_* variables for the flags not given.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	m.args, m.getenv = slices.Clone(args), getenv
	fs := flag.NewFlagSet("isadmin serve", flag.ContinueOnError)
	var maxBody, maxFailed, lockFor, idle, mapApps, provision, keyManagers, httpAdmin, allowedHosts, lockScope, perSource, hashTokens, corsOrigins, passwordFile, resetPassword, configFile string
	var dbConns, dbIdleConns, dbLifetime, dbIdleTime string
	c := &m.Config
	pool := schema.DefaultPoolLimits()
	opts := []option{
		{"config", "ISADMIN_CONFIG", "TOML file of settings: the flags' names as keys (wire-profile = \"is-7.3\", db-max-conns = 32, key-manager = [\"name=...\"]); a flag or variable given wins over it", &configFile, ""},
		{"wire-profile", "ISADMIN_WIRE_PROFILE", "wire profile: " + strings.Join(wsdl.Names(), ", ") + ", an alias (isadmin profiles) or apim-<version>", &c.WireProfile, wsdl.DefaultProfile},
		{"admin-user", "ISADMIN_ADMIN_USER", "super-admin user name", &c.AdminUser, "admin"},
		{"admin-password", "ISADMIN_ADMIN_PASSWORD", "super-admin password, set when the admin is made (first start); prefer the variable or --admin-password-file, which ps does not show (without one the server binds loopback only)", &c.AdminPassword, defaultPassword},
		{"admin-password-file", "ISADMIN_ADMIN_PASSWORD_FILE", "file whose first line is the super-admin password", &passwordFile, ""},
		{"reset-admin-password", "ISADMIN_RESET_ADMIN_PASSWORD", "set the super-admin's password to the one given although the admin exists", &resetPassword, "false"},
		{"data-dir", "ISADMIN_DATA_DIR", "directory of the SQLite database, the generated TLS certificate and the secret key file", &c.DataDir, "data"},
		{"database-url", "ISADMIN_DATABASE_URL", "PostgreSQL database shared by several instances, e.g. postgres://isadmin@db/isadmin (default: SQLite in --data-dir)", &c.DatabaseURL, ""},
		{"db-max-conns", "ISADMIN_DB_MAX_CONNS", "PostgreSQL: most connections open at once; with several instances, their sum must stay below the server's max_connections", &dbConns, strconv.Itoa(pool.MaxConns)},
		{"db-max-idle-conns", "ISADMIN_DB_MAX_IDLE_CONNS", "PostgreSQL: most unused connections kept open (at most --db-max-conns)", &dbIdleConns, strconv.Itoa(pool.MaxIdleConns)},
		{"db-conn-max-lifetime", "ISADMIN_DB_CONN_MAX_LIFETIME", "PostgreSQL: a connection is closed and opened anew after this long; 0 keeps it", &dbLifetime, pool.MaxLifetime.String()},
		{"db-conn-max-idle-time", "ISADMIN_DB_CONN_MAX_IDLE_TIME", "PostgreSQL: a connection unused this long is closed; 0 keeps it", &dbIdleTime, pool.MaxIdleTime.String()},
		{"secret-key-file", "ISADMIN_SECRET_KEY_FILE", "key file the stored client secrets are sealed with, the same for every instance sharing a database (default: secret.key in --data-dir, made on first start)", &c.SecretKeyFile, ""},
		{"https-addr", "ISADMIN_HTTPS_ADDR", `HTTPS listen address; "" switches HTTPS off`, &c.HTTPSAddr, ":9443"},
		{"http-addr", "ISADMIN_HTTP_ADDR", `plain HTTP listen address; "" switches HTTP off`, &c.HTTPAddr, ":9763"},
		{"http-admin-services", "ISADMIN_HTTP_ADMIN_SERVICES", "serve the SOAP admin services on plain HTTP too (Carbon serves them on HTTPS only)", &httpAdmin, "false"},
		{"hostname", "ISADMIN_HOSTNAME", "host name of the endpoint addresses in served WSDL documents; requests may name it", &c.Hostname, "localhost"},
		{"allowed-hosts", "ISADMIN_ALLOWED_HOSTS", "further host names requests may name, comma-separated (loopback names and IP literals always may)", &allowedHosts, ""},
		{"metrics-token", "ISADMIN_METRICS_TOKEN", "Bearer token /metrics asks for; without one the metrics are open to anyone who reaches the server", &c.MetricsToken, ""},
		{"cors-allowed-origins", "ISADMIN_CORS_ALLOWED_ORIGINS", "origins (scheme://host[:port], comma-separated) whose pages may call the store API and the OAuth 2.0 endpoints with credentials; none by default", &corsOrigins, ""},
		{"tls-cert", "ISADMIN_TLS_CERT", "TLS certificate file (PEM); default: self-signed, kept in the data directory", &c.TLSCert, ""},
		{"tls-key", "ISADMIN_TLS_KEY", "TLS private key file (PEM)", &c.TLSKey, ""},
		{"max-body-bytes", "ISADMIN_MAX_BODY_BYTES", "largest request body accepted", &maxBody, strconv.Itoa(soap.DefaultMaxBodyBytes)},
		{"max-failed-logins", "ISADMIN_MAX_FAILED_LOGINS", "consecutive failed logins that lock an account", &maxFailed, strconv.Itoa(admin.DefaultMaxFailedLogins)},
		{"lock-duration", "ISADMIN_LOCK_DURATION", "how long a locked account stays locked", &lockFor, admin.DefaultLockDuration.String()},
		{"lock-scope", "ISADMIN_LOCK_SCOPE", "what failed logins lock: user-and-source (the account, for the address the failures came from) or user (the account everywhere, ending its sessions, as Identity Server does)", &lockScope, "user-and-source"},
		{"failed-logins-per-source", "ISADMIN_FAILED_LOGINS_PER_SOURCE", "failed logins an address may make per minute before its logins are refused unchecked; 0 for no limit", &perSource, strconv.Itoa(admin.DefaultFailedLoginsPerSource)},
		{"session-idle-timeout", "ISADMIN_SESSION_IDLE_TIMEOUT", "idle time after which a login session ends", &idle, admin.DefaultSessionIdleTimeout.String()},
		{"log-format", "ISADMIN_LOG_FORMAT", "log format: auto (console on a terminal, JSON otherwise), console or json", &c.LogFormat, "auto"},
		{"map-existing-auth-apps", "ISADMIN_MAP_EXISTING_AUTH_APPS", "let the store map existing OAuth clients to applications (map-keys)", &mapApps, "true"},
		{"hash-tokens", "ISADMIN_HASH_TOKENS", "keep access tokens hashed only: every token request gets a new token (Identity Server's token hashing)", &hashTokens, "false"},
		{"provision-unknown-keys", "ISADMIN_PROVISION_UNKNOWN_KEYS", "when mapping a consumer key the key manager does not know, register it there with the supplied secret", &provision, "true"},
		{"key-manager", "ISADMIN_KEY_MANAGERS", "remote key manager of the store, repeatable: name=NAME,url=URL,profile=is-7.3,user=USER,password-env=VAR[,soap=1.2][,insecure-tls=true]; the variable separates several with ';'", &keyManagers, ""},
	}
	for _, o := range opts {
		switch usage := o.usage + " (env " + o.env + ")"; {
		case o.name == "key-manager":
			fs.Var(appendValue{o.value}, o.name, usage)
		case o.isBool():
			*o.value = o.def
			fs.Var(boolText{o.value}, o.name, usage)
		default:
			fs.StringVar(o.value, o.name, o.def, usage)
		}
	}
	fs.Usage = func() { serveUsage(fs.Output(), opts) }
	stdout := m.Stdout
	if stdout == nil {
		stdout = os.Stdout
	}
	if err := parseFlags(fs, args, stdout, m.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return err
	}
	if fs.NArg() > 0 {
		return unexpectedArgument(fs, args)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, o := range opts {
		if v, ok := lookup(getenv, o.env); ok && !given[o.name] {
			*o.value = v
			given[o.name] = true
		}
	}
	if configFile != "" {
		if err := applyConfigFile(configFile, opts, given); err != nil {
			return err
		}
	}
	n, err := strconv.ParseInt(maxBody, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("--max-body-bytes: want a positive number of bytes, got %q", maxBody)
	}
	c.MaxBodyBytes = n
	if c.MaxFailedLogins, err = strconv.Atoi(maxFailed); err != nil || c.MaxFailedLogins <= 0 {
		return fmt.Errorf("--max-failed-logins: want a positive number, got %q", maxFailed)
	}
	if c.FailedLoginsPerSource, err = strconv.Atoi(perSource); err != nil || c.FailedLoginsPerSource < 0 {
		return fmt.Errorf("--failed-logins-per-source: want a number, 0 for no limit, got %q", perSource)
	}
	switch lockScope {
	case "user-and-source":
		c.LockScope = admin.LockPerUserAndSource
	case "user":
		c.LockScope = admin.LockPerUser
	default:
		return fmt.Errorf("--lock-scope: want user-and-source or user, got %q", lockScope)
	}
	for _, d := range []struct {
		flag  string
		value string
		dst   *time.Duration
	}{{"lock-duration", lockFor, &c.LockDuration}, {"session-idle-timeout", idle, &c.SessionIdleTimeout}} {
		if *d.dst, err = time.ParseDuration(d.value); err != nil || *d.dst <= 0 {
			return fmt.Errorf("--%s: want a positive duration such as 15m, got %q", d.flag, d.value)
		}
	}
	for _, b := range []struct {
		flag, value string
		dst         *bool
	}{{"map-existing-auth-apps", mapApps, &c.MapExistingAuthApps}, {"provision-unknown-keys", provision, &c.ProvisionUnknownKeys}, {"http-admin-services", httpAdmin, &c.HTTPAdminServices}, {"hash-tokens", hashTokens, &c.HashTokens}, {"reset-admin-password", resetPassword, &c.ResetAdminPassword}} {
		if *b.dst, err = strconv.ParseBool(b.value); err != nil {
			return fmt.Errorf("--%s: want true or false, got %q", b.flag, b.value)
		}
	}
	c.KeyManagers = nil
	for _, spec := range strings.Split(keyManagers, ";") {
		if strings.TrimSpace(spec) == "" {
			continue
		}
		kc, err := storeapi.ParseKeyManager(spec, getenv)
		if err != nil {
			return fmt.Errorf("--key-manager: %w", err)
		}
		for _, other := range c.KeyManagers {
			if other.Name == kc.Name {
				return fmt.Errorf("--key-manager: the name %q is given twice", kc.Name)
			}
		}
		c.KeyManagers = append(c.KeyManagers, kc)
	}
	if c.AdminUser == "" || c.AdminPassword == "" {
		return errors.New("--admin-user and --admin-password must not be empty")
	}
	if c.DatabaseURL != "" && !schema.IsPostgresURL(c.DatabaseURL) {
		return fmt.Errorf("--database-url: want a postgres:// URL, got %q", c.DatabaseURL)
	}
	for _, n := range []struct {
		flag, value string
		dst         *int
	}{{"db-max-conns", dbConns, &pool.MaxConns}, {"db-max-idle-conns", dbIdleConns, &pool.MaxIdleConns}} {
		if *n.dst, err = strconv.Atoi(n.value); err != nil {
			return fmt.Errorf("--%s: want a number, got %q", n.flag, n.value)
		}
	}
	if !given["db-max-idle-conns"] && given["db-max-conns"] {
		pool.MaxIdleConns = pool.MaxConns
	}
	for _, d := range []struct {
		flag, value string
		dst         *time.Duration
	}{{"db-conn-max-lifetime", dbLifetime, &pool.MaxLifetime}, {"db-conn-max-idle-time", dbIdleTime, &pool.MaxIdleTime}} {
		if *d.dst, err = time.ParseDuration(d.value); err != nil || *d.dst < 0 {
			return fmt.Errorf("--%s: want a duration such as 30m, 0 to keep connections, got %q", d.flag, d.value)
		}
	}
	if err := pool.Check(); err != nil {
		return fmt.Errorf("--db-max-conns, --db-max-idle-conns: %w", err)
	}
	c.Pool = pool
	if c.HTTPSAddr == "" && c.HTTPAddr == "" {
		return errors.New("both listeners are off: set --https-addr or --http-addr")
	}
	if c.Hostname == "" || strings.ContainsAny(c.Hostname, "/?#@ \t\"'<>&") {
		return fmt.Errorf("--hostname: want a host name, got %q", c.Hostname)
	}
	c.AllowedHosts = nil
	for _, h := range strings.Split(allowedHosts, ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if strings.ContainsAny(h, "/?#@ \t\"'<>&:") {
			return fmt.Errorf("--allowed-hosts: want host names, got %q", h)
		}
		c.AllowedHosts = append(c.AllowedHosts, h)
	}
	if c.CORSOrigins, err = parseOrigins(corsOrigins); err != nil {
		return err
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	switch c.LogFormat {
	case "auto", "console", "json":
	default:
		return fmt.Errorf("--log-format: want auto, console or json, got %q", c.LogFormat)
	}
	if passwordFile != "" {
		if given["admin-password"] {
			return errors.New("--admin-password-file: give the password once, not also with --admin-password (ISADMIN_ADMIN_PASSWORD)")
		}
		data, err := os.ReadFile(passwordFile)
		if err != nil {
			return fmt.Errorf("--admin-password-file: %w", err)
		}
		c.AdminPassword, _, _ = strings.Cut(string(data), "\n")
		c.AdminPassword = strings.TrimSuffix(c.AdminPassword, "\r")
		if c.AdminPassword == "" {
			return fmt.Errorf("--admin-password-file %s: the first line is empty", passwordFile)
		}
	}
	if c.AdminPassword == defaultPassword {
		// The well-known password is only safe where nobody else can reach.
		for _, a := range []struct {
			flag string
			addr *string
		}{{"https-addr", &c.HTTPSAddr}, {"http-addr", &c.HTTPAddr}} {
			if *a.addr == "" {
				continue
			}
			if !given[a.flag] {
				*a.addr = loopback(*a.addr)
				continue
			}
			if !isLoopback(*a.addr) {
				return fmt.Errorf("--%s %s: the default admin password only listens on loopback addresses; set --admin-password (ISADMIN_ADMIN_PASSWORD) to listen elsewhere", a.flag, *a.addr)
			}
		}
	}
	return nil
}

// unexpectedArgument is the error for the first argument fs left. After a
// bare true|false flag it says how that flag takes a value: the flag
// package does not take "false" in "--hash-tokens false" as its value.
func unexpectedArgument(fs *flag.FlagSet, args []string) error {
	arg := fs.Arg(0)
	if i := len(args) - fs.NArg() - 1; i >= 0 {
		name, dashes := strings.TrimLeft(args[i], "-"), len(args[i])-len(strings.TrimLeft(args[i], "-"))
		if f := fs.Lookup(name); f != nil && (dashes == 1 || dashes == 2) {
			if _, ok := f.Value.(boolText); ok {
				value := "false"
				if _, err := strconv.ParseBool(arg); err == nil {
					value = arg
				}
				return fmt.Errorf("unexpected argument %q after --%s: a true|false flag takes its value after \"=\" (--%s=%s); --%s alone means true", arg, name, name, value, name)
			}
		}
	}
	return fmt.Errorf("unexpected argument %q", arg)
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

// loopback rebinds an address with an empty or wildcard host to 127.0.0.1.
func loopback(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run opens the database and starts the listeners; it returns once they
// accept connections.
func (m *Main) Run(ctx context.Context) error {
	c := m.Config
	m.Log, m.flushLog = newLogger(m.Stderr, c.LogFormat)
	// A start on a new SQLite database hashes the admin password for the
	// admin user it creates: that hash, the longest step of a first start,
	// runs while the profile is parsed and the database is made.
	location := filepath.Join(c.DataDir, "isadmin.db")
	if c.DatabaseURL != "" {
		location = c.DatabaseURL
	}
	var adminHash *admin.Prehash
	if _, err := os.Stat(location); c.DatabaseURL == "" && errors.Is(err, fs.ErrNotExist) {
		adminHash = admin.StartHash(c.AdminPassword, m.hashCost)
	}
	profile, err := wsdl.Load(c.WireProfile)
	if err != nil {
		return err
	}
	m.Profile = profile
	if err := os.MkdirAll(c.DataDir, dataDirMode); err != nil {
		return fmt.Errorf("--data-dir %s: cannot make the data directory (the user running isadmin must be able to create and write it): %w", c.DataDir, err)
	}
	if c.DatabaseURL == "" {
		// One server at a time on a data directory's database, and no
		// restore under it (restore takes the same lock).
		if m.dataLock, err = lockDataDir(c.DataDir); errors.Is(err, errDataDirLocked) {
			return fmt.Errorf("--data-dir %s: another isadmin server is running on this data directory (it holds %s): stop it first, or give another --data-dir", c.DataDir, lockPath(c.DataDir))
		} else if err != nil {
			return fmt.Errorf("--data-dir %s: %w", c.DataDir, err)
		}
	}
	keyFile := secretKeyFile(c.DataDir, c.SecretKeyFile)
	tightenModes(m.Log, c.DataDir, append(dataFiles(c.DataDir, c.DatabaseURL == ""), keyFile)...)
	if m.DB, err = schema.Open(ctx, location); err != nil {
		return err
	}
	m.DB.Now = m.Now
	if m.DB.Created {
		m.Log.Warn().Str("path", location).Msg("created a new, empty database: if one was expected here, stop and restore it (isadmin restore)")
	}
	// A zero Pool keeps the limits the database opened with.
	if c.DatabaseURL != "" && c.Pool != (schema.PoolLimits{}) {
		if err := m.DB.SetPoolLimits(c.Pool); err != nil {
			return err
		}
	}
	keys, err := loadSecretKeys(ctx, m.Log, m.DB, keyFile)
	if err != nil {
		return err
	}
	sealedNow, err := m.DB.UseSecretKeys(ctx, keys)
	if err != nil {
		return fmt.Errorf("%w (key file %s)", err, keyFile)
	}
	if sealedNow > 0 {
		m.Log.Info().Int("secrets", sealedNow).Str("key_id", keys.SealingKeyID()).Msg("sealed the client secrets stored in plain text")
	}
	config, err := oauthConfig(profile)
	if err != nil {
		return err
	}
	if c.HashTokens {
		config.HashDisabled = false
	}
	m.metrics = newMetrics(profile, m.DB)
	m.live.Store(newLiveSettings(c))
	identity := &admin.Identity{
		OnEvent: m.metrics.observeAuth,
		Store:   m.DB, Now: m.Now, HashCost: m.hashCost, Prehashed: adminHash,
		MaxFailedLogins: c.MaxFailedLogins, LockDuration: c.LockDuration, LockScope: c.LockScope,
		FailedLoginsPerSource: c.FailedLoginsPerSource, SessionIdleTimeout: c.SessionIdleTimeout,
	}
	if len(m.DB.Migrated) > 0 {
		m.Log.Info().Strs("migrations", m.DB.Migrated).Msg("applied database migrations")
	}
	password, err := identity.EnsureAdmin(ctx, admin.SuperTenantID, c.AdminUser, c.AdminPassword, c.ResetAdminPassword)
	if err != nil {
		return fmt.Errorf("setting up the admin user: %w", err)
	}
	switch password {
	case admin.AdminPasswordKept:
		m.Log.Warn().Str("user", c.AdminUser).Msg("the admin password given is not the admin's: the admin keeps its own (--reset-admin-password sets the one given)")
	case admin.AdminPasswordReset:
		m.Log.Info().Str("user", c.AdminUser).Msg("reset the admin password to the one given (--reset-admin-password)")
	}
	oauthAdmin := &admin.OAuthAdmin{Store: m.DB, Config: config, Authorizations: m.DB}
	appMgt := &admin.AppMgt{Store: m.DB, OAuth: m.DB, Now: m.Now, Limits: config.Limits}
	srv := &soap.Server{
		HTTPAdminServices: c.HTTPAdminServices,
		Profile:           profile,
		Services: map[string]any{
			"OAuthAdminService":   oauthAdmin,
			"AuthenticationAdmin": &admin.AuthenticationAdmin{Identity: identity},

			"IdentityApplicationManagementService": appMgt,
		},
		Identity:     identity,
		Observe:      m.metrics.observeSOAP,
		Realm:        soap.DefaultRealm,
		MaxBodyBytes: c.MaxBodyBytes,
		Log:          m.Log,
		Now:          m.Now,
	}
	router := httprouter.New()
	corsOrigins := func() []string { return m.live.Load().corsOrigins }
	hosts := func() map[string]bool { return m.live.Load().hosts }
	m.handler = writeDeadlines(carbonServer(headerLimit(hostAllowlist(carryOut(cors(router, corsOrigins), operationTimeout), hosts), 8<<10)), writeIdleTimeout)
	srv.Register(router)
	tokenConfig, err := tokens.ConfigOf(profile)
	if err != nil {
		return err
	}
	tokenConfig.Hash = c.HashTokens
	tokenServer := &tokens.Server{
		Config: tokenConfig, Store: m.DB, Clients: m.DB, Users: identity, Versions: m.DB, Realm: c.Hostname, Now: m.Now,
		Log: func(e tokens.LogEntry) {
			m.metrics.observeOAuth2(e.Endpoint, e.GrantType, e.Status)
			m.Log.Info().Str("request_id", e.RequestID).Str("client", e.Source).Str("endpoint", e.Endpoint).Str("client_id", e.Client).Str("grant_type", e.GrantType).
				Int("status", e.Status).Str("error", e.Error).Dur("duration", e.Duration).Msg("oauth2 request")
		},
	}
	tokenServer.Register(router)
	keyManagers := map[string]storeapi.KeyManager{storeapi.ResidentKeyManager: &storeapi.Local{OAuth: oauthAdmin, Profile: profile, Tokens: tokenServer}}
	for _, kc := range c.KeyManagers {
		if keyManagers[kc.Name] != nil {
			return fmt.Errorf("key manager %q: the name is taken", kc.Name)
		}
		if keyManagers[kc.Name], err = storeapi.NewRemote(kc); err != nil {
			return err
		}
	}
	store := &storeapi.Server{
		Store: m.DB, Identity: identity, KeyManagers: keyManagers,
		MapExistingAuthApps: c.MapExistingAuthApps, ProvisionUnknownKeys: c.ProvisionUnknownKeys,
		Realm: "isadmin", MaxBodyBytes: c.MaxBodyBytes, Now: m.Now, Tokens: tokenServer, HashTokens: c.HashTokens,
		Log: func(e storeapi.LogEntry) {
			m.metrics.observeStore(e.Route, e.Method, e.Status)
			m.Log.Info().Str("request_id", e.RequestID).Str("client", e.Client).Str("route", e.Route).Str("method", e.Method).Str("user", e.User).Int("status", e.Status).
				Str("error", e.Error).Dur("duration", e.Duration).Msg("store request")
		},
	}
	store.Register(router)
	version, _, _, _ := buildInfo()
	pages := &web.Server{Profile: profile, Identity: identity, OAuth: oauthAdmin, AppMgt: appMgt, Store: store, Version: version, Now: m.Now,
		Log: func(e web.LogEntry) {
			m.Log.Info().Str("request_id", e.RequestID).Str("client", e.Client).Str("route", e.Route).Str("method", e.Method).Str("user", e.User).
				Int("status", e.Status).Dur("duration", e.Duration).Msg("page request")
		},
	}
	if err := pages.Register(router); err != nil {
		return err
	}
	m.identity, m.store = identity, store
	m.registerHealth(router)
	m.metrics.register(router, func() string { return m.live.Load().metricsToken })
	router.NotFound = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !store.Unrouted(w, r, "") {
			http.NotFound(w, r)
		}
	})
	router.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !store.Unrouted(w, r, w.Header().Get("Allow")) {
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		}
	})

	if c.HTTPSAddr != "" {
		tlsCert, err := loadCertificate(c.DataDir, c.TLSCert, c.TLSKey, m.Now)
		if err != nil {
			return err
		}
		m.cert.Store(&tlsCert)
		if m.httpsListener, err = net.Listen("tcp", c.HTTPSAddr); err != nil {
			return err
		}
	}
	if c.HTTPAddr != "" {
		if m.httpListener, err = net.Listen("tcp", c.HTTPAddr); err != nil {
			return err
		}
	}
	srv.Address = endpointAddress(c.Hostname, m.httpsListener, m.httpListener)
	if ln := m.httpsListener; ln != nil {
		hs := m.httpServer(m.handler)
		hs.TLSConfig = tlsConfig(m.cert.Load)
		// HTTP/1.1 only, as Carbon's Tomcat connector: no HTTP/2 by ALPN.
		hs.Protocols = new(http.Protocols)
		hs.Protocols.SetHTTP1(true)
		m.servers = append(m.servers, hs)
		go hs.ServeTLS(ln, "", "")
	}
	if ln := m.httpListener; ln != nil {
		hs := m.httpServer(m.handler)
		m.servers = append(m.servers, hs)
		go hs.Serve(ln)
	}
	m.Log.Info().Str("profile", profile.Name).Str("https", m.HTTPSAddr()).Str("http", m.HTTPAddr()).
		Str("data_dir", c.DataDir).Msg("isadmin serving")
	return nil
}

// endpointAddress is the scheme, host and port of the endpoint addresses
// of served WSDL documents: Carbon's HostName and its HTTPS port
// (AbstractTransportListener.genEpr), never a request's Host header; the
// HTTP port when HTTPS is off.
func endpointAddress(hostname string, https, http net.Listener) string {
	scheme, ln := "https", https
	if ln == nil {
		scheme, ln = "http", http
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return scheme + "://" + net.JoinHostPort(hostname, port)
}

// maxHeaderBytes bounds a request's line and header fields together at
// 8 KiB, as Tomcat's maxHttpHeaderSize does: net/http reads up to 4 KiB
// beyond its MaxHeaderBytes, so that is 4 KiB.
const maxHeaderBytes = 8<<10 - 4<<10

func (m *Main) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		// Renewed by writeDeadlines at every piece of an answer.
		WriteTimeout:   writeIdleTimeout,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: maxHeaderBytes,
		// TLS handshake failures and the like: through the same logger.
		ErrorLog: log.New(serverErrors{m.Log}, "", 0),
	}
}

// serverErrors writes what net/http logs (TLS handshake errors, ...) as
// warnings of the server's logger.
type serverErrors struct{ log zerolog.Logger }

func (e serverErrors) Write(p []byte) (int, error) {
	e.log.Warn().Msg(strings.TrimSpace(string(p)))
	return len(p), nil
}

// HTTPSAddr is the address the HTTPS listener is bound to, or "".
func (m *Main) HTTPSAddr() string {
	if m.httpsListener == nil {
		return ""
	}
	return m.httpsListener.Addr().String()
}

// HTTPAddr is the address the plain HTTP listener is bound to, or "".
func (m *Main) HTTPAddr() string {
	if m.httpListener == nil {
		return ""
	}
	return m.httpListener.Addr().String()
}

// Close stops the listeners, waits for requests in flight, and closes the
// database.
func (m *Main) Close(ctx context.Context) error {
	var errs []error
	for _, s := range m.servers {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if m.DB != nil {
		if err := m.DB.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	// Once the database is closed (and checkpointed): a restore may go.
	m.dataLock.release()
	m.dataLock = nil
	if len(m.servers) > 0 {
		ev := m.Log.Info()
		if err := errors.Join(errs...); err != nil {
			ev = m.Log.Error().Err(err)
		}
		ev.Msg("isadmin stopped")
	}
	if m.flushLog != nil {
		m.flushLog()
	}
	return errors.Join(errs...)
}

// newLogger returns the server's logger writing to w, and the function that
// writes out what it holds. A log to a file or a pipe is buffered
// (logBuffer); one to a terminal, or to any other writer, is not.
func newLogger(w io.Writer, format string) (zerolog.Logger, func() error) {
	flush := func() error { return nil }
	f, isFile := w.(*os.File)
	terminal := isFile && isatty.IsTerminal(f.Fd())
	if isFile && !terminal {
		b := newLogBuffer(w, logFlushDelay)
		w, flush = b, b.Flush
	}
	if format == "console" || format == "auto" && terminal {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339}
	}
	return zerolog.New(w).With().Timestamp().Logger(), flush
}

// oauthConfig reads the OAuth settings a fresh server of the profile has,
// and the column sizes of its generation's database scripts.
func oauthConfig(p *wsdl.Profile) (admin.OAuthConfig, error) {
	first := func(key string) string {
		if v := p.Setting(key); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	fields := func(key string) []string { return strings.Fields(first(key)) }
	seconds := func(key string) (int64, error) {
		v := first(key)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("profile %s: setting %s: %w", p.Name, key, err)
		}
		return n, nil
	}
	c := admin.OAuthConfig{
		AllowedGrantTypes:           fields("grant-types"),
		ScopeValidators:             p.Setting("scope-validators"),
		TokenTypes:                  fields("token-types"),
		PKCESupported:               first("pkce-supported") == "true",
		RefreshTokenRenewal:         first("refresh-token-renewal") == "true",
		HashDisabled:                first("hash-disabled") == "true",
		IDTokenEncryptionAlgorithms: fields("id-token-encryption-algorithms"),
		IDTokenEncryptionMethods:    fields("id-token-encryption-methods"),
	}
	var err error
	for key, dst := range map[string]*int64{
		"user-token-expiry": &c.UserTokenExpiry, "application-token-expiry": &c.ApplicationTokenExpiry,
		"refresh-token-expiry": &c.RefreshTokenExpiry, "id-token-expiry": &c.IDTokenExpiry,
	} {
		if *dst, err = seconds(key); err != nil {
			return c, err
		}
	}
	for _, v := range p.Setting("max-length") {
		f := strings.Fields(v)
		if len(f) != 2 {
			return c, fmt.Errorf("profile %s: max-length %q: want a limit's name and a length", p.Name, v)
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return c, fmt.Errorf("profile %s: max-length %q: %w", p.Name, v, err)
		}
		if err := c.Limits.Set(f[0], n); err != nil {
			return c, fmt.Errorf("profile %s: %w", p.Name, err)
		}
	}
	for _, b := range p.Setting("token-binding") {
		parts := strings.Split(b, "|")
		if len(parts) != 4 {
			return c, fmt.Errorf("profile %s: token-binding %q: want type|name|description|grants", p.Name, b)
		}
		c.TokenBindings = append(c.TokenBindings, &wsdl.TokenBindingMetaDataDTO{
			TokenBindingType: &parts[0], DisplayName: &parts[1], Description: &parts[2],
			SupportedGrantTypes: strings.Fields(parts[3]),
		})
	}
	return c, nil
}

// appendValue is a repeatable string flag: each use appends its value to
// the variable, separated by ';'.
type appendValue struct{ p *string }

func (v appendValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v appendValue) Set(s string) error {
	if *v.p != "" {
		*v.p += ";"
	}
	*v.p += s
	return nil
}
