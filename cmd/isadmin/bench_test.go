package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// benchAsIsadmin makes this test binary act as the isadmin binary, so that
// the cold-start mode can exec it: isadmin bench clears ISADMIN_* variables
// from the server's environment, hence the other prefix.
const benchAsIsadmin = "BENCH_TEST_AS_ISADMIN"

func init() {
	if os.Getenv(benchAsIsadmin) != "1" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "isadmin:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// benchRun runs isadmin bench with args and --json, and returns the result.
func benchRun(t *testing.T, args ...string) *benchResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), append(append([]string{"bench"}, args...), "--json"), os.Getenv, &stdout, &stderr); err != nil {
		t.Fatalf("isadmin bench %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var res benchResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("output: %v\n%s", err, stdout.String())
	}
	return &res
}

func benchWriteFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var benchShort = []string{"--duration", "300ms", "--warmup", "100ms"}

func TestBenchCountsRequests(t *testing.T) {
	var served atomic.Int64
	var badHeaders atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		body, _ := io.ReadAll(r.Body)
		user, pass, ok := r.BasicAuth()
		if !ok || user != "admin" || pass != "secret" || r.Header.Get("SOAPAction") != `"urn:x"` ||
			r.Method != http.MethodPut || string(body) != "<ping/>" {
			badHeaders.Add(1)
		}
		w.Write([]byte("<pong/>"))
	}))
	var conns atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	res := benchRun(t, append([]string{"--url", srv.URL, "--concurrency", "4", "--method", "PUT",
		"--header", `SOAPAction: "urn:x"`, "--user", "admin", "--password", "secret",
		"--body-file", benchWriteFile(t, "body", "<ping/>"), "--name", "count"}, benchShort...)...)
	if res.Requests == 0 || res.Errors.Total != 0 {
		t.Fatalf("requests %d, errors %+v: want requests and no errors", res.Requests, res.Errors)
	}
	if n := served.Load(); res.Requests > n {
		t.Errorf("counted %d requests, the server saw %d", res.Requests, n)
	}
	if n := badHeaders.Load(); n > 0 {
		t.Errorf("%d requests lacked the method, body, headers or credentials", n)
	}
	if n := conns.Load(); n > 4 {
		t.Errorf("%d connections for 4 workers: keep-alive is not working", n)
	}
	if res.StatusCodes["200"] != res.Requests {
		t.Errorf("status codes %v, want 200×%d", res.StatusCodes, res.Requests)
	}
	if res.Name != "count" || res.Concurrency != 4 || res.ElapsedSec < 0.3 {
		t.Errorf("name %q, concurrency %d, elapsed %v", res.Name, res.Concurrency, res.ElapsedSec)
	}
	// elapsed_s is rounded to the millisecond.
	want := float64(res.Requests) / res.ElapsedSec
	if rel := (res.RequestsPerS - want) / want; rel > 0.005 || rel < -0.005 {
		t.Errorf("requests_per_s %v, want %v", res.RequestsPerS, want)
	}
	l := res.LatencyMS
	if l == nil || !(0 < l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max) {
		t.Errorf("latency %+v: want 0 < p50 <= p90 <= p99 <= max", l)
	}
}

