package main

// Crash safety: writers keep a real server process busy while it is killed
// with SIGKILL at random moments and restarted on the same data directory.
// Every write the server acknowledged must survive every later kill, no
// write it refused with a fault may be stored, and SQLite's integrity check
// must pass after each kill. Writes that got no answer (the connection died
// with the process) may or may not be stored.

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/sealed"
)

// ---- a server process ----

// buildServerBinary builds cmd/isadmin into a temporary directory.
func buildServerBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "isadmin")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// tailBuffer keeps the last bytes written to it: the end of a server's log.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// serverProcess is a running isadmin serve with a plain HTTP listener.
type serverProcess struct {
	cmd     *exec.Cmd
	URL     string
	dataDir string
	log     *tailBuffer
	done    chan struct{}
	err     error // the exit status, once done is closed
}

// startServerProcess starts bin on dataDir without waiting for it to
// answer.
func startServerProcess(t *testing.T, bin, dataDir string, args ...string) *serverProcess {
	t.Helper()
	addr := freeAddr(t)
	all := append([]string{"serve", "--data-dir", dataDir, "--http-addr", addr, "--https-addr", "", "--http-admin-services=true", "--log-format", "json"}, args...)
	p := &serverProcess{cmd: exec.Command(bin, all...), URL: "http://" + addr, dataDir: dataDir, log: &tailBuffer{max: 16 << 10}, done: make(chan struct{})}
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	return p
}

// waitReady polls ?wsdl until the server answers.
func (p *serverProcess) waitReady(t *testing.T, c *http.Client) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := c.Get(p.URL + oauthSvc + "?wsdl")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("server exited before answering (%v):\n%s", p.err, p.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not answer: %v\n%s", err, p.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *serverProcess) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits for a clean exit.
func (p *serverProcess) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", p.err, p.log)
		}
	case <-time.After(15 * time.Second):
		p.kill()
		t.Errorf("server ignored SIGTERM for 15s\n%s", p.log)
	}
}

// ---- SOAP calls over the wire ----

// procAuth authenticates a call: a session cookie when set, else Basic.
type procAuth struct {
	user, pass string
	cookie     string
}

var adminAuth = procAuth{user: "admin", pass: "admin"}

// procReply is a complete answer.
type procReply struct {
	status  int
	header  http.Header
	body    []byte
	payload *etree.Element // the first child of Body, if any
	fault   string         // the fault string when payload is a Fault
	// elapsed is the time from sending the request to having read the
	// whole answer.
	elapsed time.Duration
}

func (r procReply) String() string { return fmt.Sprintf("HTTP %d: %.600s", r.status, r.body) }

// soapCall posts a SOAP 1.1 request to service at base. err is a transport
// error: no complete answer was read.
func soapCall(ctx context.Context, c *http.Client, base, service, action, body string, a procAuth) (procReply, error) {
	doc := `<s:Envelope xmlns:s="` + envNS11 + `" xmlns:xsd="` + axis2NS + `" xmlns:dto="` + dtoNS + `"><s:Body>` + body + `</s:Body></s:Envelope>`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/services/"+service, strings.NewReader(doc))
	if err != nil {
		return procReply{}, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `"urn:`+action+`"`)
	if a.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "JSESSIONID", Value: a.cookie})
	} else if a.user != "" {
		req.SetBasicAuth(a.user, a.pass)
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return procReply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return procReply{}, err
	}
	r := procReply{status: resp.StatusCode, header: resp.Header, body: data, elapsed: time.Since(start)}
	if len(bytes.TrimSpace(data)) == 0 {
		return r, nil
	}
	d := etree.NewDocument()
	if err := d.ReadFromBytes(data); err != nil {
		return r, nil // not XML: the caller sees no payload
	}
	if b := d.FindElement("/Envelope/Body"); b != nil && len(b.ChildElements()) > 0 {
		r.payload = b.ChildElements()[0]
		if r.payload.Tag == "Fault" {
			if fs := r.payload.FindElement("faultstring"); fs != nil {
				r.fault = strings.TrimSpace(fs.Text())
			} else if rt := r.payload.FindElement("Reason/Text"); rt != nil {
				r.fault = strings.TrimSpace(rt.Text())
			}
			if r.fault == "" {
				r.fault = "(empty fault string)"
			}
		}
	}
	return r, nil
}

