package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
)

// The console's pages, as Identity Server's management console has them:
// service providers with their OAuth/OpenID Connect configuration (through
// the services behind IdentityApplicationManagementService and
// OAuthAdminService, with the permissions the active profile gives their
// operations), the caller's OAuth clients, and the users, roles and
// tenants (through admin.Identity, with Identity Server's user management
// and tenant management permissions).
//
// Every page works as plain HTML forms: a POST answers with a redirect
// (303, or HX-Redirect for htmx) and the outcome in a flash cookie that the
// next page shows, or with the form again and the error. Deleting a row
// through htmx answers with the list alone and the message out of band.

// Console paths.
const (
	consoleHome          = "/carbon/"
	spListPath           = "/carbon/service-providers"
	spEditPath           = "/carbon/service-providers/edit"
	spDeletePath         = "/carbon/service-providers/delete"
	spOAuthPath          = "/carbon/service-providers/oauth"
	spOAuthDeletePath    = "/carbon/service-providers/oauth/delete"
	spOAuthRevokePath    = "/carbon/service-providers/oauth/revoke"
	spOAuthRegeneratePth = "/carbon/service-providers/oauth/regenerate"
	oauthClientsPath     = "/carbon/oauth-clients"
	oauthClientDelPath   = "/carbon/oauth-clients/delete"
	usersPath            = "/carbon/users"
	userDeletePath       = "/carbon/users/delete"
	rolesPath            = "/carbon/roles"
	roleDeletePath       = "/carbon/roles/delete"
	tenantsPath          = "/carbon/tenants"
	tenantStatePath      = "/carbon/tenants/state"
)

// registerConsole adds the management console's routes under /carbon/.
func (s *Server) registerConsole(r routes) {
	s.registerSession(r, consoleArea)
	g := func(h handler) httprouter.Handle { return s.guard(consoleArea, h) }
	r.GET(consoleHome, g(s.showConsoleHome))

	r.GET(spListPath, g(s.listServiceProviders))
	r.POST(spListPath, g(s.addServiceProvider))
	r.GET(spEditPath, g(s.editServiceProvider))
	r.POST(spEditPath, g(s.updateServiceProvider))
	r.POST(spDeletePath, g(s.deleteServiceProvider))
	r.GET(spOAuthPath, g(s.showOAuthForm))
	r.POST(spOAuthPath, g(s.saveOAuthApp))
	r.POST(spOAuthDeletePath, g(s.deleteSPOAuthApp))
	r.POST(spOAuthRevokePath, g(s.revokeOAuthApp))
	r.POST(spOAuthRegeneratePth, g(s.regenerateOAuthSecret))

	r.GET(oauthClientsPath, g(s.listOAuthClients))
	r.POST(oauthClientDelPath, g(s.deleteOAuthClient))

	r.GET(usersPath, g(s.listUsers))
	r.POST(usersPath, g(s.addUser))
	r.POST(userDeletePath, g(s.deleteUser))
	r.GET(rolesPath, g(s.listRoles))
	r.POST(rolesPath, g(s.addRole))
	r.POST(roleDeletePath, g(s.deleteRole))
	r.GET(tenantsPath, g(s.listTenants))
	r.POST(tenantsPath, g(s.addTenant))
	r.POST(tenantStatePath, g(s.setTenantState))
}

// view is a console page's View for u.
func (u *user) view(a area, title string, data any) *View {
	return &View{Title: title, Area: a.name, User: u.QualifiedName(), CSRF: u.CSRF, Data: data}
}

func (s *Server) showConsoleHome(w http.ResponseWriter, r *http.Request, _ httprouter.Params, u *user) {
	s.render(w, http.StatusOK, "console/home", "", s.consoleView(w, r, u, "Management Console", nil))
}

// flashCookie carries the outcome of a console action to the page the
// browser is sent to next: "n" (notice) or "e" (error), then the text.
const flashCookie = "isadmin-console-flash"

// done ends a successful action: the notice (if any) for the next page, and
// the browser sent to path.
func (s *Server) done(w http.ResponseWriter, r *http.Request, path, notice string) {
	if notice != "" {
		http.SetCookie(w, s.cookie(r, consoleArea, flashCookie, "n"+url.QueryEscape(notice), 0))
	}
	redirect(w, r, path)
}

// doneWithError ends an action that failed where no form shows the error:
// the error for the next page, and the browser sent to path.
func (s *Server) doneWithError(w http.ResponseWriter, r *http.Request, path, msg string) {
	http.SetCookie(w, s.cookie(r, consoleArea, flashCookie, "e"+url.QueryEscape(msg), 0))
	redirect(w, r, path)
}

// renderConsole renders the console page of data read with err: when err
// is not nil, with the status it maps to and failed as the page's error.
func (s *Server) renderConsole(w http.ResponseWriter, r *http.Request, u *user, title, page string, data any, err error, failed string) {
	v := s.consoleView(w, r, u, title, data)
	status := http.StatusOK
	if err != nil {
		v.Error, status = failed, errorStatus(err)
	}
	s.render(w, status, page, "", v)
}

