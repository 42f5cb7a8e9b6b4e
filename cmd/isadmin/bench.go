package main

// isadmin bench: a load generator for this server and its peers, the raw
// SQLite commit rate that bounds registrations, and the cold start of
// isadmin serve. bench/run.sh drives it for the comparison in bench/.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"math/bits"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/template"
	"time"

	_ "modernc.org/sqlite"
)

const benchUsage = `isadmin bench: a load generator.

Usage:
  isadmin bench --url URL [flags]                  HTTP load (the default --kind http)
  isadmin bench --kind sqlite-commits [flags]      the raw SQLite commit rate with the server's durability
  isadmin bench --kind cold-start [flags]          exec of isadmin serve to its first successful SOAP response

Templates (--template, and --url when it contains "{{"): Go text/template with
  {{.N}}       a counter unique to each request of this run (0, 1, 2, ...)
  {{.Worker}}  the worker (connection) number
  {{.Run}}     an identifier unique to this run of isadmin bench
  {{.Value}}   line N (modulo their number) of --values, and {{index .Fields 0}} its fields
  {{pick .Worker "a" "b"}}  one of the words by the number (modulo their number), e.g. to
               spread the workers over several servers

Flags:
`

// benchConfig is the configuration of one run of isadmin bench.
type benchConfig struct {
	Kind        string
	Name        string
	URL         string
	Concurrency int
	Duration    time.Duration
	Warmup      time.Duration
	Timeout     time.Duration
	Method      string
	Headers     []string
	User        string
	Password    string
	BodyFile    string
	// Body is sent when neither BodyFile nor Template is given.
	Body       []byte
	Template   string
	Values     string
	ValuesOnce bool
	Expect     int
	Insecure   bool
	JSON       bool
	RSSPid     int
	// Stalled connections send a request each and never read its answer.
	Stalled         int
	StalledBodyFile string
	StalledHeaders  []string

	// sqlite-commits and cold-start
	Dir      string
	RowBytes int
	Binary   string
	Runs     int
	ServeArg []string
}

// benchResult is what a run reports; --json prints it.
type benchResult struct {
	Kind        string  `json:"kind"`
	Name        string  `json:"name,omitempty"`
	Target      string  `json:"target,omitempty"`
	Concurrency int     `json:"concurrency,omitempty"`
	WarmupSec   float64 `json:"warmup_s,omitempty"`
	DurationSec float64 `json:"duration_s,omitempty"`
	// ElapsedSec is the measured window: from the end of the warm-up until
	// the last request started in the window finished.
	ElapsedSec float64 `json:"elapsed_s,omitempty"`
	// Exhausted says that --values ran out (--values-once) before the end.
	Exhausted    bool              `json:"exhausted,omitempty"`
	Requests     int64             `json:"requests"`
	RequestsPerS float64           `json:"requests_per_s"`
	Errors       benchErrors       `json:"errors"`
	StatusCodes  map[string]int64  `json:"status_codes,omitempty"`
	FirstErrors  map[string]string `json:"first_errors,omitempty"`
	LatencyMS    *benchLatency     `json:"latency_ms,omitempty"`
	// CPUBusyPct is how busy the machine's cores were in the measured
	// window, in percent of all of them (Linux only): near 100, the
	// machine, not the server, bounds the run.
	CPUBusyPct    *float64 `json:"cpu_busy_pct,omitempty"`
	RSSStartBytes int64    `json:"rss_start_bytes,omitempty"`
	RSSPeakBytes  int64    `json:"rss_peak_bytes,omitempty"`
	// Stalled is the number of connections held stalled during the run.
	Stalled int `json:"stalled,omitempty"`
	// Settings reports what the SQLite connection runs with
	// (sqlite-commits).
	Settings map[string]string `json:"settings,omitempty"`
	// RunsMS are the cold starts, in milliseconds (cold-start).
	RunsMS   []float64 `json:"runs_ms,omitempty"`
	MedianMS float64   `json:"median_ms,omitempty"`
	MaxMS    float64   `json:"max_ms,omitempty"`
}

