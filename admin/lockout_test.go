package admin_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
)

// TestLockoutRace: attempts are counted before their password is checked,
// so 127 concurrent wrong guesses, all different, get exactly
// MaxFailedLogins checks, and the right password after them finds the
// account locked.
func TestLockoutRace(t *testing.T) {
	for _, scope := range []admin.LockScope{admin.LockPerUserAndSource, admin.LockPerUser} {
		id, _ := newIdentity(t)
		id.LockScope = scope
		ctx := admin.WithSource(context.Background(), "192.0.2.1")
		checks := admin.CountPasswordChecks(t)
		var wg sync.WaitGroup
		for i := 0; i < 127; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := id.Authenticate(ctx, "admin", fmt.Sprintf("guess-%d", i)); !errors.Is(err, admin.ErrBadCredentials) {
					t.Errorf("a guess: %v", err)
				}
			}()
		}
		wg.Wait()
		if n := checks.Load(); n != admin.DefaultMaxFailedLogins {
			t.Errorf("scope %d: 127 concurrent guesses got %d password checks, want %d", scope, n, admin.DefaultMaxFailedLogins)
		}
		if _, err := id.Authenticate(ctx, "admin", "admin"); !errors.Is(err, admin.ErrBadCredentials) {
			t.Errorf("scope %d: the right password after 127 guesses: %v, want a lock", scope, err)
		}
	}
}

