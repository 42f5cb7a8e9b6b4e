package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/isadmin/isadmin/admin"
)

const authSvc = "/services/AuthenticationAdmin"

// addUser creates user@domain (and the tenant when needed) with a role
// holding the given permissions, straight in the server's database.
func addUser(t *testing.T, s *testServer, qualified, password string, permissions ...string) {
	t.Helper()
	ctx := context.Background()
	name, domain := admin.SplitUsername(qualified)
	tenant, err := s.DB.FindTenantByDomain(ctx, domain)
	if errors.Is(err, admin.ErrNotFound) {
		tenant = &admin.Tenant{Domain: domain, Active: true}
		err = s.DB.CreateTenant(ctx, tenant)
	}
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DB.CreateUser(ctx, &admin.User{TenantID: tenant.ID, Name: name, PasswordHash: string(hash)}); err != nil {
		t.Fatal(err)
	}
	role := "role-" + name
	if err := s.DB.CreateRole(ctx, &admin.Role{TenantID: tenant.ID, Name: role, Permissions: permissions}); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.AddUserToRole(ctx, tenant.ID, name, role); err != nil {
		t.Fatal(err)
	}
}

func loginBody(user, pass string) string {
	return `<ns:login xmlns:ns="http://authentication.services.core.carbon.wso2.org"><ns:username>` + user +
		`</ns:username><ns:password>` + pass + `</ns:password><ns:remoteAddress>127.0.0.1</ns:remoteAddress></ns:login>`
}

// login calls AuthenticationAdmin.login and returns its answer and the
// session cookie it set.
func login(t *testing.T, s *testServer, path, user, pass string) (bool, *http.Cookie) {
	t.Helper()
	if path == "" {
		path = authSvc
	}
	r := s.do(t, call{path: path, action: "login", noAuth: true, body: loginBody(user, pass)})
	p := r.ok(t)
	got, _ := text(p, "return")
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "JSESSIONID" {
			cookie = c
		}
	}
	return got == "true", cookie
}

func withCookie(c *http.Cookie) http.Header {
	return http.Header{"Cookie": {c.Name + "=" + c.Value}}
}

const listApps = `<xsd:getAllOAuthApplicationData/>`

func TestLoginSession(t *testing.T) {
	for _, profile := range profiles {
		t.Run(profile, func(t *testing.T) {
			clk := newClock()
			s := startServerWith(t, profile, nil, clk.Now)
			ok, cookie := login(t, s, "", "admin", "admin")
			if !ok || cookie == nil || cookie.Value == "" || !cookie.HttpOnly {
				t.Fatalf("login: %v, cookie %+v", ok, cookie)
			}
			use := func() *result {
				return s.do(t, call{action: "getAllOAuthApplicationData", noAuth: true, header: withCookie(cookie), body: listApps})
			}
			use().ok(t)

			// Activity keeps the session; idleness ends it.
			clk.Advance(10 * time.Minute)
			use().ok(t)
			clk.Advance(10 * time.Minute)
			use().ok(t)
			clk.Advance(16 * time.Minute)
			if r := use(); r.Status != http.StatusUnauthorized {
				t.Fatalf("after the idle timeout: HTTP %d", r.Status)
			}

			// Logout ends the session at once.
			_, cookie = login(t, s, "", "admin@carbon.super", "admin")
			use().ok(t)
			r := s.do(t, call{path: authSvc, action: "logout", noAuth: true, header: withCookie(cookie), body: `<ns:logout xmlns:ns="http://authentication.services.core.carbon.wso2.org"/>`})
			if r.Status != http.StatusAccepted || len(r.Body) != 0 {
				t.Fatalf("logout: HTTP %d %s", r.Status, r.Body)
			}
			if r := use(); r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" {
				t.Fatalf("after logout: HTTP %d", r.Status)
			}

			// Wrong credentials: false, HTTP 200, no cookie.
			if ok, c := login(t, s, "", "admin", "nope"); ok || c != nil {
				t.Errorf("wrong password: %v %v", ok, c)
			}
			// A user without the login permission cannot log in.
			addUser(t, s, "nologin", "pw", "/permission/admin/manage")
			if ok, _ := login(t, s, "", "nologin", "pw"); ok {
				t.Error("a user without /permission/admin/login logged in")
			}
		})
	}
}

