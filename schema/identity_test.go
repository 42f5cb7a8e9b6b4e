package schema_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
)

func TestTenants(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	super, err := db.FindTenantByDomain(ctx, admin.SuperTenantDomain)
	if err != nil || super.ID != admin.SuperTenantID || !super.Active {
		t.Fatalf("super tenant: %+v %v", super, err)
	}
	for i, domain := range []string{"a.example", "b.example"} {
		tn := &admin.Tenant{Domain: domain, Active: true}
		if err := db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		if tn.ID != int64(i+1) {
			t.Errorf("%s got id %d, want %d: tenant ids count from 1", domain, tn.ID, i+1)
		}
	}
	if err := db.CreateTenant(ctx, &admin.Tenant{Domain: "a.example"}); !errors.Is(err, admin.ErrDuplicateName) {
		t.Errorf("duplicate domain: %v", err)
	}
	if err := db.SetTenantActive(ctx, 1, false); err != nil {
		t.Fatal(err)
	}
	if tn, _ := db.FindTenantByID(ctx, 1); tn.Active {
		t.Error("tenant still active")
	}
	if err := db.SetTenantActive(ctx, 99, false); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("unknown tenant: %v", err)
	}
}

func TestUsersRolesPermissions(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	tid := admin.SuperTenantID
	if err := db.CreateUser(ctx, &admin.User{TenantID: tid, Name: "u", PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, &admin.User{TenantID: tid, Name: "u", PasswordHash: "h"}); !errors.Is(err, admin.ErrDuplicateName) {
		t.Errorf("duplicate user: %v", err)
	}
	if err := db.CreateRole(ctx, &admin.Role{TenantID: tid, Name: "r", Permissions: []string{"/permission/a", "/permission/b"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddUserToRole(ctx, tid, "u", "r"); err != nil {
		t.Fatal(err)
	}
	if err := db.AddUserToRole(ctx, tid, "u", "r"); !errors.Is(err, admin.ErrDuplicateName) {
		t.Errorf("second membership: %v", err)
	}
	if err := db.AddUserToRole(ctx, tid, "u", "nope"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("unknown role: %v", err)
	}
	if err := db.GrantPermission(ctx, tid, "r", "/permission/c"); err != nil {
		t.Fatal(err)
	}
	if err := db.GrantPermission(ctx, tid, "r", "/permission/c"); err != nil {
		t.Errorf("granting twice: %v", err)
	}
	if err := db.RevokePermission(ctx, tid, "r", "/permission/a"); err != nil {
		t.Fatal(err)
	}
	perms, err := db.UserPermissions(ctx, tid, "u")
	if err != nil || !slices.Equal(perms, []string{"/permission/b", "/permission/c"}) {
		t.Errorf("permissions %v %v", perms, err)
	}
	if err := db.RemoveUserFromRole(ctx, tid, "u", "r"); err != nil {
		t.Fatal(err)
	}
	if perms, _ := db.UserPermissions(ctx, tid, "u"); len(perms) != 0 {
		t.Errorf("permissions after removal %v", perms)
	}
}

// TestLoginAttemptsLockAtomically: attempts are counted before their
// check, so 40 concurrent attempts with a limit of 5 get exactly numbers
// 1 to 40, of which 5 may be checked; the 5th starts the lock, and only
// it moves the identity version. Sources count apart; an expired lock
// counts afresh; a new password clears every count.
func TestLoginAttemptsLockAtomically(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	tid := admin.SuperTenantID
	if err := db.CreateUser(ctx, &admin.User{TenantID: tid, Name: "u", PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	until := now.Add(time.Minute)
	version := func() int64 {
		v, err := db.Versions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v.Identity
	}
	before := version()
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int]bool{}
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := db.ReserveLoginAttempt(ctx, tid, "u", "10.0.0.1", 5, now, until)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			seen[n] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	for n := 1; n <= 40; n++ {
		if !seen[n] {
			t.Fatalf("attempt numbers %v: %d missing", seen, n)
		}
	}
	if v := version(); v != before+1 {
		t.Errorf("identity version moved by %d, want 1 (the lock only)", v-before)
	}
	reserve := func(source string, at time.Time) int {
		t.Helper()
		n, err := db.ReserveLoginAttempt(ctx, tid, "u", source, 5, at, at.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := reserve("10.0.0.2", now); n != 1 {
		t.Errorf("another source's first attempt is number %d", n)
	}
	if n := reserve("10.0.0.1", until.Add(-time.Nanosecond)); n <= 5 {
		t.Errorf("an attempt while locked is number %d", n)
	}
	if n := reserve("10.0.0.1", until); n != 1 {
		t.Errorf("the first attempt after the lock is number %d", n)
	}
	if err := db.ClearLoginAttempts(ctx, tid, "u", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if n := reserve("10.0.0.1", now); n != 1 {
		t.Errorf("after a success, attempt number %d", n)
	}
	if n := reserve("10.0.0.2", now); n != 2 {
		t.Errorf("a success from one source cleared another's count: %d", n)
	}
	before = version()
	if err := db.SetPassword(ctx, tid, "u", "h2"); err != nil {
		t.Fatal(err)
	}
	if version() == before {
		t.Error("a new password did not move the identity version")
	}
	for _, source := range []string{"10.0.0.1", "10.0.0.2"} {
		if n := reserve(source, now); n != 1 {
			t.Errorf("a new password left %s's count: attempt %d", source, n)
		}
	}
}

func TestSessions(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &admin.Session{ID: "k1", TenantID: admin.SuperTenantID, Username: "u", CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, s); !errors.Is(err, admin.ErrDuplicateKey) {
		t.Errorf("duplicate session: %v", err)
	}
	got, err := db.FindSession(ctx, "k1")
	if err != nil || !got.ExpiresAt.Equal(s.ExpiresAt) || got.Username != "u" {
		t.Fatalf("%+v %v", got, err)
	}
	if err := db.TouchSession(ctx, "k1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FindSession(ctx, "k1"); !got.LastSeen.Equal(now.Add(time.Minute)) {
		t.Errorf("last seen %v", got.LastSeen)
	}
	if err := db.DeleteSessions(ctx, admin.SuperTenantID, "u"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindSession(ctx, "k1"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("session after DeleteSessions: %v", err)
	}
}
