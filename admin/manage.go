package admin

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Management of tenants, users and roles, as the command line (and later
// other entry points) offers it. Every operation validates its input and
// reports what is wrong as a client *Error with a plain message; failures of
// the store are server *Errors.

// MaxPasswordBytes is the longest password bcrypt hashes completely.
const MaxPasswordBytes = 72

// UserEntry is a user as ListUsers shows it: the qualified name's parts and
// the user's roles by name.
type UserEntry struct {
	Name         string
	TenantDomain string
	Roles        []string
}

// QualifiedName is user@tenant.
func (u UserEntry) QualifiedName() string { return u.Name + "@" + u.TenantDomain }

// AddTenant creates an active tenant with its admin role (holding
// RootPermission) and its admin user in that role.
func (id *Identity) AddTenant(ctx context.Context, domain, adminUser, adminPassword string) (*Tenant, error) {
	domain = normalizeDomain(domain)
	if err := checkDomain(domain); err != nil {
		return nil, err
	}
	if err := checkUserName(adminUser); err != nil {
		return nil, err
	}
	if err := checkPassword(adminPassword); err != nil {
		return nil, err
	}
	t := &Tenant{Domain: domain, Active: true}
	if err := id.Store.CreateTenant(ctx, t); errors.Is(err, ErrDuplicateName) {
		return nil, Errorf("tenant.exists", "tenant %s already exists", domain)
	} else if err != nil {
		return nil, Internal("tenant.create-failed", "creating tenant %s failed", err, domain)
	}
	if _, err := id.EnsureAdmin(ctx, t.ID, adminUser, adminPassword, false); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, Internal("tenant.create-failed", "creating the admin user of tenant %s failed", err, domain)
	}
	return t, nil
}

// SetTenantActive enables or disables a tenant. The users of a disabled
// tenant cannot authenticate and its sessions no longer count. The super
// tenant cannot be disabled.
func (id *Identity) SetTenantActive(ctx context.Context, domain string, active bool) error {
	t, err := id.tenant(ctx, domain)
	if err != nil {
		return err
	}
	if !active && t.ID == SuperTenantID {
		return Errorf("tenant.super-tenant", "the super tenant %s cannot be disabled", SuperTenantDomain)
	}
	if t.Active == active {
		return nil
	}
	if err := id.Store.SetTenantActive(ctx, t.ID, active); err != nil {
		return Internal("tenant.update-failed", "updating tenant %s failed", err, t.Domain)
	}
	return nil
}

// ListTenants lists every tenant, the super tenant first, then by creation.
func (id *Identity) ListTenants(ctx context.Context) ([]*Tenant, error) {
	ts, err := id.Store.ListTenants(ctx)
	if err != nil {
		return nil, Internal("tenant.list-failed", "listing tenants failed", err)
	}
	return ts, nil
}