// TestConcurrentRightPasswords: a client that opens many connections at
// once with the right password, before any of them was verified, gets in
// on every one: the same credentials from the same source are checked
// once, so they spend no attempts towards a lock. The same wrong password
// sent many times at once is one failure.
func TestConcurrentRightPasswords(t *testing.T) {
	id, _ := newIdentity(t)
	ctx := admin.WithSource(context.Background(), "192.0.2.7")
	checks := admin.CountPasswordChecks(t)
	const n = 40
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			if _, err := id.Authenticate(ctx, "admin", "admin"); err != nil {
				t.Errorf("the right password, %d at once: %v", n, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if c := checks.Load(); c > 2 {
		t.Errorf("%d concurrent logins with the same credentials cost %d password checks", n, c)
	}
	// The same wrong password many times at once counts once.
	for range n {
		wg.Go(func() {
			if _, err := id.Authenticate(ctx, "admin", "typo"); !errors.Is(err, admin.ErrBadCredentials) {
				t.Errorf("a wrong password: %v", err)
			}
		})
	}
	wg.Wait()
	if _, err := id.Authenticate(admin.WithSource(context.Background(), "192.0.2.7"), "admin", "admin"); err != nil {
		t.Errorf("the right password after one wrong one sent %d times at once: %v", n, err)
	}
}

// TestLockScope: by default a lock holds for the source of the failures
// only, and leaves sessions alone; LockPerUser locks everywhere and ends
// the user's sessions, as Identity Server does.
func TestLockScope(t *testing.T) {
	stranger := admin.WithSource(context.Background(), "203.0.113.9")
	owner := admin.WithSource(context.Background(), "192.0.2.1")
	for _, tc := range []struct {
		scope         admin.LockScope
		ownerLockedTo bool
	}{{admin.LockPerUserAndSource, false}, {admin.LockPerUser, true}} {
		id, _ := newIdentity(t)
		id.LockScope = tc.scope
		p, err := id.Authenticate(owner, "admin", "admin")
		if err != nil {
			t.Fatal(err)
		}
		session, err := id.StartSession(owner, p)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < admin.DefaultMaxFailedLogins; i++ {
			id.Authenticate(stranger, "admin", "guess")
		}
		if _, err := id.Authenticate(stranger, "admin", "admin"); !errors.Is(err, admin.ErrBadCredentials) {
			t.Errorf("scope %d: the stranger's source is not locked: %v", tc.scope, err)
		}
		_, err = id.Authenticate(owner, "admin", "admin")
		if locked := errors.Is(err, admin.ErrBadCredentials); locked != tc.ownerLockedTo {
			t.Errorf("scope %d: the owner's login from elsewhere: %v", tc.scope, err)
		}
		_, err = id.Session(owner, session)
		if ended := errors.Is(err, admin.ErrSessionInvalid); ended != tc.ownerLockedTo {
			t.Errorf("scope %d: the owner's session after the lock: %v", tc.scope, err)
		}
	}
}

// TestFailedLoginsPerSource: a source that spent its failures is refused
// unchecked, even with the right password and for other users, until its
// budget refills; other sources are not affected.
func TestFailedLoginsPerSource(t *testing.T) {
	id, _ := newIdentity(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	id.Now = func() time.Time { return now }
	id.FailedLoginsPerSource = 10
	noisy := admin.WithSource(context.Background(), "203.0.113.9")
	quiet := admin.WithSource(context.Background(), "192.0.2.1")
	for i := 0; i < 10; i++ {
		id.Authenticate(noisy, "nobody"+string(rune('a'+i)), "guess")
	}
	checks := admin.CountPasswordChecks(t)
	if _, err := id.Authenticate(noisy, "admin", "admin"); !errors.Is(err, admin.ErrBadCredentials) {
		t.Errorf("a throttled source logged in: %v", err)
	}
	if n := checks.Load(); n != 0 {
		t.Errorf("a throttled source cost %d password checks", n)
	}
	if _, err := id.Authenticate(quiet, "admin", "admin"); err != nil {
		t.Errorf("another source is throttled too: %v", err)
	}
	now = now.Add(6 * time.Second) // a tenth of a minute: one failure's worth
	if _, err := id.Authenticate(noisy, "admin", "admin"); err != nil {
		t.Errorf("the budget did not refill: %v", err)
	}
}

// TestFailuresCostTheSame: a wrong password, an unknown user and a locked
// account take about as long, with a real hash cost, while the unknown
// user and the locked account cost no hash; failures do not move the
// identity version, so they do not empty every instance's cache of
// verified credentials.
func TestFailuresCostTheSame(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes at a real cost")
	}
	id, db := newIdentity(t)
	id.HashCost = 8
	ctx := admin.WithSource(context.Background(), "192.0.2.1")
	if err := id.AddUser(ctx, "known", "right", nil); err != nil {
		t.Fatal(err)
	}
	if err := id.AddUser(ctx, "locked", "right", nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < admin.DefaultMaxFailedLogins; i++ {
		id.Authenticate(ctx, "locked", "guess")
	}
	versions, err := db.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checks := admin.CountPasswordChecks(t)
	median := func(user string, n int) time.Duration {
		var d []time.Duration
		for i := 0; i < n; i++ {
			start := time.Now()
			if _, err := id.Authenticate(ctx, user, "guess"); !errors.Is(err, admin.ErrBadCredentials) {
				t.Fatalf("%s: %v", user, err)
			}
			d = append(d, time.Since(start))
		}
		slices.Sort(d)
		return d[n/2]
	}
	known := median("known", 3) // 3 < the limit: no lock
	knownChecks := checks.Load()
	unknown := median("nobody", 5)
	locked := median("locked", 5)
	if knownChecks != 3 || checks.Load() != 3 {
		t.Errorf("password checks: %d for the known user, %d for the others, want 3 and 0", knownChecks, checks.Load()-knownChecks)
	}
	for name, d := range map[string]time.Duration{"an unknown user": unknown, "a locked account": locked} {
		if d < known/2 || d > known*2 {
			t.Errorf("%s fails in %v, a wrong password in %v", name, d, known)
		}
	}
	after, err := db.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Identity != versions.Identity {
		t.Errorf("failed logins moved the identity version from %d to %d", versions.Identity, after.Identity)
	}
}

// TestSetPolicy: the login policy changes while the Identity serves:
// before SetPolicy the fields hold, with their defaults for zero; after
// it the new policy does, for the next authentication; changing it while
// authentications run is no data race.
func TestSetPolicy(t *testing.T) {
	id, _ := newIdentity(t)
	id.MaxFailedLogins = 4
	if p := id.Policy(); p.MaxFailedLogins != 4 || p.LockDuration != 0 || p.LockScope != admin.LockPerUserAndSource {
		t.Errorf("policy before SetPolicy: %+v, want the fields", p)
	}
	ctx := admin.WithSource(context.Background(), "192.0.2.9")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			id.SetPolicy(admin.LoginPolicy{MaxFailedLogins: 3 + i%2, FailedLoginsPerSource: 100})
		})
		wg.Go(func() { id.Authenticate(ctx, "admin", "admin") })
	}
	wg.Wait()
	id.SetPolicy(admin.LoginPolicy{MaxFailedLogins: 2})
	if p := id.Policy(); p.MaxFailedLogins != 2 || p.SessionIdleTimeout != 0 {
		t.Errorf("policy after SetPolicy: %+v", p)
	}
	for range 2 {
		if _, err := id.Authenticate(ctx, "admin", "wrong"); !errors.Is(err, admin.ErrBadCredentials) {
			t.Fatalf("a wrong password: %v", err)
		}
	}
	if _, err := id.Authenticate(ctx, "admin", "admin"); !errors.Is(err, admin.ErrBadCredentials) {
		t.Errorf("the right password after 2 failures with max-failed-logins 2: %v, want a lock", err)
	}
	// The zero policy is the defaults: another source has its own count
	// of DefaultMaxFailedLogins.
	id.SetPolicy(admin.LoginPolicy{})
	other := admin.WithSource(context.Background(), "192.0.2.10")
	for range admin.DefaultMaxFailedLogins - 1 {
		id.Authenticate(other, "admin", "wrong")
	}
	if _, err := id.Authenticate(other, "admin", "admin"); err != nil {
		t.Errorf("the right password after %d failures with the default policy: %v", admin.DefaultMaxFailedLogins-1, err)
	}
}
