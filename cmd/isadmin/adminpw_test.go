package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAdminPasswordKept: the admin password is set when the admin is
// made; a later start with another password keeps the admin's own (and
// says so), unless --reset-admin-password.
func TestAdminPasswordKept(t *testing.T) {
	dir := t.TempDir()
	url := ""
	start := func(password string, reset bool) (*testServer, *bytes.Buffer) {
		t.Helper()
		var logs bytes.Buffer
		s := startServerLogging(t, "is-7.3", &logs, func(c *Config) {
			c.DataDir, c.AdminPassword, c.ResetAdminPassword = dir, password, reset
			if url != "" {
				c.DatabaseURL = url
			}
		})
		url = s.Config.DatabaseURL
		return s, &logs
	}
	stop := func(s *testServer) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
	}
	works := func(s *testServer, password string) bool {
		t.Helper()
		r := s.do(t, call{action: "getAllOAuthApplicationData", body: `<xsd:getAllOAuthApplicationData/>`, user: "admin", pass: password})
		return r.Status == http.StatusOK
	}
	s, _ := start("first-pw", false)
	if !works(s, "first-pw") {
		t.Fatal("the first password does not work")
	}
	stop(s)

	s, logs := start("second-pw", false)
	if !works(s, "first-pw") || works(s, "second-pw") {
		t.Errorf("a restart with another password: the first works %v, the second %v", works(s, "first-pw"), works(s, "second-pw"))
	}
	if !strings.Contains(logs.String(), "the admin keeps its own") || strings.Contains(logs.String(), "second-pw") {
		t.Errorf("the restart did not say it kept the password, or logged it:\n%s", logs.String())
	}
	stop(s)

	s, _ = start("second-pw", true)
	if works(s, "first-pw") || !works(s, "second-pw") {
		t.Errorf("a restart with --reset-admin-password: the first works %v, the second %v", works(s, "first-pw"), works(s, "second-pw"))
	}
}

// TestAdminPasswordFile: the password may come from a file (its first
// line), not from argv; not from both.
func TestAdminPasswordFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte("from-a-file\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	m.Stderr = &bytes.Buffer{}
	if err := m.ParseFlags([]string{"--admin-password-file", file}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if m.Config.AdminPassword != "from-a-file" {
		t.Errorf("password %q", m.Config.AdminPassword)
	}
	m = NewMain()
	m.Stderr = &bytes.Buffer{}
	env := func(k string) string {
		if k == "ISADMIN_ADMIN_PASSWORD_FILE" {
			return file
		}
		return ""
	}
	if err := m.ParseFlags(nil, env); err != nil || m.Config.AdminPassword != "from-a-file" {
		t.Errorf("from the variable: %q, %v", m.Config.AdminPassword, err)
	}
	m = NewMain()
	m.Stderr = &bytes.Buffer{}
	if err := m.ParseFlags([]string{"--admin-password-file", file, "--admin-password", "x"}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "--admin-password-file") {
		t.Errorf("both given: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	m = NewMain()
	m.Stderr = &bytes.Buffer{}
	if err := m.ParseFlags([]string{"--admin-password-file", empty}, func(string) string { return "" }); err == nil {
		t.Error("an empty password file was taken")
	}
}