type benchErrors struct {
	Status    int64 `json:"status"`
	Transport int64 `json:"transport"`
	Total     int64 `json:"total"`
}

type benchLatency struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseBenchFlags(args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	var res *benchResult
	switch c.Kind {
	case "http":
		res, err = benchHTTP(ctx, c)
	case "sqlite-commits":
		res, err = benchSQLiteCommits(ctx, c)
	case "cold-start":
		res, err = benchColdStart(ctx, c)
	}
	if err != nil {
		return err
	}
	if c.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printBenchResult(stdout, res)
	return nil
}

type benchRepeatedFlag []string

func (r *benchRepeatedFlag) String() string     { return strings.Join(*r, ", ") }
func (r *benchRepeatedFlag) Set(s string) error { *r = append(*r, s); return nil }

// parseBenchFlags reads bench's flags; flag.ErrHelp when help was asked
// for, which it printed to stdout.
func parseBenchFlags(args []string, stdout, stderr io.Writer) (*benchConfig, error) {
	c := &benchConfig{}
	fs := flag.NewFlagSet("isadmin bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.Kind, "kind", "http", "what to measure: http, sqlite-commits or cold-start")
	fs.StringVar(&c.Name, "name", "", "label of this run in the report")
	fs.StringVar(&c.URL, "url", "", "request URL (a template when it contains {{); with --kind cold-start the path, default /services/OAuthAdminService")
	fs.IntVar(&c.Concurrency, "concurrency", 32, "workers, each with its own keep-alive connection (writers with sqlite-commits)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long to measure")
	fs.DurationVar(&c.Warmup, "warmup", 2*time.Second, "load before the measurement, not counted")
	fs.DurationVar(&c.Timeout, "timeout", 30*time.Second, "per-request timeout")
	fs.StringVar(&c.Method, "method", http.MethodPost, "HTTP method")
	fs.Var((*benchRepeatedFlag)(&c.Headers), "header", `request header "Name: value", repeatable`)
	fs.StringVar(&c.User, "user", "", "HTTP Basic user")
	fs.StringVar(&c.Password, "password", "", "HTTP Basic password")
	fs.StringVar(&c.BodyFile, "body-file", "", "request body, sent as is")
	fs.StringVar(&c.Template, "template", "", "request body template file ({{.N}}, {{.Worker}}, {{.Run}}, {{.Value}})")
	fs.StringVar(&c.Values, "values", "", "file of lines for {{.Value}} and {{.Fields}}: request N gets line N modulo their number")
	fs.BoolVar(&c.ValuesOnce, "values-once", false, "use each line of --values once: the run ends early when they run out")
	fs.IntVar(&c.Expect, "expect-status", http.StatusOK, "the status of a successful response; others count as errors")
	fs.BoolVar(&c.Insecure, "insecure", false, "accept any TLS certificate")
	fs.BoolVar(&c.JSON, "json", false, "print the result as JSON")
	fs.IntVar(&c.Stalled, "stalled", 0, "http: connections that each send one request (--stalled-body-file) and never read the answer, held for the whole run")
	fs.StringVar(&c.StalledBodyFile, "stalled-body-file", "", "the body of the stalled requests")
	fs.Var((*benchRepeatedFlag)(&c.StalledHeaders), "stalled-header", `header "Name: value" of the stalled requests, repeatable`)
	fs.IntVar(&c.RSSPid, "rss-pid", 0, "sample the resident memory (VmRSS) of this process during the run")
	fs.StringVar(&c.Dir, "dir", "", "directory of the temporary database (sqlite-commits) or data directories (cold-start); default: the system's")
	fs.IntVar(&c.RowBytes, "row-bytes", 512, "sqlite-commits: payload bytes of each inserted row")
	fs.StringVar(&c.Binary, "binary", "", "cold-start: the isadmin binary (default: this one)")
	fs.IntVar(&c.Runs, "runs", 10, "cold-start: how many starts")
	fs.Var((*benchRepeatedFlag)(&c.ServeArg), "serve-arg", "cold-start: extra argument of isadmin serve, repeatable")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		// The flag package printed what is wrong, and the usage.
		return nil, errUsage
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	switch c.Kind {
	case "http":
		if c.URL == "" {
			return nil, errors.New("bench: --url is required")
		}
	case "sqlite-commits":
	case "cold-start":
		if c.URL == "" {
			c.URL = "/services/OAuthAdminService"
		}
		if c.Runs <= 0 {
			return nil, errors.New("bench: --runs must be positive")
		}
	default:
		return nil, fmt.Errorf("bench: --kind: want http, sqlite-commits or cold-start, got %q", c.Kind)
	}
	if c.Concurrency <= 0 || c.Duration <= 0 || c.Warmup < 0 || c.Timeout <= 0 {
		return nil, errors.New("bench: --concurrency and --duration must be positive, --warmup not negative")
	}
	if c.Stalled < 0 || c.Stalled > 0 && (c.Kind != "http" || c.StalledBodyFile == "") {
		return nil, errors.New("bench: --stalled needs --kind http and --stalled-body-file")
	}
	if c.BodyFile != "" && c.Template != "" {
		return nil, errors.New("bench: --body-file and --template exclude each other")
	}
	for _, h := range append(slices.Clone(c.Headers), c.StalledHeaders...) {
		if name, _, ok := strings.Cut(h, ":"); !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("bench: --header %q: want \"Name: value\"", h)
		}
	}
	return c, nil
}