// login opens a session for user and returns its cookie.
func procLogin(ctx context.Context, c *http.Client, base, user, pass string) (string, error) {
	r, err := soapCall(ctx, c, base, "AuthenticationAdmin", "login", loginBody(user, pass), procAuth{})
	if err != nil {
		return "", err
	}
	if r.status != http.StatusOK || r.payload == nil || r.fault != "" {
		return "", fmt.Errorf("login: %s", r)
	}
	if ret, _ := text(r.payload, "return"); ret != "true" {
		return "", fmt.Errorf("login refused: %s", r)
	}
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == "JSESSIONID" {
			return ck.Value, nil
		}
	}
	return "", fmt.Errorf("login set no session cookie: %s", r)
}

func newProcClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: true},
		},
	}
}

// ---- outcomes ----

// outcome is what became of a write as its sender saw it.
type outcome int

const (
	// acked: a success answer arrived; the write must be stored.
	acked outcome = iota
	// faulted: a fault arrived; nothing of the write may be stored.
	faulted
	// unknown: the connection died before a complete answer; the write
	// may or may not be stored.
	unknown
	// refused: the connection was refused, so the request never reached a
	// server; nothing may be stored.
	refused
)

func (o outcome) String() string { return [...]string{"acked", "faulted", "unknown", "refused"}[o] }

// classify turns the result of a write into its outcome; an answer that
// is neither a success nor a fault is returned as an error.
func classify(r procReply, err error) (outcome, error) {
	switch {
	case err != nil && errors.Is(err, syscall.ECONNREFUSED):
		return refused, nil
	case err != nil:
		return unknown, nil
	case (r.status == http.StatusOK || r.status == http.StatusAccepted) && r.fault == "":
		return acked, nil
	case r.status == http.StatusInternalServerError && r.fault != "":
		return faulted, nil
	}
	return unknown, fmt.Errorf("neither a success nor a fault: %s", r)
}

// ---- writers and workloads ----

// crashWriter is one goroutine of writes, with what it owns.
type crashWriter struct {
	id   int
	rng  *rand.Rand
	auth procAuth
	seq  int
	// freeKeys are consumer keys of acknowledged registrations that no
	// service provider links yet; workloads that link clients take them.
	freeKeys []string
	// unexpected collects answers that broke the rules.
	unexpected []string
}

func (w *crashWriter) next() int { w.seq++; return w.seq }

func (w *crashWriter) unexpectedf(format string, args ...any) {
	w.unexpected = append(w.unexpected, fmt.Sprintf("writer %d: ", w.id)+fmt.Sprintf(format, args...))
}

// crashEnv is what a workload talks to during a cycle.
type crashEnv struct {
	ctx    context.Context
	client *http.Client
	base   string
}

func (e *crashEnv) call(w *crashWriter, service, action, body string) (procReply, error) {
	return soapCall(e.ctx, e.client, e.base, service, action, body, w.auth)
}

// crashWorkload is one kind of write. Each writer picks a workload per
// request by weight; a workload keeps its records per writer, so writers
// never share state. A store API key-mapping writer plugs in here too.
type crashWorkload interface {
	name() string
	weight() int
	// init sizes the per-writer records.
	init(writers int)
	// write sends one request for w and records it. It returns false when
	// the server is gone (the writer then waits for the next cycle).
	write(e *crashEnv, w *crashWriter) bool
	// checkDB checks the records against the database, no server running.
	checkDB(t *testing.T, db *schema.DB)
	// checkServer checks the records through a running server's SOAP API.
	checkServer(t *testing.T, e *crashEnv, w *crashWriter)
	// summary counts the records by outcome.
	summary() string
}

func countOutcomes[R any](recs [][]R, of func(R) outcome) string {
	var n [4]int
	for _, rs := range recs {
		for _, r := range rs {
			n[of(r)]++
		}
	}
	return fmt.Sprintf("%d acked, %d faulted, %d unknown, %d refused", n[acked], n[faulted], n[unknown], n[refused])
}

