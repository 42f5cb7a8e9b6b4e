package transfer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/isadmin/isadmin/soap"
	"github.com/isadmin/isadmin/wsdl"
)

// Retry says how calls to a source are tried again.
type Retry struct {
	// Attempts bounds the tries of one call (5 when zero).
	Attempts int
	// Backoff is the wait before the second try (500 ms when zero); each
	// further wait doubles, up to MaxBackoff (10 s when zero), with up to
	// a fifth more or less at random.
	Backoff, MaxBackoff time.Duration
	// GiveUpAfter consecutive calls that failed every try (3 when zero)
	// mean the source has stopped answering: the calls after fail at once.
	GiveUpAfter int
}

func (r Retry) attempts() int {
	if r.Attempts <= 0 {
		return 5
	}
	return r.Attempts
}

func (r Retry) wait(try int) time.Duration {
	base, ceiling := r.Backoff, r.MaxBackoff
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if ceiling <= 0 {
		ceiling = 10 * time.Second
	}
	d := base
	for range try {
		d *= 2
		if d >= ceiling {
			d = ceiling
			break
		}
	}
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10
	return d + jitter
}

// Transient tells whether a failed call may succeed when tried again: the
// network failed, the call timed out, or the server answered without a
// SOAP fault with 429, 502, 503 or 504 (or another 5xx). A fault the
// server answered (a refusal, wrong credentials) is not transient.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var rf *soap.RemoteFault
	if errors.As(err, &rf) {
		if rf.Code != "" {
			return false
		}
		return rf.Status == http.StatusTooManyRequests || rf.Status >= 500
	}
	return true
}

// ErrSourceDown is the failure of every call after the source stopped
// answering.
var ErrSourceDown = errors.New("the source stopped answering")

// breaker counts consecutive calls that failed every try.
type breaker struct {
	mu      sync.Mutex
	failed  int
	lastErr error
}

// retryCaller is a wsdl.Caller that tries transient failures again with
// backoff and gives up on a source that stopped answering.
type retryCaller struct {
	next    wsdl.Caller
	retry   Retry
	breaker *breaker
	// sleep waits, or returns early with the context's error.
	sleep func(ctx context.Context, d time.Duration) error
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *retryCaller) Call(ctx context.Context, service, operation string, req wsdl.Struct) (wsdl.Struct, error) {
	giveUp := c.retry.GiveUpAfter
	if giveUp <= 0 {
		giveUp = 3
	}
	c.breaker.mu.Lock()
	if c.breaker.failed >= giveUp {
		err := c.breaker.lastErr
		c.breaker.mu.Unlock()
		return nil, fmt.Errorf("%w (%d calls failed after %d tries each; the last: %v)", ErrSourceDown, giveUp, c.retry.attempts(), err)
	}
	c.breaker.mu.Unlock()
	sleep := c.sleep
	if sleep == nil {
		sleep = sleepContext
	}
	var err error
	for try := range c.retry.attempts() {
		if try > 0 {
			if serr := sleep(ctx, c.retry.wait(try-1)); serr != nil {
				return nil, err
			}
		}
		var resp wsdl.Struct
		resp, err = c.next.Call(ctx, service, operation, req)
		if err == nil || !Transient(err) || ctx.Err() != nil {
			if err == nil {
				c.breaker.mu.Lock()
				c.breaker.failed = 0
				c.breaker.mu.Unlock()
			}
			return resp, err
		}
	}
	c.breaker.mu.Lock()
	c.breaker.failed++
	c.breaker.lastErr = err
	c.breaker.mu.Unlock()
	return nil, fmt.Errorf("%s: %d tries failed, the last: %w", operation, c.retry.attempts(), err)
}
