package router

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// inFlight counts the requests each backend is serving, so a dyno about to
// be stopped can be drained first.
type inFlight struct{ m sync.Map } // addr → *atomic.Int64

func (f *inFlight) counter(addr string) *atomic.Int64 {
	if c, ok := f.m.Load(addr); ok {
		return c.(*atomic.Int64)
	}
	c, _ := f.m.LoadOrStore(addr, new(atomic.Int64))
	return c.(*atomic.Int64)
}

// lookupGrace covers requests that looked their route up just before the
// backend left it and have not dialled yet.
const lookupGrace = 100 * time.Millisecond

// Drain waits until no request is in flight to addr (a backend that has
// already been taken out of the routes), or until ctx ends. Requests,
// streams and WebSockets in progress finish on the old backend; its idle
// connections are closed, so none is reused once the app is stopped.
func (rt *Router) Drain(ctx context.Context, addr string) {
	rt.once.Do(rt.init)
	t := time.NewTimer(lookupGrace)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c, ok := rt.inflight.m.Load(addr)
		if !ok || c.(*atomic.Int64).Load() <= 0 {
			rt.inflight.m.Delete(addr)
			rt.pool.drop(addr)
			return
		}
		t.Reset(50 * time.Millisecond)
	}
}