// --- OAuth client registrations ---

type regRecord struct {
	key, name, secret string
	out               outcome
}

// registrations registers OAuth clients; one in eight carries a grant type
// the server refuses, so its fault must leave nothing behind.
type registrations struct {
	recs [][]regRecord
	// unknownStored and unknownLost split the unanswered registrations as
	// the last database check found them.
	unknownStored, unknownLost int
}

func (*registrations) name() string { return "registerOAuthApplicationData" }
func (*registrations) weight() int  { return 5 }
func (r *registrations) init(n int) { r.recs = make([][]regRecord, n) }

func (r *registrations) write(e *crashEnv, w *crashWriter) bool {
	i := w.next()
	rec := regRecord{key: fmt.Sprintf("crash-key-%d-%d", w.id, i), name: fmt.Sprintf("crash app %d-%d", w.id, i), secret: fmt.Sprintf("secret-%d-%d-%x", w.id, i, w.rng.Uint32())}
	grants, wantFault := "client_credentials password", w.rng.IntN(8) == 0
	if wantFault {
		grants = "client_credentials bogus_grant"
	}
	reply, err := e.call(w, "OAuthAdminService", "registerOAuthApplicationData", registerBody(rec.name, rec.key, rec.secret, "", grants))
	out, cerr := classify(reply, err)
	if cerr != nil {
		w.unexpectedf("register %s: %v", rec.key, cerr)
	}
	switch {
	case out == acked && wantFault:
		w.unexpectedf("register %s with a bogus grant type succeeded", rec.key)
	case out == faulted && !wantFault:
		w.unexpectedf("register %s: unexpected fault %q", rec.key, reply.fault)
	case out == faulted && !strings.Contains(reply.fault, "bogus_grant"):
		w.unexpectedf("register %s: fault %q, want the grant type refused", rec.key, reply.fault)
	}
	rec.out = out
	r.recs[w.id] = append(r.recs[w.id], rec)
	if out == acked {
		w.freeKeys = append(w.freeKeys, rec.key)
	}
	return out == acked || out == faulted
}

func (r *registrations) checkDB(t *testing.T, db *schema.DB) {
	t.Helper()
	apps, err := db.ListOAuthApps(context.Background(), admin.SuperTenantID, "admin")
	if err != nil {
		t.Fatalf("listing OAuth clients: %v", err)
	}
	byKey := map[string]*admin.OAuthApp{}
	for _, a := range apps {
		byKey[a.ConsumerKey] = a
	}
	r.unknownStored, r.unknownLost = 0, 0
	for _, recs := range r.recs {
		for _, rec := range recs {
			app, stored := byKey[rec.key]
			switch rec.out {
			case acked:
				if !stored {
					t.Errorf("acknowledged registration %s is lost", rec.key)
				} else if app.Name != rec.name || app.ConsumerSecret != rec.secret {
					t.Errorf("acknowledged registration %s stored as name %q secret %q, want %q %q", rec.key, app.Name, app.ConsumerSecret, rec.name, rec.secret)
				}
			case faulted, refused:
				if stored {
					t.Errorf("%s registration %s is stored", rec.out, rec.key)
				}
			case unknown:
				if !stored {
					r.unknownLost++
				} else if r.unknownStored++; app.Name != rec.name || app.ConsumerSecret != rec.secret {
					t.Errorf("unanswered registration %s stored with other values: %q %q", rec.key, app.Name, app.ConsumerSecret)
				}
			}
		}
	}
}

