// Command report turns the raw results of bench/run.sh (the JSON of each
// isadmin bench run in DIR/raw, and DIR/env.txt) into DIR/results.md, a
// Markdown table of medians and ratios against the targets, and
// DIR/chart.png, drawn with the standard library only.
//
// Usage: report --dir bench/results/DATE-HOST
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// result is the part of isadmin bench's JSON output that the report reads.
type result struct {
	Kind         string  `json:"kind"`
	Name         string  `json:"name"`
	Concurrency  int     `json:"concurrency"`
	WarmupSec    float64 `json:"warmup_s"`
	DurationSec  float64 `json:"duration_s"`
	ElapsedSec   float64 `json:"elapsed_s"`
	Exhausted    bool    `json:"exhausted"`
	Requests     int64   `json:"requests"`
	RequestsPerS float64 `json:"requests_per_s"`
	Errors       struct {
		Status    int64 `json:"status"`
		Transport int64 `json:"transport"`
		Total     int64 `json:"total"`
	} `json:"errors"`
	FirstErrors   map[string]string `json:"first_errors"`
	LatencyMS     *latency          `json:"latency_ms"`
	CPUBusyPct    *float64          `json:"cpu_busy_pct"`
	RSSStartBytes int64             `json:"rss_start_bytes"`
	RSSPeakBytes  int64             `json:"rss_peak_bytes"`
	Stalled       int               `json:"stalled"`
	RunsMS        []float64         `json:"runs_ms"`
	MedianMS      float64           `json:"median_ms"`
	MaxMS         float64           `json:"max_ms"`

	round int
	file  string
}

type latency struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// series are the rounds of one named measurement, by round.
type series []*result

func (s series) median(f func(*result) float64) float64 {
	v := make([]float64, len(s))
	for i, r := range s {
		v[i] = f(r)
	}
	return median(v)
}

func (s series) values(f func(*result) float64) []float64 {
	v := make([]float64, len(s))
	for i, r := range s {
		v[i] = f(r)
	}
	return v
}

func (s series) errors() int64 {
	var n int64
	for _, r := range s {
		n += r.Errors.Total
	}
	return n
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	v = slices.Clone(v)
	sort.Float64s(v)
	if n := len(v); n%2 == 1 {
		return v[n/2]
	} else {
		return (v[n/2-1] + v[n/2]) / 2
	}
}

func rps(r *result) float64  { return r.RequestsPerS }
func p50(r *result) float64  { return lat(r, func(l *latency) float64 { return l.P50 }) }
func p90(r *result) float64  { return lat(r, func(l *latency) float64 { return l.P90 }) }
func p99(r *result) float64  { return lat(r, func(l *latency) float64 { return l.P99 }) }
func lmax(r *result) float64 { return lat(r, func(l *latency) float64 { return l.Max }) }

// cpu is how busy the machine's cores were in a run's measured window, in
// percent; NaN for runs that did not report it.
func cpu(r *result) float64 {
	if r.CPUBusyPct == nil {
		return math.NaN()
	}
	return *r.CPUBusyPct
}

func lat(r *result, pick func(*latency) float64) float64 {
	if r.LatencyMS == nil {
		return math.NaN()
	}
	return pick(r.LatencyMS)
}

var roundRE = regexp.MustCompile(`-r(\d+)\.json$`)

func load(dir string) (map[string]series, error) {
	files, err := filepath.Glob(filepath.Join(dir, "raw", "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no results in %s/raw", dir)
	}
	out := map[string]series{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		r := &result{file: filepath.Base(f)}
		if err := json.Unmarshal(data, r); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if m := roundRE.FindStringSubmatch(f); m != nil {
			r.round, _ = strconv.Atoi(m[1])
		}
		if r.Name == "" {
			return nil, fmt.Errorf("%s: no name", f)
		}
		out[r.Name] = append(out[r.Name], r)
	}
	for _, s := range out {
		sort.Slice(s, func(i, j int) bool { return s[i].round < s[j].round })
	}
	return out, nil
}

func readEnv(path string) (map[string]string, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	env := map[string]string{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			env[k] = v
			order = append(order, k)
		}
	}
	return env, order, sc.Err()
}

