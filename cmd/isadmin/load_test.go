package main

// Load: 64 concurrent clients send a mix of reads and writes to one server
// process for a minute. No request may fail, and the server's resident
// memory must stay bounded. It is a check, not a benchmark; it runs only on
// request because it takes a minute.

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var loadFlag = flag.Bool("isadmin.load", false, "run TestLoad (as ISADMIN_LOAD_TEST=1 does)")

const (
	loadClients = 64
	// loadMaxRSS bounds the server's resident memory. The server holds no
	// state between requests but SQLite's page caches (one per pooled
	// connection, 2 MiB by default) and what requests in flight allocate. A
	// client keeps at most 16 unlinked OAuth clients and 4 service providers
	// linking at most 4 each, so the largest answer (getAllOAuthApplicationData
	// over at most 64 × 32 clients) is a few MiB. 256 MiB leaves room for the
	// Go runtime's slack; a leak of a few KiB per request exceeds it within
	// the minute.
	loadMaxRSS = 256 << 20
	// Per client.
	loadMaxApps  = 16
	loadMaxSPs   = 4
	loadMaxLinks = 4
)

// loadDuration is ISADMIN_LOAD_DURATION when set (a Go duration), else a
// minute.
func loadDuration(t *testing.T) time.Duration {
	if s := os.Getenv("ISADMIN_LOAD_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			t.Fatalf("ISADMIN_LOAD_DURATION=%q: want a positive duration", s)
		}
		return d
	}
	return time.Minute
}