func TestSessionCookieOverHTTPSIsSecure(t *testing.T) {
	s := startServer(t, "is-next")
	s.URL = s.HTTPSURL
	_, cookie := login(t, s, "", "admin", "admin")
	if cookie == nil || !cookie.Secure || !cookie.HttpOnly {
		t.Fatalf("cookie over HTTPS: %+v", cookie)
	}
}

func TestLockout(t *testing.T) {
	clk := newClock()
	s := startServerWith(t, "is-next", nil, clk.Now)
	addUser(t, s, "carol", "right", "/permission")
	basic := func(pass string) *result {
		return s.do(t, call{action: "getAllOAuthApplicationData", user: "carol", pass: pass, body: listApps})
	}
	token := func(pass string) *result {
		raw := `<s:Envelope xmlns:s="` + envNS11 + `" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><s:Header><wsse:Security s:mustUnderstand="1"><wsse:UsernameToken><wsse:Username>carol</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">` + pass + `</wsse:Password></wsse:UsernameToken></wsse:Security></s:Header><s:Body><getAllOAuthApplicationData xmlns="` + axis2NS + `"/></s:Body></s:Envelope>`
		return s.do(t, call{raw: []byte(raw), noAuth: true, action: "getAllOAuthApplicationData"})
	}
	isAuthFault := func(r *result) bool {
		code, _ := r.fault(t)
		return strings.HasSuffix(code, ":50977")
	}

	// Success resets the count.
	for i := 0; i < 4; i++ {
		basic("wrong")
	}
	basic("right").ok(t)
	for i := 0; i < 4; i++ {
		basic("wrong")
	}
	basic("right").ok(t)

	// Failures of Basic, login() and UsernameToken count together.
	basic("wrong")
	basic("wrong")
	if ok, _ := login(t, s, "", "carol", "wrong"); ok {
		t.Fatal("wrong password logged in")
	}
	login(t, s, "", "carol", "wrong")
	if r := token("wrong"); !isAuthFault(r) {
		t.Fatalf("wrong UsernameToken: %s", r.Body)
	}
	// Locked: the right password is answered like a wrong one everywhere.
	if r := basic("right"); !isAuthFault(r) {
		t.Fatalf("locked user authenticated with Basic: %s", r.Body)
	}
	if ok, _ := login(t, s, "", "carol", "right"); ok {
		t.Fatal("locked user logged in")
	}
	if r := token("right"); !isAuthFault(r) {
		t.Fatalf("locked user authenticated with a UsernameToken: %s", r.Body)
	}
	clk.Advance(14 * time.Minute)
	if r := basic("right"); !isAuthFault(r) {
		t.Fatal("the lock ended early")
	}
	clk.Advance(2 * time.Minute)
	basic("right").ok(t)
	token("right").ok(t)
}

func TestUsernameToken(t *testing.T) {
	s := startServer(t, "is-next")
	envelope := func(passwordType, pass string) []byte {
		return []byte(`<s:Envelope xmlns:s="` + envNS12 + `"><s:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" s:mustUnderstand="true"><wsse:UsernameToken><wsse:Username>admin</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#` + passwordType + `">` + pass + `</wsse:Password></wsse:UsernameToken></wsse:Security></s:Header><s:Body><getAllOAuthApplicationData xmlns="` + axis2NS + `"/></s:Body></s:Envelope>`)
	}
	s.do(t, call{version: soap12, action: "getAllOAuthApplicationData", noAuth: true, raw: envelope("PasswordText", "admin")}).ok(t)
	r := s.do(t, call{version: soap12, action: "getAllOAuthApplicationData", noAuth: true, raw: envelope("PasswordDigest", "bm90LWEtZGlnZXN0")})
	if code, reason := r.fault(t); code != "soapenv:Sender" || !strings.Contains(reason, "Only PasswordText") {
		t.Errorf("PasswordDigest: %s %q", code, reason)
	}
	r = s.do(t, call{version: soap12, action: "getAllOAuthApplicationData", noAuth: true, raw: envelope("PasswordText", "wrong")})
	if code, _ := r.fault(t); code != "axis2ns2:50977" {
		t.Errorf("wrong UsernameToken password: %s", code)
	}
}

