package transfer

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
)

// Sink writes what a source read into the database. Each client and each
// service provider is written in a transaction of its own, whole or not at
// all; clients first, so that the providers find the clients they link.
type Sink struct {
	DB *schema.DB
	// DryRun decides every outcome and writes nothing.
	DryRun bool
	// NoUpdate leaves items the database has with other values as they
	// are (outcome Kept).
	NoUpdate bool
	// CreateTenant makes a tenant the database lacks; nil: the tenant's
	// items fail. A dry run asks it with dryRun true and must not write.
	CreateTenant func(ctx context.Context, domain string, dryRun bool) error
	// Workers write that many items at once (8 when zero): concurrent
	// writes share their commits.
	Workers int
}

// WriteTenant writes a tenant's clients, then its service providers, and
// hands every outcome to report, in no particular order.
func (s *Sink) WriteTenant(ctx context.Context, td *TenantData, p Progress, report func(Result)) error {
	if p == nil {
		p = NoProgress{}
	}
	fail := func(kind, id, reason string) {
		report(Result{Tenant: td.Domain, Kind: kind, ID: id, Outcome: Failed, Reason: reason})
	}
	failAll := func(reason string) {
		for _, c := range td.Clients {
			fail(KindClient, c.ConsumerKey, reason)
		}
		for _, sp := range td.ServiceProviders {
			fail(KindServiceProvider, sp.Name, reason)
		}
	}
	tenantID, exists, err := s.tenant(ctx, td.Domain)
	if err != nil {
		failAll(err.Error())
		return nil
	}
	oldClients := map[string]*Client{}
	oldApps := map[string]*admin.OAuthApp{}
	oldSPs := map[string]*ServiceProvider{}
	oldIDs := map[string]int64{}
	if exists {
		apps, err := s.DB.ListTenantOAuthApps(ctx, tenantID)
		if err != nil {
			return fmt.Errorf("tenant %s: reading its clients: %w", td.Domain, err)
		}
		for _, app := range apps {
			c, err := clientOfApp(app)
			if err != nil {
				return fmt.Errorf("tenant %s: client %s: %w", td.Domain, app.ConsumerKey, err)
			}
			c.canonical()
			oldClients[app.ConsumerKey], oldApps[app.ConsumerKey] = c, app
		}
		recs, _, err := s.DB.ListServiceProviders(ctx, tenantID, "", 0, 0)
		if err != nil {
			return fmt.Errorf("tenant %s: reading its service providers: %w", td.Domain, err)
		}
		for _, rec := range recs {
			sp, err := serviceProviderOf(rec)
			if err != nil {
				return fmt.Errorf("tenant %s: service provider %s: %w", td.Domain, rec.Name, err)
			}
			if sp.Configuration, err = storedConfiguration(sp.Configuration); err != nil {
				return fmt.Errorf("tenant %s: service provider %s: %w", td.Domain, rec.Name, err)
			}
			oldSPs[rec.Name], oldIDs[rec.Name] = sp, rec.ID
		}
	}

	// The keys the tenant has once its clients are written, and why the
	// others failed.
	var mu sync.Mutex
	available := map[string]bool{}
	for key := range oldClients {
		available[key] = true
	}
	failedKeys := map[string]string{}
	for _, r := range td.Failed {
		if r.Kind == KindClient {
			failedKeys[r.ID] = r.Reason
		}
	}

	p.Start(td.Domain+": writing OAuth clients", len(td.Clients))
	s.each(ctx, len(td.Clients), func(i int) {
		defer p.Add(1)
		src := td.Clients[i]
		r := s.writeClient(ctx, tenantID, td.Domain, src, oldClients[src.ConsumerKey], oldApps[src.ConsumerKey])
		mu.Lock()
		switch r.Outcome {
		case Failed:
			if !available[src.ConsumerKey] {
				failedKeys[src.ConsumerKey] = r.Reason
			}
		default:
			available[src.ConsumerKey] = true
		}
		mu.Unlock()
		report(r)
	})
	p.Done()

	p.Start(td.Domain+": writing service providers", len(td.ServiceProviders))
	s.each(ctx, len(td.ServiceProviders), func(i int) {
		defer p.Add(1)
		src := td.ServiceProviders[i]
		report(s.writeServiceProvider(ctx, tenantID, td.Domain, src, oldSPs[src.Name], oldIDs[src.Name], available, failedKeys))
	})
	p.Done()
	return ctx.Err()
}

// tenant finds the tenant's id, making the tenant when it is missing and
// that is allowed (in a dry run: would be made, exists false).
func (s *Sink) tenant(ctx context.Context, domain string) (id int64, exists bool, err error) {
	t, err := s.DB.FindTenantByDomain(ctx, domain)
	if err == nil {
		return t.ID, true, nil
	}
	if !errors.Is(err, admin.ErrNotFound) {
		return 0, false, fmt.Errorf("reading tenant %s: %w", domain, err)
	}
	if s.CreateTenant == nil {
		return 0, false, fmt.Errorf("tenant %s does not exist in the database (isadmin tenant add %s, or --create-tenants)", domain, domain)
	}
	if err := s.CreateTenant(ctx, domain, s.DryRun); err != nil {
		return 0, false, fmt.Errorf("creating tenant %s: %w", domain, err)
	}
	if s.DryRun {
		return 0, false, nil
	}
	t, err = s.DB.FindTenantByDomain(ctx, domain)
	if err != nil {
		return 0, false, fmt.Errorf("reading tenant %s: %w", domain, err)
	}
	return t.ID, true, nil
}

