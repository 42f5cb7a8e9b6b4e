package admin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"hash"
	"sync"
	"time"
)

// credentialLifetime bounds how long verified credentials are remembered.
const credentialLifetime = 5 * time.Minute

// maxRemembered bounds the cache; past it, the oldest half is dropped.
const maxRemembered = 10000

// credentialCache remembers credentials that passed a password check. An
// entry is keyed by an HMAC of tenant, user and password under a key made
// at start, and holds the password hash the password matched: it proves
// nothing once the user's hash changes. Neither passwords nor anything a
// password can be recovered from cheaply is kept.
type credentialCache struct {
	once    sync.Once
	key     []byte
	macs    sync.Pool // of *macState
	mu      sync.Mutex
	entries map[[sha256.Size]byte]remembered
	// failed holds the users and sources whose last check failed here:
	// their remembered credentials must pass through the slow way once,
	// which clears the count of attempts.
	failed map[string]bool
}

type remembered struct {
	passwordHash string
	principal    Principal
	// version is the identity version the principal was read at; -1 when
	// only the password hash is known.
	version int64
	until   time.Time
}

func (c *credentialCache) init() {
	c.once.Do(func() {
		c.key = make([]byte, 32)
		if _, err := rand.Read(c.key); err != nil {
			panic(err)
		}
		c.entries = map[[sha256.Size]byte]remembered{}
		c.failed = map[string]bool{}
	})
}

// macState is an HMAC keyed with the cache's key and a buffer for its
// input, kept in a pool: keying an HMAC costs more than the MAC of a short
// input, and a reset one keeps its keyed state.
type macState struct {
	h   hash.Hash
	buf []byte
	sum [sha256.Size]byte
}

func (c *credentialCache) mac(parts ...string) [sha256.Size]byte {
	c.init()
	m, _ := c.macs.Get().(*macState)
	if m == nil {
		m = &macState{h: hmac.New(sha256.New, c.key)}
	}
	m.h.Reset()
	m.buf = m.buf[:0]
	for _, s := range parts {
		m.buf = append(m.buf, s...)
		m.buf = append(m.buf, 0)
	}
	m.h.Write(m.buf)
	out := [sha256.Size]byte(m.h.Sum(m.sum[:0]))
	clear(m.buf) // the input holds a password
	if cap(m.buf) <= 4096 {
		c.macs.Put(m)
	}
	return out
}

// verified reports whether the credentials matched passwordHash recently.
func (c *credentialCache) verified(mac [sha256.Size]byte, passwordHash string, now time.Time) bool {
	c.init()
	c.mu.Lock()
	e, ok := c.entries[mac]
	c.mu.Unlock()
	return ok && now.Before(e.until) && subtle.ConstantTimeCompare([]byte(e.passwordHash), []byte(passwordHash)) == 1
}

// current returns the principal of credentials verified at the identity
// version that still stands.
func (c *credentialCache) current(mac [sha256.Size]byte, version int64, now time.Time) (Principal, bool) {
	c.init()
	c.mu.Lock()
	e, ok := c.entries[mac]
	c.mu.Unlock()
	if !ok || e.version != version || version < 0 || !now.Before(e.until) {
		return Principal{}, false
	}
	return e.principal, true
}

// remember records credentials that matched passwordHash, with the
// principal read at the identity version.
func (c *credentialCache) remember(mac [sha256.Size]byte, passwordHash string, p Principal, version int64, now time.Time) {
	c.init()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxRemembered {
		for k, e := range c.entries {
			if !now.Before(e.until) || len(c.entries) > maxRemembered/2 {
				delete(c.entries, k)
			}
		}
	}
	c.entries[mac] = remembered{passwordHash: passwordHash, principal: p, version: version, until: now.Add(credentialLifetime)}
}

// markFailed records that a check of who failed.
func (c *credentialCache) markFailed(who string) {
	c.init()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.failed) >= maxRemembered {
		// Forgetting the marks without the entries would let remembered
		// credentials skip clearing their counts.
		clear(c.failed)
		clear(c.entries)
	}
	c.failed[who] = true
}

// failedSince reports whether a check of the user from the source failed
// since its last success; the key is built only when some check failed.
func (c *credentialCache) failedSince(domain, user, source string) bool {
	c.init()
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.failed) > 0 && c.failed[failureKey(domain, user, source)]
}

// failureKey names a user of a tenant from a source in failed.
func failureKey(domain, user, source string) string {
	return domain + "\x00" + user + "\x00" + source
}

// clearFailed records a success of who.
func (c *credentialCache) clearFailed(who string) {
	c.init()
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.failed, who)
}