// target is one line of the targets table.
type target struct {
	what, measured, goal, result string
	// short is the chart's line: upper case, ASCII.
	short string
}

func verdict(ok bool, errs int64) string {
	switch {
	case errs > 0:
		return fmt.Sprintf("INVALID (%d errors)", errs)
	case ok:
		return "PASS"
	default:
		return "FAIL"
	}
}

func f0(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func f1(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func f2(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func f3(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func mib(b float64) float64 { return b / (1 << 20) }

// Names of the measurements bench/run.sh takes.
const (
	getIsadmin   = "get/isadmin"
	getBare      = "get/bare"
	getNodeSOAP  = "get/nodesoap"
	getCookie    = "get-cookie/isadmin"
	regIsadmin   = "register/isadmin"
	commitSQLite = "commit/sqlite"
	commitOne    = "commit/sqlite-c1"
	mapKeys      = "mapkeys/isadmin"
	memory       = "memory/isadmin"
	coldStart    = "coldstart/isadmin"
	stalledGet   = "stalled-get/isadmin"
	stalledReg   = "stalled-register/isadmin"
	tokenReuse   = "token-reuse/isadmin"
	introspect   = "introspect/isadmin"
	tokenBare    = "token/bare"
	tokenNew     = "token-new/isadmin"
	commitTokens = "commit/sqlite-tokens"
)

// The PostgreSQL comparisons of bench/run.sh: each operation on SQLite and
// on PostgreSQL, and 1, 2 and 3 instances on one PostgreSQL database.
var (
	pgOps = []struct{ name, label string }{
		{"pg-get", "getOAuthApplicationData of random clients"},
		{"pg-register", "registerOAuthApplicationData"},
		{"pg-login", "AuthenticationAdmin login"},
		{"pg-mapkeys", "store map-keys"},
	}
	instanceOps = []struct{ name, label string }{
		{"instances-get", "getOAuthApplicationData of random clients"},
		{"instances-register", "registerOAuthApplicationData"},
	}
)

var labels = map[string]string{
	getIsadmin:   "isadmin, getOAuthApplicationData, Basic auth",
	getBare:      "bare net/http handler, same response bytes",
	getNodeSOAP:  "npm soap server, same WSDL, canned object",
	getCookie:    "isadmin, getOAuthApplicationData, the session cookie of a login",
	regIsadmin:   "isadmin, registerOAuthApplicationData, Basic auth",
	commitSQLite: "raw SQLite commits, WAL + synchronous=FULL, same writers",
	commitOne:    "raw SQLite commits, WAL + synchronous=FULL, 1 writer",
	mapKeys:      "isadmin, store map-keys (existing client), Basic auth",
	memory:       "isadmin, getAllOAuthApplicationData returning 10 000 of 100 000 clients",
	stalledGet:   "isadmin, getOAuthApplicationData beside stalled listings",
	stalledReg:   "isadmin, registerOAuthApplicationData beside stalled listings",
	tokenReuse:   "isadmin, /oauth2/token client_credentials, the active token again",
	introspect:   "isadmin, /oauth2/introspect of an active token",
	tokenBare:    "bare net/http handler, the token answer's bytes",
	tokenNew:     "isadmin, /oauth2/token client_credentials, a new token each",
	commitTokens: "raw SQLite commits, WAL + synchronous=FULL, same writers (token run)",
}

func main() {
	dir := flag.String("dir", "", "results directory (with raw/ and env.txt)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "report: --dir is required")
		os.Exit(2)
	}
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	data, err := load(dir)
	if err != nil {
		return err
	}
	env, envOrder, err := readEnv(filepath.Join(dir, "env.txt"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if env == nil {
		env = map[string]string{}
	}
	var md strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&md, format, args...) }

	w("# isadmin benchmark: %s on %s\n\n", env["date"], env["host"])
	w("All servers, the load generator (`isadmin bench`) and the databases share one machine. ")
	w("Throughput runs alternate between the servers (A B C A B C ...); every figure is the median of its rounds, ")
	w("and ratios are ratios of medians. Raw results of every run are in `raw/`.\n\n")
	w("| machine | |\n|---|---|\n")
	for _, k := range envOrder {
		if k == "date" || k == "host" {
			continue
		}
		w("| %s | %s |\n", k, strings.ReplaceAll(env[k], "|", "\\|"))
	}
	w("\n")

	// Targets.
	var targets []target
	gi, gb, gn := data[getIsadmin], data[getBare], data[getNodeSOAP]
	if len(gi) > 0 && len(gb) > 0 {
		a, b := gi.median(rps), gb.median(rps)
		t := target{
			fmt.Sprintf("getOAuthApplicationData, Basic auth, %d keep-alive connections: isadmin / bare handler", gi[0].Concurrency),
			fmt.Sprintf("%s / %s req/s = **%s**", f0(a), f0(b), f3(a/b)), "≥ 0.60", verdict(a/b >= 0.60, gi.errors()+gb.errors()), ""}
		t.short = fmt.Sprintf("GET / BARE %s (>= 0.60)", f2(a/b))
		targets = append(targets, t)
	}
	if len(gi) > 0 && len(gn) > 0 {
		a, b := gi.median(rps), gn.median(rps)
		t := target{
			fmt.Sprintf("getOAuthApplicationData, Basic auth, %d keep-alive connections: isadmin / npm soap", gi[0].Concurrency),
			fmt.Sprintf("%s / %s req/s = **%s**", f0(a), f0(b), f2(a/b)), "≥ 1.5", verdict(a/b >= 1.5, gi.errors()+gn.errors()), ""}
		t.short = fmt.Sprintf("GET / NPM SOAP %s (>= 1.5)", f2(a/b))
		targets = append(targets, t)
	}
	if gc := data[getCookie]; len(gi) > 0 && len(gc) > 0 {
		a, b := gc.median(rps), gi.median(rps)
		t := target{
			fmt.Sprintf("getOAuthApplicationData, %d connections: with the session cookie of a login / with HTTP Basic", gc[0].Concurrency),
			fmt.Sprintf("%s / %s req/s = **%s**", f0(a), f0(b), f3(a/b)), "≥ 0.90", verdict(a/b >= 0.90, gc.errors()+gi.errors()), ""}
		t.short = fmt.Sprintf("COOKIE / BASIC %s (>= 0.90)", f2(a/b))
		targets = append(targets, t)
	}
	ri, rc, r1 := data[regIsadmin], data[commitSQLite], data[commitOne]
	if len(ri) > 0 && len(rc) > 0 {
		a := ri.median(rps)
		limit, which := rc.median(rps), "same writers"
		if len(r1) > 0 && r1.median(rps) > limit {
			limit, which = r1.median(rps), "1 writer"
		}
		t := target{
			fmt.Sprintf("registerOAuthApplicationData, SQLite synchronous=FULL, %d connections: isadmin / raw SQLite commit rate (the higher of 1 writer and %d writers)", ri[0].Concurrency, rc[0].Concurrency),
			fmt.Sprintf("%s / %s (%s) per s = **%s**", f0(a), f0(limit), which, f3(a/limit)), "≥ 0.80", verdict(a/limit >= 0.80, ri.errors()+rc.errors()+r1.errors()), ""}
		t.short = fmt.Sprintf("REGISTER / SQLITE %s (>= 0.80)", f2(a/limit))
		targets = append(targets, t)
	}
	if mk := data[mapKeys]; len(mk) > 0 {
		res := "reported"
		if n := mk.errors(); n > 0 {
			res = fmt.Sprintf("INVALID (%d errors)", n)
		}
		targets = append(targets, target{fmt.Sprintf("store map-keys of existing OAuth clients, Basic auth, %d connections", mk[0].Concurrency),
			fmt.Sprintf("**%s** req/s, p99 **%s** ms", f0(mk.median(rps)), f1(mk.median(p99))), "requests/s and p99 reported", res,
			fmt.Sprintf("MAP-KEYS %s/S, P99 %s MS", f0(mk.median(rps)), f1(mk.median(p99)))})
	}
	if cs := data[coldStart]; len(cs) > 0 {
		var all []float64
		for _, r := range cs {
			all = append(all, r.RunsMS...)
		}
		m := median(all)
		targets = append(targets, target{"cold start: exec of `isadmin serve` on a fresh data directory to the first successful SOAP response",
			fmt.Sprintf("median **%s** ms, max %s ms (%d starts)", f1(m), f1(slices.Max(all)), len(all)), "< 150 ms (median)", verdict(m < 150, 0),
			fmt.Sprintf("COLD START %s MS (< 150)", f1(m))})
	}
	if mem := data[memory]; len(mem) > 0 {
		peak := mib(mem.median(func(r *result) float64 { return float64(r.RSSPeakBytes) }))
		start := mib(mem.median(func(r *result) float64 { return float64(r.RSSStartBytes) }))
		targets = append(targets, target{"resident memory (VmRSS) with " + memClients() + " OAuth clients stored while getAllOAuthApplicationData returns 10 000 of them",
			fmt.Sprintf("peak **%s** MiB (%s MiB idle before the calls)", f1(peak), f1(start)), "< 64 MiB", verdict(peak < 64, mem.errors()),
			fmt.Sprintf("PEAK RSS %s MIB (< 64)", f1(peak))})
	}
	if sg := data[stalledGet]; len(sg) > 0 {
		p := sg.median(p99)
		t := target{fmt.Sprintf("getOAuthApplicationData, %d connections, beside %d connections that each asked for a 10 000-client getAllOAuthApplicationData and read nothing", sg[0].Concurrency, sg[0].Stalled),
			fmt.Sprintf("p99 **%s** ms, %s req/s", f1(p), f0(sg.median(rps))), "p99 < 200 ms", verdict(p < 200 && sg.median(rps) > 0, sg.errors()),
			fmt.Sprintf("GET BESIDE %d STALLED P99 %s MS (< 200)", sg[0].Stalled, f1(p))}
		targets = append(targets, t)
	}
	if sr := data[stalledReg]; len(sr) > 0 {
		res := "reported"
		if n := sr.errors(); n > 0 || sr.median(rps) == 0 {
			res = fmt.Sprintf("INVALID (%d errors)", n)
		}
		targets = append(targets, target{fmt.Sprintf("registerOAuthApplicationData, %d connections, beside the same %d stalled listings", sr[0].Concurrency, sr[0].Stalled),
			fmt.Sprintf("p99 **%s** ms, %s req/s", f1(sr.median(p99)), f0(sr.median(rps))), "p99 and requests/s reported", res,
			fmt.Sprintf("REGISTER BESIDE STALLED P99 %s MS", f1(sr.median(p99)))})
	}
	for _, op := range pgOps {
		lite, pg := data[op.name+"/sqlite"], data[op.name+"/postgres"]
		if len(lite) == 0 || len(pg) == 0 {
			continue
		}
		a, b, p := pg.median(rps), lite.median(rps), pg.median(p99)
		targets = append(targets, target{
			fmt.Sprintf("%s, %d connections: PostgreSQL / SQLite, and PostgreSQL's p99", op.label, pg[0].Concurrency),
			fmt.Sprintf("%s / %s req/s = **%s**, p99 **%s** ms", f0(a), f0(b), f2(a/b), f1(p)), "≥ 0.5, p99 < 50 ms",
			verdict(a/b >= 0.5 && p < 50, lite.errors()+pg.errors()),
			fmt.Sprintf("%s PG / SQLITE %s (>= 0.5), P99 %s MS", strings.ToUpper(strings.TrimPrefix(op.name, "pg-")), f2(a/b), f1(p))})
	}
	for _, op := range instanceOps {
		one, two, three := data[op.name+"/1"], data[op.name+"/2"], data[op.name+"/3"]
		if len(one) == 0 || len(two) == 0 {
			continue
		}
		a, b := two.median(rps), one.median(rps)
		measured := fmt.Sprintf("1: %s, 2: %s req/s = **%s**", f0(b), f0(a), f2(a/b))
		if len(three) > 0 {
			measured += fmt.Sprintf(", 3: %s req/s (%s)", f0(three.median(rps)), f2(three.median(rps)/b))
		}
		targets = append(targets, target{
			fmt.Sprintf("%s, %d connections spread over instances on one PostgreSQL database: 2 instances / 1", op.label, one[0].Concurrency),
			measured, "≥ 1", verdict(a/b >= 1, one.errors()+two.errors()+three.errors()),
			fmt.Sprintf("%s 2 INSTANCES / 1 %s (>= 1)", strings.ToUpper(strings.TrimPrefix(op.name, "instances-")), f2(a/b))})
	}
	tb := data[tokenBare]
	for _, c := range []struct {
		name, label, short string
	}{
		{tokenReuse, "client_credentials answered with the client's active token", "TOKEN REUSE / BARE"},
		{introspect, "introspection of an active token", "INTROSPECT / BARE"},
	} {
		ti := data[c.name]
		if len(ti) == 0 || len(tb) == 0 {
			continue
		}
		a, b := ti.median(rps), tb.median(rps)
		t := target{fmt.Sprintf("%s, %d connections: isadmin / bare handler writing the token answer", c.label, ti[0].Concurrency),
			fmt.Sprintf("%s / %s req/s = **%s**", f0(a), f0(b), f3(a/b)), "≥ 0.60", verdict(a/b >= 0.60, ti.errors()+tb.errors()), ""}
		t.short = fmt.Sprintf("%s %s (>= 0.60)", c.short, f2(a/b))
		targets = append(targets, t)
	}
	if tn, tc := data[tokenNew], data[commitTokens]; len(tn) > 0 && len(tc) > 0 {
		a, b := tn.median(rps), tc.median(rps)
		t := target{fmt.Sprintf("new tokens (a new scope each, committed before the answer), %d connections: isadmin / raw SQLite commit rate", tn[0].Concurrency),
			fmt.Sprintf("%s / %s per s = **%s**", f0(a), f0(b), f3(a/b)), "≥ 0.80", verdict(a/b >= 0.80, tn.errors()+tc.errors()), ""}
		t.short = fmt.Sprintf("NEW TOKENS / SQLITE %s (>= 0.80)", f2(a/b))
		targets = append(targets, t)
	}
	w("## Targets\n\n| target | measured (median) | goal | result |\n|---|---|---|---|\n")
	for _, t := range targets {
		w("| %s | %s | %s | %s |\n", t.what, t.measured, t.goal, t.result)
	}

	// Throughput and latency.
	w("\n## Throughput and latency (medians of the rounds)\n\n")
	w("CPU busy is the share of all cores' time that was busy in the measured window (the server, the\n" +
		"databases and the load generator together); near 100 %%, the machine bounds the figure.\n\n")
	w("| measurement | connections | rounds | req/s | p50 ms | p90 ms | p99 ms | max ms | CPU busy %% | errors |\n|---|---|---|---|---|---|---|---|---|---|\n")
	order := []string{getIsadmin, getCookie, getBare, getNodeSOAP, regIsadmin, commitSQLite, commitOne, mapKeys, memory,
		tokenReuse, introspect, tokenBare, tokenNew, commitTokens}
	for _, op := range pgOps {
		for _, side := range []string{"sqlite", "postgres"} {
			name := op.name + "/" + side
			labels[name] = fmt.Sprintf("isadmin on %s, %s", map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[side], op.label)
			order = append(order, name)
		}
	}
	for _, op := range instanceOps {
		for _, n := range []string{"1", "2", "3"} {
			name := op.name + "/" + n
			labels[name] = fmt.Sprintf("%s instance(s) on one PostgreSQL database, %s", n, op.label)
			order = append(order, name)
		}
	}
	for _, name := range order {
		s := data[name]
		if len(s) == 0 {
			continue
		}
		w("| %s | %d | %d | %s | %s | %s | %s | %s | %s | %d |\n", labels[name], s[0].Concurrency, len(s),
			f0(s.median(rps)), f3(s.median(p50)), f3(s.median(p90)), f3(s.median(p99)), f3(s.median(lmax)), f0(s.median(cpu)), s.errors())
	}

	w("\n## Rounds (requests/s)\n\n| measurement | rounds |\n|---|---|\n")
	for _, name := range order {
		s := data[name]
		if len(s) == 0 {
			continue
		}
		var parts []string
		for _, r := range s {
			p := f0(r.RequestsPerS)
			if r.Exhausted {
				p += " (values ran out)"
			}
			parts = append(parts, p)
		}
		w("| %s | %s |\n", name, strings.Join(parts, ", "))
	}
	if len(gi) > 0 && len(gb) == len(gi) && len(gn) == len(gi) {
		var bare, peer []string
		for i := range gi {
			bare = append(bare, f3(gi[i].RequestsPerS/gb[i].RequestsPerS))
			peer = append(peer, f2(gi[i].RequestsPerS/gn[i].RequestsPerS))
		}
		w("\nPer round, isadmin / bare: %s; isadmin / npm soap: %s.\n", strings.Join(bare, ", "), strings.Join(peer, ", "))
	}
	if cs := data[coldStart]; len(cs) > 0 {
		var starts []string
		for _, r := range cs {
			for _, v := range r.RunsMS {
				starts = append(starts, f1(v))
			}
		}
		w("\nCold starts (ms): %s.\n", strings.Join(starts, ", "))
	}
	var firstErrs []string
	for _, name := range slices.Sorted(maps.Keys(data)) {
		for _, r := range data[name] {
			for kind, e := range r.FirstErrors {
				firstErrs = append(firstErrs, fmt.Sprintf("- `%s` (%s): %s", r.file, kind, strings.ReplaceAll(e, "\n", " ")))
			}
		}
	}
	if len(firstErrs) > 0 {
		w("\n## First errors\n\n%s\n", strings.Join(firstErrs, "\n"))
	}
	w("\n## Method\n\n")
	w("- `get`: SOAP 1.1 `getOAuthApplicationData` of one client with HTTP Basic admin/admin on every request, to isadmin (SQLite), ")
	w("to `bench/bare` (a `net/http` handler writing the bytes of isadmin's response, `getOAuthApplicationData.response.xml`) ")
	w("and to `bench/nodesoap-peer` (the npm `soap` server on isadmin's served WSDL returning the fields of that response as a canned object, nil ones as null; it checks no credentials).\n")
	w("- `register`: `registerOAuthApplicationData` with a unique name and consumer key per request; `commit/sqlite`: one-row transactions on a fresh SQLite file ")
	w("in the same file system with the server's settings (WAL, synchronous=FULL, busy_timeout, BEGIN IMMEDIATE), by as many writers as connections and by one writer. ")
	w("The target compares with the higher of the two.\n")
	w("- `map-keys`: each request maps a different existing OAuth client (secret checked) to a different store application, both seeded in the database beforehand.\n")
	w("- Memory: %s OAuth clients seeded in the database, 10 000 of them owned by admin; VmRSS of the server sampled every 20 ms while ", memClients())
	w("`getAllOAuthApplicationData` is called back to back; idle is the first sample, after start and before any call.\n")
	w("- Stalled: on the memory test's database, 64 connections (4 KiB receive buffers) each send a `getAllOAuthApplicationData` of admin's 10 000 clients ")
	w("and read nothing for the whole run, while 32 others call `getOAuthApplicationData`, then `registerOAuthApplicationData`.\n")
	w("- PostgreSQL: the same %s OAuth clients (random keys, each worker in a shuffled order) and store applications in an SQLite deployment and in a PostgreSQL one ", env["pg_clients"])
	w("on the same machine, measured alternately; `login` is `AuthenticationAdmin.login` as admin; instances share one database and the connections are spread over them.\n")
	w("- Tokens: one client; `token-reuse` asks `/oauth2/token` for `client_credentials` with HTTP Basic, answered with the client's active token; ")
	w("`introspect` asks `/oauth2/introspect` about that token as admin; `token/bare` is `bench/bare` writing the token endpoint's answer (`token.response.json`) with its headers; ")
	w("`token-new` asks for a new scope each time, so each answer is a new token committed first; `commit/sqlite-tokens` as `commit/sqlite`.\n")
	w("- Cold start: `isadmin serve` with both listeners on a fresh data directory (so it creates the database, the admin user and a TLS certificate), ")
	w("from exec to the first HTTP 200 to `getAllOAuthApplicationData` with Basic auth, polling every 0.2 ms.\n")
	w("\n![chart](chart.png)\n")
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	return drawChart(filepath.Join(dir, "chart.png"), data, env, targets)
}

// memClients is the number of clients of the memory test (MEM_CLIENTS).
func memClients() string {
	if n, err := strconv.Atoi(os.Getenv("MEM_CLIENTS")); err == nil {
		return thousands(n)
	}
	return "100 000"
}

// thousands writes n with a space between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + " " + s[i:]
	}
	return s
}
