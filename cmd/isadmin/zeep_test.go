package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"
)

// zeepPython is Debian's interpreter, the one python3-zeep installs into.
const zeepPython = "/usr/bin/python3"

// zeepScript drives a whole OAuth application life cycle with zeep.
const zeepScript = "../../testdata/zeep/oauth_flow.py"

// requireZeep skips (or, under ISADMIN_REQUIRE_TOOLS, fails) unless zeep can
// be imported by zeepPython.
func requireZeep(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(zeepPython); err != nil {
		requireTools(t, "python3-zeep is not installed (apt-get install python3-zeep): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, zeepPython, "-c", "import zeep").CombinedOutput(); err != nil {
		requireTools(t, "python3-zeep is not installed (apt-get install python3-zeep): %v\n%s", err, out)
	}
}

// TestZeepClient runs a zeep client, built from the served WSDL alone,
// through register, read, list, update, state and secret changes, removal
// and a fault, on the SOAP 1.1 and the SOAP 1.2 ports of each profile.
func TestZeepClient(t *testing.T) {
	requireZeep(t)
	for _, profile := range []string{"is-5.0", "is-next"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, profile)
			wsdlURL := s.HTTPSURL + oauthSvc + "?wsdl"
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, zeepPython, zeepScript, wsdlURL, profile, "admin", "admin")
			// No proxy may sit between the client and the loopback server.
			cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
			cmd.Env = append(cmd.Env, s.trustEnv()...)
			out, err := cmd.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("%s timed out after 2m:\n%s", zeepScript, out)
			}
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				t.Fatalf("%s %s %s exited with %d:\n%s", zeepScript, wsdlURL, profile, exit.ExitCode(), out)
			}
			if err != nil {
				t.Fatalf("running %s: %v\n%s", zeepScript, err, out)
			}
			t.Logf("%s", out)
		})
	}
}

// TestZeepSessionClient logs in with AuthenticationAdmin and manages a
// service provider with the session cookie alone, in each profile.
func TestZeepSessionClient(t *testing.T) {
	requireZeep(t)
	const script = "../../testdata/zeep/appmgt_flow.py"
	for _, profile := range []string{"is-5.0", "is-next"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, profile)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, zeepPython, script, s.HTTPSURL, profile, "admin", "admin")
			cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
			cmd.Env = append(cmd.Env, s.trustEnv()...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s %s %s: %v\n%s", script, s.URL, profile, err, out)
			}
			t.Logf("%s", out)
		})
	}
}
