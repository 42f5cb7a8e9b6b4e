package schema_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
)

// requirePostgres returns the PostgreSQL URL of the run, or skips without
// one: these tests belong to the suite's PostgreSQL pass.
func requirePostgres(t *testing.T) string {
	t.Helper()
	u := schematest.PostgresURL()
	if u == "" {
		t.Skipf("skipped: PostgreSQL tests run when %s is set", schematest.EnvURL)
	}
	return u
}

// TestPostgresPool_Limits checks the limits a PostgreSQL database opens
// with and that SetPoolLimits changes them: connections are kept while
// idle, so that no request pays for opening one.
func TestPostgresPool_Limits(t *testing.T) {
	base := requirePostgres(t)
	db := schematest.Open(t, schematest.NewSchema(t, base))
	def := schema.DefaultPoolLimits()
	if def.MaxConns < 16 || def.MaxIdleConns != def.MaxConns {
		t.Errorf("default limits %+v: want at least 16 connections, all kept while idle", def)
	}
	if got := schema.SQLDB(db).Stats().MaxOpenConnections; got != def.MaxConns {
		t.Errorf("opened with at most %d connections, want %d", got, def.MaxConns)
	}

	// Many concurrent reads leave that many connections open and idle.
	ctx := context.Background()
	const readers = 12
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range readers {
		wg.Go(func() {
			<-start
			// Hold a connection long enough for all to be open at once.
			if _, err := schema.SQLDB(db).ExecContext(ctx, `SELECT pg_sleep(0.05)`); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	if st := schema.SQLDB(db).Stats(); st.Idle < readers || st.MaxIdleClosed != 0 {
		t.Errorf("after %d concurrent reads: %d idle connections, %d closed for want of an idle slot", readers, st.Idle, st.MaxIdleClosed)
	}

	if err := db.SetPoolLimits(schema.PoolLimits{MaxConns: 3, MaxIdleConns: 2, MaxLifetime: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if st := schema.SQLDB(db).Stats(); st.MaxOpenConnections != 3 || st.Idle > 2 {
		t.Errorf("after SetPoolLimits: %+v", st)
	}
	for _, bad := range []schema.PoolLimits{{MaxConns: 0}, {MaxConns: 2, MaxIdleConns: 3}, {MaxConns: 2, MaxIdleConns: -1}, {MaxConns: 2, MaxLifetime: -time.Second}} {
		if err := db.SetPoolLimits(bad); err == nil {
			t.Errorf("SetPoolLimits(%+v) accepted", bad)
		}
	}
	if err := schematest.Open(t, t.TempDir()+"/isadmin.db").SetPoolLimits(def); err == nil {
		t.Error("an SQLite database took PostgreSQL's limits")
	}
}

// TestPostgresPool_DeadConnections ends every connection of the pool on
// the server side, then reads and writes at once, before a connection has
// been idle long enough to be checked: the reads and the transaction run
// on fresh connections instead of failing on dead ones.
func TestPostgresPool_DeadConnections(t *testing.T) {
	base := requirePostgres(t)
	app := fmt.Sprintf("isadmin_dead_%d", time.Now().UnixNano())
	db := schematest.Open(t, schematest.NewSchema(t, base)+"&application_name="+app)
	ctx := context.Background()

	config, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	killer := stdlib.OpenDB(*config)
	defer killer.Close()

	for round := range 3 {
		// Open several connections and use each twice (pgx checks a
		// connection on its first reuse), then end them all.
		for range 2 {
			var wg sync.WaitGroup
			for range 6 {
				wg.Go(func() {
					var one int
					if err := schema.SQLDB(db).QueryRowContext(ctx, `SELECT 1 FROM pg_sleep(0.02)`).Scan(&one); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}
		var killed int
		if err := killer.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&killed); err != nil {
			t.Fatal(err)
		}
		if killed == 0 {
			t.Fatal("no connection was ended: the test proves nothing")
		}
		// The backends are gone once they no longer show.
		for i := 0; i < 100; i++ {
			var left int
			killer.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&left)
			if left == 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}

		if _, err := db.Versions(ctx); err != nil {
			t.Errorf("round %d: a read after the connections died: %v", round, err)
		}
		key := fmt.Sprintf("after-%d", round)
		if err := db.CreateRole(ctx, &admin.Role{TenantID: admin.SuperTenantID, Name: key, Permissions: []string{"/permission/admin/login"}}); err != nil {
			t.Errorf("round %d: a transaction after the connections died: %v", round, err)
		}
		if _, err := db.FindRole(ctx, admin.SuperTenantID, key); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
	}
}
