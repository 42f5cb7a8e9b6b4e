package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
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

// maxPending bounds the pending sessions kept; the oldest go first.
const maxPending = 100_000

type pendingSession struct {
	p       Principal
	version int64 // the identity version when p was authenticated
	created time.Time
}

type pendingSessions struct {
	mu    sync.Mutex
	byKey map[string]pendingSession
	order []string // keys, oldest first
}

func (ps *pendingSessions) put(key string, s pendingSession) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.byKey == nil {
		ps.byKey = map[string]pendingSession{}
	}
	for len(ps.byKey) >= maxPending && len(ps.order) > 0 {
		delete(ps.byKey, ps.order[0])
		ps.order = ps.order[1:]
	}
	ps.byKey[key] = s
	ps.order = append(ps.order, key)
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
	return strings.ToUpper(hex.EncodeToString(b[:])), nil
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
	versions, err := id.Store.Versions(ctx)
	if err != nil {
		return "", err
	}
	id.pending.put(hashSession(token), pendingSession{p: p, version: versions.Identity, created: id.now()})
	return token, nil
}

// storePending stores the pending session of key, if there is one still
// valid, and reports whether it did.
func (id *Identity) storePending(ctx context.Context, key string) (bool, error) {
	s, ok := id.pending.take(key)
	if !ok {
		return false, nil
	}
	idle := id.SessionIdleTimeout
	if idle <= 0 {
		idle = DefaultSessionIdleTimeout
	}
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
