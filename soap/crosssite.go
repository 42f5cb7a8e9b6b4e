package soap

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// allowedOriginKey marks a request whose Origin the server's CORS
// allow-list admits.
type allowedOriginKey struct{}

// WithAllowedOrigin returns r marked as coming from an origin the server
// allows cross-origin requests from (its CORS allow-list): CrossSite lets
// it pass.
func WithAllowedOrigin(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), allowedOriginKey{}, true))
}

// CrossSite reports why a request that may change state comes from a page
// of another site, or "" when it does not. A browser sends a form or a
// fetch of another site's page with the cookies (and cached HTTP Basic
// credentials) of this server, which must not act on them. Browsers say
// where a request comes from: Sec-Fetch-Site, Origin, Referer; clients
// that are no browser send none of them, and pass.
func CrossSite(r *http.Request) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return ""
	}
	if r.Context().Value(allowedOriginKey{}) != nil {
		return ""
	}
	return fromOtherSite(r)
}

// fromOtherSite is CrossSite for a request of any method, such as a GET
// that invokes an operation.
func fromOtherSite(r *http.Request) string {
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return "Sec-Fetch-Site: " + site
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if !sameHost(origin, r.Host) {
			return "Origin: " + origin
		}
		return ""
	}
	if referer := r.Header.Get("Referer"); referer != "" && !sameHost(referer, r.Host) {
		return "Referer: " + referer
	}
	return ""
}

// sameHost reports whether the URL names host (with its port).
func sameHost(rawURL, host string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}

// crossSiteFault refuses a request of a page of another site.
func crossSiteFault(why string) *Fault {
	return &Fault{Code: codeClient, Status: http.StatusForbidden,
		Reason: "Refused a request sent by a page of another site (" + why + "): this server acts only on requests of its own pages and of clients that are no browser"}
}