// TestPermissionMatrix: every OAuthAdminService operation of a profile
// needs the permission the profile names; without it the caller gets
// "Access Denied." (50978) and nothing changes; with it the call gets past
// authorization.
func TestPermissionMatrix(t *testing.T) {
	for _, profile := range profiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("matrix", "matrix-key", "matrix-secret", "", "password")})
			addUser(t, s, "nobody", "pw", "/permission/admin/login")
			svc := s.Profile.Service("OAuthAdminService")
			for _, op := range svc.Operations {
				anyOf, _ := s.Profile.Permissions("OAuthAdminService", op.Name)
				if len(anyOf) == 0 {
					t.Errorf("%s has no permission", op.Name)
					continue
				}
				body := `<xsd:` + op.Name + `><xsd:consumerKey>matrix-key</xsd:consumerKey><xsd:scope>s</xsd:scope></xsd:` + op.Name + `>`
				before := appsSnapshot(t, s)
				r := s.do(t, call{action: op.Name, user: "nobody", pass: "pw", body: body})
				granted := strings.HasPrefix(anyOf[0], "/permission/admin/login")
				if granted {
					if r.Doc != nil && r.payload(t).Tag == "Fault" {
						if code, _ := r.fault(t); strings.HasSuffix(code, "50978") {
							t.Errorf("%s: denied although the user holds %s", op.Name, anyOf[0])
						}
					}
					continue
				}
				code, reason := r.fault(t)
				if code != "axis2ns2:50978" || reason != "Access Denied." || r.Status != http.StatusInternalServerError {
					t.Errorf("%s without %v: %s %q HTTP %d", op.Name, anyOf, code, reason, r.Status)
				}
				if after := appsSnapshot(t, s); after != before {
					t.Errorf("%s changed data although denied", op.Name)
				}

				// With exactly the operation's permission it passes.
				user := "u-" + strings.ToLower(op.Name)
				addUser(t, s, user, "pw", anyOf[0])
				r = s.do(t, call{action: op.Name, user: user, pass: "pw", body: body})
				if r.Doc != nil && r.payload(t).Tag == "Fault" {
					if code, reason := r.fault(t); strings.HasSuffix(code, "50978") || strings.HasSuffix(code, "50977") {
						t.Errorf("%s with %s: %s %q", op.Name, anyOf[0], code, reason)
					}
				}
			}
		})
	}
}