// --- the histogram ------------------------------------------------------

// histSubBits is the precision of the histogram: 2^histSubBits buckets per
// power of two, so a recorded value is off by less than 1/128 (0.8%).
const histSubBits = 7

// histBuckets covers every uint64 value.
const histBuckets = (64 - histSubBits + 1) << histSubBits

// benchHistogram is a log-linear histogram of durations in nanoseconds, in the
// manner of HDR histograms: a fixed array, no allocation per value. One
// worker owns one; they are merged at the end.
type benchHistogram struct {
	counts [histBuckets]int64
	n      int64
	sum    float64
	max    int64
}

func histBucket(v uint64) int {
	if v < 1<<histSubBits {
		return int(v)
	}
	shift := bits.Len64(v) - 1 - histSubBits
	mant := (v >> shift) & (1<<histSubBits - 1)
	return (shift+1)<<histSubBits | int(mant)
}

// histBounds returns the smallest value of bucket i and the bucket's width.
func histBounds(i int) (low, width uint64) {
	if i < 1<<histSubBits {
		return uint64(i), 1
	}
	shift := i>>histSubBits - 1
	mant := uint64(i & (1<<histSubBits - 1))
	return (1<<histSubBits | mant) << shift, 1 << shift
}

func (h *benchHistogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[histBucket(uint64(d))]++
	h.n++
	h.sum += float64(d)
	if int64(d) > h.max {
		h.max = int64(d)
	}
}

func (h *benchHistogram) merge(o *benchHistogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile returns the value below or at which a fraction q of the recorded
// values lie: the middle of its bucket, never more than the maximum.
func (h *benchHistogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			low, width := histBounds(i)
			return time.Duration(min(low+(width-1)/2, uint64(h.max)))
		}
	}
	return time.Duration(h.max)
}

func (h *benchHistogram) summary() *benchLatency {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	s := &benchLatency{P50: ms(h.quantile(0.50)), P90: ms(h.quantile(0.90)), P99: ms(h.quantile(0.99)), Max: ms(time.Duration(h.max))}
	if h.n > 0 {
		s.Mean = ms(time.Duration(h.sum / float64(h.n)))
	}
	return s
}

// --- the load loop -------------------------------------------------------

// Outcomes of a benchOperation.
const (
	benchOK = iota
	benchStatusError
	benchTransportError
	// benchExhausted ends the worker: the operation has nothing left to do.
	benchExhausted
)

// benchOperation performs request n of worker w and classifies its outcome. The
// detail of an error is kept for the first one of each kind.
type benchOperation func(ctx context.Context, w, n int) (kind int, status int, detail string)

type benchWorkerStats struct {
	hist      benchHistogram
	ok        int64
	status    int64
	transport int64
	codes     map[int]int64
	first     map[int]string
	lastDone  time.Time
}