// AddUser creates a user of an active tenant ("user@domain"; a bare name
// belongs to the super tenant) in the given roles, which must exist.
func (id *Identity) AddUser(ctx context.Context, qualifiedUser, password string, roles []string) error {
	name, domain := splitQualified(qualifiedUser)
	if err := checkUserName(name); err != nil {
		return err
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	t, err := id.tenant(ctx, domain)
	if err != nil {
		return err
	}
	if !t.Active {
		return Errorf("tenant.disabled", "tenant %s is disabled", t.Domain)
	}
	roles = dedupe(roles)
	for _, r := range roles {
		if _, err := id.role(ctx, t, r); err != nil {
			return err
		}
	}
	hash, err := id.HashPassword(password)
	if err != nil {
		return err
	}
	err = id.Store.CreateUser(ctx, &User{TenantID: t.ID, Name: name, PasswordHash: hash})
	if errors.Is(err, ErrDuplicateName) {
		return Errorf("user.exists", "user %s@%s already exists", name, t.Domain)
	} else if err != nil {
		return Internal("user.create-failed", "creating user %s@%s failed", err, name, t.Domain)
	}
	for _, r := range roles {
		if err := id.Store.AddUserToRole(ctx, t.ID, name, r); err != nil && !errors.Is(err, ErrDuplicateName) {
			// Leave no user behind with half of the roles asked for.
			cleanup := id.Store.DeleteUser(ctx, t.ID, name)
			return Internal("user.create-failed", "creating user %s@%s failed", errors.Join(err, cleanup), name, t.Domain)
		}
	}
	return nil
}

// ListUsers lists a tenant's users by name with their roles; "" is the
// super tenant.
func (id *Identity) ListUsers(ctx context.Context, domain string) ([]UserEntry, error) {
	t, err := id.tenant(ctx, domain)
	if err != nil {
		return nil, err
	}
	users, err := id.Store.ListUsers(ctx, t.ID)
	if err != nil {
		return nil, Internal("user.list-failed", "listing the users of %s failed", err, t.Domain)
	}
	out := make([]UserEntry, 0, len(users))
	for _, u := range users {
		roles, err := id.Store.UserRoles(ctx, t.ID, u.Name)
		if err != nil {
			return nil, Internal("user.list-failed", "listing the users of %s failed", err, t.Domain)
		}
		out = append(out, UserEntry{Name: u.Name, TenantDomain: t.Domain, Roles: roles})
	}
	return out, nil
}

// SetPassword replaces a user's password, unlocks the account and ends the
// user's sessions.
func (id *Identity) SetPassword(ctx context.Context, qualifiedUser, password string) error {
	t, name, err := id.user(ctx, qualifiedUser)
	if err != nil {
		return err
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := id.HashPassword(password)
	if err != nil {
		return err
	}
	if err := id.Store.SetPassword(ctx, t.ID, name, hash); errors.Is(err, ErrNotFound) {
		return userNotFound(name, t.Domain)
	} else if err != nil {
		return Internal("user.update-failed", "setting the password of %s@%s failed", err, name, t.Domain)
	}
	if err := id.Store.DeleteSessions(ctx, t.ID, name); err != nil {
		return Internal("user.update-failed", "ending the sessions of %s@%s failed", err, name, t.Domain)
	}
	return nil
}

// DeleteUser deletes a user with its role memberships and sessions. The
// last member of a tenant's admin role cannot be deleted.
func (id *Identity) DeleteUser(ctx context.Context, qualifiedUser string) error {
	t, name, err := id.user(ctx, qualifiedUser)
	if err != nil {
		return err
	}
	if err := id.keepAnAdmin(ctx, t, name, "delete"); err != nil {
		return err
	}
	if err := id.Store.DeleteUser(ctx, t.ID, name); errors.Is(err, ErrNotFound) {
		return userNotFound(name, t.Domain)
	} else if err != nil {
		return Internal("user.delete-failed", "deleting user %s@%s failed", err, name, t.Domain)
	}
	return nil
}

// AddRole creates a role of a tenant ("" is the super tenant) with the given
// permissions, which must be paths under RootPermission.
func (id *Identity) AddRole(ctx context.Context, domain, role string, permissions []string) error {
	if err := checkRoleName(role); err != nil {
		return err
	}
	perms := make([]string, 0, len(permissions))
	for _, p := range permissions {
		p, err := checkPermission(p)
		if err != nil {
			return err
		}
		perms = append(perms, p)
	}
	t, err := id.tenant(ctx, domain)
	if err != nil {
		return err
	}
	err = id.Store.CreateRole(ctx, &Role{TenantID: t.ID, Name: role, Permissions: dedupe(perms)})
	if errors.Is(err, ErrDuplicateName) {
		return Errorf("role.exists", "role %s already exists in %s", role, t.Domain)
	} else if err != nil {
		return Internal("role.create-failed", "creating role %s in %s failed", err, role, t.Domain)
	}
	return nil
}

// ListRoles lists a tenant's roles by name with their permissions; "" is
// the super tenant.
func (id *Identity) ListRoles(ctx context.Context, domain string) ([]*Role, error) {
	t, err := id.tenant(ctx, domain)
	if err != nil {
		return nil, err
	}
	roles, err := id.Store.ListRoles(ctx, t.ID)
	if err != nil {
		return nil, Internal("role.list-failed", "listing the roles of %s failed", err, t.Domain)
	}
	return roles, nil
}

// DeleteRole deletes a role of a tenant ("" is the super tenant) with its
// permissions and memberships. The admin role stays.
func (id *Identity) DeleteRole(ctx context.Context, domain, role string) error {
	t, err := id.tenant(ctx, domain)
	if err != nil {
		return err
	}
	if _, err := id.role(ctx, t, role); err != nil {
		return err
	}
	if role == AdminRole {
		return Errorf("role.admin-role", "role %s of %s cannot be deleted", AdminRole, t.Domain)
	}
	if err := id.Store.DeleteRole(ctx, t.ID, role); errors.Is(err, ErrNotFound) {
		return roleNotFound(role, t.Domain)
	} else if err != nil {
		return Internal("role.delete-failed", "deleting role %s in %s failed", err, role, t.Domain)
	}
	return nil
}

// GrantPermission adds a permission to a role; granting one the role has is
// no error.
func (id *Identity) GrantPermission(ctx context.Context, domain, role, permission string) error {
	permission, err := checkPermission(permission)
	if err != nil {
		return err
	}
	t, err := id.tenant(ctx, domain)
	if err != nil {
		return err
	}
	if _, err := id.role(ctx, t, role); err != nil {
		return err
	}
	if err := id.Store.GrantPermission(ctx, t.ID, role, permission); errors.Is(err, ErrNotFound) {
		return roleNotFound(role, t.Domain)
	} else if err != nil {
		return Internal("role.update-failed", "granting %s to role %s in %s failed", err, permission, role, t.Domain)
	}
	return nil
}

// RevokePermission removes a permission from a role. The admin role keeps
// RootPermission.
func (id *Identity) RevokePermission(ctx context.Context, domain, role, permission string) error {
	permission, err := checkPermission(permission)
	if err != nil {
		return err
	}
	t, err := id.tenant(ctx, domain)
	if err != nil {
		return err
	}
	r, err := id.role(ctx, t, role)
	if err != nil {
		return err
	}
	if role == AdminRole && permission == RootPermission {
		return Errorf("role.admin-permission", "role %s of %s keeps permission %s", AdminRole, t.Domain, RootPermission)
	}
	if !slices.Contains(r.Permissions, permission) {
		return Errorf("role.not-granted", "role %s in %s does not have permission %s", role, t.Domain, permission)
	}
	if err := id.Store.RevokePermission(ctx, t.ID, role, permission); errors.Is(err, ErrNotFound) {
		return Errorf("role.not-granted", "role %s in %s does not have permission %s", role, t.Domain, permission)
	} else if err != nil {
		return Internal("role.update-failed", "revoking %s from role %s in %s failed", err, permission, role, t.Domain)
	}
	return nil
}

// AssignRole makes a user a member of a role of the user's tenant.
func (id *Identity) AssignRole(ctx context.Context, qualifiedUser, role string) error {
	t, name, err := id.user(ctx, qualifiedUser)
	if err != nil {
		return err
	}
	if _, err := id.role(ctx, t, role); err != nil {
		return err
	}
	err = id.Store.AddUserToRole(ctx, t.ID, name, role)
	switch {
	case errors.Is(err, ErrDuplicateName):
		return Errorf("role.already-member", "user %s@%s already has role %s", name, t.Domain, role)
	case errors.Is(err, ErrNotFound):
		return userNotFound(name, t.Domain)
	case err != nil:
		return Internal("role.update-failed", "assigning role %s to %s@%s failed", err, role, name, t.Domain)
	}
	return nil
}

// UnassignRole ends a user's membership of a role. The last member of a
// tenant's admin role stays in it.
func (id *Identity) UnassignRole(ctx context.Context, qualifiedUser, role string) error {
	t, name, err := id.user(ctx, qualifiedUser)
	if err != nil {
		return err
	}
	if _, err := id.role(ctx, t, role); err != nil {
		return err
	}
	if role == AdminRole {
		if err := id.keepAnAdmin(ctx, t, name, "unassign"); err != nil {
			return err
		}
	}
	if err := id.Store.RemoveUserFromRole(ctx, t.ID, name, role); errors.Is(err, ErrNotFound) {
		return Errorf("role.not-member", "user %s@%s does not have role %s", name, t.Domain, role)
	} else if err != nil {
		return Internal("role.update-failed", "unassigning role %s from %s@%s failed", err, role, name, t.Domain)
	}
	return nil
}

// keepAnAdmin refuses to take the admin role from its last member.
func (id *Identity) keepAnAdmin(ctx context.Context, t *Tenant, name, verb string) error {
	roles, err := id.Store.UserRoles(ctx, t.ID, name)
	if err != nil {
		return Internal("user.read-failed", "reading the roles of %s@%s failed", err, name, t.Domain)
	}
	if !slices.Contains(roles, AdminRole) {
		return nil
	}
	users, err := id.Store.ListUsers(ctx, t.ID)
	if err != nil {
		return Internal("user.list-failed", "listing the users of %s failed", err, t.Domain)
	}
	for _, u := range users {
		if u.Name == name {
			continue
		}
		roles, err := id.Store.UserRoles(ctx, t.ID, u.Name)
		if err != nil {
			return Internal("user.read-failed", "reading the roles of %s@%s failed", err, u.Name, t.Domain)
		}
		if slices.Contains(roles, AdminRole) {
			return nil
		}
	}
	if verb == "delete" {
		return Errorf("user.last-admin", "user %s@%s is the last member of role %s of %s and cannot be deleted", name, t.Domain, AdminRole, t.Domain)
	}
	return Errorf("user.last-admin", "user %s@%s is the last member of role %s of %s and keeps it", name, t.Domain, AdminRole, t.Domain)
}

// tenant finds a tenant by domain; "" is the super tenant.
func (id *Identity) tenant(ctx context.Context, domain string) (*Tenant, error) {
	domain = normalizeDomain(domain)
	if domain == "" {
		domain = SuperTenantDomain
	}
	t, err := id.Store.FindTenantByDomain(ctx, domain)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf("tenant.not-found", "tenant %s does not exist", domain)
	}
	if err != nil {
		return nil, Internal("tenant.read-failed", "reading tenant %s failed", err, domain)
	}
	return t, nil
}

// user finds the tenant of a qualified user name and checks the user
// exists.
func (id *Identity) user(ctx context.Context, qualifiedUser string) (*Tenant, string, error) {
	name, domain := splitQualified(qualifiedUser)
	if name == "" {
		return nil, "", Errorf("user.name-required", "a user name is required")
	}
	t, err := id.tenant(ctx, domain)
	if err != nil {
		return nil, "", err
	}
	if _, err := id.Store.FindUser(ctx, t.ID, name); errors.Is(err, ErrNotFound) {
		return nil, "", userNotFound(name, t.Domain)
	} else if err != nil {
		return nil, "", Internal("user.read-failed", "reading user %s@%s failed", err, name, t.Domain)
	}
	return t, name, nil
}

// role finds a role of the tenant.
func (id *Identity) role(ctx context.Context, t *Tenant, name string) (*Role, error) {
	if name == "" {
		return nil, Errorf("role.name-required", "a role name is required")
	}
	r, err := id.Store.FindRole(ctx, t.ID, name)
	if errors.Is(err, ErrNotFound) {
		return nil, roleNotFound(name, t.Domain)
	}
	if err != nil {
		return nil, Internal("role.read-failed", "reading role %s in %s failed", err, name, t.Domain)
	}
	return r, nil
}

func userNotFound(name, domain string) *Error {
	return Errorf("user.not-found", "user %s@%s does not exist", name, domain)
}

func roleNotFound(name, domain string) *Error {
	return Errorf("role.not-found", "role %s does not exist in %s", name, domain)
}

// splitQualified is SplitUsername with the domain in lower case, as tenant
// domains are stored.
func splitQualified(qualified string) (name, domain string) {
	name, domain = SplitUsername(qualified)
	return name, normalizeDomain(domain)
}

func normalizeDomain(domain string) string {
	return strings.ToLower(strings.TrimSpace(domain))
}

// checkDomain accepts DNS names of at least two labels: example.com.
func checkDomain(domain string) error {
	bad := func(why string) error {
		return Errorf("tenant.invalid-domain", "invalid tenant domain %q: %s", domain, why)
	}
	if domain == "" {
		return Errorf("tenant.domain-required", "a tenant domain is required")
	}
	if len(domain) > 253 {
		return bad("longer than 253 characters")
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return bad("want a DNS name with a dot, such as example.com")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return bad("every dot-separated part needs 1 to 63 characters")
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return bad("a part may not begin or end with '-'")
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return bad("only letters, digits, '-' and '.' are allowed")
			}
		}
	}
	return nil
}

