package admin_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
)

// newIdentity returns an Identity on a fresh database whose super tenant has
// the admin user admin/admin.
func newIdentity(t *testing.T) (*admin.Identity, *schema.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := schema.Open(ctx, schematest.Location(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	id := &admin.Identity{Store: db, HashCost: bcrypt.MinCost}
	if _, err := id.EnsureAdmin(ctx, admin.SuperTenantID, "admin", "admin", false); err != nil {
		t.Fatal(err)
	}
	return id, db
}

// wantError fails unless err is a client *admin.Error with the code whose
// message contains text.
func wantError(t *testing.T, err error, code, text string) {
	t.Helper()
	var e *admin.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v, want *admin.Error %s", err, code)
	}
	if e.Kind != admin.ClientError || e.Code != code {
		t.Errorf("error %s (kind %d) %q, want client error %s", e.Code, e.Kind, e.Error(), code)
	}
	if !strings.Contains(e.Error(), text) {
		t.Errorf("error %q, want it to contain %q", e.Error(), text)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func canLogin(t *testing.T, id *admin.Identity, user, pass string) bool {
	t.Helper()
	_, err := id.Authenticate(context.Background(), user, pass)
	if err != nil && !errors.Is(err, admin.ErrBadCredentials) {
		t.Fatal(err)
	}
	return err == nil
}

func TestAddTenant(t *testing.T) {
	ctx := context.Background()
	id, db := newIdentity(t)
	tn, err := id.AddTenant(ctx, "Example.COM", "boss", "secret")
	mustOK(t, err)
	if tn.Domain != "example.com" || !tn.Active {
		t.Errorf("tenant %+v, want active example.com", tn)
	}
	role, err := db.FindRole(ctx, tn.ID, admin.AdminRole)
	mustOK(t, err)
	if !slices.Equal(role.Permissions, []string{admin.RootPermission}) {
		t.Errorf("admin role permissions %v", role.Permissions)
	}
	if !canLogin(t, id, "boss@example.com", "secret") {
		t.Error("the tenant admin cannot log in")
	}
	users, err := id.ListUsers(ctx, "example.com")
	mustOK(t, err)
	if len(users) != 1 || users[0].QualifiedName() != "boss@example.com" || !slices.Equal(users[0].Roles, []string{"admin"}) {
		t.Errorf("users %+v", users)
	}

	for _, tc := range []struct {
		domain, user, pass, code, text string
	}{
		{"example.com", "boss", "x", "tenant.exists", "tenant example.com already exists"},
		{"carbon.super", "boss", "x", "tenant.exists", "tenant carbon.super already exists"},
		{"", "boss", "x", "tenant.domain-required", "domain is required"},
		{"localhost", "boss", "x", "tenant.invalid-domain", "with a dot"},
		{"exa mple.com", "boss", "x", "tenant.invalid-domain", "only letters"},
		{"-bad.com", "boss", "x", "tenant.invalid-domain", "begin or end"},
		{"a..com", "boss", "x", "tenant.invalid-domain", "1 to 63"},
		{"b@c.com", "boss", "x", "tenant.invalid-domain", "only letters"},
		{"fine.org", "", "x", "user.name-required", "user name is required"},
		{"fine.org", "bo ss", "x", "user.invalid-name", "no spaces"},
		{"fine.org", "bo:ss", "x", "user.invalid-name", "':'"},
		{"fine.org", "boss", "", "user.password-required", "must not be empty"},
		{"fine.org", "boss", strings.Repeat("x", 73), "user.password-too-long", "73 bytes"},
	} {
		_, err := id.AddTenant(ctx, tc.domain, tc.user, tc.pass)
		wantError(t, err, tc.code, tc.text)
	}
	if _, err := db.FindTenantByDomain(ctx, "fine.org"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("a refused tenant was created: %v", err)
	}
	ts, err := id.ListTenants(ctx)
	mustOK(t, err)
	var domains []string
	for _, t := range ts {
		domains = append(domains, t.Domain)
	}
	if !slices.Equal(domains, []string{"carbon.super", "example.com"}) {
		t.Errorf("tenants %v", domains)
	}
}

func TestSetTenantActive(t *testing.T) {
	ctx := context.Background()
	id, _ := newIdentity(t)
	_, err := id.AddTenant(ctx, "example.com", "admin", "pw")
	mustOK(t, err)
	mustOK(t, id.AddUser(ctx, "bob@example.com", "bobpw", nil))

	mustOK(t, id.SetTenantActive(ctx, "example.com", false))
	mustOK(t, id.SetTenantActive(ctx, "example.com", false)) // again: no error
	if canLogin(t, id, "admin@example.com", "pw") {
		t.Error("a user of a disabled tenant logged in")
	}
	wantError(t, id.AddUser(ctx, "carol@example.com", "pw", nil), "tenant.disabled", "tenant example.com is disabled")
	mustOK(t, id.SetTenantActive(ctx, "EXAMPLE.com", true))
	if !canLogin(t, id, "bob@example.com", "bobpw") {
		t.Error("a user of a re-enabled tenant cannot log in")
	}

	wantError(t, id.SetTenantActive(ctx, "carbon.super", false), "tenant.super-tenant", "cannot be disabled")
	mustOK(t, id.SetTenantActive(ctx, "carbon.super", true))
	wantError(t, id.SetTenantActive(ctx, "nowhere.org", false), "tenant.not-found", "tenant nowhere.org does not exist")
}

func TestAddUser(t *testing.T) {
	ctx := context.Background()
	id, _ := newIdentity(t)
	_, err := id.AddTenant(ctx, "example.com", "admin", "pw")
	mustOK(t, err)
	mustOK(t, id.AddRole(ctx, "example.com", "editor", []string{"/permission/admin/manage"}))
	mustOK(t, id.AddRole(ctx, "example.com", "viewer", nil))

	mustOK(t, id.AddUser(ctx, "bob@example.com", "bobpw", []string{"viewer", "editor", "viewer"}))
	mustOK(t, id.AddUser(ctx, "alice", "alicepw", nil))
	mustOK(t, id.AddUser(ctx, "carol@mail.org@example.com", "carolpw", nil))
	if !canLogin(t, id, "bob@example.com", "bobpw") || !canLogin(t, id, "alice", "alicepw") || !canLogin(t, id, "carol@mail.org@example.com", "carolpw") {
		t.Error("a new user cannot log in")
	}
	if canLogin(t, id, "bob", "bobpw") {
		t.Error("bob of example.com logged in to the super tenant")
	}

	users, err := id.ListUsers(ctx, "example.com")
	mustOK(t, err)
	var got []string
	for _, u := range users {
		got = append(got, u.QualifiedName()+" "+strings.Join(u.Roles, ","))
	}
	want := []string{"admin@example.com admin", "bob@example.com editor,viewer", "carol@mail.org@example.com "}
	if !slices.Equal(got, want) {
		t.Errorf("users\n got %q\nwant %q", got, want)
	}
	supers, err := id.ListUsers(ctx, "")
	mustOK(t, err)
	if len(supers) != 2 || supers[0].QualifiedName() != "admin@carbon.super" || supers[1].QualifiedName() != "alice@carbon.super" {
		t.Errorf("super tenant users %+v", supers)
	}

	for _, tc := range []struct {
		user, pass string
		roles      []string
		code, text string
	}{
		{"bob@example.com", "x", nil, "user.exists", "user bob@example.com already exists"},
		{"bob@nowhere.org", "x", nil, "tenant.not-found", "tenant nowhere.org does not exist"},
		{"dave@example.com", "x", []string{"ghost"}, "role.not-found", "role ghost does not exist in example.com"},
		{"dave@example.com", "", nil, "user.password-required", "must not be empty"},
		{"dave@example.com", strings.Repeat("é", 37), nil, "user.password-too-long", "74 bytes"},
		{"@example.com", "x", nil, "user.name-required", "user name is required"},
		{"da ve@example.com", "x", nil, "user.invalid-name", "no spaces"},
	} {
		wantError(t, id.AddUser(ctx, tc.user, tc.pass, tc.roles), tc.code, tc.text)
	}
	if _, err := id.ListUsers(ctx, "nowhere.org"); err == nil {
		t.Error("listing the users of an unknown tenant succeeded")
	}
	// A password of exactly 72 bytes is fine.
	mustOK(t, id.AddUser(ctx, "max@example.com", strings.Repeat("x", 72), nil))
}

func TestSetPassword(t *testing.T) {
	ctx := context.Background()
	id, _ := newIdentity(t)
	_, err := id.AddTenant(ctx, "example.com", "admin", "pw")
	mustOK(t, err)
	mustOK(t, id.AddUser(ctx, "bob@example.com", "old", nil))
	p, err := id.Authenticate(ctx, "bob@example.com", "old")
	mustOK(t, err)
	token, err := id.StartSession(ctx, p)
	mustOK(t, err)

	mustOK(t, id.SetPassword(ctx, "bob@example.com", "new"))
	if canLogin(t, id, "bob@example.com", "old") {
		t.Error("the old password still works")
	}
	if !canLogin(t, id, "bob@example.com", "new") {
		t.Error("the new password does not work")
	}
	if _, err := id.Session(ctx, token); !errors.Is(err, admin.ErrSessionInvalid) {
		t.Errorf("the session survived the password change: %v", err)
	}

	// A locked account is unlocked by a new password.
	id.MaxFailedLogins = 2
	canLogin(t, id, "bob@example.com", "wrong")
	canLogin(t, id, "bob@example.com", "wrong")
	if canLogin(t, id, "bob@example.com", "new") {
		t.Fatal("the account did not lock")
	}
	mustOK(t, id.SetPassword(ctx, "bob@example.com", "newer"))
	if !canLogin(t, id, "bob@example.com", "newer") {
		t.Error("a new password did not unlock the account")
	}

	wantError(t, id.SetPassword(ctx, "nobody@example.com", "x"), "user.not-found", "user nobody@example.com does not exist")
	wantError(t, id.SetPassword(ctx, "bob@nowhere.org", "x"), "tenant.not-found", "tenant nowhere.org does not exist")
	wantError(t, id.SetPassword(ctx, "bob@example.com", ""), "user.password-required", "must not be empty")
}

func mustTenant(t *testing.T, db *schema.DB, domain string) int64 {
	t.Helper()
	tn, err := db.FindTenantByDomain(context.Background(), domain)
	mustOK(t, err)
	return tn.ID
}

func TestDeleteUser(t *testing.T) {
	ctx := context.Background()
	id, _ := newIdentity(t)
	_, err := id.AddTenant(ctx, "example.com", "boss", "pw")
	mustOK(t, err)
	mustOK(t, id.AddUser(ctx, "bob@example.com", "pw", []string{"admin"}))

	mustOK(t, id.DeleteUser(ctx, "boss@example.com"))
	if canLogin(t, id, "boss@example.com", "pw") {
		t.Error("a deleted user logged in")
	}
	wantError(t, id.DeleteUser(ctx, "bob@example.com"), "user.last-admin", "last member of role admin")
	wantError(t, id.DeleteUser(ctx, "admin"), "user.last-admin", "admin@carbon.super is the last member")
	wantError(t, id.DeleteUser(ctx, "boss@example.com"), "user.not-found", "user boss@example.com does not exist")
	wantError(t, id.DeleteUser(ctx, "bob@nowhere.org"), "tenant.not-found", "tenant nowhere.org does not exist")

	// A user outside the admin role goes whatever the admins.
	mustOK(t, id.AddUser(ctx, "carol@example.com", "pw", nil))
	mustOK(t, id.DeleteUser(ctx, "carol@example.com"))
}

func TestRoles(t *testing.T) {
	ctx := context.Background()
	id, _ := newIdentity(t)
	_, err := id.AddTenant(ctx, "example.com", "admin", "pw")
	mustOK(t, err)
	mustOK(t, id.AddUser(ctx, "bob@example.com", "pw", nil))

	mustOK(t, id.AddRole(ctx, "example.com", "editor", []string{"/permission/admin/manage/", "/permission/admin/login", "/permission/admin/login"}))
	mustOK(t, id.AddRole(ctx, "", "auditor", []string{"/permission"}))
	mustOK(t, id.GrantPermission(ctx, "example.com", "editor", "/permission/admin/configure"))
	mustOK(t, id.GrantPermission(ctx, "example.com", "editor", "/permission/admin/configure")) // again: no error
	mustOK(t, id.RevokePermission(ctx, "example.com", "editor", "/permission/admin/login"))

	roles, err := id.ListRoles(ctx, "example.com")
	mustOK(t, err)
	var got []string
	for _, r := range roles {
		got = append(got, r.Name+" "+strings.Join(r.Permissions, ","))
	}
	want := []string{"admin /permission", "editor /permission/admin/configure,/permission/admin/manage"}
	if !slices.Equal(got, want) {
		t.Errorf("roles\n got %q\nwant %q", got, want)
	}

	p := admin.Principal{TenantID: mustTenant(t, id.Store.(*schema.DB), "example.com"), TenantDomain: "example.com", Username: "bob"}
	if err := id.Authorize(ctx, p, []string{"/permission/admin/manage/identity"}); !errors.Is(err, admin.ErrAccessDenied) {
		t.Errorf("bob is authorized before having a role: %v", err)
	}
	mustOK(t, id.AssignRole(ctx, "bob@example.com", "editor"))
	if err := id.Authorize(ctx, p, []string{"/permission/admin/manage/identity"}); err != nil {
		t.Errorf("bob with role editor: %v", err)
	}
	wantError(t, id.AssignRole(ctx, "bob@example.com", "editor"), "role.already-member", "user bob@example.com already has role editor")
	mustOK(t, id.UnassignRole(ctx, "bob@example.com", "editor"))
	wantError(t, id.UnassignRole(ctx, "bob@example.com", "editor"), "role.not-member", "user bob@example.com does not have role editor")

	for _, tc := range []struct {
		name string
		err  error
		code string
		text string
	}{
		{"duplicate role", id.AddRole(ctx, "example.com", "editor", nil), "role.exists", "role editor already exists in example.com"},
		{"duplicate admin", id.AddRole(ctx, "example.com", "admin", nil), "role.exists", "role admin already exists"},
		{"role of unknown tenant", id.AddRole(ctx, "nowhere.org", "x", nil), "tenant.not-found", "tenant nowhere.org does not exist"},
		{"empty role", id.AddRole(ctx, "example.com", "", nil), "role.name-required", "role name is required"},
		{"comma role", id.AddRole(ctx, "example.com", "a,b", nil), "role.invalid-name", "','"},
		{"bad permission", id.AddRole(ctx, "example.com", "x", []string{"admin/manage"}), "permission.invalid", `invalid permission "admin/manage": it must start with /permission`},
		{"prefix look-alike", id.AddRole(ctx, "example.com", "x", []string{"/permissions"}), "permission.invalid", "must start with /permission"},
		{"dot dot", id.AddRole(ctx, "example.com", "x", []string{"/permission/../x"}), "permission.invalid", "'..'"},
		{"double slash", id.AddRole(ctx, "example.com", "x", []string{"/permission//x"}), "permission.invalid", "empty"},
		{"grant bad path", id.GrantPermission(ctx, "example.com", "editor", "/perm"), "permission.invalid", "must start with /permission"},
		{"grant unknown role", id.GrantPermission(ctx, "example.com", "ghost", "/permission/x"), "role.not-found", "role ghost does not exist in example.com"},
		{"revoke unknown role", id.RevokePermission(ctx, "example.com", "ghost", "/permission/x"), "role.not-found", "role ghost does not exist"},
		{"revoke not granted", id.RevokePermission(ctx, "example.com", "editor", "/permission/x"), "role.not-granted", "role editor in example.com does not have permission /permission/x"},
		{"revoke admin root", id.RevokePermission(ctx, "example.com", "admin", "/permission"), "role.admin-permission", "keeps permission /permission"},
		{"assign unknown role", id.AssignRole(ctx, "bob@example.com", "ghost"), "role.not-found", "role ghost does not exist in example.com"},
		{"assign unknown user", id.AssignRole(ctx, "nobody@example.com", "editor"), "user.not-found", "user nobody@example.com does not exist"},
		{"assign role of another tenant", id.AssignRole(ctx, "bob@example.com", "auditor"), "role.not-found", "role auditor does not exist in example.com"},
		{"unassign last admin", id.UnassignRole(ctx, "admin@example.com", "admin"), "user.last-admin", "last member of role admin"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantError(t, tc.err, tc.code, tc.text) })
	}
	// With a second admin, the first may leave the role.
	mustOK(t, id.AssignRole(ctx, "bob@example.com", "admin"))
	mustOK(t, id.UnassignRole(ctx, "admin@example.com", "admin"))
}
