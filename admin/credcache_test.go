package admin

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// fakeCredentials is an IdentityStore holding one user.
type fakeCredentials struct {
	IdentityStore
	c           Credentials
	attempts    map[string]int
	lockedUntil time.Time
	reserved    int
	version     int64
	reads       int
}

func (f *fakeCredentials) Versions(ctx context.Context) (Versions, error) {
	return Versions{Identity: f.version}, nil
}

func (f *fakeCredentials) FindCredentials(ctx context.Context, domain, name string) (*Credentials, error) {
	f.reads++
	if domain != f.c.Tenant.Domain || name != f.c.User.Name {
		return nil, ErrNotFound
	}
	c := f.c
	return &c, nil
}

// ReserveLoginAttempt counts attempts per source and holds a lock while
// lockedUntil is in the future.
func (f *fakeCredentials) ReserveLoginAttempt(ctx context.Context, tenantID int64, name, source string, max int, now, lockUntil time.Time) (int, error) {
	if f.attempts == nil {
		f.attempts = map[string]int{}
	}
	f.reserved++
	if now.Before(f.lockedUntil) {
		return max + 1, nil
	}
	f.attempts[source]++
	return f.attempts[source], nil
}

func (f *fakeCredentials) ClearLoginAttempts(ctx context.Context, tenantID int64, name, source string) error {
	delete(f.attempts, source)
	return nil
}

func TestCredentialCache(t *testing.T) {
	calls := 0
	old := compareHashAndPassword
	compareHashAndPassword = func(hash, pw []byte) error { calls++; return bcrypt.CompareHashAndPassword(hash, pw) }
	defer func() { compareHashAndPassword = old }()

	hash := func(pw string) string {
		h, _ := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		return string(h)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	store := &fakeCredentials{c: Credentials{Tenant: Tenant{ID: 1, Domain: "a.example", Active: true}, User: User{Name: "u", PasswordHash: hash("pw")}}}
	id := &Identity{Store: store, Now: func() time.Time { return now }, HashCost: bcrypt.MinCost}
	ctx := context.Background()
	auth := func(pw string) error {
		_, err := id.Authenticate(ctx, "u@a.example", pw)
		return err
	}
	steps := []struct {
		name      string
		before    func()
		password  string
		wantErr   error
		wantCalls int
	}{
		{"first success hashes", nil, "pw", nil, 1},
		{"second success does not", nil, "pw", nil, 0},
		{"a wrong password always hashes", nil, "nope", ErrBadCredentials, 1},
		{"the right one is still remembered", nil, "pw", nil, 0},
		{"a password change forgets", func() { store.c.User.PasswordHash = hash("new"); store.version++ }, "pw", ErrBadCredentials, 1},
		{"the new password hashes once", nil, "new", nil, 1},
		{"then is remembered", nil, "new", nil, 0},
		{"a lock refuses without hashing", func() { store.lockedUntil = now.Add(time.Minute); store.version++ }, "new", ErrBadCredentials, 0},
		{"after the lock it is remembered", func() { now = now.Add(2 * time.Minute) }, "new", nil, 0},
		{"a deactivated tenant refuses without hashing", func() { store.c.Tenant.Active = false; store.version++ }, "new", ErrBadCredentials, 0},
		{"entries expire", func() { store.c.Tenant.Active = true; now = now.Add(credentialLifetime) }, "new", nil, 1},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		calls = 0
		err := auth(st.password)
		if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
			t.Fatalf("%s: err %v, want %v", st.name, err, st.wantErr)
		}
		if calls != st.wantCalls {
			t.Errorf("%s: %d password hash checks, want %d", st.name, calls, st.wantCalls)
		}
	}
	// Every step but the remembered ones and the deactivated tenant
	// counted an attempt before checking; the failure of "nope" sent the
	// remembered "pw" after it the slow way, to clear the count.
	if store.reserved != 8 || len(store.attempts) != 0 {
		t.Errorf("%d attempts counted (want 8), %v left uncleared", store.reserved, store.attempts)
	}
}

// TestCredentialCacheSkipsReads: while the identity version stands, known
// credentials cost no credentials read; a version change reads again.
func TestCredentialCacheSkipsReads(t *testing.T) {
	h, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	store := &fakeCredentials{c: Credentials{Tenant: Tenant{ID: 1, Domain: "a.example", Active: true}, User: User{Name: "u", PasswordHash: string(h)},
		Permissions: []string{"/permission/a"}}}
	id := &Identity{Store: store, HashCost: bcrypt.MinCost}
	ctx := context.Background()
	for i, want := range []int{1, 0, 0} {
		store.reads = 0
		p, err := id.Authenticate(ctx, "u@a.example", "pw")
		if err != nil || store.reads != want {
			t.Fatalf("call %d: %d reads (want %d), %v", i, store.reads, want, err)
		}
		if err := id.Authorize(ctx, p, []string{"/permission/a/b"}); err != nil {
			t.Fatalf("call %d: the remembered permissions are lost: %v", i, err)
		}
	}
	store.version++
	store.c.Permissions = []string{}
	store.reads = 0
	p, err := id.Authenticate(ctx, "u@a.example", "pw")
	if err != nil || store.reads != 1 {
		t.Fatalf("after a version change: %d reads, %v", store.reads, err)
	}
	if err := id.Authorize(ctx, p, []string{"/permission/a/b"}); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("a revoked permission still counts: %v", err)
	}
}
