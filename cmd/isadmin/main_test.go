package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"golang.org/x/crypto/bcrypt"

	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
)

// requireTools turns a missing external tool into a failure when
// ISADMIN_REQUIRE_TOOLS is set (CI sets it), and into a skip otherwise.
func requireTools(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("ISADMIN_REQUIRE_TOOLS") != "" {
		t.Fatalf("required tool missing (ISADMIN_REQUIRE_TOOLS is set): "+format, args...)
	}
	t.Skipf("skipped: "+format, args...)
}

// testServer is a real server on loopback ports with its own data
// directory.
type testServer struct {
	*Main
	// URL is the plain HTTP base URL; HTTPSURL the TLS one.
	URL, HTTPSURL string
	Client        *http.Client
}

// startServer runs isadmin serve in-process on ephemeral loopback ports.
func startServer(t testing.TB, profile string, configure ...func(*Config)) *testServer {
	t.Helper()
	return startServerLogging(t, profile, nil, configure...)
}

// startServerLogging is startServer with the server's log written to w.
func startServerLogging(t testing.TB, profile string, w io.Writer, configure ...func(*Config)) *testServer {
	t.Helper()
	return startServerWith(t, profile, w, nil, configure...)
}

// clock is a settable time source for tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startServerWith is startServer with the log written to w (when not nil)
// and the server's clock set to now (when not nil).
func startServerWith(t testing.TB, profile string, w io.Writer, now func() time.Time, configure ...func(*Config)) *testServer {
	t.Helper()
	m := testMain(t, profile, w, now, configure...)
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("starting server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m.Close(ctx)
	})
	return serverOf(m)
}

// serverOf is the testServer of m, running.
func serverOf(m *Main) *testServer {
	s := &testServer{Main: m, Client: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}}
	if a := m.HTTPAddr(); a != "" {
		s.URL = "http://" + a
	}
	if a := m.HTTPSAddr(); a != "" {
		s.HTTPSURL = "https://" + a
	}
	return s
}

// testMain is the server startServerWith runs, configured but not started.
func testMain(t testing.TB, profile string, w io.Writer, now func() time.Time, configure ...func(*Config)) *Main {
	t.Helper()
	m := NewMain()
	if now != nil {
		m.Now = now
	}
	m.Stderr = io.Discard
	if testing.Verbose() {
		m.Stderr = os.Stderr
	}
	if w != nil {
		m.Stderr = w
	}
	m.Config = Config{
		WireProfile:   profile,
		AdminUser:     "admin",
		AdminPassword: "admin",
		DataDir:       t.TempDir(),
		HTTPSAddr:     "127.0.0.1:0",
		HTTPAddr:      "127.0.0.1:0",
		MaxBodyBytes:  10 << 20,
		LogFormat:     "json",

		MaxFailedLogins:    5,
		LockDuration:       15 * time.Minute,
		SessionIdleTimeout: 15 * time.Minute,
		// Most tests speak plain HTTP; the HTTPS-only default has tests of
		// its own (wire_test.go).
		HTTPAdminServices: true,
		Hostname:          "127.0.0.1",
	}
	m.hashCost = bcrypt.MinCost
	if schematest.PostgresURL() == "" {
		startWithMigratedDatabase(t, m.Config.DataDir)
	}
	if schematest.PostgresURL() != "" {
		m.Config.DatabaseURL = schematest.NewSchema(t, schematest.PostgresURL())
		// Few connections each, so that the servers of a whole test run
		// stay below PostgreSQL's max_connections (100 by default).
		m.Config.Pool = schema.PoolLimits{MaxConns: 8, MaxIdleConns: 2, MaxLifetime: time.Hour, MaxIdleTime: time.Minute}
	}
	for _, f := range configure {
		f(&m.Config)
	}
	return m
}

// TestMain removes the folders the test binary made once for all tests:
// the XML schema sets and the migrated database.
func TestMain(m *testing.M) {
	code := m.Run()
	if xv.dir != "" {
		os.RemoveAll(xv.dir)
	}
	if migrated.dir != "" {
		os.RemoveAll(migrated.dir)
	}
	os.Exit(code)
}

// migrated is an SQLite database with every migration applied and nothing
// else, made once per test binary.
var migrated struct {
	once sync.Once
	dir  string // removed by TestMain
	path string
	err  error
}

