package schema_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
)

// seedListing makes a database where the user admin owns 1,000 clients
// among total, the others owned by 100 other users.
func seedListing(b *testing.B, location string, total int) *schema.DB {
	b.Helper()
	ctx := context.Background()
	db := schematest.Open(b, location)
	stamp := time.Now().UTC().Format(time.RFC3339Nano)
	_, err := schema.SQLDB(db).ExecContext(ctx, `
		WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM c WHERE n < ? - 1)
		INSERT INTO oauth_apps (tenant_id, owner, name, consumer_key, consumer_secret, callback_url, grant_types,
			oauth_version, state, settings, created_at, updated_at)
		SELECT ?, CASE WHEN n < 1000 THEN 'admin' ELSE 'user' || (n % 100) END, 'app' || n, 'key' || n, 'secret' || n,
			'https://cb.example', 'client_credentials', 'OAuth-2.0', 'ACTIVE', '{}', ?, ? FROM c`,
		total, admin.SuperTenantID, stamp, stamp)
	if err != nil {
		b.Fatal(err)
	}
	if schema.IsPostgres(db) {
		if _, err := schema.SQLDB(db).ExecContext(ctx, `ANALYZE oauth_apps`); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// BenchmarkListingScaling lists one owner's 1,000 clients with 1,000 and
// with 1,000,000 clients stored in the tenant, alternating, and reports
// each time and their ratio (target: at most 2). On PostgreSQL when ISADMIN_TEST_DATABASE_URL is set.
//
//	go test -run '^$' -bench ListingScaling -benchtime 200x ./schema/
func BenchmarkListingScaling(b *testing.B) {
	ctx := context.Background()
	location := func() string { return schematest.Location(b, filepath.Join(b.TempDir())) }
	small := seedListing(b, location(), 1000)
	large := seedListing(b, location(), 1000000)
	spent := map[*schema.DB]time.Duration{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, db := range []*schema.DB{small, large} {
			start := time.Now()
			apps, err := db.ListOAuthApps(ctx, admin.SuperTenantID, "admin")
			if err != nil {
				b.Fatal(err)
			}
			if len(apps) != 1000 {
				b.Fatalf("listed %d clients, want 1000", len(apps))
			}
			spent[db] += time.Since(start)
		}
	}
	b.ReportMetric(float64(spent[small].Microseconds())/float64(b.N)/1000, "ms/list-of-1k-stored")
	b.ReportMetric(float64(spent[large].Microseconds())/float64(b.N)/1000, "ms/list-of-1M-stored")
	b.ReportMetric(float64(spent[large])/float64(spent[small]), "ratio")
}