// vmRSS reads the resident set size of a process from /proc, in bytes.
func vmRSS(pid int) (int64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// loadClient is one of the concurrent clients, with the objects it owns.
type loadClient struct {
	id    int
	rng   *rand.Rand
	auth  procAuth
	seq   int
	apps  []loadApp // OAuth clients no service provider links
	sps   []*loadSP
	stats loadStats
}

type loadApp struct{ key, name, secret string }

type loadSP struct {
	name string
	id   int
	apps []loadApp // linked clients
}

type loadStats struct {
	ops       map[string]int
	latencies []time.Duration
	byAction  map[string][]time.Duration
	failures  []string
}

func (s *loadStats) record(action string, d time.Duration) {
	s.latencies = append(s.latencies, d)
	s.byAction[action] = append(s.byAction[action], d)
}

// loadOp is one kind of request of the mix, with its weight.
type loadOp struct {
	name   string
	weight int
	run    func(e *crashEnv, c *loadClient) error
}

// call sends one request, records its latency and fails unless it is a
// success.
func (c *loadClient) call(e *crashEnv, service, action, body string) (procReply, error) {
	start := time.Now()
	r, err := soapCall(e.ctx, e.client, e.base, service, action, body, c.auth)
	if err == nil {
		c.stats.record(action, r.elapsed) // without parsing the answer
	} else {
		c.stats.record(action, time.Since(start))
	}
	if err != nil {
		return r, err
	}
	if r.status != http.StatusOK || r.fault != "" || r.payload == nil {
		return r, fmt.Errorf("%s: %s", action, r)
	}
	return r, nil
}

func (c *loadClient) app() loadApp {
	c.seq++
	return loadApp{key: fmt.Sprintf("load-%d-%d", c.id, c.seq), name: fmt.Sprintf("load app %d-%d", c.id, c.seq), secret: fmt.Sprintf("s-%d-%d", c.id, c.seq)}
}

func loadMix() []loadOp {
	const oauth, appMgt = "OAuthAdminService", "IdentityApplicationManagementService"
	someApp := func(c *loadClient) (loadApp, bool) {
		if len(c.apps) == 0 {
			return loadApp{}, false
		}
		return c.apps[c.rng.IntN(len(c.apps))], true
	}
	register := func(e *crashEnv, c *loadClient) error {
		if len(c.apps) >= loadMaxApps {
			a := c.apps[0]
			if _, err := c.call(e, oauth, "removeOAuthApplicationData", `<xsd:removeOAuthApplicationData><xsd:consumerKey>`+a.key+`</xsd:consumerKey></xsd:removeOAuthApplicationData>`); err != nil {
				return err
			}
			c.apps = c.apps[1:]
			return nil
		}
		a := c.app()
		if _, err := c.call(e, oauth, "registerOAuthApplicationData", registerBody(a.name, a.key, a.secret, "https://localhost/cb", "authorization_code refresh_token")); err != nil {
			return err
		}
		c.apps = append(c.apps, a)
		return nil
	}
	return []loadOp{
		{"getOAuthApplicationData", 30, func(e *crashEnv, c *loadClient) error {
			a, ok := someApp(c)
			if !ok {
				return register(e, c)
			}
			r, err := c.call(e, oauth, "getOAuthApplicationData", `<xsd:getOAuthApplicationData><xsd:consumerKey>`+a.key+`</xsd:consumerKey></xsd:getOAuthApplicationData>`)
			if err != nil {
				return err
			}
			if ret := r.payload.SelectElement("return"); ret == nil {
				return fmt.Errorf("getOAuthApplicationData %s: %s", a.key, r)
			} else if name, _ := text(ret, "applicationName"); name != a.name {
				return fmt.Errorf("getOAuthApplicationData %s: name %q, want %q", a.key, name, a.name)
			}
			return nil
		}},
		{"getOAuthApplicationDataByAppName", 10, func(e *crashEnv, c *loadClient) error {
			a, ok := someApp(c)
			if !ok {
				return register(e, c)
			}
			_, err := c.call(e, oauth, "getOAuthApplicationDataByAppName", `<xsd:getOAuthApplicationDataByAppName><xsd:appName>`+a.name+`</xsd:appName></xsd:getOAuthApplicationDataByAppName>`)
			return err
		}},
		{"getAllowedGrantTypes", 10, func(e *crashEnv, c *loadClient) error {
			_, err := c.call(e, oauth, "getAllowedGrantTypes", `<xsd:getAllowedGrantTypes/>`)
			return err
		}},
		{"getAllOAuthApplicationData", 1, func(e *crashEnv, c *loadClient) error {
			_, err := c.call(e, oauth, "getAllOAuthApplicationData", `<xsd:getAllOAuthApplicationData/>`)
			return err
		}},
		{"getAllApplicationBasicInfo", 1, func(e *crashEnv, c *loadClient) error {
			_, err := c.call(e, appMgt, "getAllApplicationBasicInfo", `<xsd:getAllApplicationBasicInfo/>`)
			return err
		}},
		{"GET ?wsdl", 1, func(e *crashEnv, c *loadClient) error {
			start := time.Now()
			req, err := http.NewRequestWithContext(e.ctx, http.MethodGet, e.base+oauthSvc+"?wsdl", nil)
			if err != nil {
				return err
			}
			resp, err := e.client.Do(req)
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			c.stats.record("GET ?wsdl", time.Since(start))
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("?wsdl: HTTP %d", resp.StatusCode)
			}
			return err
		}},
		{"registerOAuthApplicationData", 15, register},
		{"updateConsumerApplication", 8, func(e *crashEnv, c *loadClient) error {
			i, ok := 0, len(c.apps) > 0
			if !ok {
				return register(e, c)
			}
			i = c.rng.IntN(len(c.apps))
			a := c.apps[i]
			c.seq++
			a.name = fmt.Sprintf("load app %d-%d", c.id, c.seq)
			body := `<xsd:updateConsumerApplication><xsd:consumerAppDTO><dto:OAuthVersion>OAuth-2.0</dto:OAuthVersion><dto:applicationName>` + a.name +
				`</dto:applicationName><dto:callbackUrl>https://localhost/cb/` + strconv.Itoa(c.seq) + `</dto:callbackUrl><dto:grantTypes>authorization_code refresh_token</dto:grantTypes><dto:oauthConsumerKey>` + a.key +
				`</dto:oauthConsumerKey><dto:oauthConsumerSecret>` + a.secret + `</dto:oauthConsumerSecret></xsd:consumerAppDTO></xsd:updateConsumerApplication>`
			if _, err := c.call(e, oauth, "updateConsumerApplication", body); err != nil {
				return err
			}
			c.apps[i] = a
			return nil
		}},
		{"getApplication", 5, func(e *crashEnv, c *loadClient) error {
			if len(c.sps) == 0 {
				return nil
			}
			sp := c.sps[c.rng.IntN(len(c.sps))]
			r, err := c.call(e, appMgt, "getApplication", spGetBody(sp.name))
			if err != nil {
				return err
			}
			got, err := readSP(r)
			if err == nil && (!got.found || len(got.keys) != len(sp.apps)) {
				err = fmt.Errorf("getApplication %s: %+v, want %d linked clients", sp.name, got, len(sp.apps))
			}
			return err
		}},
		{"createApplication/updateApplication/deleteApplication", 6, func(e *crashEnv, c *loadClient) error {
			switch {
			case len(c.sps) >= loadMaxSPs:
				// Deleting a provider deletes the clients it links.
				sp := c.sps[0]
				if _, err := c.call(e, appMgt, "deleteApplication", `<xsd:deleteApplication><xsd:applicationName>`+sp.name+`</xsd:applicationName></xsd:deleteApplication>`); err != nil {
					return err
				}
				c.sps = c.sps[1:]
			case len(c.sps) == 0 || c.rng.IntN(3) == 0:
				c.seq++
				sp := &loadSP{name: fmt.Sprintf("load-sp-%d-%d", c.id, c.seq)}
				if _, err := c.call(e, appMgt, "createApplication", spCreateBody(sp.name, "load test")); err != nil {
					return err
				}
				r, err := c.call(e, appMgt, "getApplication", spGetBody(sp.name))
				if err != nil {
					return err
				}
				got, err := readSP(r)
				if err != nil || !got.found {
					return fmt.Errorf("created %s not found: %v", sp.name, err)
				}
				sp.id = got.id
				c.sps = append(c.sps, sp)
			default:
				sp := c.sps[c.rng.IntN(len(c.sps))]
				apps := slices.Clone(sp.apps)
				free := len(c.apps) > 0 && len(sp.apps) < loadMaxLinks
				if free {
					apps = append(apps, c.apps[0])
				}
				var keys []string
				for _, a := range apps {
					keys = append(keys, a.key)
				}
				c.seq++
				if _, err := c.call(e, appMgt, "updateApplication", spUpdateBody(sp.id, sp.name, "update "+strconv.Itoa(c.seq), keys)); err != nil {
					return err
				}
				sp.apps = apps
				if free {
					c.apps = c.apps[1:]
				}
			}
			return nil
		}},
	}
}