func (r *registrations) checkServer(t *testing.T, e *crashEnv, w *crashWriter) {
	t.Helper()
	for _, rec := range r.recs[w.id] {
		if rec.out == unknown {
			continue
		}
		reply, err := e.call(w, "OAuthAdminService", "getOAuthApplicationData", `<xsd:getOAuthApplicationData><xsd:consumerKey>`+rec.key+`</xsd:consumerKey></xsd:getOAuthApplicationData>`)
		if err != nil {
			t.Errorf("getOAuthApplicationData %s: %v", rec.key, err)
			return
		}
		if rec.out != acked {
			if reply.fault == "" {
				t.Errorf("%s registration %s is served: %s", rec.out, rec.key, reply)
			}
			continue
		}
		ret := (*etree.Element)(nil)
		if reply.payload != nil && reply.fault == "" {
			ret = reply.payload.SelectElement("return")
		}
		if ret == nil {
			t.Errorf("acknowledged registration %s: %s", rec.key, reply)
			continue
		}
		name, _ := text(ret, "applicationName")
		key, _ := text(ret, "oauthConsumerKey")
		secret, _ := text(ret, "oauthConsumerSecret")
		if name != rec.name || key != rec.key || secret != rec.secret {
			t.Errorf("acknowledged registration %s served as %q %q %q", rec.key, name, key, secret)
		}
	}
}

func (r *registrations) summary() string {
	return countOutcomes(r.recs, func(r regRecord) outcome { return r.out }) +
		fmt.Sprintf(" (of the unknown: %d stored, %d not)", r.unknownStored, r.unknownLost)
}

// --- service providers ---

// spRecord follows one service provider a writer created.
type spRecord struct {
	name    string
	created outcome
	id      int // 0 until read back
	// desc is the description of the last acknowledged write (the create or
	// an update); pending are the descriptions of updates sent after it that
	// got no answer.
	desc    string
	pending []string
	// never are descriptions of updates that were faulted or refused.
	never []string
	// keys are the consumer keys any sent update linked; ackedKeys those of
	// the last acknowledged update. Keys are never unlinked, since
	// unlinking a client deletes it.
	keys, ackedKeys []string
}

// serviceProviders creates service providers with createApplication and
// updates their description and linked OAuth clients with
// updateApplication; one update in five links a client that does not exist,
// which the server refuses.
type serviceProviders struct {
	recs    [][]*spRecord
	updates [][4]int // per writer, by outcome
}

func (*serviceProviders) name() string { return "createApplication/updateApplication" }
func (*serviceProviders) weight() int  { return 5 }
func (s *serviceProviders) init(n int) {
	s.recs, s.updates = make([][]*spRecord, n), make([][4]int, n)
}

func spCreateBody(name, desc string) string {
	return `<xsd:createApplication><xsd:serviceProvider xmlns:m="` + modelNS + `"><m:applicationName>` + name +
		`</m:applicationName><m:description>` + desc + `</m:description></xsd:serviceProvider></xsd:createApplication>`
}

func spUpdateBody(id int, name, desc string, keys []string) string {
	var f strings.Builder
	fmt.Fprintf(&f, `<m:applicationID>%d</m:applicationID><m:applicationName>%s</m:applicationName><m:description>%s</m:description><m:inboundAuthenticationConfig>`, id, name, desc)
	for _, key := range keys {
		f.WriteString(`<m:inboundAuthenticationRequestConfigs><m:inboundAuthKey>` + key + `</m:inboundAuthKey><m:inboundAuthType>oauth2</m:inboundAuthType></m:inboundAuthenticationRequestConfigs>`)
	}
	f.WriteString(`</m:inboundAuthenticationConfig><m:localAndOutBoundAuthenticationConfig><m:authenticationType>default</m:authenticationType></m:localAndOutBoundAuthenticationConfig><m:permissionAndRoleConfig/>`)
	return `<xsd:updateApplication><xsd:serviceProvider xmlns:m="` + modelNS + `">` + f.String() + `</xsd:serviceProvider></xsd:updateApplication>`
}

func spGetBody(name string) string {
	return `<xsd:getApplication><xsd:applicationName>` + name + `</xsd:applicationName></xsd:getApplication>`
}

// spRead is a service provider as getApplication answers it.
type spRead struct {
	found bool
	id    int
	desc  string
	keys  []string
}