// benchRunLoad runs op in c.Concurrency workers: for c.Warmup unmeasured, then for
// c.Duration measured. Requests started in the measured window are counted
// when they finish, however late; none start after it.
func benchRunLoad(ctx context.Context, c *benchConfig, op benchOperation) *benchResult {
	var counter atomic.Int64
	var exhausted atomic.Bool
	start := time.Now()
	measureFrom := start.Add(c.Warmup)
	measureTo := measureFrom.Add(c.Duration)
	stats := make([]*benchWorkerStats, c.Concurrency)
	// The machine's CPU times when the measured window opens.
	cpuFrom := make(chan cpuTimes, 1)
	cpuTimer := time.AfterFunc(c.Warmup, func() {
		if t, err := readCPUTimes(); err == nil {
			cpuFrom <- t
		}
		close(cpuFrom)
	})
	var wg sync.WaitGroup
	for w := range c.Concurrency {
		st := &benchWorkerStats{codes: map[int]int64{}, first: map[int]string{}}
		stats[w] = st
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				begin := time.Now()
				if !begin.Before(measureTo) {
					return
				}
				n := int(counter.Add(1) - 1)
				kind, status, detail := op(ctx, w, n)
				done := time.Now()
				if kind == benchExhausted {
					exhausted.Store(true)
					return
				}
				if begin.Before(measureFrom) {
					continue
				}
				st.lastDone = done
				if status != 0 {
					st.codes[status]++
				}
				switch kind {
				case benchOK:
					st.ok++
					st.hist.record(done.Sub(begin))
					continue
				case benchStatusError:
					st.status++
				default:
					st.transport++
				}
				if _, seen := st.first[kind]; !seen {
					st.first[kind] = detail
				}
			}
		}()
	}
	wg.Wait()
	res := &benchResult{
		Concurrency: c.Concurrency, WarmupSec: c.Warmup.Seconds(), DurationSec: c.Duration.Seconds(),
		StatusCodes: map[string]int64{}, FirstErrors: map[string]string{},
	}
	// A run that ended in its warm-up (cancelled, or out of values) has
	// no window to report on: the timer never fired.
	if cpuTimer.Stop() {
		close(cpuFrom)
	}
	if from, ok := <-cpuFrom; ok {
		if to, err := readCPUTimes(); err == nil {
			if pct := to.busyPercent(from); pct >= 0 {
				pct = benchRound3(pct)
				res.CPUBusyPct = &pct
			}
		}
	}
	var all benchHistogram
	last := measureTo
	for _, st := range stats {
		all.merge(&st.hist)
		res.Requests += st.ok
		res.Errors.Status += st.status
		res.Errors.Transport += st.transport
		for code, n := range st.codes {
			res.StatusCodes[strconv.Itoa(code)] += n
		}
		for kind, d := range st.first {
			name := map[int]string{benchStatusError: "status", benchTransportError: "transport"}[kind]
			if _, seen := res.FirstErrors[name]; !seen {
				res.FirstErrors[name] = d
			}
		}
		if st.lastDone.After(last) {
			last = st.lastDone
		}
	}
	res.Errors.Total = res.Errors.Status + res.Errors.Transport
	res.Exhausted = exhausted.Load()
	if res.Exhausted {
		// The run ended before its time: the window is what was used.
		last = measureFrom
		for _, st := range stats {
			if st.lastDone.After(last) {
				last = st.lastDone
			}
		}
	}
	elapsed := last.Sub(measureFrom)
	if ctx.Err() != nil {
		elapsed = min(elapsed, time.Since(measureFrom))
	}
	res.ElapsedSec = benchRound3(elapsed.Seconds())
	if elapsed > 0 {
		res.RequestsPerS = benchRound3(float64(res.Requests) / elapsed.Seconds())
	}
	res.LatencyMS = all.summary()
	if len(res.StatusCodes) == 0 {
		res.StatusCodes = nil
	}
	if len(res.FirstErrors) == 0 {
		res.FirstErrors = nil
	}
	return res
}

func benchRound3(f float64) float64 { return math.Round(f*1000) / 1000 }

