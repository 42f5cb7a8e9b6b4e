package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

const authEnvelopes = "../../../shared/reference/envelopes/auth-admin"

// TestAuthAdminReferenceEnvelopes replays the captured login requests of
// real clients, their template placeholders filled in. One of those clients
// string-searches the literal "<ns:return>".
func TestAuthAdminReferenceEnvelopes(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(authEnvelopes, "*.xml"))
	if len(files) == 0 {
		t.Skipf("skipped: %s absent", authEnvelopes)
	}
	fill := strings.NewReplacer(
		"${target_api_username}", "admin", "${target_api_password}", "admin", "${target_api_hostname}", "localhost",
		"' + params.userName + '", "admin", "' + params.password + '", "admin")
	for _, profile := range profiles {
		s := startServer(t, profile)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			v := soap11
			if strings.Contains(filepath.Base(f), "soap12") {
				v = soap12
			}
			r := s.do(t, call{path: authSvc, version: v, action: "login", noAuth: true, raw: []byte(fill.Replace(string(data)))})
			if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "<ns:return>true</ns:return>") {
				t.Errorf("%s %s: HTTP %d\n%s", profile, filepath.Base(f), r.Status, r.Body)
			}
			if p := r.payload(t); p.NamespaceURI() != "http://authentication.services.core.carbon.wso2.org" || p.SelectElement("return").NamespaceURI() != p.NamespaceURI() {
				t.Errorf("%s %s: loginResponse in namespace %q", profile, filepath.Base(f), p.NamespaceURI())
			}
			if !strings.Contains(r.Header.Get("Set-Cookie"), "JSESSIONID=") {
				t.Errorf("%s %s: no session cookie", profile, filepath.Base(f))
			}
		}
	}
}

// TestAppMgtPermissionMatrix: every IdentityApplicationManagementService
// operation of every profile needs the permission the profile names.
func TestAppMgtPermissionMatrix(t *testing.T) {
	for _, profile := range wsdl.Names() {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, profile)
			amCall(t, s, soap11, "createApplication", amCreateBody("matrix-sp", "d"))
			addUser(t, s, "nobody", "pw", "/permission/admin/login")
			svc := s.Profile.Service("IdentityApplicationManagementService")
			for _, op := range svc.Operations {
				anyOf, _ := s.Profile.Permissions(svc.Name, op.Name)
				body := amOp(op.Name, "applicationName", "matrix-sp", "templateName", "t", "filter", "*", "pageNumber", "1")
				before := spSnapshot(t, s)
				r := s.do(t, call{path: appMgtSvc, action: op.Name, user: "nobody", pass: "pw", body: body})
				if len(anyOf) > 0 && anyOf[0] == admin.LoginPermission {
					if r.Doc != nil && r.payload(t).Tag == "Fault" {
						if code, _ := r.fault(t); strings.HasSuffix(code, "50978") {
							t.Errorf("%s denied although the user may log in", op.Name)
						}
					}
					continue
				}
				code, reason := r.fault(t)
				if code != "axis2ns2:50978" || reason != "Access Denied." {
					t.Errorf("%s without %v: %s %q", op.Name, anyOf, code, reason)
				}
				if after := spSnapshot(t, s); after != before {
					t.Errorf("%s changed data although denied", op.Name)
				}
				user := "u-" + strings.ToLower(op.Name)
				addUser(t, s, user, "pw", anyOf[0])
				r = s.do(t, call{path: appMgtSvc, action: op.Name, user: user, pass: "pw", body: body})
				if r.Doc != nil && r.payload(t).Tag == "Fault" {
					if code, reason := r.fault(t); strings.HasSuffix(code, "50978") || strings.HasSuffix(code, "50977") {
						t.Errorf("%s with %s: %s %q", op.Name, anyOf[0], code, reason)
					}
				}
			}
		})
	}
}

