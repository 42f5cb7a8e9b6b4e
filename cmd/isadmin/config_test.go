package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigFile: settings from a TOML file, under the variables, which
// are under the flags; a key that names no setting and a value of the
// wrong kind are refused with the key named.
func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "isadmin.toml")
	os.WriteFile(file, []byte(`
wire-profile = "is-5.3"
admin-user = "root"
max-failed-logins = 9
hash-tokens = true
lock-duration = "20m"
key-manager = ["name=A,url=http://a.example:9443,profile=is-7.3,user=admin,password-env=A_PW"]
`), 0o600)
	parse := func(args []string, env map[string]string) (*Main, error) {
		m := NewMain()
		m.Stderr = &bytes.Buffer{}
		err := m.ParseFlags(append([]string{"--config", file}, args...), func(k string) string { return env[k] })
		return m, err
	}
	m, err := parse(nil, map[string]string{"A_PW": "secret"})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config
	if c.WireProfile != "is-5.3" || c.AdminUser != "root" || c.MaxFailedLogins != 9 || !c.HashTokens || c.LockDuration.Minutes() != 20 ||
		len(c.KeyManagers) != 1 || c.KeyManagers[0].Name != "A" {
		t.Errorf("from the file: %+v", c)
	}
	m, err = parse([]string{"--admin-user", "flagged"}, map[string]string{"ISADMIN_WIRE_PROFILE": "is-7.0", "ISADMIN_ADMIN_USER": "from-env", "A_PW": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.WireProfile != "is-7.0" || m.Config.AdminUser != "flagged" {
		t.Errorf("precedence: profile %q (want the variable's), user %q (want the flag's)", m.Config.WireProfile, m.Config.AdminUser)
	}
	for body, want := range map[string]string{
		`wire-profil = "is-5.3"`:  `"wire-profil" is no setting`,
		`max-failed-logins = 2.5`: "max-failed-logins: want a string",
		"[server]\nport = 1":      "no setting",
		`wire-profile = "is-5.3`:  "--config",
	} {
		os.WriteFile(file, []byte(body), 0o600)
		if _, err := parse(nil, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error with %q", body, err, want)
		}
	}
}

// TestConfigFileBooleans: a true|false setting of the file, under its
// variable, under its flag, bare or with =.
func TestConfigFileBooleans(t *testing.T) {
	file := filepath.Join(t.TempDir(), "isadmin.toml")
	os.WriteFile(file, []byte("hash-tokens = true\nmap-existing-auth-apps = false\nhttp-admin-services = true\n"), 0o600)
	for _, tc := range []struct {
		name                            string
		args                            []string
		env                             map[string]string
		hashTokens, mapApps, httpAdmin  bool
		resetPassword, provisionUnknown bool
	}{
		{name: "the file", hashTokens: true, mapApps: false, httpAdmin: true, provisionUnknown: true},
		{name: "a variable wins over the file", env: map[string]string{"ISADMIN_HASH_TOKENS": "false", "ISADMIN_MAP_EXISTING_AUTH_APPS": "true"},
			hashTokens: false, mapApps: true, httpAdmin: true, provisionUnknown: true},
		{name: "a bare flag wins over the variable and the file", args: []string{"--map-existing-auth-apps", "--reset-admin-password"}, env: map[string]string{"ISADMIN_MAP_EXISTING_AUTH_APPS": "false"},
			hashTokens: true, mapApps: true, httpAdmin: true, resetPassword: true, provisionUnknown: true},
		{name: "a flag's =false wins over the variable and the file", args: []string{"--hash-tokens=false", "--provision-unknown-keys=false"}, env: map[string]string{"ISADMIN_HASH_TOKENS": "true"},
			hashTokens: false, mapApps: false, httpAdmin: true, provisionUnknown: false},
		{name: "bare flags between other flags", args: []string{"--http-admin-services", "--log-format", "json", "--hash-tokens"}, env: map[string]string{"ISADMIN_HASH_TOKENS": "false"},
			hashTokens: true, mapApps: false, httpAdmin: true, provisionUnknown: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMain()
			m.Stderr = &bytes.Buffer{}
			if err := m.ParseFlags(append([]string{"--config", file}, tc.args...), func(k string) string { return tc.env[k] }); err != nil {
				t.Fatal(err)
			}
			c := m.Config
			if c.HashTokens != tc.hashTokens || c.MapExistingAuthApps != tc.mapApps || c.HTTPAdminServices != tc.httpAdmin ||
				c.ResetAdminPassword != tc.resetPassword || c.ProvisionUnknownKeys != tc.provisionUnknown {
				t.Errorf("hash-tokens %v, map-existing-auth-apps %v, http-admin-services %v, reset-admin-password %v, provision-unknown-keys %v; want %v %v %v %v %v",
					c.HashTokens, c.MapExistingAuthApps, c.HTTPAdminServices, c.ResetAdminPassword, c.ProvisionUnknownKeys,
					tc.hashTokens, tc.mapApps, tc.httpAdmin, tc.resetPassword, tc.provisionUnknown)
			}
		})
	}
}
