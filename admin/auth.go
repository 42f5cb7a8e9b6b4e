package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/singleflight"
)

// Errors of authentication and authorization.
var (
	// ErrAccessDenied means the caller lacks the operation's permission.
	ErrAccessDenied = errors.New("admin: access denied")
	// ErrSessionInvalid means the session cookie names no live session.
	ErrSessionInvalid = errors.New("admin: session invalid")
)

// AdminRole is the role that holds every permission, as in Identity Server.
const AdminRole = "admin"

// RootPermission covers every permission path.
const RootPermission = "/permission"

// Identity authenticates and authorizes users of every tenant, keeps login
// sessions and locks accounts after repeated failures, as Identity Server's
// account-lock handler does.
type Identity struct {
	Store IdentityStore
	Now   func() time.Time
	// MaxFailedLogins consecutive failures lock a user for LockDuration,
	// for the source they came from or, as in Identity Server, everywhere.
	// These five fields are the login policy until SetPolicy replaces
	// them; they must not change once the Identity is in use.
	MaxFailedLogins int
	LockDuration    time.Duration
	LockScope       LockScope
	// FailedLoginsPerSource limits the failed logins a source address
	// may make per minute before its password checks are refused; 0
	// means no limit.
	FailedLoginsPerSource int
	// SessionIdleTimeout ends sessions without activity.
	SessionIdleTimeout time.Duration
	// HashCost is the bcrypt cost of new password hashes.
	HashCost int
	// Prehashed, when set, is a hash begun before the Identity existed
	// (a server starting on a new database hashes the admin password
	// while it creates the database); HashPassword takes it for its
	// password and cost instead of hashing again.
	Prehashed *Prehash
	// OnEvent, when set, hears of refused authentications and of the
	// locks they start (for metrics); it must not block.
	OnEvent func(AuthEvent)

	// policy, once SetPolicy is called, is the login policy in place of
	// the fields.
	policy atomic.Pointer[LoginPolicy]

	credentials credentialCache
	// checks makes concurrent checks of the same credentials from the same
	// source one check: a client opening many connections at once would
	// otherwise spend its attempts before the lock on its own password.
	checks    singleflight.Group
	pending   pendingSessions
	sessions  sessionCache
	throttle  sourceThrottle
	timing    checkTiming
	dummyOnce sync.Once
	dummy     []byte
}

// Defaults of Identity.
const (
	DefaultMaxFailedLogins    = 5
	DefaultLockDuration       = 15 * time.Minute
	DefaultSessionIdleTimeout = 15 * time.Minute
	// DefaultFailedLoginsPerSource is generous to test suites that try
	// wrong passwords on purpose, and slows guessing to a crawl.
	DefaultFailedLoginsPerSource = 30
)

// LoginPolicy is what Identity's account locks, source throttle and
// session expiry follow; its fields are those of Identity, with the same
// defaults for zero values.
type LoginPolicy struct {
	MaxFailedLogins       int
	LockDuration          time.Duration
	LockScope             LockScope
	FailedLoginsPerSource int
	SessionIdleTimeout    time.Duration
}

// SetPolicy replaces the login policy while the Identity serves (a
// configuration reload): each authentication and session check follows
// one policy, the one in place when it starts. The fields of Identity are
// left as they are and no longer read. The failures counted so far carry
// over: under a lower MaxFailedLogins an account that has that many
// already is locked at its next attempt; a higher one gives an account
// locked under the old the attempts in between.
func (id *Identity) SetPolicy(p LoginPolicy) { id.policy.Store(&p) }

// Policy returns the login policy in place: the last SetPolicy's, or the
// fields' before any.
func (id *Identity) Policy() LoginPolicy {
	if p := id.policy.Load(); p != nil {
		return *p
	}
	return LoginPolicy{MaxFailedLogins: id.MaxFailedLogins, LockDuration: id.LockDuration, LockScope: id.LockScope,
		FailedLoginsPerSource: id.FailedLoginsPerSource, SessionIdleTimeout: id.SessionIdleTimeout}
}

// idleTimeout is the session idle timeout in place, its default for zero.
func (id *Identity) idleTimeout() time.Duration {
	if idle := id.Policy().SessionIdleTimeout; idle > 0 {
		return idle
	}
	return DefaultSessionIdleTimeout
}

func (id *Identity) now() time.Time {
	if id.Now != nil {
		return id.Now()
	}
	return time.Now()
}

