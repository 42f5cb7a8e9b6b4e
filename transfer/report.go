package transfer

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Outcome is what an import did with one item.
type Outcome int

const (
	// Created: the database did not have it and now has it.
	Created Outcome = iota
	// Updated: the database had it with other values and now has the
	// source's.
	Updated
	// Unchanged: the database had it as the source has it.
	Unchanged
	// Kept: the database had it with other values, and kept them
	// (--no-update).
	Kept
	// Failed: nothing was written for it; Reason says why.
	Failed
)

var outcomeNames = [...]string{"created", "updated", "unchanged", "kept", "failed"}

func (o Outcome) String() string { return outcomeNames[o] }

// Kinds of items.
const (
	KindClient          = "client"
	KindServiceProvider = "sp"
	// KindTenant is a failure that concerns a tenant as a whole.
	KindTenant = "tenant"
)

// Result is the outcome for one item.
type Result struct {
	Tenant string
	// Kind is KindClient, KindServiceProvider or KindTenant.
	Kind string
	// ID is a client's consumer key, a provider's name, a tenant's domain.
	ID      string
	Outcome Outcome
	// Changes names the fields an update changed (or would change, or
	// that were kept), by their wire names.
	Changes []string
	// Reason says why an item failed.
	Reason string
}

func (r Result) String() string {
	verb := map[Outcome]string{Created: "create", Updated: "update", Unchanged: "unchanged", Kept: "keep", Failed: "failed"}[r.Outcome]
	s := fmt.Sprintf("%s %s %s (%s)", verb, kindName(r.Kind), r.ID, r.Tenant)
	if len(r.Changes) > 0 {
		s += ": " + strings.Join(r.Changes, ", ")
	}
	if r.Reason != "" {
		s += ": " + r.Reason
	}
	return s
}

func kindName(kind string) string {
	switch kind {
	case KindClient:
		return "client"
	case KindServiceProvider:
		return "service provider"
	}
	return kind
}

// Summary counts the outcomes of an import.
type Summary struct {
	// Counts are by kind, then outcome.
	Counts map[string]*[5]int
	// Failures are every failed item, in the order they failed.
	Failures []Result
	Warnings []string
}

// Add counts a result.
func (s *Summary) Add(r Result) {
	if s.Counts == nil {
		s.Counts = map[string]*[5]int{}
	}
	if s.Counts[r.Kind] == nil {
		s.Counts[r.Kind] = new([5]int)
	}
	s.Counts[r.Kind][r.Outcome]++
	if r.Outcome == Failed {
		s.Failures = append(s.Failures, r)
	}
}

// Count returns how many items of the kind had the outcome.
func (s *Summary) Count(kind string, o Outcome) int {
	if s.Counts == nil || s.Counts[kind] == nil {
		return 0
	}
	return s.Counts[kind][o]
}

// Failed reports whether anything failed.
func (s *Summary) Failed() bool { return len(s.Failures) > 0 }

// Write prints the summary: a line per kind, then every failure with its
// reason, sorted by tenant, kind and id.
func (s *Summary) Write(w io.Writer, dryRun bool) {
	prefix := ""
	if dryRun {
		prefix = "dry run, nothing written: "
	}
	for _, kind := range []string{KindClient, KindServiceProvider} {
		label := "OAuth clients"
		if kind == KindServiceProvider {
			label = "service providers"
		}
		verbs := outcomeNames
		if dryRun {
			verbs = [...]string{"to create", "to update", "unchanged", "kept", "failed"}
		}
		var parts []string
		for o, name := range verbs {
			if Outcome(o) == Kept && s.Count(kind, Kept) == 0 {
				continue
			}
			parts = append(parts, fmt.Sprintf("%d %s", s.Count(kind, Outcome(o)), name))
		}
		fmt.Fprintf(w, "%s%s: %s\n", prefix, label, strings.Join(parts, ", "))
	}
	if n := s.Count(KindTenant, Failed); n > 0 {
		fmt.Fprintf(w, "%stenants not read: %d\n", prefix, n)
	}
	for _, warning := range s.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warning)
	}
	failures := append([]Result(nil), s.Failures...)
	SortResults(failures)
	for _, r := range failures {
		fmt.Fprintln(w, r.String())
	}
}

func kindOrder(kind string) int {
	switch kind {
	case KindTenant:
		return 0
	case KindClient:
		return 1
	}
	return 2
}

// SortResults orders results by tenant, kind (tenants, clients, service
// providers) and id.
func SortResults(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Tenant != b.Tenant {
			return a.Tenant < b.Tenant
		}
		if a.Kind != b.Kind {
			return kindOrder(a.Kind) < kindOrder(b.Kind)
		}
		return a.ID < b.ID
	})
}