// --- HTTP ----------------------------------------------------------------

// benchTemplateData is what request templates see.
type benchTemplateData struct {
	N      int
	Worker int
	Run    string
	Value  string
	Fields []string
}

// benchFuncs are the functions of request templates.
var benchFuncs = template.FuncMap{
	"pick": func(n int, words ...string) (string, error) {
		if len(words) == 0 {
			return "", errors.New("pick: no words to pick from")
		}
		return words[n%len(words)], nil
	},
}

// benchRequestMaker builds the URL and body of request n of worker w.
type benchRequestMaker struct {
	body        []byte
	urlT, bodyT *template.Template
	run         string
	values      []string
	valuesOnce  bool
	header      http.Header
	method      string
	bufs        []*bytes.Buffer // per worker: the body
	urlBufs     []*bytes.Buffer // per worker: the URL
	constantURL *url.URL
}

func newBenchRequestMaker(c *benchConfig) (*benchRequestMaker, error) {
	m := &benchRequestMaker{valuesOnce: c.ValuesOnce, method: c.Method, header: http.Header{}, run: strconv.FormatInt(time.Now().UnixNano(), 36)}
	for _, h := range c.Headers {
		name, value, _ := strings.Cut(h, ":")
		m.header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	if c.User != "" || c.Password != "" {
		m.header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.User+":"+c.Password)))
	}
	m.body = c.Body
	var err error
	switch {
	case c.BodyFile != "":
		if m.body, err = os.ReadFile(c.BodyFile); err != nil {
			return nil, fmt.Errorf("bench: --body-file: %w", err)
		}
	case c.Template != "":
		text, err := os.ReadFile(c.Template)
		if err != nil {
			return nil, fmt.Errorf("bench: --template: %w", err)
		}
		if m.bodyT, err = template.New("body").Option("missingkey=error").Funcs(benchFuncs).Parse(string(text)); err != nil {
			return nil, fmt.Errorf("bench: --template: %w", err)
		}
	}
	if strings.Contains(c.URL, "{{") {
		if m.urlT, err = template.New("url").Option("missingkey=error").Funcs(benchFuncs).Parse(c.URL); err != nil {
			return nil, fmt.Errorf("bench: --url: %w", err)
		}
	} else {
		if m.constantURL, err = url.Parse(c.URL); err != nil {
			return nil, fmt.Errorf("bench: --url: %w", err)
		}
		if m.constantURL.Scheme != "http" && m.constantURL.Scheme != "https" {
			return nil, fmt.Errorf("bench: --url %q: want an http or https URL", c.URL)
		}
	}
	if c.Values != "" {
		if m.values, err = benchReadLines(c.Values); err != nil {
			return nil, fmt.Errorf("bench: --values: %w", err)
		}
		if len(m.values) == 0 {
			return nil, fmt.Errorf("bench: --values %s: no lines", c.Values)
		}
	}
	m.bufs = make([]*bytes.Buffer, c.Concurrency)
	m.urlBufs = make([]*bytes.Buffer, c.Concurrency)
	for i := range m.bufs {
		m.bufs[i], m.urlBufs[i] = new(bytes.Buffer), new(bytes.Buffer)
	}
	// Check the templates once, so that a mistake is an error of the
	// command rather than of every request.
	if _, _, err := m.make(0, 0); err != nil {
		return nil, err
	}
	return m, nil
}

var errBenchExhausted = errors.New("bench: --values ran out")

func benchReadLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			lines = append(lines, line)
		}
	}
	return lines, sc.Err()
}

