package herokuapi

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/platform"
)

func TestTokenCacheRules(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newTokenCache(30*time.Second, func() time.Time { return now })
	tok := platform.Token{ID: uuid.New(), Secret: "pier_abc"}

	c.put(tok, c.generation())
	if _, ok := c.get("pier_abc"); ok {
		t.Fatal("cached while not following the event log")
	}
	c.setLive(true)
	c.put(tok, c.generation())
	if got, ok := c.get("pier_abc"); !ok || got.ID != tok.ID {
		t.Fatal("not cached while live")
	}
	if _, ok := c.get("pier_abd"); ok {
		t.Fatal("another secret matched")
	}
	now = now.Add(31 * time.Second)
	if _, ok := c.get("pier_abc"); ok {
		t.Fatal("served past its TTL")
	}
	// A lookup that began before a revocation is not cached after it.
	gen := c.generation()
	c.forget(uuid.New())
	c.put(tok, gen)
	if _, ok := c.get("pier_abc"); ok {
		t.Fatal("a lookup that raced a revocation was cached")
	}
	c.put(tok, c.generation())
	c.forget(tok.ID)
	if _, ok := c.get("pier_abc"); ok {
		t.Fatal("served after forget")
	}
	// Expired tokens are never served, and losing the follower empties it.
	exp := now.Add(time.Second)
	c.put(platform.Token{ID: uuid.New(), Secret: "pier_exp", ExpiresAt: &exp}, c.generation())
	now = now.Add(2 * time.Second)
	if _, ok := c.get("pier_exp"); ok {
		t.Fatal("an expired token was served")
	}
	c.put(tok, c.generation())
	c.setLive(false)
	c.setLive(true)
	if _, ok := c.get("pier_abc"); ok {
		t.Fatal("the cache survived losing the follower")
	}
}
