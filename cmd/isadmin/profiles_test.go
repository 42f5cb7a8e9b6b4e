package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/wsdl"
)

// TestProfilesCommand lists every profile with its release, its API
// Manager releases, its differences from its parent and its sources.
func TestProfilesCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"profiles"}, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("isadmin profiles: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	names := wsdl.Names()
	if len(lines) != len(names) {
		t.Fatalf("%d lines for %d profiles:\n%s", len(lines), len(names), stdout.String())
	}
	byName := map[string][]string{}
	for i, line := range lines {
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			t.Fatalf("line %q: %d fields, want 6", line, len(f))
		}
		if f[0] != names[i] {
			t.Errorf("line %d is %s, want %s (release order)", i, f[0], names[i])
		}
		for j, v := range f {
			if v == "" {
				t.Errorf("%s: field %d empty", f[0], j)
			}
		}
		byName[f[0]] = f
	}
	for name, want := range map[string][]string{
		"is-5.0":  {"5.0.0"},
		"is-5.2":  {"5.2.0", "OAuthAdminService: +isPKCESupportEnabled", "identity-inbound-auth-oauth tag v5.1.3"},
		"is-5.3":  {"5.3.0", "updateConsumerApplication answers"},
		"is-7.2":  {"7.2.0", "the contract of is-7.1"},
		"is-7.3":  {"7.3.0\tis-7\t"},
		"is-5.7":  {"\t2.6.0\t"},
		"is-next": {"unreleased"},
	} {
		line := strings.Join(byName[name], "\t")
		for _, w := range want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: %q lacks %q", name, line, w)
			}
		}
	}
	if err := run(context.Background(), []string{"profiles", "extra"}, func(string) string { return "" }, &stdout, &stderr); !errors.Is(err, errUsage) {
		t.Errorf("profiles with an argument: %v, want the usage", err)
	}
}
