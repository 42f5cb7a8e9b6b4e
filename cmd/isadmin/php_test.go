package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/isadmin/isadmin/wsdl"
)

// phpScript drives the whole admin flow with PHP's SoapClient.
const phpScript = "../../testdata/php/full_flow.php"

// requirePHP skips (or, under ISADMIN_REQUIRE_TOOLS, fails) unless the php
// command has the soap and dom extensions (Debian's php-cli, php-soap and
// php-xml).
func requirePHP(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("php"); err != nil {
		requireTools(t, "php is not installed (apt-get install php-cli php-soap php-xml): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "php", "-r", `echo class_exists("SoapClient") ? "yes" : "no";`).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "yes" {
		requireTools(t, "PHP's soap extension is missing (apt-get install php-soap): %v %s", err, out)
	}
	out, err = exec.CommandContext(ctx, "php", "-r", `echo class_exists("DOMDocument") ? "yes" : "no";`).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "yes" {
		requireTools(t, "PHP's dom extension is missing (apt-get install php-xml): %v %s", err, out)
	}
}

// TestPHPSoapClient runs PHP's SoapClient in WSDL mode over HTTPS through
// login, the OAuth client life cycle (register, get, update, list, remove),
// a service provider on the session cookie (create, link, read, delete)
// and logout, in every profile. Every client's first call goes out on a
// fresh TLS connection; SoapClient sends one-way calls and closes without
// reading the answer, which lost them while the server issued TLS session
// tickets (TestTLSLeavesNothingUnread).
func TestPHPSoapClient(t *testing.T) {
	requirePHP(t)
	for _, profile := range wsdl.Names() {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, profile)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "php", phpScript, s.HTTPSURL, profile, "admin", "admin")
			cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
			out, err := cmd.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("%s timed out after 2m:\n%s", phpScript, out)
			}
			if err != nil || !strings.Contains(string(out), "\nPASS\n") {
				t.Fatalf("php %s %s %s: %v\n%s", phpScript, s.HTTPSURL, profile, err, out)
			}
			t.Logf("%s", out)
		})
	}
}
