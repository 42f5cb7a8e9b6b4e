package main

import (
	"context"
	"crypto/subtle"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/wsdl"
)

// metrics are the server's Prometheus metrics, in a registry of its own.
type metrics struct {
	profile *wsdl.Profile
	// children keeps the counter and histogram of each service,
	// operation and outcome, so that a request costs no label lookup.
	mu           sync.RWMutex
	children     map[soapLabels]soapChild
	registry     *prometheus.Registry
	soap         *prometheus.CounterVec
	soapDuration *prometheus.HistogramVec
	store        *prometheus.CounterVec
	oauth2       *prometheus.CounterVec
	auth         *prometheus.CounterVec
}

func newMetrics(profile *wsdl.Profile, db *schema.DB) *metrics {
	m := &metrics{profile: profile, registry: prometheus.NewRegistry()}
	constLabels := prometheus.Labels{"profile": profile.Name}
	m.soap = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "isadmin_soap_requests_total", ConstLabels: constLabels,
		Help: "SOAP requests by service, operation and outcome: ok, or the fault code (Client, Server, 50977 ...).",
	}, []string{"service", "operation", "outcome"})
	m.soapDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "isadmin_soap_request_duration_seconds", ConstLabels: constLabels,
		Help:    "Duration of SOAP requests by service and operation.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"service", "operation"})
	m.store = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "isadmin_store_requests_total", Help: "Store API requests by route, method and HTTP status.",
	}, []string{"route", "method", "status"})
	m.oauth2 = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "isadmin_oauth2_requests_total", Help: "OAuth 2.0 endpoint requests by endpoint, grant type and HTTP status.",
	}, []string{"endpoint", "grant_type", "status"})
	m.auth = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "isadmin_authentication_events_total", Help: "Refused authentications (refused) and the locks they started (lock).",
	}, []string{"event"})
	m.auth.WithLabelValues("refused")
	m.auth.WithLabelValues("lock")
	sessions := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "isadmin_sessions", Help: "Login sessions stored (shared by the instances of one database), ended ones not yet removed included.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, err := db.CountSessions(ctx)
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	})
	m.registry.MustRegister(m.soap, m.soapDuration, m.store, m.oauth2, m.auth, sessions,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&poolCollector{db: db})
	return m
}

type soapLabels struct{ service, operation, outcome string }

type soapChild struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// observeSOAP is soap.Server.Observe. Names a request gives that the
// profile has no service or operation of are "unknown": label values must
// not grow with what clients send.
func (m *metrics) observeSOAP(service, operation string, status int, fault string, d time.Duration) {
	svc := m.profile.Service(service)
	if svc == nil {
		service, operation = "unknown", "unknown"
	} else if svc.Operation(operation) == nil {
		operation = "unknown"
	}
	outcome := "ok"
	if fault != "" {
		outcome = fault
		if _, code, ok := strings.Cut(fault, ":"); ok {
			outcome = code
		}
	}
	key := soapLabels{service, operation, outcome}
	m.mu.RLock()
	c, ok := m.children[key]
	m.mu.RUnlock()
	if !ok {
		c = soapChild{m.soap.WithLabelValues(service, operation, outcome), m.soapDuration.WithLabelValues(service, operation)}
		m.mu.Lock()
		if m.children == nil {
			m.children = map[soapLabels]soapChild{}
		}
		m.children[key] = c
		m.mu.Unlock()
	}
	c.count.Inc()
	c.duration.Observe(d.Seconds())
}

// observeAuth is admin.Identity.OnEvent.
func (m *metrics) observeAuth(e admin.AuthEvent) {
	switch e {
	case admin.AuthRefused:
		m.auth.WithLabelValues("refused").Inc()
	case admin.LockStarted:
		m.auth.WithLabelValues("lock").Inc()
	}
}

func (m *metrics) observeStore(route, method string, status int) {
	m.store.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
}

func (m *metrics) observeOAuth2(endpoint, grantType string, status int) {
	switch grantType {
	case "", "client_credentials", "password", "refresh_token", "application_token":
	default:
		grantType = "other"
	}
	m.oauth2.WithLabelValues(endpoint, grantType, strconv.Itoa(status)).Inc()
}

// register serves the metrics at /metrics, to callers that send the
// token as a Bearer token when one is set.
func (m *metrics) register(r *httprouter.Router, currentToken func() string) {
	h := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	r.GET("/metrics", func(w http.ResponseWriter, req *http.Request, _ httprouter.Params) {
		if token := currentToken(); token != "" {
			got := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "the metrics need the token of --metrics-token", http.StatusUnauthorized)
				return
			}
		}
		h.ServeHTTP(w, req)
	})
}

// poolCollector reports the database connection pool.
type poolCollector struct{ db *schema.DB }

var (
	poolOpen  = prometheus.NewDesc("isadmin_db_connections_open", "Database connections open.", nil, nil)
	poolInUse = prometheus.NewDesc("isadmin_db_connections_in_use", "Database connections in use.", nil, nil)
	poolWaits = prometheus.NewDesc("isadmin_db_connection_waits_total", "Waits for a database connection.", nil, nil)
)

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolOpen
	ch <- poolInUse
	ch <- poolWaits
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.db.PoolStats()
	ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(st.OpenConnections))
	ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(st.InUse))
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(st.WaitCount))
}
