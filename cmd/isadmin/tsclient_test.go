package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/isadmin/isadmin/storeapi"
)

// tsClientDir holds the TypeScript client's package.json, lock file and
// sources; its node_modules comes from "npm ci --prefix testdata/tsclient".
const tsClientDir = "../../testdata/tsclient"

// buildTSClient generates the client's types from the server's served
// OpenAPI document (openapi-typescript), type-checks the client against
// them (tsc) and bundles the page script for a browser (esbuild); it
// returns the bundle.
func buildTSClient(t *testing.T, s *testServer) []byte {
	t.Helper()
	dir, err := filepath.Abs(tsClientDir)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "node_modules", ".bin")
	if _, err := os.Stat(filepath.Join(bin, "tsc")); err != nil {
		requireTools(t, "the TypeScript client's packages are not installed (npm ci --prefix testdata/tsclient): %v", err)
	}
	work := t.TempDir()
	for _, f := range []string{"tsconfig.json", "src/flow.ts", "src/page.ts"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(work, f)), 0o755)
		if err := os.WriteFile(filepath.Join(work, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "node_modules"), filepath.Join(work, "node_modules")); err != nil {
		t.Fatal(err)
	}
	resp, err := s.Client.Get(s.URL + storeapi.BasePath + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := os.WriteFile(filepath.Join(work, "openapi.json"), doc, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
		cmd.Dir = work
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	run("openapi-typescript", "openapi.json", "-o", "src/schema.d.ts")
	run("tsc", "-p", ".")
	run("esbuild", "src/page.ts", "--bundle", "--format=iife", "--target=es2022", "--outfile=page.js")
	bundle, err := os.ReadFile(filepath.Join(work, "page.js"))
	if err != nil {
		t.Fatal(err)
	}
	return bundle
}

// TestTypeScriptClientCrossOrigin: the store client generated from the
// served document compiles, and runs the Provide Keys flow from a page on
// another origin in Chromium when CORS allows that origin; without it the
// browser refuses the page the answers.
func TestTypeScriptClientCrossOrigin(t *testing.T) {
	// The page's own server: another origin (another port).
	var bundle []byte
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/page.js" {
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(bundle)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<!doctype html><html><body><p id="result"></p><script src="/page.js"></script></body></html>`)
	}))
	defer page.Close()
	for _, c := range []struct {
		name    string
		allowed bool
	}{{"allowed", true}, {"not allowed", false}} {
		t.Run(c.name, func(t *testing.T) {
			s := startStore(t, "is-7.3", func(cfg *Config) {
				if c.allowed {
					cfg.CORSOrigins = []string{page.URL}
				}
			})
			if bundle == nil {
				bundle = buildTSClient(t, s)
			}
			soapRegister(t, s, "is-7.3", "ts", "ts-key", "ts-secret")
			ctx := browser(t)
			navigate(t, ctx, page.URL+"/#base="+url.QueryEscape(s.URL)+"&key=ts-key&secret=ts-secret")
			var result string
			deadline := time.Now().Add(30 * time.Second)
			for result == "" && time.Now().Before(deadline) {
				result = evaluate[string](t, ctx, `document.getElementById('result').textContent`)
				if result == "" {
					time.Sleep(50 * time.Millisecond)
				}
			}
			if c.allowed {
				if !strings.HasPrefix(result, "PASS ") || !strings.Contains(result, `"mode":"MAPPED"`) || !strings.Contains(result, `"token":true`) {
					t.Errorf("the flow from an allowed origin: %q", result)
				}
				keys, _, ok := soapSecret(t, s, "ts-key")
				if !ok || keys == "" {
					t.Error("the mapped client is gone")
				}
				return
			}
			if !strings.HasPrefix(result, "FAIL ") {
				t.Errorf("the flow from an origin not allowed: %q", result)
			}
			var apps struct {
				Count int `json:"count"`
			}
			s.api(t, sreq{method: "GET", path: "/applications"}).want(t, http.StatusOK, &apps)
			if apps.Count != 0 {
				t.Errorf("a page of an origin not allowed created %d applications", apps.Count)
			}
		})
	}
}