func readSP(r procReply) (spRead, error) {
	if r.status != http.StatusOK || r.payload == nil || r.fault != "" {
		return spRead{}, fmt.Errorf("getApplication: %s", r)
	}
	ret := r.payload.SelectElement("return")
	if ret == nil {
		return spRead{}, fmt.Errorf("getApplication without return: %s", r)
	}
	if ret.SelectAttrValue("xsi:nil", "") == "true" {
		return spRead{}, nil
	}
	id, _ := text(ret, "applicationID")
	n, err := strconv.Atoi(id)
	if err != nil {
		return spRead{}, fmt.Errorf("getApplication: applicationID %q", id)
	}
	desc, _ := text(ret, "description")
	var keys []string
	for _, ic := range amInbound(ret) {
		if k, ok := text(ic, "inboundAuthKey"); ok {
			if typ, _ := text(ic, "inboundAuthType"); typ == "oauth2" {
				keys = append(keys, k)
			}
		}
	}
	return spRead{found: true, id: n, desc: desc, keys: keys}, nil
}

func (s *serviceProviders) write(e *crashEnv, w *crashWriter) bool {
	var live []*spRecord
	for _, sp := range s.recs[w.id] {
		if sp.created == acked {
			live = append(live, sp)
		}
	}
	if len(live) == 0 || w.rng.IntN(4) == 0 {
		i := w.next()
		sp := &spRecord{name: fmt.Sprintf("crash-sp-%d-%d", w.id, i), desc: fmt.Sprintf("created-%d-%d", w.id, i)}
		reply, err := e.call(w, "IdentityApplicationManagementService", "createApplication", spCreateBody(sp.name, sp.desc))
		out, cerr := classify(reply, err)
		if cerr != nil {
			w.unexpectedf("createApplication %s: %v", sp.name, cerr)
		}
		if out == faulted {
			w.unexpectedf("createApplication %s: unexpected fault %q", sp.name, reply.fault)
		}
		sp.created = out
		s.recs[w.id] = append(s.recs[w.id], sp)
		return out == acked || out == faulted
	}
	sp := live[w.rng.IntN(len(live))]
	if sp.id == 0 {
		reply, err := e.call(w, "IdentityApplicationManagementService", "getApplication", spGetBody(sp.name))
		if err != nil {
			return false
		}
		got, err := readSP(reply)
		if err != nil || !got.found {
			w.unexpectedf("acknowledged service provider %s cannot be read: %v %+v", sp.name, err, got)
			return true
		}
		sp.id = got.id
	}
	i := w.next()
	keys, desc := slices.Clone(sp.keys), fmt.Sprintf("updated-%d-%d", w.id, i)
	wantFault := w.rng.IntN(5) == 0
	if wantFault {
		desc = fmt.Sprintf("refused-%d-%d", w.id, i)
		keys = append(keys, fmt.Sprintf("no-such-client-%d-%d", w.id, i))
	} else if len(w.freeKeys) > 0 {
		keys = append(keys, w.freeKeys[0])
		w.freeKeys = w.freeKeys[1:]
	}
	reply, err := e.call(w, "IdentityApplicationManagementService", "updateApplication", spUpdateBody(sp.id, sp.name, desc, keys))
	out, cerr := classify(reply, err)
	if cerr != nil {
		w.unexpectedf("updateApplication %s: %v", sp.name, cerr)
	}
	s.updates[w.id][out]++
	switch out {
	case acked:
		if wantFault {
			w.unexpectedf("updateApplication %s linking a missing client succeeded", sp.name)
		}
		sp.desc, sp.pending, sp.keys, sp.ackedKeys = desc, nil, keys, keys
	case unknown:
		if wantFault {
			// The server refuses this update whenever it reads it.
			sp.never = append(sp.never, desc)
		} else {
			sp.pending = append(sp.pending, desc)
			sp.keys = keys
		}
	case faulted:
		if !wantFault {
			w.unexpectedf("updateApplication %s: unexpected fault %q", sp.name, reply.fault)
		} else if !strings.Contains(reply.fault, "no-such-client") {
			w.unexpectedf("updateApplication %s: fault %q, want the missing client named", sp.name, reply.fault)
		}
		sp.never = append(sp.never, desc)
		if !wantFault && len(keys) > len(sp.keys) {
			// The key was not linked; give it back.
			w.freeKeys = append(w.freeKeys, keys[len(keys)-1])
		}
	case refused:
		sp.never = append(sp.never, desc)
		if !wantFault && len(keys) > len(sp.keys) {
			w.freeKeys = append(w.freeKeys, keys[len(keys)-1])
		}
	}
	return out == acked || out == faulted
}

