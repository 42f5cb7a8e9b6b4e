package main

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/isadmin/isadmin/soap"
	"github.com/isadmin/isadmin/storeapi"
)

// corsHeaders are the request headers a page of an allowed origin may
// send: what the devportal and the legacy store send.
var corsHeaders = []string{"accept", "authorization", "content-type", "x-csrftoken"}

// corsMethods are the methods of the store's and the OAuth 2.0 endpoints.
const corsMethods = "GET, POST, PUT, DELETE"

// corsPath reports whether a path takes cross-origin requests: the store
// API and the OAuth 2.0 endpoints (of any tenant), which pages such as
// the devportal call; never the admin services.
func corsPath(path string) bool {
	if strings.HasPrefix(path, storeapi.BasePath+"/") || path == storeapi.BasePath || strings.HasPrefix(path, "/oauth2/") {
		return true
	}
	if rest, ok := strings.CutPrefix(path, "/t/"); ok {
		_, rest, _ = strings.Cut(rest, "/")
		return strings.HasPrefix(rest, "oauth2/")
	}
	return false
}

// parseOrigins reads the CORS allow-list: comma-separated origins,
// scheme://host[:port] each.
func parseOrigins(v string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return nil, fmt.Errorf("--cors-allowed-origins: %q is no origin (scheme://host[:port])", o)
		}
		out = append(out, strings.ToLower(u.Scheme+"://"+u.Host))
	}
	return out, nil
}

// cors answers the Fetch standard's CORS protocol for pages of the allowed
// origins on the store API and the OAuth 2.0 endpoints: a preflight gets
// 204 with what it may send, an actual request the headers that let the
// page read the answer, credentials included, and passes the cross-site
// check. A page of any other origin gets nothing: its preflight is
// refused, and its requests stay subject to the cross-site check.
// origins gives the allowed origins in place (a reload changes them).
func cors(h http.Handler, origins func() []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allow := origins()
		if origin == "" || len(allow) == 0 || !corsPath(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		allowed := slices.Contains(allow, strings.ToLower(origin))
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		hd := w.Header()
		hd.Add("Vary", "Origin")
		if preflight {
			hd.Add("Vary", "Access-Control-Request-Method")
			hd.Add("Vary", "Access-Control-Request-Headers")
			if !allowed || !corsRequestOK(r) {
				http.Error(w, "cross-origin request refused: the origin is not in --cors-allowed-origins, or it asks for a method or header the server does not take", http.StatusForbidden)
				return
			}
			hd.Set("Access-Control-Allow-Origin", origin)
			hd.Set("Access-Control-Allow-Credentials", "true")
			hd.Set("Access-Control-Allow-Methods", corsMethods)
			if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
				hd.Set("Access-Control-Allow-Headers", req)
			}
			hd.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowed {
			hd.Set("Access-Control-Allow-Origin", origin)
			hd.Set("Access-Control-Allow-Credentials", "true")
			hd.Set("Access-Control-Expose-Headers", "Location, WWW-Authenticate")
			r = soap.WithAllowedOrigin(r)
		}
		h.ServeHTTP(w, r)
	})
}

// corsRequestOK checks what a preflight asks for: one of the served
// methods and headers among corsHeaders.
func corsRequestOK(r *http.Request) bool {
	if !strings.Contains(corsMethods, strings.ToUpper(r.Header.Get("Access-Control-Request-Method"))) {
		return false
	}
	for _, name := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
		if name = strings.ToLower(strings.TrimSpace(name)); name != "" && !slices.Contains(corsHeaders, name) {
			return false
		}
	}
	return true
}
