package admin

import (
	"context"
	"slices"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// LockScope says what repeated failed logins lock.
type LockScope int

const (
	// LockPerUserAndSource locks a user for the source address the
	// failures came from only, so that a stranger's guesses cannot lock
	// the administrator out of every other place.
	LockPerUserAndSource LockScope = iota
	// LockPerUser locks the user everywhere and ends its sessions, as
	// Identity Server's account lock does.
	LockPerUser
)

type requestKey struct{}

// Request is what a server knows of where a request comes from: the
// client's address, which failed logins are counted and throttled by, and
// the id the access log and the X-Request-ID header give it.
type Request struct {
	Source, ID string
}

// WithRequest returns a context carrying r.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// WithSource returns a context carrying the address a request came from.
func WithSource(ctx context.Context, address string) context.Context {
	return WithRequest(ctx, &Request{Source: address})
}

// SourceFrom returns the source address of ctx, or "".
func SourceFrom(ctx context.Context) string {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok {
		return r.Source
	}
	return ""
}

// RequestIDFrom returns the request id of a context, or "".
func RequestIDFrom(ctx context.Context) string {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok {
		return r.ID
	}
	return ""
}

// maxThrottled bounds the sources a throttle tracks.
const maxThrottled = 10000

// sourceThrottle allows each source address a budget of failed logins per
// minute, refilled continuously; a source that spent it is refused
// without a password check until it refills.
type sourceThrottle struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	spent float64
	at    time.Time
}

// refill returns the failures still counted against b at now.
func (b *bucket) refill(now time.Time, perMinute int) float64 {
	b.spent -= now.Sub(b.at).Minutes() * float64(perMinute)
	if b.spent < 0 {
		b.spent = 0
	}
	b.at = now
	return b.spent
}

// allow reports whether the source may try a password; perMinute 0
// means no limit.
func (t *sourceThrottle) allow(address string, now time.Time, perMinute int) bool {
	if perMinute <= 0 || address == "" {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.buckets[address]
	return !ok || b.refill(now, perMinute) <= float64(perMinute)-1
}

// failed counts a failure against the source.
func (t *sourceThrottle) failed(address string, now time.Time, perMinute int) {
	if perMinute <= 0 || address == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.buckets == nil {
		t.buckets = map[string]*bucket{}
	}
	b, ok := t.buckets[address]
	if !ok {
		if len(t.buckets) >= maxThrottled {
			for a, b := range t.buckets {
				if b.refill(now, perMinute) == 0 || len(t.buckets) > maxThrottled/2 {
					delete(t.buckets, a)
				}
			}
		}
		b = &bucket{at: now}
		t.buckets[address] = b
	}
	b.refill(now, perMinute)
	b.spent++
}

// checkTiming follows what a password check typically costs, so that
// refusals without one can take as long: the median of the last checks,
// which follows a change of hash cost within a few checks and ignores the
// odd pause.
type checkTiming struct {
	once sync.Once
	mu   sync.Mutex
	last [16]time.Duration
	n    int
}

// observe records the duration of an authentication that checked a
// password.
func (c *checkTiming) observe(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last[c.n%len(c.last)] = d
	c.n++
}

// typical returns the median of the recorded durations, or 0.
func (c *checkTiming) typical() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := min(c.n, len(c.last))
	if n == 0 {
		return 0
	}
	sorted := make([]time.Duration, n)
	copy(sorted, c.last[:n])
	slices.Sort(sorted)
	return sorted[n/2]
}

// current returns the typical duration, measuring a check of hash once
// when none ran yet.
func (c *checkTiming) current(hash func() []byte) time.Duration {
	if d := c.typical(); d != 0 {
		return d
	}
	c.once.Do(func() {
		h := hash()
		start := time.Now()
		_ = bcrypt.CompareHashAndPassword(h, []byte("not the password"))
		c.observe(time.Since(start))
	})
	return c.typical()
}