// checkUserName refuses names that could not log in: empty ones, ones with
// spaces, control characters or ':' (which ends the name in HTTP Basic
// credentials).
func checkUserName(name string) error {
	if name == "" {
		return Errorf("user.name-required", "a user name is required")
	}
	if !utf8.ValidString(name) || len(name) > 255 {
		return Errorf("user.invalid-name", "invalid user name %q: want at most 255 bytes of UTF-8", name)
	}
	for _, c := range name {
		if unicode.IsSpace(c) || unicode.IsControl(c) || c == ':' {
			return Errorf("user.invalid-name", "invalid user name %q: no spaces, control characters or ':'", name)
		}
	}
	return nil
}

// checkRoleName refuses empty names and characters that would break the
// listings: control characters, ',' and surrounding spaces.
func checkRoleName(name string) error {
	if name == "" {
		return Errorf("role.name-required", "a role name is required")
	}
	if !utf8.ValidString(name) || len(name) > 255 || strings.TrimSpace(name) != name {
		return Errorf("role.invalid-name", "invalid role name %q: want at most 255 bytes of UTF-8 without surrounding spaces", name)
	}
	for _, c := range name {
		if unicode.IsControl(c) || c == ',' {
			return Errorf("role.invalid-name", "invalid role name %q: no control characters or ','", name)
		}
	}
	return nil
}

