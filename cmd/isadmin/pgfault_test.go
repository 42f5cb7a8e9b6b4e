package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema/schematest"
)

// TestPostgresConnectionsDie kills the server's PostgreSQL connections
// again and again under a write load: a request answered with success is
// stored, a failed one gets a server fault, and the server recovers
// without a restart.
func TestPostgresConnectionsDie(t *testing.T) {
	base := requirePostgres(t)
	app := fmt.Sprintf("isadmin_fault_%d", time.Now().UnixNano())
	url := schematest.NewSchema(t, base) + "&application_name=" + app
	s := startServer(t, "is-next", func(c *Config) { c.DatabaseURL = url })

	config, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	killer := stdlib.OpenDB(*config)
	defer killer.Close()

	var (
		stop      atomic.Bool
		mu        sync.Mutex
		succeeded []string
		faults    int
		wg        sync.WaitGroup
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				key := fmt.Sprintf("fault-%d-%d", w, i)
				r := s.do(t, call{action: "registerOAuthApplicationData", body: registerBody(key, key, "s", "", "password")})
				mu.Lock()
				switch {
				case r.Status == http.StatusOK:
					succeeded = append(succeeded, key)
				case r.Status == http.StatusInternalServerError:
					if code, reason := r.fault(t); code != "soapenv:Server" || strings.Contains(reason, "SQLSTATE") {
						t.Errorf("a database failure answered %s %q", code, reason)
					}
					faults++
				default:
					t.Errorf("HTTP %d:\n%s", r.Status, r.Body)
				}
				mu.Unlock()
			}
		}()
	}
	killed := 0
	for round := 0; round < 15; round++ {
		time.Sleep(100 * time.Millisecond)
		var n int
		if err := killer.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		killed += n
	}
	stop.Store(true)
	wg.Wait()
	if killed == 0 {
		t.Fatal("no server connection was terminated: the test proves nothing")
	}
	t.Logf("%d connections terminated; %d registrations succeeded, %d got faults", killed, len(succeeded), faults)

	// Recovered: new requests succeed, and every acknowledged write is there.
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("after", "after-key", "s", "", "password")}).ok(t)
	for _, key := range succeeded {
		if _, err := s.DB.FindOAuthAppByKey(context.Background(), admin.SuperTenantID, key); err != nil {
			t.Errorf("acknowledged registration %s is lost: %v", key, err)
		}
	}
}