func TestBenchClassifiesErrors(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%3 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("boom"))
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	res := benchRun(t, append([]string{"--url", srv.URL, "--concurrency", "2", "--expect-status", "201"}, benchShort...)...)
	if res.Requests == 0 || res.Errors.Status == 0 || res.Errors.Transport != 0 {
		t.Fatalf("requests %d, errors %+v: want both successes and status errors", res.Requests, res.Errors)
	}
	if res.StatusCodes["500"] != res.Errors.Status || res.StatusCodes["201"] != res.Requests {
		t.Errorf("status codes %v, requests %d, errors %+v", res.StatusCodes, res.Requests, res.Errors)
	}
	if res.Errors.Total != res.Errors.Status {
		t.Errorf("total %d, want %d", res.Errors.Total, res.Errors.Status)
	}
	if !strings.HasPrefix(res.FirstErrors["status"], "500: boom") {
		t.Errorf("first status error %q", res.FirstErrors["status"])
	}

	// Nobody listens: every request is a transport error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	res = benchRun(t, "--url", "http://"+addr+"/", "--concurrency", "2", "--duration", "100ms", "--warmup", "0s")
	if res.Requests != 0 || res.Errors.Transport == 0 || res.Errors.Status != 0 {
		t.Errorf("requests %d, errors %+v: want transport errors only", res.Requests, res.Errors)
	}
	if res.FirstErrors["transport"] == "" {
		t.Errorf("no first transport error: %v", res.FirstErrors)
	}

	// A response slower than --timeout is a transport error.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	res = benchRun(t, "--url", slow.URL, "--concurrency", "1", "--duration", "100ms", "--warmup", "0s", "--timeout", "20ms")
	if res.Errors.Transport == 0 || res.Requests != 0 {
		t.Errorf("requests %d, errors %+v: want timeouts as transport errors", res.Requests, res.Errors)
	}
	slow.CloseClientConnections()
}

func TestBenchTemplateCounterIsUnique(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	paths := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen[string(body)]++
		paths[r.URL.Path] = true
		mu.Unlock()
	}))
	defer srv.Close()
	tmpl := benchWriteFile(t, "t.xml", "<k>{{.Run}}-{{.N}}</k><w>{{.Worker}}</w>")
	res := benchRun(t, append([]string{"--url", srv.URL + "/w/{{.Worker}}", "--concurrency", "4", "--template", tmpl}, benchShort...)...)
	if res.Requests == 0 {
		t.Fatal("no requests")
	}
	mu.Lock()
	defer mu.Unlock()
	run := ""
	ns := map[int]bool{}
	for body, count := range seen {
		if count != 1 {
			t.Errorf("body %q sent %d times", body, count)
		}
		var k, w string
		if _, err := fmt.Sscanf(strings.NewReplacer("<k>", "", "</k><w>", " ", "</w>", "").Replace(body), "%s %s", &k, &w); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		i := strings.LastIndexByte(k, '-')
		if run == "" {
			run = k[:i]
		} else if k[:i] != run {
			t.Errorf("two run identifiers: %q and %q", run, k[:i])
		}
		n, err := strconv.Atoi(k[i+1:])
		if err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		ns[n] = true
		if wi, _ := strconv.Atoi(w); wi < 0 || wi >= 4 {
			t.Errorf("worker %q out of range", w)
		}
	}
	// The counter has no gaps: 0 .. count-1.
	for n := range len(seen) {
		if !ns[n] {
			t.Errorf("counter %d never sent (%d requests)", n, len(seen))
			break
		}
	}
	for p := range paths {
		if !strings.HasPrefix(p, "/w/") {
			t.Errorf("path %q: the URL template was not applied", p)
		}
	}
	if len(paths) < 2 {
		t.Errorf("paths %v: want one per worker", paths)
	}
}

// TestBenchPickSpreadsWorkers spreads the workers over two servers with
// pick: each server gets the requests of its workers only.
func TestBenchPickSpreadsWorkers(t *testing.T) {
	var hits [2]atomic.Int64
	var servers [2]*httptest.Server
	for i := range servers {
		servers[i] = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/s" {
				t.Errorf("server %d: path %q", i, r.URL.Path)
			}
			hits[i].Add(1)
		}))
		defer servers[i].Close()
	}
	url := fmt.Sprintf(`{{pick .Worker "%s" "%s"}}/s`, servers[0].URL, servers[1].URL)
	res := benchRun(t, append([]string{"--url", url, "--concurrency", "4"}, benchShort...)...)
	if res.Errors.Total != 0 || hits[0].Load() == 0 || hits[1].Load() == 0 {
		t.Errorf("hits %d and %d, %d errors: want both servers used", hits[0].Load(), hits[1].Load(), res.Errors.Total)
	}
	var stderr bytes.Buffer
	err := run(context.Background(), append([]string{"bench", "--url", "{{pick .Worker}}", "--json"}, benchShort...), os.Getenv, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error()+stderr.String(), "no words") {
		t.Errorf("pick without words: %v %s", err, stderr.String())
	}
}