// make returns the URL and the body of request n of worker w. The body
// aliases a buffer of the worker, valid until its next request.
func (m *benchRequestMaker) make(w, n int) (*url.URL, []byte, error) {
	d := benchTemplateData{N: n, Worker: w, Run: m.run}
	if m.valuesOnce && n >= len(m.values) {
		return nil, nil, errBenchExhausted
	}
	if len(m.values) > 0 {
		d.Value = m.values[n%len(m.values)]
		d.Fields = strings.Fields(d.Value)
	}
	u := m.constantURL
	if m.urlT != nil {
		b := m.urlBufs[w]
		b.Reset()
		if err := m.urlT.Execute(b, d); err != nil {
			return nil, nil, fmt.Errorf("bench: --url: %w", err)
		}
		var err error
		if u, err = url.Parse(b.String()); err != nil {
			return nil, nil, fmt.Errorf("bench: --url: %w", err)
		}
	}
	body := m.body
	if m.bodyT != nil {
		b := m.bufs[w]
		b.Reset()
		if err := m.bodyT.Execute(b, d); err != nil {
			return nil, nil, fmt.Errorf("bench: --template: %w", err)
		}
		body = b.Bytes()
	}
	return u, body, nil
}

func benchTransport(c *benchConfig) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        c.Concurrency,
		MaxIdleConnsPerHost: c.Concurrency,
		MaxConnsPerHost:     c.Concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: c.Insecure},
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
}

