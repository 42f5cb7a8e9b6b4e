package wsdl_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/wsdl"
)

// TestProfilesOrder lists every release from 5.0 to 7.3 in release order,
// the unreleased contract last.
func TestProfilesOrder(t *testing.T) {
	want := []string{"is-5.0", "is-5.1", "is-5.2", "is-5.3", "is-5.4", "is-5.5", "is-5.6", "is-5.7", "is-5.8", "is-5.9",
		"is-5.10", "is-5.11", "is-6.0", "is-6.1", "is-7.0", "is-7.1", "is-7.2", "is-7.3", "is-next"}
	if got := wsdl.Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v\nwant      %v", got, want)
	}
	infos, err := wsdl.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	for i, info := range infos {
		if len(info.Sources) == 0 {
			t.Errorf("%s names no source", info.Name)
		}
		// Each release's parent is the release before it.
		if i > 0 && info.Release != "" && info.Parent != infos[i-1].Name {
			t.Errorf("%s: parent %q, want %q", info.Name, info.Parent, infos[i-1].Name)
		}
	}
}

// TestProfilesInherit checks that a profile is its parent's but for what
// its folder states.
func TestProfilesInherit(t *testing.T) {
	load := func(name string) *wsdl.Profile {
		t.Helper()
		p, err := wsdl.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	v50, v51, v52 := load("is-5.0"), load("is-5.1"), load("is-5.2")
	// is-5.1 states only its application management contract.
	if string(v51.Service("OAuthAdminService").Document) != string(v50.Service("OAuthAdminService").Document) {
		t.Error("is-5.1 does not serve is-5.0's OAuthAdminService")
	}
	if string(v51.Service("IdentityApplicationManagementService").Document) == string(v50.Service("IdentityApplicationManagementService").Document) {
		t.Error("is-5.1 serves is-5.0's IdentityApplicationManagementService instead of its own")
	}
	if v52.Service("OAuthAdminService").Operation("isPKCESupportEnabled") == nil || v51.Service("OAuthAdminService").Operation("isPKCESupportEnabled") != nil {
		t.Error("isPKCESupportEnabled: want it from is-5.2 on only")
	}
	for _, code := range []string{"oauth.client-not-found", "appmgt.name-required"} {
		a, okA := v50.Message(code)
		b, okB := v52.Message(code)
		if !okA || a != b || !okB {
			t.Errorf("%s: is-5.0 %q, is-5.2 %q", code, a, b)
		}
	}
	if got, want := v52.Setting("grant-types"), v50.Setting("grant-types"); !slices.Equal(got, want) || len(got) == 0 {
		t.Errorf("is-5.2 grant types %v, want is-5.0's %v", got, want)
	}
	if d := strings.Join(wsdl.Differences(v51, v52), "; "); !strings.Contains(d, "+isPKCESupportEnabled") || !strings.Contains(d, "OAuthConsumerAppDTO +pkceMandatory +pkceSupportPlain") {
		t.Errorf("differences of is-5.2: %s", d)
	}
	if d := wsdl.Differences(load("is-7.1"), load("is-7.2")); len(d) != 0 {
		t.Errorf("is-7.2 has the contract of is-7.1, differences %v", d)
	}
}

// TestProfilesResolve selects profiles by name, alias and API Manager
// release.
func TestProfilesResolve(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"is-5.3", "is-5.3"},
		{"is-7.3", "is-7.3"},
		{"is-7", "is-7.3"},
		{"is-next", "is-next"},
		{"apim-2.6", "is-5.7"},
		{"apim-2.6.0", "is-5.7"},
		{"apim-4.2", "is-6.1"},
		{"apim-1.9", "is-5.0"},
	} {
		if got, err := wsdl.Resolve(c.name); err != nil || got != c.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	for _, bad := range []string{"is-4.6", "", "apim-0.9", "apim-2.6.1"} {
		if got, err := wsdl.Resolve(bad); err == nil {
			t.Errorf("Resolve(%q) = %q, want an error", bad, got)
		}
	}
	if _, err := wsdl.Load("is-4.6"); err == nil || !strings.Contains(err.Error(), "is-5.0") {
		t.Errorf("an unknown profile: %v, want an error listing the profiles", err)
	}
}

// TestPermissionsPerRelease: the permission an operation needs follows its
// release's services.xml (RELEASES.md section 5).
func TestPermissionsPerRelease(t *testing.T) {
	const (
		iams   = "IdentityApplicationManagementService"
		oas    = "OAuthAdminService"
		manage = "/permission/admin/manage"
		appmgt = "/permission/admin/manage/identity/applicationmgt"
		tmpl   = "/permission/admin/manage/identity/apptemplatemgt"
	)
	for _, c := range []struct {
		profile, service, op string
		want                 []string
	}{
		{"is-5.0", iams, "createApplication", []string{manage}},
		{"is-5.2", iams, "getApplication", []string{manage}},
		{"is-5.2", oas, "registerOAuthApplicationData", []string{manage}},
		{"is-5.3", iams, "createApplication", []string{appmgt + "/create"}},
		{"is-5.3", iams, "getApplication", []string{appmgt + "/view"}},
		{"is-5.3", iams, "getAllIdentityProviders", []string{"/permission/admin/login"}},
		{"is-5.3", oas, "registerOAuthApplicationData", []string{appmgt + "/create"}},
		{"is-5.5", iams, "updateApplication", []string{appmgt + "/update"}},
		{"is-5.6", iams, "getAuthenticationTemplatesJSON", []string{appmgt + "/view"}},
		{"is-5.6", iams, "getAuthenticationFlowTemplates", []string{appmgt}},
		{"is-5.7", iams, "createApplicationTemplate", []string{tmpl + "/create"}},
		{"is-5.7", iams, "importApplication", []string{appmgt + "/create"}},
		{"is-5.7", iams, "someUndeclaredOperation", []string{appmgt, tmpl}},
		{"is-5.7", iams, strings.Repeat("longUndeclaredOperation", 10), []string{appmgt, tmpl}},
		{"is-5.8", iams, "getApplicationBasicInfo", []string{appmgt + "/view"}},
		{"is-5.9", iams, "getCountOfApplications", []string{appmgt + "/view"}},
		{"is-5.11", iams, "getCustomInboundAuthenticatorConfigs", []string{appmgt, tmpl}},
		{"is-7.3", iams, "deleteApplication", []string{appmgt + "/delete"}},
	} {
		p, err := wsdl.Load(c.profile)
		if err != nil {
			t.Fatal(err)
		}
		got, authenticate := p.Permissions(c.service, c.op)
		if !authenticate || !slices.Equal(got, c.want) {
			t.Errorf("%s %s %s: %v (authenticate %v), want %v", c.profile, c.service, c.op, got, authenticate, c.want)
		}
	}
}
