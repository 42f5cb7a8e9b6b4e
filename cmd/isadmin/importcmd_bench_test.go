package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
)

// BenchmarkImport10000Clients imports 10,000 OAuth clients of the super
// tenant into an empty database: from isadmin serving is-7.3 on loopback
// (over SOAP: getAllOAuthApplicationData, then a transaction per client),
// and from an export file. It reports the seconds for the 10,000 (the
// goal: under a minute) and clients per second.
//
//	go test -run '^$' -bench BenchmarkImport10000Clients -benchtime 3x ./cmd/isadmin
func BenchmarkImport10000Clients(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	src := startServer(b, "is-7.3")
	jobs := make(chan *admin.OAuthApp)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for app := range jobs {
				if err := src.DB.CreateOAuthApp(ctx, app); err != nil {
					panic(err)
				}
			}
		}()
	}
	for i := range n {
		settings, err := admin.ClientSettings(fullSettings(i))
		if err != nil {
			b.Fatal(err)
		}
		jobs <- &admin.OAuthApp{TenantID: admin.SuperTenantID, Owner: "admin", Name: fmt.Sprintf("bench %d", i),
			ConsumerKey: fmt.Sprintf("bench-key-%05d", i), ConsumerSecret: fmt.Sprintf("bench-secret-%05d", i),
			CallbackURL: "https://cb.example/", GrantTypes: "authorization_code refresh_token", OAuthVersion: "OAuth-2.0",
			State: admin.StateActive, Settings: settings}
	}
	close(jobs)
	wg.Wait()
	_, password := importCredentials(b)

	fileDir := b.TempDir() // the outer benchmark's: the file outlives "soap"
	var file string
	run := func(b *testing.B, args func(*importTarget) []string) {
		var total time.Duration
		for b.Loop() {
			b.StopTimer()
			tg := newImportTarget(b)
			b.StartTimer()
			start := time.Now()
			out, errOut, code := runCLI(b, append(args(tg), tg.args()...)...)
			total += time.Since(start)
			if code != 0 {
				b.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
			}
			if want := fmt.Sprintf("OAuth clients: %d created, 0 updated, 0 unchanged, 0 failed", n); !strings.Contains(out, want) {
				b.Fatalf("want %q in\n%s", want, out)
			}
			if file == "" {
				b.StopTimer()
				file = filepath.Join(fileDir, "export.json")
				if out, errOut, code := runCLI(b, append([]string{"export", file}, tg.args()...)...); code != 0 {
					b.Fatalf("export: exit %d\n%s\n%s", code, out, errOut)
				}
				b.StartTimer()
			}
		}
		per := total / time.Duration(b.N)
		b.ReportMetric(per.Seconds(), "s/10000-clients")
		b.ReportMetric(float64(n)/per.Seconds(), "clients/s")
	}
	b.Run("soap", func(b *testing.B) {
		run(b, func(*importTarget) []string {
			return []string{"import", "--from", src.URL, "--user", "admin", "--password-file", password, "--profile", "is-7.3", "--progress", "none"}
		})
	})
	b.Run("file", func(b *testing.B) {
		run(b, func(*importTarget) []string { return []string{"import", "--from-file", file, "--progress", "none"} })
	})
}