// check compares a stored service provider with its record.
func (sp *spRecord) check(t *testing.T, got spRead, where string) {
	t.Helper()
	switch sp.created {
	case faulted, refused:
		if got.found {
			t.Errorf("%s: %s service provider %s exists", where, sp.created, sp.name)
		}
		return
	case unknown:
		if got.found && got.desc != sp.desc {
			t.Errorf("%s: unanswered create of %s stored description %q, want %q", where, sp.name, got.desc, sp.desc)
		}
		return
	}
	if !got.found {
		t.Errorf("%s: acknowledged service provider %s is lost", where, sp.name)
		return
	}
	if got.desc != sp.desc && !slices.Contains(sp.pending, got.desc) {
		what := "neither the acknowledged one nor an unanswered one"
		if slices.Contains(sp.never, got.desc) {
			what = "from a faulted or refused update"
		}
		t.Errorf("%s: service provider %s has description %q, %s (acknowledged %q, unanswered %q)", where, sp.name, got.desc, what, sp.desc, sp.pending)
	}
	for _, k := range sp.ackedKeys {
		if !slices.Contains(got.keys, k) {
			t.Errorf("%s: service provider %s lost the acknowledged link to %s (links %v)", where, sp.name, k, got.keys)
		}
	}
	for _, k := range got.keys {
		if !slices.Contains(sp.keys, k) {
			t.Errorf("%s: service provider %s links %s, which no update that may have been stored sent", where, sp.name, k)
		}
	}
}

func (s *serviceProviders) checkDB(t *testing.T, db *schema.DB) {
	t.Helper()
	list, _, err := db.ListServiceProviders(context.Background(), admin.SuperTenantID, "", 0, 0)
	if err != nil {
		t.Fatalf("listing service providers: %v", err)
	}
	byName := map[string]*admin.ServiceProviderRecord{}
	for _, rec := range list {
		byName[rec.Name] = rec
	}
	for _, recs := range s.recs {
		for _, sp := range recs {
			var got spRead
			if rec, ok := byName[sp.name]; ok {
				got = spRead{found: true, id: int(rec.ID), desc: rec.Description, keys: rec.OAuthKeys}
			}
			sp.check(t, got, "database")
		}
	}
}

func (s *serviceProviders) checkServer(t *testing.T, e *crashEnv, w *crashWriter) {
	t.Helper()
	for _, sp := range s.recs[w.id] {
		reply, err := e.call(w, "IdentityApplicationManagementService", "getApplication", spGetBody(sp.name))
		if err != nil {
			t.Errorf("getApplication %s: %v", sp.name, err)
			return
		}
		got, err := readSP(reply)
		if err != nil {
			t.Errorf("%s: %v", sp.name, err)
			continue
		}
		sp.check(t, got, "getApplication")
	}
}

func (s *serviceProviders) summary() string {
	creates := countOutcomes(s.recs, func(sp *spRecord) outcome { return sp.created })
	var n [4]int
	for _, u := range s.updates {
		for i := range n {
			n[i] += u[i]
		}
	}
	return fmt.Sprintf("creates: %s; updates: %d acked, %d faulted, %d unknown, %d refused", creates, n[acked], n[faulted], n[unknown], n[refused])
}

// ---- the test ----

