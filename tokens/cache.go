package tokens

import (
	"context"
	"sync"
	"time"

	"github.com/isadmin/isadmin/admin"
)

// Versions reads the database's change counts; *schema.DB implements it.
type Versions interface {
	Versions(ctx context.Context) (admin.Versions, error)
}

// maxCached bounds each map of the cache; past it, the map starts over.
const maxCached = 100_000

// stamp is the change counts a request read before its other reads: a
// cached value read under the same counts is still what the database
// holds. The zero stamp (counts unknown) never uses the cache.
type stamp struct{ oauth, tokens int64 }

func (s stamp) known() bool { return s != stamp{} }

// cache keeps clients and tokens read from the database, each with the
// stamp read before it. A client is current while the OAuth clients'
// count stands; a token while that and the token states' count stand, so
// a change on any instance sharing the database is seen at once. Tokens
// are cached only as found: one created later is read from the database.
type cache struct {
	mu      sync.RWMutex
	clients map[clientKey]cachedClient
	tokens  map[string]cachedToken // by access hash
	active  map[activeKey]string   // the access hash of a client's active token
}

type clientKey struct {
	tenantID int64
	key      string
}

type cachedClient struct {
	app                            *admin.OAuthApp
	application, user, refreshLife time.Duration
	oauth                          int64
}

type activeKey struct {
	appID                      int64
	authzUser, userType, scope string
}

type cachedToken struct {
	t  admin.Token
	at stamp
}

// stamp reads the change counts; without a source, or when the read
// fails, the zero stamp, so that nothing cached is used.
func (s *Server) stamp(ctx context.Context) stamp {
	if s.Versions == nil {
		return stamp{}
	}
	v, err := s.Versions.Versions(ctx)
	if err != nil {
		return stamp{}
	}
	return stamp{oauth: v.OAuth, tokens: v.Tokens}
}

func (c *cache) client(tenantID int64, key string, at stamp) (cachedClient, bool) {
	if !at.known() {
		return cachedClient{}, false
	}
	c.mu.RLock()
	e, ok := c.clients[clientKey{tenantID, key}]
	c.mu.RUnlock()
	return e, ok && e.oauth == at.oauth
}

func (c *cache) putClient(e cachedClient, at stamp) {
	if !at.known() {
		return
	}
	e.oauth = at.oauth
	c.mu.Lock()
	if c.clients == nil || len(c.clients) >= maxCached {
		c.clients = map[clientKey]cachedClient{}
	}
	c.clients[clientKey{e.app.TenantID, e.app.ConsumerKey}] = e
	c.mu.Unlock()
}

// token returns a copy of the cached token of an access hash.
func (c *cache) token(hash string, at stamp) (*admin.Token, bool) {
	if !at.known() {
		return nil, false
	}
	c.mu.RLock()
	e, ok := c.tokens[hash]
	c.mu.RUnlock()
	if !ok || e.at != at {
		return nil, false
	}
	t := e.t
	return &t, true
}

// activeToken returns a copy of the cached active token of a client, user
// and scope.
func (c *cache) activeToken(k activeKey, at stamp) (*admin.Token, bool) {
	if !at.known() {
		return nil, false
	}
	c.mu.RLock()
	hash, ok := c.active[k]
	c.mu.RUnlock()
	if !ok {
		return nil, false
	}
	return c.token(hash, at)
}

// putToken caches a token read, or created, after at was read.
func (c *cache) putToken(t *admin.Token, at stamp) {
	if !at.known() {
		return
	}
	e := cachedToken{t: *t, at: at}
	c.mu.Lock()
	if c.tokens == nil || len(c.tokens) >= maxCached {
		c.tokens = map[string]cachedToken{}
		c.active = map[activeKey]string{}
	}
	c.tokens[t.AccessHash] = e
	if t.State == admin.TokenActive {
		c.active[activeKey{t.AppID, t.AuthzUser, t.UserType, t.Scope}] = t.AccessHash
	}
	c.mu.Unlock()
}