// spSnapshot summarises every service provider of the super tenant.
func spSnapshot(t *testing.T, s *testServer) string {
	t.Helper()
	sps, _, err := s.DB.ListServiceProviders(context.Background(), admin.SuperTenantID, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, sp := range sps {
		fmt.Fprintf(&b, "%d|%s|%s|%s|%v\n", sp.ID, sp.Name, sp.Description, sp.Document, sp.OAuthKeys)
	}
	return b.String()
}

// TestAppMgtTenantIsolation: two tenants with equal service provider and
// OAuth client names; every cross-tenant read, write and delete is refused
// and listings never leak.
func TestAppMgtTenantIsolation(t *testing.T) {
	s := startServer(t, "is-next")
	addUser(t, s, "alice@a.example", "pa", "/permission")
	addUser(t, s, "bob@b.example", "pb", "/permission")
	as := func(user, pass, path, op, body string) *result {
		return s.do(t, call{path: path, action: op, user: user, pass: pass, body: body})
	}
	for _, u := range []struct{ user, pass, key string }{{"alice@a.example", "pa", "key-a"}, {"bob@b.example", "pb", "key-b"}} {
		as(u.user, u.pass, appMgtSvc, "createApplication", amCreateBody("shared-name", u.user)).ok(t)
		as(u.user, u.pass, oauthSvc, "registerOAuthApplicationData", registerBody("shared-client", u.key, "secret", "", "password")).ok(t)
	}
	bobSP := as("bob@b.example", "pb", appMgtSvc, "getApplication", amOp("getApplication", "applicationName", "shared-name")).ok(t).SelectElement("return")
	bobID, _ := text(bobSP, "applicationID")
	aliceSP := as("alice@a.example", "pa", appMgtSvc, "getApplication", amOp("getApplication", "applicationName", "shared-name")).ok(t).SelectElement("return")
	if d, _ := text(aliceSP, "description"); d != "alice@a.example" {
		t.Fatalf("alice reads %q", d)
	}

	// Alice updates "her" provider with bob's id and links bob's client:
	// both refused, bob's provider unchanged.
	before := spSnapshotTenant(t, s, "b.example")
	r := as("alice@a.example", "pa", appMgtSvc, "updateApplication", `<xsd:updateApplication>`+amSP(`<m:applicationID>`+bobID+`</m:applicationID><m:applicationName>stolen</m:applicationName>`)+`</xsd:updateApplication>`)
	r.fault(t)
	aliceID, _ := text(aliceSP, "applicationID")
	r = as("alice@a.example", "pa", appMgtSvc, "updateApplication", `<xsd:updateApplication>`+amSP(`<m:applicationID>`+aliceID+`</m:applicationID><m:applicationName>shared-name</m:applicationName><m:inboundAuthenticationConfig><m:inboundAuthenticationRequestConfigs><m:inboundAuthKey>key-b</m:inboundAuthKey><m:inboundAuthType>oauth2</m:inboundAuthType></m:inboundAuthenticationRequestConfigs></m:inboundAuthenticationConfig>`)+`</xsd:updateApplication>`)
	if _, reason := r.fault(t); strings.Contains(reason, "b.example") || strings.Contains(reason, "bob") {
		t.Errorf("linking another tenant's client leaks it: %q", reason)
	}
	// Delete by name only reaches alice's own provider.
	as("alice@a.example", "pa", appMgtSvc, "deleteApplication", amOp("deleteApplication", "applicationName", "shared-name"))
	if after := spSnapshotTenant(t, s, "b.example"); after != before {
		t.Errorf("bob's providers changed:\n%s\n%s", before, after)
	}
	for _, ret := range as("alice@a.example", "pa", appMgtSvc, "getAllApplicationBasicInfo", amOp("getAllApplicationBasicInfo")).ok(t).SelectElements("return") {
		t.Errorf("alice lists %s", ret.FindElement("applicationName").Text())
	}
	if n, _ := text(as("alice@a.example", "pa", appMgtSvc, "getCountOfAllApplications", amOp("getCountOfAllApplications")).ok(t), "return"); n != "0" {
		t.Errorf("alice counts %s applications", n)
	}
	names := []string{}
	for _, ret := range as("bob@b.example", "pb", appMgtSvc, "getAllApplicationBasicInfo", amOp("getAllApplicationBasicInfo")).ok(t).SelectElements("return") {
		names = append(names, ret.FindElement("applicationName").Text())
	}
	if strings.Join(names, ",") != "shared-name" {
		t.Errorf("bob lists %v", names)
	}
}

func spSnapshotTenant(t *testing.T, s *testServer, domain string) string {
	t.Helper()
	tn, err := s.DB.FindTenantByDomain(context.Background(), domain)
	if err != nil {
		t.Fatal(err)
	}
	sps, _, err := s.DB.ListServiceProviders(context.Background(), tn.ID, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, sp := range sps {
		fmt.Fprintf(&b, "%d|%s|%s|%s|%v\n", sp.ID, sp.Name, sp.Description, sp.Document, sp.OAuthKeys)
	}
	return b.String()
}