// crashSeed is ISADMIN_CRASH_SEED when set, else a new seed per run.
func crashSeed(t *testing.T) uint64 {
	if s := os.Getenv("ISADMIN_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("ISADMIN_CRASH_SEED=%q: %v", s, err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// checkIntegrity opens the database as the server does and runs SQLite's
// integrity check; db is left open for the caller's checks.
func checkIntegrity(t *testing.T, path string) *schema.DB {
	t.Helper()
	db, err := schema.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("opening the database after a kill: %v", err)
	}
	report, err := db.IntegrityCheck(context.Background())
	if err != nil {
		db.Close()
		t.Fatalf("integrity check: %v", err)
	}
	if report != "ok" {
		t.Errorf("PRAGMA integrity_check after a kill:\n%s", report)
	}
	keys, err := sealed.ReadKeyFile(filepath.Join(filepath.Dir(path), defaultSecretKeyFile))
	if err != nil {
		db.Close()
		t.Fatalf("the secret key file after a kill: %v", err)
	}
	if _, err := db.UseSecretKeys(context.Background(), keys); err != nil {
		db.Close()
		t.Fatalf("the secret keys after a kill: %v", err)
	}
	return db
}

// TestCrashSafety kills a loaded server process with SIGKILL at random
// moments (12 times; 3 under -short or the race detector) and restarts it on the same data
// directory. After each kill the database must pass SQLite's integrity
// check and hold every acknowledged write and no faulted or refused one;
// at the end a restarted server must serve every acknowledged registration
// and service provider. Set ISADMIN_CRASH_SEED to replay a seed's choices
// (timings still vary).
func TestCrashSafety(t *testing.T) {
	kills := 12
	if testing.Short() || raceDetector {
		kills = 3
	}
	seed := crashSeed(t)
	t.Logf("seed %d (ISADMIN_CRASH_SEED=%d replays its choices)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x15ad))

	bin := buildServerBinary(t)
	dataDir := t.TempDir()
	dbPath := filepath.Join(dataDir, "isadmin.db")
	client := newProcClient(16)
	ctx := context.Background()

	workloads := []crashWorkload{&registrations{}, &serviceProviders{}, &keyMappings{}}
	const writers = 6
	total := 0
	for _, wl := range workloads {
		wl.init(writers)
		total += wl.weight()
	}
	ws := make([]*crashWriter, writers)
	for i := range ws {
		ws[i] = &crashWriter{id: i, rng: rand.New(rand.NewPCG(seed, uint64(i+1)))}
	}

	// The first start is killed early, while it creates the database.
	early := time.Duration(rng.IntN(40)) * time.Millisecond
	p := startServerProcess(t, bin, dataDir)
	time.Sleep(early)
	p.kill()
	t.Logf("first start killed after %v", early)

	start := time.Now()
	for cycle := 0; cycle < kills; cycle++ {
		p = startServerProcess(t, bin, dataDir)
		p.waitReady(t, client)
		env := &crashEnv{ctx: ctx, client: client, base: p.URL}
		if cycle == 0 {
			// Writer 0 authenticates with HTTP Basic, the others with a
			// session, which must survive every kill.
			ws[0].auth = adminAuth
			for _, w := range ws[1:] {
				cookie, err := procLogin(ctx, client, p.URL, "admin", "admin")
				if err != nil {
					t.Fatal(err)
				}
				w.auth = procAuth{cookie: cookie}
			}
		}

		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, w := range ws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					pick := w.rng.IntN(total)
					var wl crashWorkload
					for _, wl = range workloads {
						if pick -= wl.weight(); pick < 0 {
							break
						}
					}
					if !wl.write(env, w) {
						return
					}
				}
			}()
		}
		after := 150*time.Millisecond + time.Duration(rng.IntN(2200))*time.Millisecond
		time.Sleep(after)
		p.kill()
		close(stop)
		wg.Wait()

		db := checkIntegrity(t, dbPath)
		for _, wl := range workloads {
			wl.checkDB(t, db)
		}
		db.Close()
		t.Logf("kill %d after %v under load", cycle+1, after)
		if t.Failed() {
			t.Fatalf("stopping after kill %d; log of the killed server:\n%s", cycle+1, p.log)
		}
	}
	elapsed := time.Since(start)

	// A last start serves everything acknowledged.
	p = startServerProcess(t, bin, dataDir)
	p.waitReady(t, client)
	env := &crashEnv{ctx: ctx, client: client, base: p.URL}
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, wl := range workloads {
				wl.checkServer(t, env, w)
			}
		}()
	}
	wg.Wait()
	p.stop(t)
	db := checkIntegrity(t, dbPath)
	db.Close()

	for _, w := range ws {
		for _, u := range w.unexpected {
			t.Error(u)
		}
	}
	for _, wl := range workloads {
		t.Logf("%s: %s", wl.name(), wl.summary())
	}
	t.Logf("%d kills under load in %v; integrity_check ok after each", kills, elapsed.Round(time.Millisecond))
}
