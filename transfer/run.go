package transfer

import (
	"context"
	"sync"
)

// Import reads every tenant of src and writes it with sink, tenant by
// tenant, and returns what it did. each, when not nil, hears every
// outcome as it happens (not in order). A tenant the source cannot read
// is a failure of kind KindTenant; the import goes on with the next. The
// error is the context's, or one of the database.
func Import(ctx context.Context, src Source, sink *Sink, p Progress, each func(Result)) (*Summary, error) {
	if p == nil {
		p = NoProgress{}
	}
	sum := &Summary{}
	var mu sync.Mutex
	report := func(r Result) {
		mu.Lock()
		defer mu.Unlock()
		sum.Add(r)
		if each != nil {
			each(r)
		}
	}
	domains, err := src.Tenants(ctx)
	if err != nil {
		return sum, err
	}
	for _, domain := range domains {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		td, err := src.ReadTenant(ctx, domain, p)
		if err != nil {
			if ctx.Err() != nil {
				return sum, ctx.Err()
			}
			report(Result{Tenant: domain, Kind: KindTenant, ID: domain, Outcome: Failed, Reason: "not read: " + err.Error()})
			continue
		}
		for _, r := range td.Failed {
			report(r)
		}
		sum.Warnings = append(sum.Warnings, td.Warnings...)
		if err := sink.WriteTenant(ctx, td, p, report); err != nil {
			return sum, err
		}
	}
	return sum, nil
}
