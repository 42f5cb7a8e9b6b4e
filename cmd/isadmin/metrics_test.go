package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads /metrics with the Prometheus text parser.
func scrape(t *testing.T, s *testServer, header http.Header) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := s.raw(t, "GET", "/metrics", header, "")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: HTTP %d %s", resp.StatusCode, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return families
}

// value returns the value of the family's metric with the labels.
func value(f *dto.MetricFamily, labels map[string]string) (float64, bool) {
	if f == nil {
		return 0, false
	}
	for _, m := range f.Metric {
		matched := 0
		for _, l := range m.Label {
			if v, ok := labels[l.GetName()]; ok && v == l.GetValue() {
				matched++
			}
		}
		if matched != len(labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// TestMetrics: requests, their outcomes and durations, refused
// authentications and locks, the store and the token endpoint, the
// database pool; names a client invents stay out of the labels.
func TestMetrics(t *testing.T) {
	s := startStore(t, "is-7.3", func(c *Config) { c.MaxFailedLogins = 2 })
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("m", "m-key", "m-secret", "", "client_credentials")}).ok(t)
	s.do(t, call{action: "getOAuthApplicationData", body: `<xsd:getOAuthApplicationData><xsd:consumerKey>none</xsd:consumerKey></xsd:getOAuthApplicationData>`})
	s.api(t, sreq{method: "GET", path: "/applications"}).want(t, http.StatusOK, nil)
	if ok, _ := login(t, s, authSvc, "admin", "admin"); !ok {
		t.Fatal("login failed")
	}
	// Two wrong passwords lock admin for this source.
	for range 2 {
		s.do(t, call{action: "getAllOAuthApplicationData", body: `<xsd:getAllOAuthApplicationData/>`, user: "admin", pass: "wrong"})
	}
	s.raw(t, "POST", "/services/Invented"+strings.Repeat("x", 10), http.Header{"Content-Type": {"text/xml"}}, "<x/>")
	s.oauth2(t, "/oauth2/token", "m-key", "m-secret", url.Values{"grant_type": {"client_credentials"}})
	s.oauth2(t, "/oauth2/token", "m-key", "m-secret", url.Values{"grant_type": {"made-up-" + strings.Repeat("y", 8)}})

	f := scrape(t, s, nil)
	for _, c := range []struct {
		family string
		labels map[string]string
		min    float64
	}{
		{"isadmin_soap_requests_total", map[string]string{"service": "OAuthAdminService", "operation": "registerOAuthApplicationData", "outcome": "ok", "profile": "is-7.3"}, 1},
		{"isadmin_soap_requests_total", map[string]string{"service": "OAuthAdminService", "operation": "getOAuthApplicationData", "outcome": "Server"}, 1},
		{"isadmin_soap_requests_total", map[string]string{"service": "OAuthAdminService", "operation": "getAllOAuthApplicationData", "outcome": "50977"}, 2},
		{"isadmin_soap_requests_total", map[string]string{"service": "unknown", "operation": "unknown"}, 1},
		{"isadmin_soap_request_duration_seconds", map[string]string{"service": "OAuthAdminService", "operation": "registerOAuthApplicationData"}, 1},
		{"isadmin_authentication_events_total", map[string]string{"event": "refused"}, 2},
		{"isadmin_authentication_events_total", map[string]string{"event": "lock"}, 1},
		{"isadmin_oauth2_requests_total", map[string]string{"endpoint": "token", "grant_type": "client_credentials", "status": "200"}, 1},
		{"isadmin_oauth2_requests_total", map[string]string{"endpoint": "token", "grant_type": "other", "status": "400"}, 1},
		{"isadmin_store_requests_total", map[string]string{"route": "/api/am/devportal/v3/applications", "method": "GET", "status": "200"}, 1},
		{"isadmin_db_connections_open", nil, 1},
		{"isadmin_sessions", nil, 1},
		{"go_goroutines", nil, 1},
	} {
		if v, ok := value(f[c.family], c.labels); !ok || v < c.min {
			t.Errorf("%s%v = %v (found %v), want at least %v", c.family, c.labels, v, ok, c.min)
		}
	}
	body := ""
	for name, fam := range f {
		for _, m := range fam.Metric {
			for _, l := range m.Label {
				body += name + l.GetValue() + "\n"
			}
		}
	}
	if strings.Contains(body, "Invented") || strings.Contains(body, "made-up") {
		t.Error("a name a client sent became a label value")
	}

	// With a token, only its bearer reads them.
	guarded := startServer(t, "is-7.3", func(c *Config) { c.MetricsToken = "scrape-me" })
	if resp, _ := guarded.raw(t, "GET", "/metrics", nil, ""); resp.StatusCode != 401 {
		t.Errorf("/metrics without the token: HTTP %d", resp.StatusCode)
	}
	if resp, _ := guarded.raw(t, "GET", "/metrics", http.Header{"Authorization": {"Bearer wrong"}}, ""); resp.StatusCode != 401 {
		t.Errorf("/metrics with a wrong token: HTTP %d", resp.StatusCode)
	}
	scrape(t, guarded, http.Header{"Authorization": {"Bearer scrape-me"}})
}