// appsSnapshot summarises every OAuth client of the super tenant.
func appsSnapshot(t *testing.T, s *testServer) string {
	t.Helper()
	ctx := context.Background()
	users, err := s.DB.ListUsers(ctx, admin.SuperTenantID)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, u := range users {
		apps, err := s.DB.ListOAuthApps(ctx, admin.SuperTenantID, u.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range apps {
			fmt.Fprintf(&b, "%s|%s|%s|%s|%s|%s\n", a.Owner, a.Name, a.ConsumerKey, a.ConsumerSecret, a.State, a.Settings)
		}
	}
	scopes, _ := s.DB.ListScopes(ctx, admin.SuperTenantID)
	for _, sc := range scopes {
		fmt.Fprintf(&b, "scope %s %v\n", sc.Name, sc.Claims)
	}
	return b.String()
}

// TestTenantIsolation: two tenants with equal application names never see
// or change each other's OAuth clients or sessions.
func TestTenantIsolation(t *testing.T) {
	s := startServer(t, "is-next")
	addUser(t, s, "alice@a.example", "pa", "/permission")
	addUser(t, s, "bob@b.example", "pb", "/permission")
	as := func(user, pass string, c call) *result {
		c.user, c.pass = user, pass
		return s.do(t, c)
	}
	as("alice@a.example", "pa", call{action: "registerOAuthApplicationData", body: registerBody("same", "key-a", "sa", "", "password")}).ok(t)
	as("bob@b.example", "pb", call{action: "registerOAuthApplicationData", body: registerBody("same", "key-b", "sb", "", "password")}).ok(t)

	get := func(user, pass, key string) *result {
		return as(user, pass, call{action: "getOAuthApplicationData", body: `<xsd:getOAuthApplicationData><xsd:consumerKey>` + key + `</xsd:consumerKey></xsd:getOAuthApplicationData>`})
	}
	get("alice@a.example", "pa", "key-a").ok(t)
	if _, reason := get("alice@a.example", "pa", "key-b").fault(t); !strings.Contains(reason, "Cannot find a valid OAuth client") {
		t.Errorf("cross-tenant read: %q", reason)
	}
	byName := as("bob@b.example", "pb", call{action: "getOAuthApplicationDataByAppName", body: `<xsd:getOAuthApplicationDataByAppName><xsd:appName>same</xsd:appName></xsd:getOAuthApplicationDataByAppName>`}).ok(t)
	if k, _ := text(byName.SelectElement("return"), "oauthConsumerKey"); k != "key-b" {
		t.Errorf("bob reads %q by name", k)
	}
	// Writes and deletes across tenants are refused and change nothing.
	r := as("alice@a.example", "pa", call{action: "removeOAuthApplicationData", body: `<xsd:removeOAuthApplicationData><xsd:consumerKey>key-b</xsd:consumerKey></xsd:removeOAuthApplicationData>`})
	r.fault(t)
	r = as("alice@a.example", "pa", call{action: "updateConsumerApplication", body: `<xsd:updateConsumerApplication><xsd:consumerAppDTO><dto:applicationName>x</dto:applicationName><dto:grantTypes>password</dto:grantTypes><dto:oauthConsumerKey>key-b</dto:oauthConsumerKey><dto:oauthConsumerSecret>sb</dto:oauthConsumerSecret></xsd:consumerAppDTO></xsd:updateConsumerApplication>`})
	r.fault(t)
	r = as("alice@a.example", "pa", call{action: "updateOauthSecretKey", body: `<xsd:updateOauthSecretKey><xsd:consumerKey>key-b</xsd:consumerKey></xsd:updateOauthSecretKey>`})
	r.fault(t)
	if sec, _ := text(get("bob@b.example", "pb", "key-b").ok(t).SelectElement("return"), "oauthConsumerSecret"); sec != "sb" {
		t.Errorf("bob's client changed: secret %q", sec)
	}
	// A client key is unique per tenant, as in IS 7: a key another tenant
	// holds is free here, so registering it tells nothing of that tenant.
	as("alice@a.example", "pa", call{action: "registerOAuthApplicationData", body: registerBody("other", "key-b", "x", "", "password")}).ok(t)
	if sec, _ := text(get("alice@a.example", "pa", "key-b").ok(t).SelectElement("return"), "oauthConsumerSecret"); sec != "x" {
		t.Errorf("alice's key-b: secret %q", sec)
	}
	if sec, _ := text(get("bob@b.example", "pb", "key-b").ok(t).SelectElement("return"), "oauthConsumerSecret"); sec != "sb" {
		t.Errorf("bob's key-b after alice registered hers: secret %q", sec)
	}
	as("alice@a.example", "pa", call{action: "registerOAuthApplicationData", body: registerBody("third", "key-b", "y", "", "password")}).fault(t)
	// Listings never leak; they are ordered by name ("other", "same").
	list := as("alice@a.example", "pa", call{action: "getAllOAuthApplicationData", body: listApps}).ok(t)
	var listed []string
	for _, ret := range list.SelectElements("return") {
		k, _ := text(ret, "oauthConsumerKey")
		sec, _ := text(ret, "oauthConsumerSecret")
		listed = append(listed, k+"="+sec)
	}
	if want := []string{"key-b=x", "key-a=sa"}; !slices.Equal(listed, want) {
		t.Errorf("alice lists %q, want %q", listed, want)
	}

	// Sessions: a session of tenant A is refused in tenant B's services.
	ok, cookie := login(t, s, "/t/a.example/services/AuthenticationAdmin", "alice", "pa")
	if !ok || cookie == nil {
		t.Fatal("alice could not log in at her tenant's URL")
	}
	s.do(t, call{path: "/t/a.example/services/OAuthAdminService", action: "getAllOAuthApplicationData", noAuth: true, header: withCookie(cookie), body: listApps}).ok(t)
	r = s.do(t, call{path: "/t/b.example/services/OAuthAdminService", action: "getAllOAuthApplicationData", noAuth: true, header: withCookie(cookie), body: listApps})
	if code, reason := r.fault(t); !strings.HasSuffix(code, "50978") || reason != "Access Denied. A user alice@a.example is trying to access services in domain b.example" {
		t.Errorf("cross-tenant session: %s %q", code, reason)
	}
	// Basic credentials of tenant A on tenant B's URL are refused alike.
	r = as("alice@a.example", "pa", call{path: "/t/b.example/services/OAuthAdminService", action: "getAllOAuthApplicationData", body: listApps})
	if code, _ := r.fault(t); !strings.HasSuffix(code, "50978") {
		t.Errorf("cross-tenant Basic: %s", code)
	}
}
