package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"
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

// TestProfileSwitches checks, on the wire, the behaviour that changes from
// one release to the next: void operations are one-way up to IS 5.2 and
// answer a nil return from 5.3, which also brings the state operations;
// the grant types a fresh server allows follow the release's identity.xml.
func TestProfileSwitches(t *testing.T) {
	for _, c := range []struct {
		profile string
		oneWay  bool
		state   bool
		grants  []string // among the allowed grant types
		absent  []string // not among them
	}{
		{"is-5.2", true, false, []string{"iwa:ntlm"}, []string{"urn:ietf:params:oauth:grant-type:jwt-bearer"}},
		{"is-5.3", false, true, nil, []string{"urn:ietf:params:oauth:grant-type:jwt-bearer"}},
		{"is-5.5", false, true, []string{"urn:ietf:params:oauth:grant-type:jwt-bearer"}, []string{"account_switch"}},
		{"is-5.10", false, true, []string{"account_switch"}, []string{"urn:ietf:params:oauth:grant-type:device_code"}},
		{"is-7.3", false, true, []string{"urn:ietf:params:oauth:grant-type:device_code", "urn:openid:params:grant-type:ciba"}, []string{"urn:ietf:params:oauth:grant-type:uma-ticket"}},
	} {
		t.Run(c.profile, func(t *testing.T) {
			s := startServer(t, c.profile)
			r := s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("switch", "switch-key", "switch-secret", "", "password")})
			switch {
			case c.oneWay && (r.Status != http.StatusAccepted || len(r.Body) != 0):
				t.Errorf("register: HTTP %d %s, want 202 and no body", r.Status, r.Body)
			case !c.oneWay && (r.Status != http.StatusOK || !nilReturn(r.Body)):
				t.Errorf("register: HTTP %d %s, want 200 and a nil return", r.Status, r.Body)
			}
			r = s.do(t, call{action: "getOauthApplicationState", body: `<xsd:getOauthApplicationState><xsd:consumerKey>switch-key</xsd:consumerKey></xsd:getOauthApplicationState>`})
			if c.state {
				if ret, _ := text(r.ok(t), "return"); ret != "ACTIVE" {
					t.Errorf("state: %q", ret)
				}
			} else if _, reason := r.fault(t); !strings.Contains(reason, "The endpoint reference (EPR) for the Operation not found") {
				t.Errorf("getOauthApplicationState before 5.3: %q", reason)
			}
			grants := s.do(t, call{action: "getAllowedGrantTypes", body: `<xsd:getAllowedGrantTypes/>`}).ok(t)
			var got []string
			for _, e := range grants.SelectElements("return") {
				got = append(got, e.Text())
			}
			for _, g := range c.grants {
				if !slices.Contains(got, g) {
					t.Errorf("allowed grant types %v lack %s", got, g)
				}
			}
			for _, g := range c.absent {
				if slices.Contains(got, g) {
					t.Errorf("allowed grant types %v have %s", got, g)
				}
			}
		})
	}
}

// nilReturn reports whether body's response element holds one return
// marked xsi:nil, the answer of a void operation from IS 5.3.
func nilReturn(body []byte) bool {
	doc := etree.NewDocument()
	if doc.ReadFromBytes(body) != nil {
		return false
	}
	ret := doc.FindElements("//return")
	return len(ret) == 1 && ret[0].SelectAttrValue("xsi:nil", "") == "true" && len(ret[0].ChildElements()) == 0
}