func TestBenchValuesOnce(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got[r.URL.Path+" "+string(body)]++
		mu.Unlock()
	}))
	defer srv.Close()
	values := benchWriteFile(t, "values", "a1 k1\na2 k2\n\na3 k3\na4 k4\na5 k5\n")
	res := benchRun(t, "--url", srv.URL+"/apps/{{index .Fields 0}}", "--concurrency", "3", "--duration", "5s", "--warmup", "0s",
		"--template", benchWriteFile(t, "t", `{{index .Fields 1}}|{{.Value}}`), "--values", values, "--values-once")
	if !res.Exhausted || res.Requests != 5 || res.Errors.Total != 0 {
		t.Fatalf("exhausted %v, requests %d, errors %+v: want 5 requests, then the end", res.Exhausted, res.Requests, res.Errors)
	}
	if res.ElapsedSec >= 5 {
		t.Errorf("elapsed %v: the run did not end when the values ran out", res.ElapsedSec)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i <= 5; i++ {
		key := fmt.Sprintf("/apps/a%d k%d|a%d k%d", i, i, i, i)
		if got[key] != 1 {
			t.Errorf("%q sent %d times; all: %v", key, got[key], got)
		}
	}
}

func TestBenchFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--url", "http://x", "--kind", "bogus"},
		{"--url", "http://x", "--header", "no colon"},
		{"--url", "ftp://x"},
		{"--url", "http://x", "--concurrency", "0"},
		{"--url", "http://x", "--template", "a", "--body-file", "b"},
		{"--url", "http://x", "--template", "/does/not/exist"},
		{"--url", "http://x/{{.Nope}}"},
		{"--url", "http://x", "extra"},
		{"--url", "http://x", "--stalled", "2"},
		{"--url", "http://x", "--stalled-body-file", "b", "--stalled", "-1"},
	} {
		var stderr bytes.Buffer
		if err := run(context.Background(), append([]string{"bench"}, args...), os.Getenv, io.Discard, &stderr); err == nil {
			t.Errorf("isadmin bench %q: no error", args)
		}
	}
}

// TestBenchStalled: --stalled holds connections that sent their request,
// with its headers and credentials, and read nothing, for the whole run.
func TestBenchStalled(t *testing.T) {
	var stalledSeen atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if string(body) != "<heavy/>" {
			return
		}
		if user, pass, _ := r.BasicAuth(); user == "admin" && pass == "secret" && r.Header.Get("SOAPAction") == `"urn:heavy"` {
			stalledSeen.Add(1)
		}
		<-release
	}))
	defer srv.Close()
	defer close(release)
	res := benchRun(t, append([]string{"--url", srv.URL, "--concurrency", "2", "--user", "admin", "--password", "secret",
		"--stalled", "3", "--stalled-body-file", benchWriteFile(t, "heavy", "<heavy/>"), "--stalled-header", `SOAPAction: "urn:heavy"`}, benchShort...)...)
	if res.Stalled != 3 || res.Requests == 0 || res.Errors.Total != 0 {
		t.Errorf("stalled %d, requests %d, errors %+v", res.Stalled, res.Requests, res.Errors)
	}
	if n := stalledSeen.Load(); n != 3 {
		t.Errorf("the server saw %d stalled requests, want 3", n)
	}
}

