package router

import (
	"sync"
	"sync/atomic"
)

// roundRobin chooses where each app's requests start: backends in turn, per
// app. The alternative, two random choices with least in-flight requests,
// protects tail latency when request costs vary wildly, but needs counters
// per backend address that must be expired as dynos restart on new ports,
// and costs two map lookups plus two contended atomics per request. An app's
// web dynos run the same release in identical containers, so spreading
// requests evenly is what matters, and round-robin does that exactly with one
// atomic add. Heroku itself routes at random, which is less even.
type roundRobin struct {
	next sync.Map // app name → *atomic.Uint32; one small entry per app ever routed
}

// start returns the index of the first backend to try for app out of n.
func (rr *roundRobin) start(app string, n int) int {
	if n <= 1 {
		return 0
	}
	v, ok := rr.next.Load(app)
	if !ok {
		v, _ = rr.next.LoadOrStore(app, new(atomic.Uint32))
	}
	return int((v.(*atomic.Uint32).Add(1) - 1) % uint32(n))
}
