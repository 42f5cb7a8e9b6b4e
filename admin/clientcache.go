package admin

import (
	"sync"

	"github.com/isadmin/isadmin/wsdl"
)

// maxCachedClients bounds the client cache; past it, the cache starts over.
const maxCachedClients = 10000

// clientCache keeps OAuth clients read by consumer key, each with the
// OAuth clients' change count (Versions.OAuth) read before it. An entry is
// used only while the count a request read is the same, so a change on
// any instance sharing the database is seen at once; a version of 0 (not
// known) never uses the cache.
type clientCache struct {
	mu      sync.Mutex
	entries map[clientKey]cachedClient
}

type clientKey struct {
	tenantID int64
	key      string
}

type cachedClient struct {
	app     OAuthApp
	version int64
	// dto is the client's wire view, kept once a read asked for it:
	// building it decodes the stored settings.
	dto *wsdl.OAuthConsumerAppDTO
}

// get returns a copy of the cached client, which the caller may change.
func (c *clientCache) get(tenantID int64, key string, version int64) (*OAuthApp, bool) {
	if version == 0 {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.entries[clientKey{tenantID, key}]
	c.mu.Unlock()
	if !ok || e.version != version {
		return nil, false
	}
	app := e.app
	return &app, true
}

// getDTO returns a copy of the cached wire view of a client. The copy
// shares its field values with the cache: callers may set its fields but
// must not write through them.
func (c *clientCache) getDTO(tenantID int64, key string, version int64) (*wsdl.OAuthConsumerAppDTO, bool) {
	if version == 0 {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.entries[clientKey{tenantID, key}]
	c.mu.Unlock()
	if !ok || e.version != version || e.dto == nil {
		return nil, false
	}
	dto := *e.dto
	return &dto, true
}

// putDTO keeps the wire view of a cached client read at that version.
func (c *clientCache) putDTO(tenantID int64, key string, version int64, dto *wsdl.OAuthConsumerAppDTO) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := clientKey{tenantID, key}
	if e, ok := c.entries[k]; ok && e.version == version && version != 0 {
		kept := *dto
		e.dto = &kept
		c.entries[k] = e
	}
}

func (c *clientCache) put(app *OAuthApp, version int64) {
	if version == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedClients {
		c.entries = map[clientKey]cachedClient{}
	}
	c.entries[clientKey{app.TenantID, app.ConsumerKey}] = cachedClient{app: *app, version: version}
}

// forget drops a client a request is about to change.
func (c *clientCache) forget(tenantID int64, key string) {
	c.mu.Lock()
	delete(c.entries, clientKey{tenantID, key})
	c.mu.Unlock()
}