// checkPassword refuses empty passwords and ones bcrypt would cut short.
func checkPassword(password string) error {
	if password == "" {
		return Errorf("user.password-required", "the password must not be empty")
	}
	if len(password) > MaxPasswordBytes {
		return Errorf("user.password-too-long", "the password has %d bytes; at most %d are allowed", len(password), MaxPasswordBytes)
	}
	return nil
}

// checkPermission accepts RootPermission and paths under it, such as
// /permission/admin/manage; a trailing '/' is dropped.
func checkPermission(p string) (string, error) {
	bad := func(why string) (string, error) {
		return "", Errorf("permission.invalid", "invalid permission %q: %s", p, why)
	}
	clean := p
	if len(clean) > len(RootPermission) {
		clean = strings.TrimSuffix(clean, "/")
	}
	if clean != RootPermission && !strings.HasPrefix(clean, RootPermission+"/") {
		return bad("it must start with " + RootPermission)
	}
	for _, seg := range strings.Split(strings.TrimPrefix(clean, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return bad("empty, '.' or '..' path segment")
		}
		for _, c := range seg {
			if unicode.IsSpace(c) || unicode.IsControl(c) || c == ',' {
				return bad("no spaces, control characters or ','")
			}
		}
	}
	if !utf8.ValidString(clean) {
		return bad("not UTF-8")
	}
	return clean, nil
}

func dedupe(in []string) []string {
	var out []string
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