func TestBenchTextOutput(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var stdout bytes.Buffer
	if err := run(context.Background(), append([]string{"bench", "--url", srv.URL, "--concurrency", "1"}, benchShort...), os.Getenv, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	wants := []string{"per second", "p50", "p99", "errors: 0"}
	if runtime.GOOS == "linux" {
		wants = append(wants, "machine CPU busy: ")
	}
	for _, want := range wants {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestHistogramBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		v := rng.Uint64() >> rng.IntN(64)
		i := histBucket(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("value %d: bucket %d out of range", v, i)
		}
		low, width := histBounds(i)
		if v < low || v-low >= width {
			t.Fatalf("value %d in bucket %d = [%d, %d+%d)", v, i, low, low, width)
		}
		if width > 1 && float64(width)/float64(low) > 1.0/(1<<histSubBits)+1e-12 {
			t.Fatalf("bucket %d: width %d at %d is wider than 1/%d", i, width, low, 1<<histSubBits)
		}
	}
	// Buckets are contiguous and ordered.
	for i := 1; i < histBuckets; i++ {
		pl, pw := histBounds(i - 1)
		l, _ := histBounds(i)
		if pl+pw != l {
			t.Fatalf("bucket %d starts at %d, the one before ends at %d", i, l, pl+pw)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h benchHistogram
	if h.quantile(0.5) != 0 {
		t.Error("empty histogram: want 0")
	}
	// 1 ms .. 10 000 ms, shuffled.
	values := rand.New(rand.NewPCG(3, 4)).Perm(10000)
	for _, v := range values {
		h.record(time.Duration(v+1) * time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5000 * time.Millisecond}, {0.9, 9000 * time.Millisecond}, {0.99, 9900 * time.Millisecond}, {0.001, 10 * time.Millisecond}} {
		got := h.quantile(c.q)
		if rel := float64(got-c.want) / float64(c.want); rel > 0.01 || rel < -0.01 {
			t.Errorf("quantile %v = %v, want %v within 1%%", c.q, got, c.want)
		}
	}
	if got := h.quantile(1); got != 10000*time.Millisecond {
		t.Errorf("quantile 1 = %v, want the maximum exactly", got)
	}
	s := h.summary()
	if s.Max != 10000 || s.Mean < 4990 || s.Mean > 5010 {
		t.Errorf("summary %+v: want max 10000 ms and mean 5000.5 ms", s)
	}

	// Merging is adding.
	var a, b, ab benchHistogram
	for i := range 1000 {
		d := time.Duration(i*i) * time.Microsecond
		if i%2 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
		ab.record(d)
	}
	a.merge(&b)
	if a.counts != ab.counts || a.n != ab.n || a.max != ab.max {
		t.Error("merged histogram differs from the one that recorded everything")
	}
	// Exact for small values.
	var small benchHistogram
	for _, v := range []time.Duration{3, 1, 2} {
		small.record(v)
	}
	if small.quantile(0.5) != 2 || small.quantile(0.34) != 2 || small.quantile(0.33) != 1 {
		t.Errorf("small quantiles: %v %v %v", small.quantile(0.5), small.quantile(0.34), small.quantile(0.33))
	}
}

func TestBenchSQLiteCommits(t *testing.T) {
	dir := t.TempDir()
	res := benchRun(t, "--kind", "sqlite-commits", "--dir", dir, "--concurrency", "2", "--duration", "200ms", "--warmup", "50ms", "--name", "commits")
	if res.Requests == 0 || res.Errors.Total != 0 {
		t.Fatalf("requests %d, errors %+v", res.Requests, res.Errors)
	}
	if res.Settings["journal_mode"] != "wal" || res.Settings["synchronous"] != "2" {
		t.Errorf("settings %v: want journal_mode wal and synchronous 2 (FULL)", res.Settings)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind in --dir: %v", entries)
	}
}

func TestBenchColdStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server as a process")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(benchAsIsadmin, "1")
	dir := t.TempDir()
	res := benchRun(t, "--kind", "cold-start", "--binary", self, "--runs", "2", "--dir", dir)
	if len(res.RunsMS) != 2 || res.MedianMS <= 0 || res.MaxMS < res.MedianMS {
		t.Fatalf("runs %v, median %v, max %v", res.RunsMS, res.MedianMS, res.MaxMS)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("data directories left behind: %v", entries)
	}

	// A server that cannot start is an error, not a hang.
	var stderr bytes.Buffer
	err = run(context.Background(), []string{"bench", "--kind", "cold-start", "--binary", self, "--runs", "1", "--dir", dir,
		"--serve-arg", "--wire-profile", "--serve-arg", "no-such-profile", "--timeout", "20s"}, os.Getenv, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("cold start of a failing server: %v", err)
	}
}