// SplitUsername splits "user@tenant.example" into user name and tenant
// domain; a name without a tenant belongs to the super tenant. The last "@"
// separates, so e-mail style user names keep theirs.
func SplitUsername(qualified string) (user, domain string) {
	user, domain, ok := cutLast(qualified, "@")
	if !ok || domain == "" || !strings.Contains(domain, ".") {
		return qualified, SuperTenantDomain
	}
	return user, domain
}

// HashPassword returns a bcrypt hash of the password.
func (id *Identity) HashPassword(password string) (string, error) {
	if h, ok := id.Prehashed.take(password, id.HashCost); ok {
		return h.hash, h.err
	}
	return hashPassword(password, id.HashCost)
}

func hashPassword(password string, cost int) (string, error) {
	if len(password) > 72 {
		return "", Errorf("user.password-too-long", "A password may have at most 72 bytes.")
	}
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("admin: hashing a password: %w", err)
	}
	return string(h), nil
}

// A Prehash is a password hash made in the background, for an Identity's
// Prehashed.
type Prehash struct {
	password string
	cost     int
	done     chan struct{}
	hash     string
	err      error
	taken    atomic.Bool
}

// StartHash begins hashing password at cost (bcrypt's default when 0).
func StartHash(password string, cost int) *Prehash {
	p := &Prehash{password: password, cost: cost, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.hash, p.err = hashPassword(password, cost)
	}()
	return p
}

// take waits for the hash when it is of password at cost and not taken
// before: a bcrypt hash has a salt of its own, given to one user only.
func (p *Prehash) take(password string, cost int) (*Prehash, bool) {
	if p == nil || p.cost != cost || subtle.ConstantTimeCompare([]byte(p.password), []byte(password)) != 1 || !p.taken.CompareAndSwap(false, true) {
		return nil, false
	}
	<-p.done
	return p, true
}

// Authenticate checks a qualified user name and password. A wrong password,
// an unknown user or tenant, a locked account and a throttled source are
// all ErrBadCredentials, and all cost the same time, so callers learn
// nothing about which.
//
// Every password check is first counted, in one statement shared by all
// instances, so that no more than MaxFailedLogins checks run before the
// lock whatever the concurrency. The count and lock are per user and
// source address unless LockScope is LockPerUser (Identity Server's way).
//
// A password hash costs milliseconds by design, so credentials that passed
// once are remembered as a keyed hash, with the password hash they matched,
// the principal and its permissions, and the database's identity version
// at the time. While that version stands, the same credentials from the
// same source cost one read of it; a password change, the start of a lock,
// a deletion or a change of roles or permissions, on any instance, moves
// the version and takes effect at once.
func (id *Identity) Authenticate(ctx context.Context, qualified, password string) (Principal, error) {
	start := time.Now()
	name, domain := SplitUsername(qualified)
	now := id.now()
	address := SourceFrom(ctx)
	source := address
	policy := id.Policy()
	if policy.LockScope == LockPerUser {
		source = ""
	}
	sourceMAC := id.credentials.mac(domain, name, password, source)
	// Nothing about who may do what changed since these credentials were
	// verified from this source: one read of a counter answers.
	versions, err := id.Store.Versions(ctx)
	if err != nil {
		return Principal{}, err
	}
	version := versions.Identity
	if p, ok := id.credentials.current(sourceMAC, version, now); ok && !id.credentials.failedSince(domain, name, source) {
		p.oauthVersion, p.identityVersion = versions.OAuth, version
		return p, nil
	}
	a := &loginAttempt{start: start, now: now, name: name, domain: domain, password: password,
		address: address, source: source, sourceMAC: sourceMAC, versions: versions, policy: policy}
	p, err, _ := id.checks.Do(string(sourceMAC[:]), func() (any, error) { return id.check(ctx, a) })
	if err != nil {
		return Principal{}, err
	}
	return p.(Principal), nil
}

// loginAttempt is what Authenticate knows of a login before its check.
type loginAttempt struct {
	start, now                              time.Time
	name, domain, password, address, source string
	sourceMAC                               [sha256.Size]byte
	versions                                Versions
	policy                                  LoginPolicy
}