// startWithMigratedDatabase puts a copy of the migrated database in the
// data directory dir, which spares a test server's start the migrations:
// most of a start's time under the race detector, where the pure-Go SQLite
// engine is slow. Tests of a new database's start give a data directory of
// their own.
func startWithMigratedDatabase(t testing.TB, dir string) {
	t.Helper()
	migrated.once.Do(func() {
		if migrated.dir, migrated.err = os.MkdirTemp("", "isadmin-migrated-"); migrated.err != nil {
			return
		}
		ctx := context.Background()
		made := filepath.Join(migrated.dir, "made.db")
		db, err := schema.Open(ctx, made)
		if err != nil {
			migrated.err = err
			return
		}
		if err := db.Close(); err != nil {
			migrated.err = err
			return
		}
		// A file of its own, without a write-ahead log.
		migrated.path = filepath.Join(migrated.dir, "isadmin.db")
		_, _, migrated.err = schema.Backup(ctx, made, migrated.path)
	})
	if migrated.err != nil {
		t.Fatalf("the migrated database: %v", migrated.err)
	}
	data, err := os.ReadFile(migrated.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "isadmin.db"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// trustEnv makes client programs trust the server's self-signed
// certificate: Python's requests (zeep) by REQUESTS_CA_BUNDLE, Node.js by
// NODE_EXTRA_CA_CERTS.
func (s *testServer) trustEnv() []string {
	cert := filepath.Join(s.Config.DataDir, "tls.crt")
	return []string{"REQUESTS_CA_BUNDLE=" + cert, "NODE_EXTRA_CA_CERTS=" + cert}
}

// soapVersion selects the envelope and transport headers of a call.
type soapVersion int

const (
	soap11 soapVersion = iota
	soap12
)

func (v soapVersion) String() string { return [...]string{"soap11", "soap12"}[v] }

const (
	envNS11  = "http://schemas.xmlsoap.org/soap/envelope/"
	envNS12  = "http://www.w3.org/2003/05/soap-envelope"
	axis2NS  = "http://org.apache.axis2/xsd"
	dtoNS    = "http://dto.oauth.identity.carbon.wso2.org/xsd"
	oauthSvc = "/services/OAuthAdminService"
)

// envelope wraps body in a SOAP envelope of version v.
func envelope(v soapVersion, body string) string {
	ns := envNS11
	if v == soap12 {
		ns = envNS12
	}
	return `<s:Envelope xmlns:s="` + ns + `" xmlns:xsd="` + axis2NS + `" xmlns:dto="` + dtoNS + `"><s:Header/><s:Body>` + body + `</s:Body></s:Envelope>`
}

// call is one HTTP request of a test.
type call struct {
	path    string
	version soapVersion
	action  string // without "urn:"; "" sends none
	body    string // the Body's content, wrapped in an envelope
	raw     []byte // sent as is when set
	user    string
	pass    string
	noAuth  bool
	header  http.Header
}

// result is a response, with its envelope parsed when there is one.
type result struct {
	Status int
	Header http.Header
	Body   []byte
	Doc    *etree.Document
}

func (s *testServer) do(t testing.TB, c call) *result {
	t.Helper()
	path := c.path
	if path == "" {
		path = oauthSvc
	}
	data := c.raw
	if data == nil {
		data = []byte(envelope(c.version, c.body))
	}
	req, err := http.NewRequest(http.MethodPost, s.URL+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	switch c.version {
	case soap11:
		req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
		if c.action != "" {
			req.Header.Set("SOAPAction", `"urn:`+c.action+`"`)
		}
	case soap12:
		ct := "application/soap+xml; charset=UTF-8"
		if c.action != "" {
			ct += `; action="urn:` + c.action + `"`
		}
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	if !c.noAuth {
		user, pass := c.user, c.pass
		if user == "" && pass == "" {
			user, pass = "admin", "admin"
		}
		req.SetBasicAuth(user, pass)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := &result{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if len(bytes.TrimSpace(body)) > 0 {
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(body); err != nil {
			t.Fatalf("response is not XML: %v\n%s", err, body)
		}
		r.Doc = doc
	}
	s.validate(t, c, r)
	return r
}

// payload returns the first child of the response Body.
func (r *result) payload(t testing.TB) *etree.Element {
	t.Helper()
	if r.Doc == nil {
		t.Fatalf("no response envelope (HTTP %d)", r.Status)
	}
	body := r.Doc.FindElement("/Envelope/Body")
	if body == nil || len(body.ChildElements()) == 0 {
		t.Fatalf("response has no Body content:\n%s", r.Body)
	}
	return body.ChildElements()[0]
}

// fault returns the fault code and reason, failing when the response is not
// a fault.
func (r *result) fault(t testing.TB) (code, reason string) {
	t.Helper()
	f := r.payload(t)
	if f.Tag != "Fault" {
		t.Fatalf("want a fault, got %s (HTTP %d):\n%s", f.Tag, r.Status, r.Body)
	}
	if c := f.FindElement("faultcode"); c != nil {
		return strings.TrimSpace(c.Text()), strings.TrimSpace(f.FindElement("faultstring").Text())
	}
	return strings.TrimSpace(f.FindElement("Code/Value").Text()), strings.TrimSpace(f.FindElement("Reason/Text").Text())
}

// ok fails unless the response is a success with a payload.
func (r *result) ok(t testing.TB) *etree.Element {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("want HTTP 200, got %d:\n%s", r.Status, r.Body)
	}
	p := r.payload(t)
	if p.Tag == "Fault" {
		t.Fatalf("unexpected fault:\n%s", r.Body)
	}
	return p
}

// returns lists the text of the response's return elements.
func returns(p *etree.Element) []string {
	var out []string
	for _, e := range p.SelectElements("return") {
		out = append(out, e.Text())
	}
	return out
}

// childNames lists the local names of an element's children in order.
func childNames(e *etree.Element) []string {
	var out []string
	for _, c := range e.ChildElements() {
		out = append(out, c.Tag)
	}
	return out
}

// text returns the text of e's child with the given local name, and whether
// it is present and not nil.
func text(e *etree.Element, name string) (string, bool) {
	c := e.SelectElement(name)
	if c == nil {
		return "", false
	}
	if c.SelectAttrValue("xsi:nil", "") == "true" {
		return "", false
	}
	return c.Text(), true
}