// consoleView is u's View of a console page, with the message the last
// action left (which it consumes).
func (s *Server) consoleView(w http.ResponseWriter, r *http.Request, u *user, title string, data any) *View {
	v := u.view(consoleArea, title, data)
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return v
	}
	http.SetCookie(w, s.cookie(r, consoleArea, flashCookie, "", -1))
	text, err := url.QueryUnescape(c.Value[1:])
	if err != nil {
		return v
	}
	switch c.Value[0] {
	case 'n':
		v.Notice = text
	case 'e':
		v.Error = text
	}
	return v
}

// fail answers a request that failed with the page again and the error:
// with status for a plain form; for htmx, which swaps no 4xx or 5xx
// answer, with 200 and the messages alone in place of the page's.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, page string, v *View) {
	if isHTMX(r) {
		w.Header().Set("HX-Retarget", "#messages")
		w.Header().Set("HX-Reswap", "outerHTML")
		s.render(w, http.StatusOK, page, "messages", v)
		return
	}
	s.render(w, status, page, "", v)
}

// problem answers with the console's error page: a refusal or a missing
// object, with its explanation.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, u *user, status int, title, msg string) {
	v := u.view(consoleArea, title, nil)
	v.Error = msg
	s.fail(w, r, status, "console/problem", v)
}

// notFound answers for an object the request names that does not exist.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, u *user, msg string) {
	s.problem(w, r, u, http.StatusNotFound, "Not found", msg)
}

// allowed reports whether u holds one of the permissions anyOf; when not,
// it has answered with a 403 page saying what was refused and why.
func (s *Server) allowed(w http.ResponseWriter, r *http.Request, u *user, what string, anyOf []string) bool {
	err := s.Identity.Authorize(r.Context(), u.Principal, anyOf)
	switch {
	case err == nil:
		return true
	case errors.Is(err, admin.ErrAccessDenied):
		need := "the permission " + anyOf[0]
		if len(anyOf) > 1 {
			need = "one of the permissions " + strings.Join(anyOf, ", ")
		}
		s.problem(w, r, u, http.StatusForbidden, "Access Denied",
			"Access Denied: "+u.QualifiedName()+" is not authorized to "+what+". This needs "+need+".")
	default:
		s.problem(w, r, u, http.StatusInternalServerError, "Error", "Reading the permissions of "+u.QualifiedName()+" failed.")
	}
	return false
}

// mayCall reports whether u may call the operations of the service, each
// with the permission the active profile gives it (as its SOAP face
// checks them); when not, it has answered with a 403 page.
func (s *Server) mayCall(w http.ResponseWriter, r *http.Request, u *user, what, service string, ops ...string) bool {
	for _, op := range ops {
		anyOf, authenticate := s.Profile.Permissions(service, op)
		if !authenticate || len(anyOf) == 0 {
			continue
		}
		if !s.allowed(w, r, u, what, anyOf) {
			return false
		}
	}
	return true
}

// hasOperation tells whether the active profile's service has the
// operation.
func (s *Server) hasOperation(service, op string) bool {
	svc := s.Profile.Service(service)
	return svc != nil && svc.Operation(op) != nil
}

// Service names as the profile knows them.
const (
	oauthService  = "OAuthAdminService"
	appMgtService = "IdentityApplicationManagementService"
)

// serviceText is what the service said of err, as its SOAP face says it
// in the fault: the active profile's text for a domain error, Axis2's for
// anything else.
func (s *Server) serviceText(err error, op string) string {
	var de *admin.Error
	if errors.As(err, &de) {
		return s.Profile.Text(de.Code, de.Default, de.Args...)
	}
	return "Exception occurred while trying to invoke service method " + op
}

// errorStatus is the status of a plain form's answer that failed with err:
// 409 for a name or key taken, 400 for other errors of the request, 500
// for the server's.
func errorStatus(err error) int {
	var de *admin.Error
	if !errors.As(err, &de) || de.Kind == admin.ServerError {
		return http.StatusInternalServerError
	}
	if strings.HasSuffix(de.Code, "exists") || strings.Contains(de.Code, "duplicate") {
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// isCode tells whether err is the domain error of that code.
func isCode(err error, code string) bool {
	var de *admin.Error
	return errors.As(err, &de) && de.Code == code
}

// withQuery is path with the query parameters of kv (name, value, ...).
func withQuery(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return path + "?" + q.Encode()
}

// listChange is a change made from a list page and its outcome.
type listChange struct {
	path, title, page, fragment string
	err                         error
	// failed and done are the messages of a failure and of success.
	failed, done string
	// reload reads the list again for htmx, with the message of a failure.
	reload func() (any, string)
}

// answerListChange answers a change made from a list: a plain form goes
// back to the list with the outcome; htmx gets the list again with the
// outcome beside it.
func (s *Server) answerListChange(w http.ResponseWriter, r *http.Request, u *user, c listChange) {
	if !isHTMX(r) {
		if c.err != nil {
			s.doneWithError(w, r, c.path, c.failed)
			return
		}
		s.done(w, r, c.path, c.done)
		return
	}
	data, failedReload := c.reload()
	v := u.view(consoleArea, c.title, data)
	switch {
	case c.err != nil:
		v.Error = c.failed
	case failedReload != "":
		v.Error = failedReload
	default:
		v.Notice = c.done
	}
	s.render(w, http.StatusOK, c.page, c.fragment, v)
}