// check is Authenticate's password check: counted, throttled and padded
// to the same time on failure.
func (id *Identity) check(ctx context.Context, a *loginAttempt) (Principal, error) {
	start, now, name, domain, password, address, source := a.start, a.now, a.name, a.domain, a.password, a.address, a.source
	versions, version := a.versions, a.versions.Identity
	who := failureKey(domain, name, source)
	passwordMAC := id.credentials.mac(domain, name, password)
	policy := a.policy
	if !id.throttle.allow(address, now, policy.FailedLoginsPerSource) {
		return Principal{}, id.refuse(ctx, start)
	}
	c, err := id.Store.FindCredentials(ctx, domain, name)
	if errors.Is(err, ErrNotFound) || err == nil && !c.Tenant.Active {
		id.throttle.failed(address, now, policy.FailedLoginsPerSource)
		return Principal{}, id.refuse(ctx, start)
	}
	if err != nil {
		return Principal{}, err
	}
	max, lock := policy.lock()
	attempt, err := id.Store.ReserveLoginAttempt(ctx, c.Tenant.ID, name, source, max, now, now.Add(lock))
	if err != nil {
		return Principal{}, err
	}
	if attempt > max {
		id.throttle.failed(address, now, policy.FailedLoginsPerSource)
		return Principal{}, id.refuse(ctx, start)
	}
	u := &c.User
	if !id.credentials.verified(passwordMAC, u.PasswordHash, now) {
		err := compareHashAndPassword([]byte(u.PasswordHash), []byte(password))
		id.timing.observe(time.Since(start))
		if err != nil {
			id.credentials.markFailed(who)
			id.throttle.failed(address, now, policy.FailedLoginsPerSource)
			if attempt == max {
				id.event(LockStarted)
			}
			if attempt == max && policy.LockScope == LockPerUser {
				// A locked account keeps no sessions, as in Identity
				// Server; a lock of one source leaves the others'.
				if err := id.Store.DeleteSessions(ctx, c.Tenant.ID, name); err != nil {
					return Principal{}, err
				}
			}
			return Principal{}, id.refuse(ctx, start)
		}
	}
	if err := id.Store.ClearLoginAttempts(ctx, c.Tenant.ID, name, source); err != nil {
		return Principal{}, err
	}
	id.credentials.clearFailed(who)
	p := Principal{TenantID: c.Tenant.ID, TenantDomain: c.Tenant.Domain, Username: u.Name, permissions: c.Permissions}
	id.credentials.remember(passwordMAC, u.PasswordHash, Principal{}, -1, now)
	id.credentials.remember(a.sourceMAC, u.PasswordHash, p, version, now)
	p.oauthVersion, p.identityVersion = versions.OAuth, version
	return p, nil
}

// lock returns the attempts allowed before a lock and its duration.
func (p LoginPolicy) lock() (int, time.Duration) {
	max, lock := p.MaxFailedLogins, p.LockDuration
	if max <= 0 {
		max = DefaultMaxFailedLogins
	}
	if lock <= 0 {
		lock = DefaultLockDuration
	}
	return max, lock
}

// refuse answers a failed authentication no sooner than a password check
// would have, without spending one: a refusal that is quicker tells an
// unknown or locked user from a known one, and a hash spent on it lends
// the caller the server's processors.
// AuthEvent is what OnEvent hears of.
type AuthEvent int

const (
	// AuthRefused is a refused authentication, whatever the reason.
	AuthRefused AuthEvent = iota
	// LockStarted is the failure that starts a lock.
	LockStarted
)

func (id *Identity) event(e AuthEvent) {
	if id.OnEvent != nil {
		id.OnEvent(e)
	}
}

func (id *Identity) refuse(ctx context.Context, start time.Time) error {
	id.event(AuthRefused)
	if wait := id.timing.current(id.dummyHash) - time.Since(start); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	return ErrBadCredentials
}

// checkPassword compares a password with its hash, noting the time it
// took.
func (id *Identity) checkPassword(hash, password string) error {
	start := time.Now()
	err := compareHashAndPassword([]byte(hash), []byte(password))
	id.timing.observe(time.Since(start))
	return err
}

// compareHashAndPassword checks a password against its hash; tests count
// its calls.
var compareHashAndPassword = bcrypt.CompareHashAndPassword

// dummyHash is a hash of the configured cost, compared against once to
// learn what a password check costs before any real one ran.
func (id *Identity) dummyHash() []byte {
	id.dummyOnce.Do(func() {
		h, err := id.HashPassword("isadmin")
		if err != nil {
			panic(err)
		}
		id.dummy = []byte(h)
	})
	return id.dummy
}

// Authorize reports ErrAccessDenied unless the principal holds one of the
// permissions (any of them suffices). A granted path covers its children:
// /permission/admin/manage covers /permission/admin/manage/identity/....
func (id *Identity) Authorize(ctx context.Context, p Principal, anyOf []string) error {
	if len(anyOf) == 0 {
		return nil
	}
	granted := p.permissions
	if granted == nil {
		var err error
		if granted, err = id.Store.UserPermissions(ctx, p.TenantID, p.Username); err != nil {
			return err
		}
	}
	for _, need := range anyOf {
		for _, g := range granted {
			g = strings.TrimSuffix(g, "/")
			if need == g || strings.HasPrefix(need, g+"/") {
				return nil
			}
		}
	}
	return ErrAccessDenied
}

