package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/isadmin/isadmin/wsdl"
)

// Real SOAP clients, each built from the served ?wsdl documents, run the
// whole out-of-band provisioning flow on a login session: create a service
// provider, register an OAuth client with a supplied key and secret, link
// it, read it back, map its keys in the store, delete the service provider
// (the MAPPED client survives), delete the store application and log out.

const (
	// fullFlowTimeout bounds one client script; a run takes a few seconds.
	fullFlowTimeout = time.Minute
	// nodeSoapDir holds node-soap's package.json and lock file; its
	// node_modules comes from "npm ci --prefix testdata/nodesoap".
	nodeSoapDir = "../../testdata/nodesoap"
)

// requireNodeSoap skips (or, under ISADMIN_REQUIRE_TOOLS, fails) unless
// node can load the node-soap package installed in nodeSoapDir.
func requireNodeSoap(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		requireTools(t, "node is not installed (apt-get install nodejs npm, then npm ci --prefix testdata/nodesoap): %v", err)
	}
	if _, err := os.Stat(filepath.Join(nodeSoapDir, "node_modules", "soap", "package.json")); err != nil {
		requireTools(t, "node-soap is not installed (npm ci --prefix testdata/nodesoap): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "-e", `require("soap")`)
	cmd.Dir = nodeSoapDir
	if out, err := cmd.CombinedOutput(); err != nil {
		requireTools(t, "node cannot load node-soap (npm ci --prefix testdata/nodesoap): %v\n%s", err, out)
	}
	return node
}

// runClientScript runs a client script against the server and fails with
// its output unless it exits 0 within fullFlowTimeout.
func runClientScript(t *testing.T, s *testServer, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), fullFlowTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	// No proxy may sit between the client and the loopback server.
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
	cmd.Env = append(cmd.Env, s.trustEnv()...)
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	line := strings.Join(append([]string{name}, args...), " ")
	if ctx.Err() != nil {
		t.Fatalf("%s timed out after %v:\n%s", line, fullFlowTimeout, out)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("%s exited with %d:\n%s", line, exit.ExitCode(), out)
	}
	if err != nil {
		t.Fatalf("running %s: %v\n%s", line, err, out)
	}
	t.Logf("%s (%v):\n%s", line, time.Since(start).Round(time.Millisecond), out)
}

// checkFullFlowOutcome checks on the server what a full flow left: the
// service provider and the store application are gone, the OAuth client
// it registered survives with its secret.
func checkFullFlowOutcome(t *testing.T, s *testServer, client string, profile string) {
	t.Helper()
	sp := client + "-full-sp-" + profile
	key := client + "-full-key-" + profile
	if got := amGet(t, s, soap11, sp); got != nil {
		t.Errorf("service provider %s still exists", sp)
	}
	if secret, _, ok := soapSecret(t, s, key); !ok || secret != client+"-full-secret-"+profile {
		t.Errorf("OAuth client %s: secret %q, exists %v; want it kept with its secret", key, secret, ok)
	}
	var apps struct {
		Count int `json:"count"`
	}
	s.api(t, sreq{method: "GET", path: "/applications"}).want(t, http.StatusOK, &apps)
	if apps.Count != 0 {
		t.Errorf("%d store applications left", apps.Count)
	}
}

// TestZeepFullFlow runs testdata/zeep/full_flow.py (Debian's python3-zeep)
// in every profile.
func TestZeepFullFlow(t *testing.T) {
	requireZeep(t)
	const script = "../../testdata/zeep/full_flow.py"
	for _, profile := range wsdl.Names() {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			s := startStore(t, profile)
			runClientScript(t, s, zeepPython, script, s.HTTPSURL, profile, "admin", "admin")
			checkFullFlowOutcome(t, s, "zeep", profile)
		})
	}
}

// TestNodeSoapFullFlow runs testdata/nodesoap/full_flow.js (the npm package
// soap, pinned by testdata/nodesoap/package-lock.json) in every profile: SOAP
// 1.1 throughout, and one call over SOAP 1.2.
func TestNodeSoapFullFlow(t *testing.T) {
	node := requireNodeSoap(t)
	script := filepath.Join(nodeSoapDir, "full_flow.js")
	for _, profile := range wsdl.Names() {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			s := startStore(t, profile)
			runClientScript(t, s, node, script, s.HTTPSURL, profile, "admin", "admin")
			checkFullFlowOutcome(t, s, "node", profile)
		})
	}
}
