package main

import (
	"bytes"
	"crypto/tls"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/storeapi"
)

// liveSettings are the settings of the request path that a reload
// replaces, read once per request.
type liveSettings struct {
	metricsToken string
	corsOrigins  []string
	// hosts are the host names requests may give beside loopback names
	// and IP literals: --hostname and --allowed-hosts.
	hosts map[string]bool
}

func newLiveSettings(c Config) *liveSettings {
	return &liveSettings{
		metricsToken: c.MetricsToken,
		corsOrigins:  slices.Clone(c.CORSOrigins),
		hosts:        hostSet(append([]string{c.Hostname}, c.AllowedHosts...)),
	}
}

// setting is one setting of Config, by its flag's name.
type setting struct {
	name string
	// differs reports whether two configurations give it different values.
	differs func(a, b *Config) bool
	// apply, for a setting that takes effect without a restart, copies its
	// value from src to dst; nil for one that needs a restart.
	apply func(dst, src *Config)
}

// scalar is a setting held in a comparable field.
func scalar[T comparable](name string, reloads bool, field func(*Config) *T) setting {
	s := setting{name: name, differs: func(a, b *Config) bool { return *field(a) != *field(b) }}
	if reloads {
		s.apply = func(dst, src *Config) { *field(dst) = *field(src) }
	}
	return s
}

// listOf is a setting held in a slice.
func listOf[T comparable](name string, reloads bool, field func(*Config) *[]T) setting {
	s := setting{name: name, differs: func(a, b *Config) bool { return !slices.Equal(*field(a), *field(b)) }}
	if reloads {
		s.apply = func(dst, src *Config) { *field(dst) = slices.Clone(*field(src)) }
	}
	return s
}

const (
	reloads = true
	restart = false
)

// settings are all the settings of Config, each once (TestSettingsCover
// checks that no field is left out), with whether a reload applies it.
var settings = []setting{
	// Read again at every reload; the paths may change too.
	scalar("tls-cert", reloads, func(c *Config) *string { return &c.TLSCert }),
	scalar("tls-key", reloads, func(c *Config) *string { return &c.TLSKey }),
	scalar("metrics-token", reloads, func(c *Config) *string { return &c.MetricsToken }),
	listOf("cors-allowed-origins", reloads, func(c *Config) *[]string { return &c.CORSOrigins }),
	listOf("allowed-hosts", reloads, func(c *Config) *[]string { return &c.AllowedHosts }),
	scalar("max-failed-logins", reloads, func(c *Config) *int { return &c.MaxFailedLogins }),
	scalar("lock-duration", reloads, func(c *Config) *time.Duration { return &c.LockDuration }),
	scalar("lock-scope", reloads, func(c *Config) *admin.LockScope { return &c.LockScope }),
	scalar("failed-logins-per-source", reloads, func(c *Config) *int { return &c.FailedLoginsPerSource }),
	scalar("session-idle-timeout", reloads, func(c *Config) *time.Duration { return &c.SessionIdleTimeout }),
	scalar("map-existing-auth-apps", reloads, func(c *Config) *bool { return &c.MapExistingAuthApps }),
	scalar("provision-unknown-keys", reloads, func(c *Config) *bool { return &c.ProvisionUnknownKeys }),

	// Taken once, at the start: the listeners, the database and its
	// pool, the keys, the logger, the services and their wire profile.
	scalar("wire-profile", restart, func(c *Config) *string { return &c.WireProfile }),
	scalar("admin-user", restart, func(c *Config) *string { return &c.AdminUser }),
	scalar("admin-password", restart, func(c *Config) *string { return &c.AdminPassword }),
	scalar("reset-admin-password", restart, func(c *Config) *bool { return &c.ResetAdminPassword }),
	scalar("data-dir", restart, func(c *Config) *string { return &c.DataDir }),
	scalar("database-url", restart, func(c *Config) *string { return &c.DatabaseURL }),
	scalar("db-max-conns", restart, func(c *Config) *int { return &c.Pool.MaxConns }),
	scalar("db-max-idle-conns", restart, func(c *Config) *int { return &c.Pool.MaxIdleConns }),
	scalar("db-conn-max-lifetime", restart, func(c *Config) *time.Duration { return &c.Pool.MaxLifetime }),
	scalar("db-conn-max-idle-time", restart, func(c *Config) *time.Duration { return &c.Pool.MaxIdleTime }),
	scalar("secret-key-file", restart, func(c *Config) *string { return &c.SecretKeyFile }),
	scalar("https-addr", restart, func(c *Config) *string { return &c.HTTPSAddr }),
	scalar("http-addr", restart, func(c *Config) *string { return &c.HTTPAddr }),
	scalar("http-admin-services", restart, func(c *Config) *bool { return &c.HTTPAdminServices }),
	scalar("hostname", restart, func(c *Config) *string { return &c.Hostname }),
	scalar("max-body-bytes", restart, func(c *Config) *int64 { return &c.MaxBodyBytes }),
	scalar("log-format", restart, func(c *Config) *string { return &c.LogFormat }),
	scalar("hash-tokens", restart, func(c *Config) *bool { return &c.HashTokens }),
	listOf("key-manager", restart, func(c *Config) *[]storeapi.RemoteConfig { return &c.KeyManagers }),
}