// hashSession is the stored id of a session cookie value.
func hashSession(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// StartSession opens a session for p and returns its cookie value.
func (id *Identity) StartSession(ctx context.Context, p Principal) (string, error) {
	token, err := newSessionToken()
	if err != nil {
		return "", err
	}
	now := id.now()
	err = id.Store.CreateSession(ctx, &Session{ID: hashSession(token), TenantID: p.TenantID, Username: p.Username, CreatedAt: now, LastSeen: now})
	if err != nil {
		return "", err
	}
	return token, nil
}

// StartRememberMe records a remember-me login for p that lives maxAge
// whatever the idle timeout, and returns its cookie value in Identity
// Server's shape: "<user>-<uuid>". The value is no session: it is kept
// under a key of its own kind, so it opens a session through
// LoginWithRememberMeCookie only, never as a JSESSIONID.
func (id *Identity) StartRememberMe(ctx context.Context, p Principal, maxAge time.Duration) (string, error) {
	value := p.Username + "-" + NewUUID()
	now := id.now()
	err := id.Store.CreateSession(ctx, &Session{ID: rememberMeKey(value), TenantID: p.TenantID, Username: p.Username,
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(maxAge)})
	if err != nil {
		return "", err
	}
	return value, nil
}

// rememberMeKey is the stored key of a remember-me value: a hash apart
// from session ids'.
func rememberMeKey(value string) string { return hashSession("remember-me\x00" + value) }

// RememberMe returns the principal of a live remember-me login.
func (id *Identity) RememberMe(ctx context.Context, value string) (Principal, error) {
	if value == "" {
		return Principal{}, ErrSessionInvalid
	}
	s, err := id.Store.FindSession(ctx, rememberMeKey(value))
	if errors.Is(err, ErrNotFound) {
		return Principal{}, ErrSessionInvalid
	}
	if err != nil {
		return Principal{}, err
	}
	if s.ExpiresAt.IsZero() || !id.now().Before(s.ExpiresAt) {
		return Principal{}, ErrSessionInvalid
	}
	tenant, err := id.Store.FindTenantByID(ctx, s.TenantID)
	if errors.Is(err, ErrNotFound) || err == nil && !tenant.Active {
		return Principal{}, ErrSessionInvalid
	}
	if err != nil {
		return Principal{}, err
	}
	return Principal{TenantID: s.TenantID, TenantDomain: tenant.Domain, Username: s.Username}, nil
}

// NewUUID returns a random (version 4) UUID.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// sessionTouchInterval limits writes: a session's last use is recorded at
// most this often, and at most every thirtieth of the idle timeout, so
// that a session ends within 3% of its idle timeout after its real last
// use (never later: an unrecorded use only makes it end earlier).
const sessionTouchInterval = 30 * time.Second

// Session returns the principal of a live session and records its use;
// an unknown, expired or orphaned session is ErrSessionInvalid.
func (id *Identity) Session(ctx context.Context, token string) (Principal, error) {
	if token == "" {
		return Principal{}, ErrSessionInvalid
	}
	key := hashSession(token)
	idle := id.idleTimeout()
	touchEvery := min(sessionTouchInterval, idle/30)
	// The change counts are read before anything else: what is read after
	// them is current while they stand.
	versions, verr := id.Store.Versions(ctx)
	if verr == nil {
		if e, ok := id.sessions.get(key, versions); ok && id.now().Sub(e.lastSeen) < touchEvery {
			p := e.principal
			p.SessionID, p.oauthVersion, p.identityVersion = token, versions.OAuth, versions.Identity
			return p, nil
		}
	}
	s, err := id.Store.FindSession(ctx, key)
	if errors.Is(err, ErrNotFound) {
		stored, perr := id.storePending(ctx, token, key)
		if perr != nil {
			return Principal{}, perr
		}
		if !stored {
			return Principal{}, ErrSessionInvalid
		}
		s, err = id.Store.FindSession(ctx, key)
	}
	if errors.Is(err, ErrNotFound) {
		return Principal{}, ErrSessionInvalid
	}
	if err != nil {
		return Principal{}, err
	}
	now := id.now()
	// A remember-me login is no session (rows of before it had keys of
	// their own).
	expired := now.Sub(s.LastSeen) >= idle || !s.ExpiresAt.IsZero()
	if expired {
		id.sessions.forget(key)
		if err := id.Store.DeleteSession(ctx, key); err != nil {
			return Principal{}, err
		}
		return Principal{}, ErrSessionInvalid
	}
	tenant, err := id.Store.FindTenantByID(ctx, s.TenantID)
	if errors.Is(err, ErrNotFound) || err == nil && !tenant.Active {
		return Principal{}, ErrSessionInvalid
	}
	if err != nil {
		return Principal{}, err
	}
	lastSeen := s.LastSeen
	if now.Sub(s.LastSeen) >= touchEvery {
		if err := id.Store.TouchSession(ctx, key, now); err != nil && !errors.Is(err, ErrNotFound) {
			return Principal{}, err
		}
		lastSeen = now
	}
	p := Principal{TenantID: s.TenantID, TenantDomain: tenant.Domain, Username: s.Username}
	if verr == nil {
		// The permissions go with the cached session, as with remembered
		// credentials, valid while the identity count stands.
		if p.permissions, err = id.Store.UserPermissions(ctx, s.TenantID, s.Username); err != nil {
			return Principal{}, err
		}
		if p.permissions == nil {
			p.permissions = []string{}
		}
		id.sessions.put(key, cachedSession{principal: p, lastSeen: lastSeen, identity: versions.Identity, sessions: versions.Sessions})
		p.oauthVersion, p.identityVersion = versions.OAuth, versions.Identity
	}
	p.SessionID = token
	return p, nil
}

// EndSession ends the session with the cookie value, and the user's
// remember-me logins with it: logging out must not leave a way back in.
func (id *Identity) EndSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	id.pending.take(token)
	key := hashSession(token)
	s, err := id.Store.FindSession(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := id.Store.DeleteRememberMe(ctx, s.TenantID, s.Username); err != nil {
		return err
	}
	return id.Store.DeleteSession(ctx, key)
}

// AdminPassword is what EnsureAdmin did with the password it was given.
type AdminPassword int

const (
	// AdminPasswordSame: the admin's password is the one given.
	AdminPasswordSame AdminPassword = iota
	// AdminPasswordSet: the admin was made, with the password given.
	AdminPasswordSet
	// AdminPasswordKept: the admin keeps its own password, which differs
	// from the one given.
	AdminPasswordKept
	// AdminPasswordReset: the admin's own password was replaced by the
	// one given.
	AdminPasswordReset
)

// EnsureAdmin makes sure the tenant has the admin role with every permission
// and the named user in it. A new admin gets the given password; an
// existing one keeps its own unless reset; the result says which happened.
func (id *Identity) EnsureAdmin(ctx context.Context, tenantID int64, user, password string, reset bool) (AdminPassword, error) {
	if _, err := id.Store.FindRole(ctx, tenantID, AdminRole); errors.Is(err, ErrNotFound) {
		if err := id.Store.CreateRole(ctx, &Role{TenantID: tenantID, Name: AdminRole, Permissions: []string{RootPermission}}); err != nil && !errors.Is(err, ErrDuplicateName) {
			return 0, err
		}
	} else if err != nil {
		return 0, err
	}
	// One password hash at most: a start with an unchanged password only
	// compares. The credentials are then remembered, so the first request
	// costs no hash either.
	u, err := id.Store.FindUser(ctx, tenantID, user)
	var hash string
	outcome := AdminPasswordSame
	switch {
	case errors.Is(err, ErrNotFound):
		if hash, err = id.HashPassword(password); err != nil {
			return 0, err
		}
		if err := id.Store.CreateUser(ctx, &User{TenantID: tenantID, Name: user, PasswordHash: hash}); err != nil && !errors.Is(err, ErrDuplicateName) {
			return 0, err
		}
		outcome = AdminPasswordSet
	case err != nil:
		return 0, err
	case id.checkPassword(u.PasswordHash, password) == nil:
		hash = u.PasswordHash
	case !reset:
		outcome = AdminPasswordKept
	default:
		if hash, err = id.HashPassword(password); err != nil {
			return 0, err
		}
		if err := id.Store.SetPassword(ctx, tenantID, user, hash); err != nil {
			return 0, err
		}
		outcome = AdminPasswordReset
	}
	if t, err := id.Store.FindTenantByID(ctx, tenantID); err == nil && outcome != AdminPasswordKept {
		// Remembered without a version: the first request reads the
		// credentials once, without a password hash.
		id.credentials.remember(id.credentials.mac(t.Domain, user, password), hash, Principal{}, -1, id.now())
	}
	if err := id.Store.AddUserToRole(ctx, tenantID, user, AdminRole); err != nil && !errors.Is(err, ErrDuplicateName) {
		return outcome, err
	}
	return outcome, nil
}
