package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
)

// Users, roles and tenants. The identity methods behind them check nothing
// of the caller: the handlers do, with Identity Server's permissions. Users
// and roles are those of the caller's own tenant; tenants are managed from
// the super tenant only.

// Permissions of the pages. A granted path covers the paths under it:
// holding .../usermgt allows viewing, creating and deleting.
const (
	userMgtView   = "/permission/admin/manage/identity/usermgt/view"
	userMgtCreate = "/permission/admin/manage/identity/usermgt/create"
	userMgtDelete = "/permission/admin/manage/identity/usermgt/delete"
	// tenantsView lets super tenant users list the tenants; tenantsModify
	// add, activate and deactivate them, as Identity Server's tenant
	// management asks.
	tenantsView   = "/permission/protected/manage/monitor/tenants"
	tenantsModify = "/permission/protected/manage/modify/tenants"
)

// identityText is what the identity service said of err; "" for none.
func (s *Server) identityText(err error) string {
	if err == nil {
		return ""
	}
	var de *admin.Error
	if errors.As(err, &de) {
		return s.Profile.Text(de.Code, de.Default, de.Args...)
	}
	return "The operation failed because of an internal error of the server."
}

// usersPage lists the users of the caller's tenant with the form adding
// one.
type usersPage struct {
	Tenant string
	Users  []admin.UserEntry
	Roles  []string
	// Self is the caller's name: the caller is not deleted from here.
	Self string
	// Name and Picked are the add form's values.
	Name   string
	Picked []string
}

const usersTitle = "Users"

func (s *Server) usersPage(ctx context.Context, u *user) (*usersPage, error) {
	p := &usersPage{Tenant: u.TenantDomain, Self: u.Username}
	users, err := s.Identity.ListUsers(ctx, u.TenantDomain)
	if err != nil {
		return p, err
	}
	p.Users = users
	roles, err := s.Identity.ListRoles(ctx, u.TenantDomain)
	if err != nil {
		return p, err
	}
	for _, r := range roles {
		p.Roles = append(p.Roles, r.Name)
	}
	return p, nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.allowed(w, r, u, "list users", []string{userMgtView}) {
		return
	}
	p, err := s.usersPage(r.Context(), u)
	s.renderConsole(w, r, u, usersTitle, "console/users", p, err, s.identityText(err))
}

// qualified names a user or role of the caller's tenant, whatever '@' the
// name holds.
func qualified(u *user, name string) string { return name + "@" + u.TenantDomain }

func (s *Server) addUser(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.allowed(w, r, u, "add users", []string{userMgtCreate}) {
		return
	}
	ctx := r.Context()
	name := strings.TrimSpace(r.PostFormValue("username"))
	roles := r.PostForm["roles"]
	failed := func(status int, msg string) {
		p, _ := s.usersPage(ctx, u)
		p.Name, p.Picked = name, roles
		v := u.view(consoleArea, usersTitle, p)
		v.Error = msg
		s.fail(w, r, status, "console/users", v)
	}
	password := r.PostFormValue("password")
	switch {
	case name == "":
		failed(http.StatusBadRequest, "User name is required")
		return
	case password != r.PostFormValue("confirmPassword"):
		failed(http.StatusBadRequest, "The passwords you entered do not match")
		return
	}
	if err := s.Identity.AddUser(ctx, qualified(u, name), password, roles); err != nil {
		failed(errorStatus(err), "Could not add user "+name+" : "+s.identityText(err))
		return
	}
	s.done(w, r, usersPath, "User "+name+" added successfully")
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.allowed(w, r, u, "delete users", []string{userMgtDelete}) {
		return
	}
	ctx := r.Context()
	name := r.PostFormValue("username")
	var err error
	if name == u.Username {
		err = admin.Errorf("user.self", "You cannot delete the user you are signed in as")
	} else {
		err = s.Identity.DeleteUser(ctx, qualified(u, name))
	}
	s.answerListChange(w, r, u, listChange{path: usersPath, title: usersTitle, page: "console/users", fragment: "users-swap",
		err: err, failed: "Could not delete user " + name + " : " + s.identityText(err), done: "User " + name + " deleted successfully",
		reload: func() (any, string) {
			p, err := s.usersPage(ctx, u)
			return p, s.identityText(err)
		}})
}

// rolesPage lists the roles of the caller's tenant with the form adding
// one.
type rolesPage struct {
	Tenant string
	Roles  []*admin.Role
	// AdminRole is kept: it has no Delete.
	AdminRole string
	// Name and Permissions are the add form's values.
	Name, Permissions string
}

const rolesTitle = "Roles"

func (s *Server) rolesPage(ctx context.Context, u *user) (*rolesPage, error) {
	p := &rolesPage{Tenant: u.TenantDomain, AdminRole: admin.AdminRole}
	roles, err := s.Identity.ListRoles(ctx, u.TenantDomain)
	p.Roles = roles
	return p, err
}

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.allowed(w, r, u, "list roles", []string{userMgtView}) {
		return
	}
	p, err := s.rolesPage(r.Context(), u)
	s.renderConsole(w, r, u, rolesTitle, "console/roles", p, err, s.identityText(err))
}

