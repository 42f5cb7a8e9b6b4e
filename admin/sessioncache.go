package admin

import (
	"sync"
	"time"
)

// maxCachedSessions bounds the session cache; past it, it starts over.
const maxCachedSessions = 100_000

// sessionCache keeps sessions read from the database by the hash of their
// cookie, each with the user's permissions and the change counts read
// before it. An entry is used while the identity count (passwords, users,
// roles, permissions, tenants, locks) and the count of ended sessions
// stand, on whichever instance the change was made; and only while its
// last-seen time needs no touch, so that idle expiry and the touches of
// other instances are always decided in the database.
type sessionCache struct {
	mu      sync.RWMutex
	entries map[string]cachedSession
}

type cachedSession struct {
	principal          Principal
	lastSeen           time.Time
	identity, sessions int64
}

func (c *sessionCache) get(key string, v Versions) (cachedSession, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	return e, ok && e.identity == v.Identity && e.sessions == v.Sessions
}

func (c *sessionCache) put(key string, e cachedSession) {
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxCachedSessions {
		c.entries = map[string]cachedSession{}
	}
	c.entries[key] = e
	c.mu.Unlock()
}

func (c *sessionCache) forget(key string) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}
