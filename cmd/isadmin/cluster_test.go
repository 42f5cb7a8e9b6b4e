package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isadmin/isadmin/schema/schematest"
	"github.com/isadmin/isadmin/wsdl"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// isadminBinary builds the binary once for the test run.
func isadminBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "isadmin-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "isadmin")
		if out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// startProcess runs isadmin serve as a process on a free loopback port and
// returns a testServer speaking to it (no DB handle).
func startProcess(t *testing.T, profile string, extra ...string) *testServer {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"serve", "--wire-profile", profile, "--data-dir", t.TempDir(), "--https-addr", "", "--http-addr", addr, "--http-admin-services=true", "--log-format", "json"}, extra...)
	cmd := exec.Command(isadminBinary(t), args...)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("server %s log:\n%s", addr, stderr.String())
		}
	})
	p, err := wsdl.Load(profile)
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{Main: &Main{Config: Config{WireProfile: profile}, Profile: p}, URL: "http://" + addr, Client: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, MaxIdleConnsPerHost: 64}}}
	for i := 0; ; i++ {
		resp, err := s.Client.Get(s.URL + oauthSvc + "?wsdl")
		if err == nil {
			resp.Body.Close()
			return s
		}
		if i == 200 {
			t.Fatalf("server on %s did not start: %v\n%s", addr, err, stderr.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// serveFails runs isadmin serve as a process that must refuse to start,
// and returns what it wrote to its standard error.
func serveFails(t *testing.T, extra ...string) string {
	t.Helper()
	args := append([]string{"serve", "--data-dir", t.TempDir(), "--https-addr", "", "--http-addr", freeAddr(t), "--log-format", "json"}, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, isadminBinary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil || ctx.Err() != nil {
		t.Fatalf("isadmin serve did not refuse to start (%v):\n%s", err, stderr.String())
	}
	return stderr.String()
}

// TestCluster: three processes on one PostgreSQL database are one server.
func TestCluster(t *testing.T) {
	base := requirePostgres(t)
	db := schematest.NewSchema(t, base)
	// One key file for every instance, made before the first start.
	keyFile := filepath.Join(t.TempDir(), "cluster.key")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"secret-key", "add", "--secret-key-file", keyFile}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("secret-key add: %v\n%s", err, errOut.String())
	}
	var a, b, c *testServer
	var wg sync.WaitGroup
	servers := make([]*testServer, 3)
	for i := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Three instances migrating the same fresh database at once.
			servers[i] = startProcess(t, "is-next", "--database-url", db, "--admin-password", "cluster-pw", "--secret-key-file", keyFile)
		}()
	}
	wg.Wait()
	a, b, c = servers[0], servers[1], servers[2]
	for _, s := range servers {
		if s == nil {
			t.FailNow()
		}
	}
	as := func(s *testServer, cl call) *result {
		cl.user, cl.pass = "admin", "cluster-pw"
		return s.do(t, cl)
	}
	get := func(key string) string {
		return `<xsd:getOAuthApplicationData><xsd:consumerKey>` + key + `</xsd:consumerKey></xsd:getOAuthApplicationData>`
	}

	// An instance without the key file is refused, and so is one with a
	// key file of its own: it would seal secrets the others cannot open.
	stderr := serveFails(t, "--database-url", db, "--admin-password", "cluster-pw")
	if !strings.Contains(stderr, "no key file at") || !strings.Contains(stderr, "needs the same key file") {
		t.Errorf("a fourth instance without the key file: %s", stderr)
	}
	ownKey := filepath.Join(t.TempDir(), "own.key")
	if err := run(context.Background(), []string{"secret-key", "add", "--secret-key-file", ownKey}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("secret-key add: %v\n%s", err, errOut.String())
	}
	stderr = serveFails(t, "--database-url", db, "--admin-password", "cluster-pw", "--secret-key-file", ownKey)
	if !strings.Contains(stderr, "the secret keys do not fit the database") || !strings.Contains(stderr, "needs the same key file") {
		t.Errorf("a fourth instance with a key file of its own: %s", stderr)
	}

	// Create on A, read and update on B, delete on C.
	as(a, call{action: "registerOAuthApplicationData", body: registerBody("clustered", "cluster-key", "cluster-secret", "https://a", "authorization_code")}).ok(t)
	as(b, call{action: "getOAuthApplicationData", body: get("cluster-key")}).ok(t)
	as(b, call{action: "updateConsumerApplication", body: `<xsd:updateConsumerApplication><xsd:consumerAppDTO><dto:applicationName>clustered</dto:applicationName><dto:callbackUrl>https://b</dto:callbackUrl><dto:grantTypes>authorization_code</dto:grantTypes><dto:oauthConsumerKey>cluster-key</dto:oauthConsumerKey><dto:oauthConsumerSecret>cluster-secret</dto:oauthConsumerSecret></xsd:consumerAppDTO></xsd:updateConsumerApplication>`}).ok(t)
	if cb, _ := text(as(c, call{action: "getOAuthApplicationData", body: get("cluster-key")}).ok(t).SelectElement("return"), "callbackUrl"); cb != "https://b" {
		t.Errorf("C reads callback %q after B's update", cb)
	}
	as(c, call{action: "removeOAuthApplicationData", body: `<xsd:removeOAuthApplicationData><xsd:consumerKey>cluster-key</xsd:consumerKey></xsd:removeOAuthApplicationData>`}).ok(t)
	as(a, call{action: "getOAuthApplicationData", body: get("cluster-key")}).fault(t)

	// The same registration on A and B at once: one success, one duplicate.
	for i := 0; i < 50; i++ {
		body := registerBody(fmt.Sprintf("race-%d", i), fmt.Sprintf("race-key-%d", i), "s", "", "password")
		results := make([]*result, 2)
		var wg sync.WaitGroup
		for j, s := range []*testServer{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[j] = as(s, call{action: "registerOAuthApplicationData", body: body})
			}()
		}
		wg.Wait()
		ok, dup := 0, 0
		for _, r := range results {
			if r.Status == http.StatusOK {
				ok++
				continue
			}
			if _, reason := r.fault(t); strings.Contains(reason, "already exists") {
				dup++
			} else {
				t.Errorf("round %d: unexpected fault %q", i, reason)
			}
		}
		if ok != 1 || dup != 1 {
			t.Fatalf("round %d: %d successes and %d duplicate faults", i, ok, dup)
		}
	}
	list := as(c, call{action: "getAllOAuthApplicationData", body: listApps}).ok(t)
	if n := len(list.SelectElements("return")); n != 50 {
		t.Errorf("C lists %d clients, want 50", n)
	}

	// A session from a login on A works on B and dies everywhere at logout.
	ok, cookie := login(t, a, "", "admin", "cluster-pw")
	if !ok {
		t.Fatal("login on A failed")
	}
	for _, s := range servers {
		s.do(t, call{action: "getAllOAuthApplicationData", noAuth: true, header: withCookie(cookie), body: listApps}).ok(t)
	}
	r := b.do(t, call{path: authSvc, action: "logout", noAuth: true, header: withCookie(cookie), body: `<ns:logout xmlns:ns="http://authentication.services.core.carbon.wso2.org"/>`})
	if r.Status != http.StatusAccepted {
		t.Fatalf("logout on B: %d", r.Status)
	}
	for i, s := range servers {
		if r := s.do(t, call{action: "getAllOAuthApplicationData", noAuth: true, header: withCookie(cookie), body: listApps}); r.Status != http.StatusUnauthorized {
			t.Errorf("server %d accepts the session after logout: %d", i, r.Status)
		}
	}

	// Lockout counts across instances: failures spread over A, B and C.
	for i := 0; i < 5; i++ {
		servers[i%3].do(t, call{action: "getAllOAuthApplicationData", user: "admin", pass: "wrong", body: listApps})
	}
	if code, _ := a.do(t, call{action: "getAllOAuthApplicationData", user: "admin", pass: "cluster-pw", body: listApps}).fault(t); code != "axis2ns2:50977" {
		t.Errorf("after 5 failures on three instances the account is not locked: %s", code)
	}
}
