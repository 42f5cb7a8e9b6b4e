package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/soap"
)

// The handlers every request passes before its route.

// carbonServer names the server on every answer as Carbon's Tomcat
// connectors do (catalina-server.xml server="WSO2 Carbon Server"), which
// overrides whatever the application sets.
//
// Every answer also forbids caching: answers carry client secrets, session
// cookies and keys, and no cache, proxy or browser may keep one (Carbon
// sends no Cache-Control; this is a deliberate addition).
func carbonServer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["Server"] = serverHeader
		hd["Cache-Control"] = noStore
		h.ServeHTTP(w, r)
	})
}

var (
	serverHeader = []string{"WSO2 Carbon Server"}
	noStore      = []string{"no-store"}
)

// operationTimeout bounds the work of one request once the client can no
// longer cancel it.
const operationTimeout = 5 * time.Minute

// carryOut runs every request on a context that the client's hang-up does
// not cancel: a request read completely is carried out to the end, as
// Axis2 runs an operation whatever the connection does, within a deadline
// of the server's own. Net/http cancels a request's context as soon as
// the client closes its connection, which would abandon one-way
// operations whose clients rightly do not wait for the 202.
//
// The requests of one second share a deadline, timeout after the end of
// that second, so that a request costs no timer of its own. The context
// also carries the client's address, which failed logins count by.
//
// Every request gets an id, returned as X-Request-ID and written in its
// access log line: the client's own X-Request-ID when it is a plain token
// of at most 64 characters, else one of the server's (a random prefix of
// the process and a count).
func carryOut(h http.Handler, timeout time.Duration) http.Handler {
	var d sharedDeadline
	var random [4]byte
	rand.Read(random[:])
	prefix := hex.EncodeToString(random[:]) + "-"
	var count atomic.Uint64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		source, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			source = r.RemoteAddr
		}
		id := r.Header.Get("X-Request-Id")
		if !plainID(id) {
			var b [48]byte
			id = string(strconv.AppendUint(append(b[:0], prefix...), count.Add(1), 10))
		}
		// What the request carries, in one allocation.
		c := &carried{request: admin.Request{Source: source, ID: id}}
		c.idHeader[0] = id
		w.Header()["X-Request-Id"] = c.idHeader[:]
		c.ctx = detached{values: admin.WithRequest(r.Context(), &c.request), timing: d.get(timeout)}
		h.ServeHTTP(w, r.WithContext(&c.ctx))
	})
}

// carried is what carryOut gives a request.
type carried struct {
	request  admin.Request
	idHeader [1]string
	ctx      detached
}

// plainID reports whether a client's request id may be logged as it is.
func plainID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// sharedDeadline hands out a context that ends timeout after the end of
// the current second, one per second.
type sharedDeadline struct {
	mu     sync.Mutex
	second int64
	ctx    context.Context
	// cancel of ctx is never called: requests of its second may still run
	// on it; its deadline's timer releases it.
	cancel context.CancelFunc
}

func (d *sharedDeadline) get(timeout time.Duration) context.Context {
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := now.Unix(); s != d.second || d.ctx == nil {
		end := time.Unix(s+1, 0).Add(timeout)
		d.ctx, d.cancel = context.WithDeadline(context.Background(), end)
		d.second = s
	}
	return d.ctx
}

// detached is a request's context without its cancellation: the values
// of values, the deadline and end of timing.
type detached struct{ values, timing context.Context }

func (c detached) Deadline() (time.Time, bool) { return c.timing.Deadline() }
func (c detached) Done() <-chan struct{}       { return c.timing.Done() }
func (c detached) Err() error                  { return c.timing.Err() }
func (c detached) Value(key any) any {
	if _, ok := key.(soap.HangUpKey); ok {
		// The client's hang-up, which the request itself ignores.
		return c.values.Done()
	}
	return c.values.Value(key)
}

// hostAllowlist answers only requests whose Host names this server: the
// configured host names, loopback names and IP literals. A web page whose
// name an attacker rebinds to this server's address (DNS rebinding) sends
// its own name, and is refused before anything runs. allowed gives the
// configured names in place (hostSet; a reload changes them).
func hostAllowlist(h http.Handler, allowed func() map[string]bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hostAllowed(r.Host, allowed()) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusMisdirectedRequest)
			w.Write([]byte("This server does not answer for the host name " + printableHost(r.Host) +
				"; name it with --hostname or --allowed-hosts.\n"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// hostSet is the set of configured host names hostAllowed looks names up
// in.
func hostSet(names []string) map[string]bool {
	allowed := map[string]bool{}
	for _, n := range names {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
			allowed[n] = true
		}
	}
	return allowed
}

// hostAllowed reports whether a Host header names this server.
func hostAllowed(host string, allowed map[string]bool) bool {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.ToLower(strings.TrimSuffix(strings.Trim(name, "[]"), "."))
	switch {
	case name == "":
		return false
	case net.ParseIP(name) != nil:
		return true
	case name == "localhost" || strings.HasSuffix(name, ".localhost"):
		return true
	}
	return allowed[name]
}

// printableHost quotes a Host header for an answer, whatever it holds.
func printableHost(host string) string {
	if len(host) > 100 {
		host = host[:100] + "..."
	}
	return strings.ToValidUTF8(strconv.Quote(host), "?")
}

// headerLimit refuses a request whose line and header fields together
// exceed limit bytes, as Tomcat's maxHttpHeaderSize does, with 431.
// Server.MaxHeaderBytes bounds what is read, but net/http applies it
// loosely to the later requests of a kept-alive connection.
func headerLimit(h http.Handler, limit int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2 + len("Host: ") + len(r.Host) + 2
		for k, vs := range r.Header {
			for _, v := range vs {
				n += len(k) + 2 + len(v) + 2
			}
		}
		if n > limit {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusRequestHeaderFieldsTooLarge)
			w.Write([]byte("The request's header fields exceed 8 KiB.\n"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// writeIdleTimeout is how long an answer may wait for its client to take
// the next piece: Tomcat's connectionTimeout of 20 s, which bounds its
// blocking writes too.
const writeIdleTimeout = 20 * time.Second

// writeChunk is the most written under one deadline: a client taking at
// least this much per half writeIdleTimeout reads an answer of any size.
const writeChunk = 64 << 10

// writeDeadlines cuts a connection whose client stops reading its answer
// for idle, so that a client that never reads holds nothing for long,
// while one that reads slowly, but reads, gets all of it: every piece of
// the answer is written with at least half of idle ahead of it. The server's
// WriteTimeout, the same, gives each request a fresh deadline to begin
// with, for what net/http writes itself.
func writeDeadlines(h http.Handler, idle time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dw := &deadlineWriter{ResponseWriter: w, idle: idle, renewAfter: time.Now().Add(idle / 2)}
		h.ServeHTTP(dw, r)
		// What the handler left in the buffer goes out after it returns.
		dw.renew()
	})
}

// deadlineWriter renews the connection's write deadline before a write
// once half of it has passed, so that a quick answer costs no renewal and
// every write has at least half of idle to go out.
type deadlineWriter struct {
	http.ResponseWriter
	idle       time.Duration
	renewAfter time.Time
}

func (w *deadlineWriter) renew() {
	now := time.Now()
	if now.Before(w.renewAfter) {
		return
	}
	http.NewResponseController(w.ResponseWriter).SetWriteDeadline(now.Add(w.idle))
	w.renewAfter = now.Add(w.idle / 2)
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(len(p), writeChunk)
		w.renew()
		m, err := w.ResponseWriter.Write(p[:n])
		written += m
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

func (w *deadlineWriter) Flush() {
	w.renew()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
