// Package web serves the HTML views of the server: the landing page at /,
// the management console at /carbon/ (service providers, OAuth clients,
// users, roles and tenants, as Identity Server's console shows them) and
// the store page at /store/ (applications and their production and sandbox
// keys, as API Manager's store shows them).
//
// The pages are html/template views with a vendored htmx, all embedded.
// Every action goes through the same services as the SOAP and JSON faces
// (admin.OAuthAdmin, admin.AppMgt, admin.Identity, storeapi.Server), so the
// three views never disagree. Every form carries a CSRF token; cookies are
// SameSite=Strict; answers carry a Content-Security-Policy.
package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/storeapi"
	"github.com/isadmin/isadmin/wsdl"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server serves the pages.
type Server struct {
	Profile  *wsdl.Profile
	Identity *admin.Identity
	// OAuth and AppMgt are the implementations behind OAuthAdminService and
	// IdentityApplicationManagementService.
	OAuth  *admin.OAuthAdmin
	AppMgt *admin.AppMgt
	// Store is the store's service behind its JSON API.
	Store *storeapi.Server
	// Version is the server's version as the landing page shows it.
	Version string
	// Endpoint is the scheme, host and port the pages name in examples
	// (the cURL line), such as https://localhost:9443; empty means the
	// request's own.
	Endpoint string
	Now      func() time.Time
	// Log, when set, hears of every page request.
	Log func(LogEntry)

	pages map[string]*template.Template
}

// Register adds the pages' routes to r.
func (s *Server) Register(r *httprouter.Router) error {
	if err := s.parse(); err != nil {
		return err
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return err
	}
	files := http.StripPrefix(AssetsPath, http.FileServer(http.FS(static)))
	// The assets are not logged: a page load fetches several.
	r.Handler(http.MethodGet, AssetsPath+"*file", secured(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The files change only with the binary.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})))
	rt := routes{s: s, r: r}
	rt.Handler(http.MethodGet, "/", secured(http.HandlerFunc(s.showLanding)))
	rt.Handler(http.MethodGet, "/api-reference", secured(http.HandlerFunc(s.showReference)))
	s.registerConsole(rt)
	s.registerStore(rt)
	return nil
}

// AssetsPath is where the pages' scripts, styles and images are served.
const AssetsPath = "/assets/"

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// contentSecurityPolicy allows the pages only their own scripts, styles and
// forms; no page may be framed.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secured adds the headers every page carries.
func secured(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// View is what every template receives.
type View struct {
	Title string
	// Area is "console", "store" or "" (the landing page).
	Area string
	// User is the signed-in user (user@tenant), or "".
	User string
	// CSRF is the token the page's forms carry.
	CSRF    string
	Profile string
	Version string
	// Notice and Error are the messages of the last action.
	Notice, Error string
	Data          any
}

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	"join": strings.Join,
	"has": func(list []string, v string) bool {
		for _, e := range list {
			if e == v {
				return true
			}
		}
		return false
	},
	"lower": strings.ToLower,
	"deref": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
}

// parse reads the templates: layout.html and partials/*.html with each
// page; a page's file is templates/<area>/<page>.html or
// templates/<page>.html, named "<area>/<page>" or "<page>".
func (s *Server) parse() error {
	s.pages = map[string]*template.Template{}
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return fmt.Errorf("web: %w", err)
	}
	return fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") || path == "templates/layout.html" || strings.HasPrefix(path, "templates/partials/") {
			return err
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, path)
		if err != nil {
			return fmt.Errorf("web: %w", err)
		}
		s.pages[strings.TrimSuffix(strings.TrimPrefix(path, "templates/"), ".html")] = t
		return nil
	})
}

// render writes the page name with v in the layout, or, for an htmx
// request asking for a part, the template named fragment alone.
func (s *Server) render(w http.ResponseWriter, status int, page, fragment string, v *View) {
	t, ok := s.pages[page]
	if !ok {
		http.Error(w, "web: no page "+page, http.StatusInternalServerError)
		return
	}
	if v.Profile == "" && s.Profile != nil {
		v.Profile = s.Profile.Name
	}
	v.Version = s.Version
	name := "layout"
	if fragment != "" {
		name = fragment
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		http.Error(w, "web: rendering "+page+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// isHTMX reports whether htmx sent the request (it swaps a part of the
// page with the answer).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// redirect sends the browser to path after a form's POST: a 303 for a
// plain form, an HX-Redirect for htmx.
func redirect(w http.ResponseWriter, r *http.Request, path string) {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", path)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// serviceLink is a SOAP service on the landing page.
type serviceLink struct {
	Name       string
	Operations int
}

type landing struct {
	Services []serviceLink
}

func (s *Server) showLanding(w http.ResponseWriter, r *http.Request) {
	var l landing
	for _, name := range ServiceNames {
		if svc := s.Profile.Service(name); svc != nil {
			l.Services = append(l.Services, serviceLink{Name: name, Operations: len(svc.Operations)})
		}
	}
	sort.Slice(l.Services, func(i, j int) bool { return l.Services[i].Name < l.Services[j].Name })
	s.render(w, http.StatusOK, "landing", "", &View{Title: "isadmin", Data: l})
}

// ServiceNames are the SOAP services a profile may have.
var ServiceNames = []string{"AuthenticationAdmin", "IdentityApplicationManagementService", "OAuthAdminService"}

func (s *Server) showReference(w http.ResponseWriter, r *http.Request) {
	// Swagger UI sets style attributes and adds style elements as it
	// renders; its scripts stay limited to this server's.
	w.Header().Set("Content-Security-Policy", strings.Replace(contentSecurityPolicy, "style-src 'self'", "style-src 'self' 'unsafe-inline'", 1))
	s.render(w, http.StatusOK, "reference", "", &View{Title: "Store API reference", Data: storeapi.BasePath + "/openapi.json"})
}

// withUser returns ctx carrying p, as the SOAP and JSON faces pass the
// caller to the services.
func withUser(ctx context.Context, p admin.Principal) context.Context {
	return admin.WithPrincipal(ctx, p)
}
