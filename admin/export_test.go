package admin

import (
	"sync/atomic"
	"testing"
)

// CountPasswordChecks counts the password hash checks until the test ends.
// Tests using it must not run in parallel.
func CountPasswordChecks(t testing.TB) *atomic.Int64 {
	var n atomic.Int64
	old := compareHashAndPassword
	compareHashAndPassword = func(hash, password []byte) error {
		n.Add(1)
		return old(hash, password)
	}
	t.Cleanup(func() { compareHashAndPassword = old })
	return &n
}
