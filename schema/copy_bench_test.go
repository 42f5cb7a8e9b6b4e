package schema_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
)

// seedCopySource makes an SQLite database holding n OAuth clients: one
// made by the store, copied n-1 times in one statement.
func seedCopySource(b *testing.B, n int) string {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "isadmin.db")
	db := schematest.Open(b, path)
	app := &admin.OAuthApp{TenantID: admin.SuperTenantID, Owner: "admin", Name: "c", ConsumerKey: "k", ConsumerSecret: "s",
		CallbackURL: "https://cb.example", GrantTypes: "client_credentials password", OAuthVersion: "OAuth-2.0", State: "ACTIVE"}
	if err := db.CreateOAuthApp(ctx, app); err != nil {
		b.Fatal(err)
	}
	_, err := schema.SQLDB(db).ExecContext(ctx, `
		WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ?)
		INSERT INTO oauth_apps (tenant_id, owner, name, consumer_key, consumer_secret, callback_url, grant_types,
			oauth_version, state, settings, created_at, updated_at)
		SELECT tenant_id, owner, name || n, consumer_key || n, consumer_secret, callback_url, grant_types,
			oauth_version, state, settings, created_at, updated_at FROM oauth_apps, c WHERE id = ?`, n-1, app.ID)
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	return path
}

// BenchmarkCopyScaling copies 10,000 and 20,000 OAuth clients from SQLite
// into PostgreSQL, alternating, and reports the time of each and their
// ratio (target: at most 2.2). It needs PostgreSQL:
//
//	ISADMIN_TEST_DATABASE_URL=postgres://... go test -run '^$' -bench CopyScaling -benchtime 3x ./schema/
func BenchmarkCopyScaling(b *testing.B) {
	base := schematest.PostgresURL()
	if base == "" {
		b.Skipf("skipped: set %s to a PostgreSQL database", schematest.EnvURL)
	}
	ctx := context.Background()
	sizes := []int{10000, 20000}
	sources := map[int]string{}
	for _, n := range sizes {
		sources[n] = seedCopySource(b, n)
	}
	spent := map[int]time.Duration{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, n := range sizes {
			b.StopTimer()
			from, err := schema.Open(ctx, sources[n])
			if err != nil {
				b.Fatal(err)
			}
			to, err := schema.Open(ctx, schematest.NewSchema(b, base))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			if err := schema.Copy(ctx, from, to, nil); err != nil {
				b.Fatal(err)
			}
			spent[n] += time.Since(start)
			b.StopTimer()
			from.Close()
			to.Close()
			b.StartTimer()
		}
	}
	for _, n := range sizes {
		b.ReportMetric(float64(spent[n].Milliseconds())/float64(b.N), fmt.Sprintf("ms/copy-%d", n))
	}
	b.ReportMetric(float64(spent[20000])/float64(spent[10000]), "ratio-20k/10k")
}