// benchHTTPOperation sends one request per call on a keep-alive connection.
func benchHTTPOperation(c *benchConfig, m *benchRequestMaker, client *http.Client) benchOperation {
	return func(ctx context.Context, w, n int) (int, int, string) {
		u, body, err := m.make(w, n)
		if errors.Is(err, errBenchExhausted) {
			return benchExhausted, 0, ""
		}
		if err != nil {
			return benchTransportError, 0, err.Error()
		}
		rctx, cancel := context.WithTimeout(ctx, c.Timeout)
		defer cancel()
		req := (&http.Request{
			Method: m.method, URL: u, Host: u.Host, Header: m.header,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			ContentLength: int64(len(body)),
		}).WithContext(rctx)
		if len(body) > 0 {
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		resp, err := client.Do(req)
		if err != nil {
			return benchTransportError, 0, err.Error()
		}
		defer resp.Body.Close()
		if resp.StatusCode != c.Expect {
			snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
			io.Copy(io.Discard, resp.Body)
			return benchStatusError, resp.StatusCode, fmt.Sprintf("%d: %s", resp.StatusCode, snippet)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return benchTransportError, resp.StatusCode, "reading the body: " + err.Error()
		}
		return benchOK, resp.StatusCode, ""
	}
}

func benchHTTP(ctx context.Context, c *benchConfig) (*benchResult, error) {
	m, err := newBenchRequestMaker(c)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: benchTransport(c), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	var rss *benchRSSSampler
	if c.RSSPid > 0 {
		if rss, err = startBenchRSSSampler(c.RSSPid, 20*time.Millisecond); err != nil {
			return nil, err
		}
	}
	if c.Stalled > 0 {
		closeStalled, err := benchStall(ctx, c)
		if err != nil {
			return nil, err
		}
		defer closeStalled()
	}
	res := benchRunLoad(ctx, c, benchHTTPOperation(c, m, client))
	res.Stalled = c.Stalled
	if rss != nil {
		res.RSSStartBytes, res.RSSPeakBytes = rss.stop()
	}
	res.Kind, res.Name, res.Target = "http", c.Name, c.Method+" "+c.URL
	return res, nil
}

// --- resident memory -------------------------------------------------------

// benchProcRSS reads the resident set size of a process from /proc, in bytes.
func benchProcRSS(pid int) (int64, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// benchRSSSampler records the largest resident set size of a process.
type benchRSSSampler struct {
	pid         int
	start, peak int64
	done        chan struct{}
	stopped     chan struct{}
}

func startBenchRSSSampler(pid int, every time.Duration) (*benchRSSSampler, error) {
	first, err := benchProcRSS(pid)
	if err != nil {
		return nil, fmt.Errorf("bench: --rss-pid: %w", err)
	}
	s := &benchRSSSampler{pid: pid, start: first, peak: first, done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(s.stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				if v, err := benchProcRSS(pid); err == nil && v > s.peak {
					s.peak = v
				}
			}
		}
	}()
	return s, nil
}

func (s *benchRSSSampler) stop() (start, peak int64) {
	close(s.done)
	<-s.stopped
	if v, err := benchProcRSS(s.pid); err == nil && v > s.peak {
		s.peak = v
	}
	return s.start, s.peak
}

// --- SQLite commits ------------------------------------------------------

// benchSQLitePragmas are the server's SQLite settings (schema.sqlitePragmas):
// WAL, synchronous=FULL (a commit is durable once it returns), and write
// transactions that take the write lock when they begin.
const benchSQLitePragmas = "_pragma=busy_timeout(10000)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(FULL)" +
	"&_pragma=foreign_keys(ON)" +
	"&_txlock=immediate"

// benchSQLiteCommits measures how many transactions of one inserted row
// SQLite commits per second with the server's durability: the bound of any
// write the server acknowledges.
func benchSQLiteCommits(ctx context.Context, c *benchConfig) (*benchResult, error) {
	dir, err := os.MkdirTemp(c.Dir, "isadmin-bench-sqlite-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "commits.db")
	db, err := sql.Open("sqlite", path+"?"+benchSQLitePragmas)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(c.Concurrency)
	db.SetMaxIdleConns(c.Concurrency)
	if _, err := db.ExecContext(ctx, `CREATE TABLE commits (
	id      INTEGER PRIMARY KEY,
	k       TEXT NOT NULL,
	payload TEXT NOT NULL,
	CONSTRAINT commits_k_key UNIQUE (k)
)`); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	settings := map[string]string{}
	for _, p := range []string{"journal_mode", "synchronous", "busy_timeout"} {
		var v string
		if err := db.QueryRowContext(ctx, "PRAGMA "+p).Scan(&v); err != nil {
			return nil, fmt.Errorf("bench: PRAGMA %s: %w", p, err)
		}
		settings[p] = v
	}
	payload := strings.Repeat("x", max(c.RowBytes, 0))
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	op := func(ctx context.Context, w, n int) (int, int, string) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return benchTransportError, 0, err.Error()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO commits (k, payload) VALUES (?, ?)`,
			run+"-"+strconv.Itoa(n), payload); err != nil {
			tx.Rollback()
			return benchTransportError, 0, err.Error()
		}
		if err := tx.Commit(); err != nil {
			return benchTransportError, 0, err.Error()
		}
		return benchOK, 0, ""
	}
	res := benchRunLoad(ctx, c, op)
	res.Kind, res.Name, res.Target, res.Settings = "sqlite-commits", c.Name, "one-row transactions", settings
	return res, nil
}

// --- cold start ----------------------------------------------------------

// benchColdStartBody is the default request of a cold start: every fresh server
// answers it with HTTP 200 (an empty list).
const benchColdStartBody = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://org.apache.axis2/xsd"><soapenv:Body><xsd:getAllOAuthApplicationData/></soapenv:Body></soapenv:Envelope>`

// benchFreePort returns a loopback port that was free a moment ago.
func benchFreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// benchColdStart starts isadmin serve on a fresh data directory c.Runs
// times and measures the time from exec until the first response with the
// expected status to the request (by default getAllOAuthApplicationData as
// admin/admin) on its HTTP listener.
func benchColdStart(ctx context.Context, c *benchConfig) (*benchResult, error) {
	binary := c.Binary
	if binary == "" {
		var err error
		if binary, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
	}
	if c.BodyFile == "" && c.Template == "" && len(c.Headers) == 0 && c.User == "" {
		c.Headers = []string{"Content-Type: text/xml; charset=UTF-8", `SOAPAction: "urn:getAllOAuthApplicationData"`}
		c.User, c.Password = "admin", "admin"
		c.Body = []byte(benchColdStartBody)
	}
	res := &benchResult{Kind: "cold-start", Name: c.Name, Target: filepath.Base(binary) + " serve"}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ISADMIN_") {
			env = append(env, kv)
		}
	}
	for run := range c.Runs {
		d, err := benchColdStartOnce(ctx, c, binary, env, run)
		if err != nil {
			return nil, fmt.Errorf("bench: cold start %d: %w", run+1, err)
		}
		res.RunsMS = append(res.RunsMS, benchRound3(float64(d)/1e6))
	}
	sorted := slices.Clone(res.RunsMS)
	slices.Sort(sorted)
	res.MedianMS = benchMedian(sorted)
	res.MaxMS = sorted[len(sorted)-1]
	res.Requests = int64(len(sorted))
	return res, nil
}

// benchMedian returns the median of sorted values.
func benchMedian(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func benchColdStartOnce(ctx context.Context, c *benchConfig, binary string, env []string, run int) (time.Duration, error) {
	dataDir, err := os.MkdirTemp(c.Dir, "isadmin-bench-cold-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dataDir)
	httpPort, err := benchFreePort()
	if err != nil {
		return 0, err
	}
	httpsPort, err := benchFreePort()
	if err != nil {
		return 0, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(httpPort)
	cc := *c
	cc.URL = base + c.URL
	cc.Concurrency = 1
	m, err := newBenchRequestMaker(&cc)
	if err != nil {
		return 0, err
	}
	transport := benchTransport(&cc)
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	op := benchHTTPOperation(&cc, m, client)

	args := append([]string{"serve", "--data-dir", dataDir,
		"--http-addr", "127.0.0.1:" + strconv.Itoa(httpPort),
		"--https-addr", "127.0.0.1:" + strconv.Itoa(httpsPort),
		"--http-admin-services=true", "--log-format", "json"}, c.ServeArg...)
	var logs bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &logs, &logs
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}()
	deadline := start.Add(c.Timeout)
	var last string
	for n := 0; ; n++ {
		kind, _, detail := op(ctx, 0, n)
		if kind == benchOK {
			return time.Since(start), nil
		}
		last = detail
		select {
		case err := <-exited:
			exited <- err
			return 0, fmt.Errorf("isadmin serve exited (%v) before answering: %s", err, logs.String())
		default:
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no successful response within %v; last: %s", c.Timeout, last)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// --- output --------------------------------------------------------------

func printBenchResult(w io.Writer, r *benchResult) {
	label := r.Name
	if label == "" {
		label = r.Target
	}
	switch r.Kind {
	case "cold-start":
		fmt.Fprintf(w, "%s: %d cold starts to the first successful response: median %.1f ms, max %.1f ms\n", label, len(r.RunsMS), r.MedianMS, r.MaxMS)
		return
	}
	fmt.Fprintf(w, "%s\n", label)
	fmt.Fprintf(w, "  concurrency %d, warm-up %gs, measured %.2fs\n", r.Concurrency, r.WarmupSec, r.ElapsedSec)
	if r.Stalled > 0 {
		fmt.Fprintf(w, "  beside %d stalled connections\n", r.Stalled)
	}
	fmt.Fprintf(w, "  %d ok, %.1f per second\n", r.Requests, r.RequestsPerS)
	if l := r.LatencyMS; l != nil {
		fmt.Fprintf(w, "  latency ms: mean %.3f  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", l.Mean, l.P50, l.P90, l.P99, l.Max)
	}
	if r.CPUBusyPct != nil {
		fmt.Fprintf(w, "  machine CPU busy: %.1f%% of all cores (the load generator's share included)\n", *r.CPUBusyPct)
	}
	fmt.Fprintf(w, "  errors: %d (status %d, transport %d)\n", r.Errors.Total, r.Errors.Status, r.Errors.Transport)
	for kind, d := range r.FirstErrors {
		fmt.Fprintf(w, "    first %s error: %s\n", kind, d)
	}
	if len(r.StatusCodes) > 0 {
		codes := slices.Sorted(maps.Keys(r.StatusCodes))
		parts := make([]string, len(codes))
		for i, code := range codes {
			parts[i] = fmt.Sprintf("%s×%d", code, r.StatusCodes[code])
		}
		fmt.Fprintf(w, "  status codes: %s\n", strings.Join(parts, ", "))
	}
	if r.RSSPeakBytes > 0 {
		fmt.Fprintf(w, "  resident memory: %.1f MiB at the start, %.1f MiB at the peak\n", float64(r.RSSStartBytes)/(1<<20), float64(r.RSSPeakBytes)/(1<<20))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Settings)) {
		fmt.Fprintf(w, "  %s = %s\n", k, r.Settings[k])
	}
}
