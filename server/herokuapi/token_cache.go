package herokuapi

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/platform"
)

// tokenCache remembers recently seen tokens so most requests skip one
// database round trip. Revocation must still take effect at once, on every
// server sharing the database: the cache follows the event log and drops a
// token when its revocation commits, and it serves nothing while it is not
// following (before Watch starts, or while the follower reconnects).
type tokenCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	live    bool   // the event follower is caught up
	gen     uint64 // moves on every forget: a lookup that raced one is not cached
	byHash  map[[32]byte]cachedToken
	hashFor map[uuid.UUID][32]byte
}

type cachedToken struct {
	token platform.Token
	until time.Time
}

// maxCachedTokens bounds memory; a full cache is simply emptied.
const maxCachedTokens = 10_000

func newTokenCache(ttl time.Duration, now func() time.Time) *tokenCache {
	return &tokenCache{ttl: ttl, now: now, byHash: map[[32]byte]cachedToken{}, hashFor: map[uuid.UUID][32]byte{}}
}

func (c *tokenCache) get(secret string) (platform.Token, bool) {
	h := sha256.Sum256([]byte(secret))
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byHash[h]
	now := c.now()
	if !ok || !c.live || now.After(e.until) || (e.token.ExpiresAt != nil && !now.Before(*e.token.ExpiresAt)) {
		return platform.Token{}, false
	}
	return e.token, true
}

// generation is read before a database lookup and handed to put.
func (c *tokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches a token found in the database, unless a revocation was
// processed since the lookup began (gen): the lookup may predate it.
func (c *tokenCache) put(t platform.Token, gen uint64) {
	h := sha256.Sum256([]byte(t.Secret))
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen {
		return
	}
	if len(c.byHash) >= maxCachedTokens {
		c.resetLocked()
	}
	c.byHash[h] = cachedToken{token: t, until: c.now().Add(c.ttl)}
	c.hashFor[t.ID] = h
}

// forget drops a token (on revocation).
func (c *tokenCache) forget(id uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if h, ok := c.hashFor[id]; ok {
		delete(c.byHash, h)
		delete(c.hashFor, id)
	}
}

// setLive turns caching on or off; turning it off empties the cache.
func (c *tokenCache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live
	if !live {
		c.resetLocked()
	}
	c.gen++
}

// reset forgets every token, as after a change that may touch any of them.
func (c *tokenCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetLocked()
	c.gen++
}

func (c *tokenCache) resetLocked() {
	clear(c.byHash)
	clear(c.hashFor)
}

// eventFollower is the part of the store the cache needs.
type eventFollower interface {
	LastEventID(ctx context.Context) (int64, error)
	Follow(ctx context.Context, after int64, fn func(platform.Event), live func(bool)) error
}

// watch follows the event log until ctx ends, forgetting revoked tokens.
// User changes also drop everything, since a cached token carries its user.
func (c *tokenCache) watch(ctx context.Context, events eventFollower) error {
	defer c.setLive(false)
	after, err := events.LastEventID(ctx)
	if err != nil {
		return err
	}
	return events.Follow(ctx, after, func(e platform.Event) {
		switch e.Kind {
		case "token.revoke":
			if s, ok := e.Data["token_id"].(string); ok {
				if id, err := uuid.Parse(s); err == nil {
					c.forget(id)
					return
				}
			}
			c.reset()
		case "user.update", "user.destroy":
			c.reset()
		}
	}, c.setLive)
}
