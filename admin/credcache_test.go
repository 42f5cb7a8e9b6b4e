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
	c        Credentials
	failures int
}

func (f *fakeCredentials) FindCredentials(ctx context.Context, domain, name string) (*Credentials, error) {
	if domain != f.c.Tenant.Domain || name != f.c.User.Name {
		return nil, ErrNotFound
	}
	c := f.c
	return &c, nil
}

func (f *fakeCredentials) RecordLoginFailure(ctx context.Context, tenantID int64, name string, max int, lockUntil time.Time) (bool, error) {
	f.failures++
	return false, nil
}

func (f *fakeCredentials) ResetLoginFailures(ctx context.Context, tenantID int64, name string) error {
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
		{"a password change forgets", func() { store.c.User.PasswordHash = hash("new") }, "pw", ErrBadCredentials, 1},
		{"the new password hashes once", nil, "new", nil, 1},
		{"then is remembered", nil, "new", nil, 0},
		{"a lock refuses without hashing", func() { store.c.User.LockedUntil = now.Add(time.Minute) }, "new", ErrBadCredentials, 0},
		{"after the lock it is remembered", func() { now = now.Add(2 * time.Minute) }, "new", nil, 0},
		{"a deactivated tenant refuses", func() { store.c.Tenant.Active = false }, "new", ErrBadCredentials, 1},
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
	if store.failures != 2 {
		t.Errorf("%d failures counted, want 2", store.failures)
	}
}