func (s *Server) addRole(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.allowed(w, r, u, "add roles", []string{userMgtCreate}) {
		return
	}
	ctx := r.Context()
	name := strings.TrimSpace(r.PostFormValue("roleName"))
	text := r.PostFormValue("permissions")
	failed := func(status int, msg string) {
		p, _ := s.rolesPage(ctx, u)
		p.Name, p.Permissions = name, text
		v := u.view(consoleArea, rolesTitle, p)
		v.Error = msg
		s.fail(w, r, status, "console/roles", v)
	}
	if name == "" {
		failed(http.StatusBadRequest, "Role name is required")
		return
	}
	if err := s.Identity.AddRole(ctx, u.TenantDomain, name, strings.Fields(text)); err != nil {
		failed(errorStatus(err), "Could not add role "+name+" : "+s.identityText(err))
		return
	}
	s.done(w, r, rolesPath, "Role "+name+" added successfully")
}

func (s *Server) deleteRole(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.allowed(w, r, u, "delete roles", []string{userMgtDelete}) {
		return
	}
	ctx := r.Context()
	name := r.PostFormValue("roleName")
	err := s.Identity.DeleteRole(ctx, u.TenantDomain, name)
	s.answerListChange(w, r, u, listChange{path: rolesPath, title: rolesTitle, page: "console/roles", fragment: "roles-swap",
		err: err, failed: "Could not delete role " + name + " : " + s.identityText(err), done: "Role " + name + " deleted successfully",
		reload: func() (any, string) {
			p, err := s.rolesPage(ctx, u)
			return p, s.identityText(err)
		}})
}

// tenantsPage lists the tenants with the form adding one. Tenants are not
// deleted: as in Identity Server, they are deactivated (and activated
// again).
type tenantsPage struct {
	Tenants []*admin.Tenant
	// Super is the super tenant's domain: it stays active.
	Super string
	// Domain and AdminUser are the add form's values.
	Domain, AdminUser string
}

const tenantsTitle = "Tenants"

func (s *Server) tenantsPage(ctx context.Context) (*tenantsPage, error) {
	ts, err := s.Identity.ListTenants(ctx)
	return &tenantsPage{Tenants: ts, Super: admin.SuperTenantDomain}, err
}

// mayManageTenants lets super tenant users with the permission through.
func (s *Server) mayManageTenants(w http.ResponseWriter, r *http.Request, u *user, what, permission string) bool {
	if u.TenantID != admin.SuperTenantID {
		s.problem(w, r, u, http.StatusForbidden, "Access Denied",
			"Access Denied: "+u.QualifiedName()+" is not authorized to "+what+". Tenants are managed by users of the super tenant ("+admin.SuperTenantDomain+") only.")
		return false
	}
	return s.allowed(w, r, u, what, []string{permission})
}

func (s *Server) listTenants(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.mayManageTenants(w, r, u, "view tenants", tenantsView) {
		return
	}
	p, err := s.tenantsPage(r.Context())
	s.renderConsole(w, r, u, tenantsTitle, "console/tenants", p, err, s.identityText(err))
}

func (s *Server) addTenant(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.mayManageTenants(w, r, u, "add tenants", tenantsModify) {
		return
	}
	ctx := r.Context()
	domain := strings.TrimSpace(r.PostFormValue("domain"))
	adminUser := strings.TrimSpace(r.PostFormValue("adminUsername"))
	failed := func(status int, msg string) {
		p, _ := s.tenantsPage(ctx)
		p.Domain, p.AdminUser = domain, adminUser
		v := u.view(consoleArea, tenantsTitle, p)
		v.Error = msg
		s.fail(w, r, status, "console/tenants", v)
	}
	password := r.PostFormValue("adminPassword")
	if password != r.PostFormValue("confirmPassword") {
		failed(http.StatusBadRequest, "The passwords you entered do not match")
		return
	}
	t, err := s.Identity.AddTenant(ctx, domain, adminUser, password)
	if err != nil {
		failed(errorStatus(err), "Could not add tenant "+domain+" : "+s.identityText(err))
		return
	}
	s.done(w, r, tenantsPath, "Tenant "+t.Domain+" added successfully")
}

// setTenantState activates or deactivates a tenant.
func (s *Server) setTenantState(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	if !s.mayManageTenants(w, r, u, "activate or deactivate tenants", tenantsModify) {
		return
	}
	ctx := r.Context()
	domain := r.PostFormValue("domain")
	active := r.PostFormValue("active") == "true"
	verb := "deactivated"
	if active {
		verb = "activated"
	}
	err := s.Identity.SetTenantActive(ctx, domain, active)
	s.answerListChange(w, r, u, listChange{path: tenantsPath, title: tenantsTitle, page: "console/tenants", fragment: "tenants-swap",
		err: err, failed: "Could not update tenant " + domain + " : " + s.identityText(err), done: "Tenant " + domain + " " + verb + " successfully",
		reload: func() (any, string) {
			p, err := s.tenantsPage(ctx)
			return p, s.identityText(err)
		}})
}