// TestLoad runs 64 clients against one server process for a minute (set
// ISADMIN_LOAD_DURATION to change it): every request must succeed (no
// fault, no HTTP 5xx), and the server's VmRSS, sampled every 100 ms, must
// stay under 256 MiB. It runs with ISADMIN_LOAD_TEST=1 or -isadmin.load.
func TestLoad(t *testing.T) {
	if os.Getenv("ISADMIN_LOAD_TEST") != "1" && !*loadFlag {
		t.Skip("skipped: the load test takes a minute; run it with ISADMIN_LOAD_TEST=1 go test -run TestLoad ./cmd/isadmin (or -isadmin.load)")
	}
	duration := loadDuration(t)
	seed := crashSeed(t)
	t.Logf("seed %d", seed)

	bin := buildServerBinary(t)
	p := startServerProcess(t, bin, t.TempDir())
	client := newProcClient(loadClients)
	// A keep-alive connection may close just as the client reuses it; Go
	// resends only requests marked replayable, and only when the server
	// closed the idle connection before reading them. Marking them so keeps
	// that client-side race out of the figures; a request the server did
	// read and then failed still fails.
	client.Transport = replayable{client.Transport}
	p.waitReady(t, client)
	pid := p.cmd.Process.Pid
	env := &crashEnv{ctx: context.Background(), client: client, base: p.URL}

	startRSS, err := vmRSS(pid)
	if err != nil {
		t.Fatal(err)
	}
	var maxRSS atomic.Int64
	maxRSS.Store(startRSS)
	var trend []string // VmRSS every ten seconds
	var trendMu sync.Mutex
	samplerDone := make(chan struct{})
	stopSampler := make(chan struct{})
	go func() {
		defer close(samplerDone)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-stopSampler:
				return
			case <-tick.C:
			}
			rss, err := vmRSS(pid)
			if err != nil {
				continue
			}
			if rss > maxRSS.Load() {
				maxRSS.Store(rss)
			}
			if n%100 == 0 {
				trendMu.Lock()
				trend = append(trend, fmt.Sprintf("%.0f", float64(rss)/(1<<20)))
				trendMu.Unlock()
			}
		}
	}()

	// Clients log in once and use their session; every sixteenth sends
	// HTTP Basic credentials (a bcrypt comparison) with each request.
	clients := make([]*loadClient, loadClients)
	for i := range clients {
		c := &loadClient{id: i, rng: rand.New(rand.NewPCG(seed, uint64(i))), stats: loadStats{ops: map[string]int{}, byAction: map[string][]time.Duration{}}}
		if i%16 == 0 {
			c.auth = adminAuth
		} else {
			cookie, err := procLogin(env.ctx, client, p.URL, "admin", "admin")
			if err != nil {
				t.Fatal(err)
			}
			c.auth = procAuth{cookie: cookie}
		}
		clients[i] = c
	}

	mix := loadMix()
	total := 0
	for _, op := range mix {
		total += op.weight
	}
	start := time.Now()
	deadline := start.Add(duration)
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				pick := c.rng.IntN(total)
				var op loadOp
				for _, op = range mix {
					if pick -= op.weight; pick < 0 {
						break
					}
				}
				c.stats.ops[op.name]++
				if err := op.run(env, c); err != nil {
					c.stats.failures = append(c.stats.failures, fmt.Sprintf("client %d %s: %v", c.id, op.name, err))
					if len(c.stats.failures) > 20 {
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopSampler)
	<-samplerDone
	endRSS, _ := vmRSS(pid)

	var lat, basicLat []time.Duration
	byAction := map[string][]time.Duration{}
	ops := map[string]int{}
	var failures []string
	for _, c := range clients {
		lat = append(lat, c.stats.latencies...)
		if c.auth.cookie == "" {
			basicLat = append(basicLat, c.stats.latencies...)
		}
		for k, v := range c.stats.byAction {
			byAction[k] = append(byAction[k], v...)
		}
		for k, v := range c.stats.ops {
			ops[k] += v
		}
		failures = append(failures, c.stats.failures...)
	}
	slices.Sort(lat)
	slices.Sort(basicLat)
	pctOf := func(lat []time.Duration, p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(10 * time.Microsecond)
	}
	pct := func(p float64) time.Duration { return pctOf(lat, p) }
	var names []string
	for k := range ops {
		names = append(names, k)
	}
	slices.Sort(names)
	var mixLine strings.Builder
	for _, k := range names {
		fmt.Fprintf(&mixLine, " %s=%d", k, ops[k])
	}
	mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	t.Logf("%d clients for %v: %d requests, %.0f requests/s; latency p50 %v, p99 %v, max %v; %d failed",
		loadClients, elapsed.Round(time.Millisecond), len(lat), float64(len(lat))/elapsed.Seconds(),
		pct(0.50), pct(0.99), pct(1).Round(time.Millisecond), len(failures))
	t.Logf("of which %d with HTTP Basic (a bcrypt comparison each): p50 %v, p99 %v",
		len(basicLat), pctOf(basicLat, 0.50), pctOf(basicLat, 0.99))
	t.Logf("server VmRSS: %s at start, %s max, %s at the end (bound %s); every 10 s: %s MiB",
		mib(startRSS), mib(maxRSS.Load()), mib(endRSS), mib(loadMaxRSS), strings.Join(trend, " "))
	t.Logf("operations:%s", mixLine.String())
	names = names[:0]
	for k := range byAction {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		l := byAction[k]
		slices.Sort(l)
		t.Logf("  %-34s %6d requests  p50 %-10v p99 %-10v max %v", k, len(l), pctOf(l, 0.5), pctOf(l, 0.99), pctOf(l, 1).Round(time.Millisecond))
	}

	if len(failures) > 0 {
		t.Logf("tail of the server's log:\n%s", p.log)
	}
	for i, f := range failures {
		if i == 20 {
			t.Errorf("... and %d more failures", len(failures)-20)
			break
		}
		t.Error(f)
	}
	if maxRSS.Load() >= loadMaxRSS {
		t.Errorf("server VmRSS reached %s, over the bound of %s", mib(maxRSS.Load()), mib(loadMaxRSS))
	}
	// The server is still healthy: it answers, stops cleanly, and leaves a
	// sound database.
	if _, err := soapCall(env.ctx, client, p.URL, "OAuthAdminService", "getAllowedGrantTypes", `<xsd:getAllowedGrantTypes/>`, adminAuth); err != nil {
		t.Errorf("server does not answer after the load: %v", err)
	}
	p.stop(t)
	db := checkIntegrity(t, filepath.Join(p.dataDir, "isadmin.db"))
	db.Close()
}

// replayable marks requests as safe to resend on a connection the server
// closed while idle.
type replayable struct{ rt http.RoundTripper }

func (r replayable) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Idempotency-Key", "load")
	return r.rt.RoundTrip(req)
}