// each runs fn for 0..n-1 on the sink's workers.
func (s *Sink) each(ctx context.Context, n int, fn func(i int)) {
	workers := s.Workers
	if workers <= 0 {
		workers = 8
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (s *Sink) writeClient(ctx context.Context, tenantID int64, domain string, src, old *Client, oldApp *admin.OAuthApp) Result {
	r := Result{Tenant: domain, Kind: KindClient, ID: src.ConsumerKey}
	failed := func(format string, args ...any) Result {
		r.Outcome, r.Reason = Failed, fmt.Sprintf(format, args...)
		return r
	}
	if err := ctx.Err(); err != nil {
		return failed("not written: %v", err)
	}
	if src.ConsumerSecret == "" && old == nil {
		return failed("the source did not return its consumer secret (a release that keeps client secrets hashed cannot), and the database has no client with this key to keep the secret of: a client is never stored without one")
	}
	m, err := mergeClient(src, old)
	if err != nil {
		return failed("%v", err)
	}
	app, err := m.app(tenantID)
	if err != nil {
		return failed("%v", err)
	}
	if err := admin.CheckClient(app); err != nil {
		return failed("%s", strings.TrimPrefix(err.Error(), "admin: "))
	}
	if old == nil {
		r.Outcome = Created
		if !s.DryRun {
			if err := s.DB.CreateOAuthApp(ctx, app); err != nil {
				return failed("%s", writeError(err, "client"))
			}
		}
		return r
	}
	if r.Changes, err = clientChanges(m, old); err != nil {
		return failed("%v", err)
	}
	switch {
	case len(r.Changes) == 0:
		r.Outcome = Unchanged
	case s.NoUpdate:
		r.Outcome = Kept
	default:
		r.Outcome = Updated
		if !s.DryRun {
			app.ID = oldApp.ID
			if err := s.DB.UpdateOAuthApp(ctx, app); err != nil {
				return failed("%s", writeError(err, "client"))
			}
		}
	}
	return r
}

func (s *Sink) writeServiceProvider(ctx context.Context, tenantID int64, domain string, src, old *ServiceProvider, oldID int64,
	available map[string]bool, failedKeys map[string]string) Result {
	r := Result{Tenant: domain, Kind: KindServiceProvider, ID: src.Name}
	failed := func(format string, args ...any) Result {
		r.Outcome, r.Reason = Failed, fmt.Sprintf(format, args...)
		return r
	}
	if err := ctx.Err(); err != nil {
		return failed("not written: %v", err)
	}
	m, err := mergeServiceProvider(src, old)
	if err != nil {
		return failed("%v", err)
	}
	data, err := admin.CheckApplication(m.Name, m.Description, m.Configuration)
	if err != nil {
		return failed("%s", strings.TrimPrefix(err.Error(), "admin: "))
	}
	_, keys, err := admin.StoredApplication(m.Configuration)
	if err != nil {
		return failed("%v", err)
	}
	for _, key := range keys {
		if !available[key] {
			if reason, ok := failedKeys[key]; ok {
				return failed("it links OAuth client %s, which was not imported: %s", key, reason)
			}
			return failed("it links OAuth client %s, which neither the source nor the database has", key)
		}
	}
	rec := &admin.ServiceProviderRecord{
		TenantID: tenantID, Name: m.Name, UUID: m.UUID, Description: m.Description, Owner: m.Owner,
		Document: data, OAuthKeys: keys,
	}
	if old == nil {
		r.Outcome = Created
		if rec.UUID == "" {
			rec.UUID = newUUID()
		}
	} else {
		if r.Changes, err = serviceProviderChanges(m, old); err != nil {
			return failed("%v", err)
		}
		switch {
		case len(r.Changes) == 0:
			r.Outcome = Unchanged
			return r
		case s.NoUpdate:
			r.Outcome = Kept
			return r
		}
		r.Outcome = Updated
		rec.ID = oldID
	}
	if !s.DryRun {
		if err := s.DB.PutServiceProvider(ctx, rec); err != nil {
			return failed("%s", writeError(err, "service provider"))
		}
	}
	return r
}

// writeError says why the database refused a write.
func writeError(err error, what string) string {
	switch {
	case errors.Is(err, schema.ErrUnknownClient):
		return "it links an OAuth client the database does not have: " + err.Error()
	case errors.Is(err, schema.ErrDuplicateUUID):
		return "another service provider of the database has its resource id (uuid)"
	case errors.Is(err, admin.ErrDuplicateName) && what == "client":
		return "its owner has another OAuth client of that name in the tenant"
	case errors.Is(err, admin.ErrDuplicateName):
		return "the tenant has another service provider of that name"
	case errors.Is(err, admin.ErrDuplicateKey) && what == "client":
		return "the tenant has another OAuth client with that consumer key"
	case errors.Is(err, admin.ErrDuplicateKey):
		return "another service provider of the tenant links one of its OAuth clients"
	case errors.Is(err, admin.ErrNotFound):
		return "it was deleted from the database while importing"
	}
	return "writing it failed: " + err.Error()
}

// newUUID returns a random (version 4) UUID, as applications get on
// create.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