// Reload reads the configuration again (SIGHUP) from the flags and the
// variables the process started with, and from the --config file they
// name, with the same precedence as at the start, and reads the TLS
// certificate again. It applies, without a restart, the certificate and
// its paths, the metrics token, the CORS origins, the allowed hosts, the
// login policy (max-failed-logins, lock-duration, lock-scope,
// failed-logins-per-source, session-idle-timeout) and the store's mapping
// settings (map-existing-auth-apps, provision-unknown-keys); requests
// under way finish with the values they started with. A change to any
// other setting is logged as a warning and waits for the next start.
//
// It is all or nothing: a configuration that cannot be read or is not
// valid, or a certificate that cannot be read, is logged and returned,
// and everything stays as it was.
func (m *Main) Reload() error {
	m.reloadMu.Lock()
	defer m.reloadMu.Unlock()
	running := m.Config
	next := running
	if m.getenv != nil {
		fresh := &Main{Stderr: io.Discard}
		if err := fresh.ParseFlags(m.args, m.getenv); err != nil {
			m.Log.Error().Err(err).Msg("reload: the configuration could not be read; everything stays as it was")
			return err
		}
		next = fresh.Config
	}
	var applied, restartOnly []string
	for _, s := range settings {
		if !s.differs(&running, &next) {
			continue
		}
		if s.apply == nil {
			restartOnly = append(restartOnly, s.name)
			continue
		}
		applied = append(applied, s.name)
	}
	var cert *tls.Certificate
	if m.httpsListener != nil {
		c, err := loadCertificate(running.DataDir, next.TLSCert, next.TLSKey, m.Now)
		if err != nil {
			m.Log.Error().Err(err).Msg("reload: the TLS certificate could not be read; everything stays as it was")
			return err
		}
		cert = &c
		if old := m.cert.Load(); old == nil || !bytes.Equal(old.Certificate[0], c.Certificate[0]) {
			applied = append(applied, "certificate")
		}
	}

	// The configuration in force: the new values of the settings a reload
	// applies, the running ones of the others.
	c := running
	for _, s := range settings {
		if s.apply != nil {
			s.apply(&c, &next)
		}
	}
	if cert != nil {
		m.cert.Store(cert)
	}
	m.live.Store(newLiveSettings(c))
	if m.identity != nil {
		m.identity.SetPolicy(admin.LoginPolicy{MaxFailedLogins: c.MaxFailedLogins, LockDuration: c.LockDuration, LockScope: c.LockScope,
			FailedLoginsPerSource: c.FailedLoginsPerSource, SessionIdleTimeout: c.SessionIdleTimeout})
	}
	if m.store != nil {
		m.store.SetMapping(c.MapExistingAuthApps, c.ProvisionUnknownKeys)
	}
	m.Config = c

	if len(restartOnly) > 0 {
		m.Log.Warn().Strs("settings", restartOnly).
			Msg("reload: " + strings.Join(restartOnly, ", ") + " changed in the configuration; takes effect at the next start")
	}
	if applied == nil {
		applied = []string{}
	}
	m.Log.Info().Strs("applied", applied).Msg("reload: the configuration and the TLS certificate were read again")
	return nil
}
