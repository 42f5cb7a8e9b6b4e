package admin

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"time"
)

// Carbon gives every admin call that comes without a live session a new
// HTTP session before it authenticates the caller (AbstractAuthenticator.
// isAuthenticated calls request.getSession()), and a call authenticated by
// HTTP Basic logs that session in: the JSESSIONID it sets works alone
// afterwards. Storing a session for every Basic call would write the
// database on reads and keep a row for every call of a client that ignores
// cookies, so such a session is kept in memory, pending, and stored when
// its cookie first comes back.

// maxPending bounds the pending sessions kept; the oldest go first. A
// client that sends its cookie back on its next call finds it; one that
// comes back after as many other callers' first calls has to send its
// credentials again, which a client that ignored the cookie does anyway.
const maxPending = 4096

type pendingSession struct {
	p       Principal
	version int64 // the identity version when p was authenticated
	created time.Time
}

// pendingSessions keep the newest maxPending sessions, in a ring.
type pendingSessions struct {
	mu    sync.Mutex
	byKey map[string]pendingSession
	ring  [maxPending]string // keys by age; "" for none
	next  int
}

func (ps *pendingSessions) put(key string, s pendingSession) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.byKey == nil {
		ps.byKey = make(map[string]pendingSession, maxPending)
	}
	if old := ps.ring[ps.next]; old != "" {
		delete(ps.byKey, old)
	}
	ps.ring[ps.next] = key
	ps.next = (ps.next + 1) % maxPending
	ps.byKey[key] = s
}

func (ps *pendingSessions) take(key string) (pendingSession, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	s, ok := ps.byKey[key]
	delete(ps.byKey, key)
	return s, ok
}

// newSessionToken returns a session cookie value in Tomcat's shape: 16
// random bytes in upper-case hexadecimal.
func newSessionToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	const digits = "0123456789ABCDEF"
	var out [32]byte
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&0x0f]
	}
	return string(out[:]), nil
}

// NewSessionToken returns a cookie value for a session nobody logged in,
// as Carbon sets on a call it then refuses.
func NewSessionToken() string {
	t, err := newSessionToken()
	if err != nil {
		panic(err)
	}
	return t
}

// PendingSession returns the cookie value of a session of p, a caller just
// authenticated by credentials sent with the call. It is stored when the
// cookie is first used; until then it costs memory only. Any change of
// users, roles or permissions before that drops it.
func (id *Identity) PendingSession(ctx context.Context, p Principal) (string, error) {
	token, err := newSessionToken()
	if err != nil {
		return "", err
	}
	version := p.identityVersion
	if version == 0 {
		versions, err := id.Store.Versions(ctx)
		if err != nil {
			return "", err
		}
		version = versions.Identity
	}
	id.pending.put(token, pendingSession{p: p, version: version, created: id.now()})
	return token, nil
}

// storePending stores the pending session of the cookie value token under
// key, its hash, if there is one still valid, and reports whether it did.
func (id *Identity) storePending(ctx context.Context, token, key string) (bool, error) {
	s, ok := id.pending.take(token)
	if !ok {
		return false, nil
	}
	idle := id.idleTimeout()
	now := id.now()
	if now.Sub(s.created) >= idle {
		return false, nil
	}
	versions, err := id.Store.Versions(ctx)
	if err != nil {
		return false, err
	}
	if versions.Identity != s.version {
		return false, nil
	}
	err = id.Store.CreateSession(ctx, &Session{ID: key, TenantID: s.p.TenantID, Username: s.p.Username, CreatedAt: s.created, LastSeen: now})
	if err != nil && !errors.Is(err, ErrDuplicateKey) {
		return false, err
	}
	return true, nil
}
