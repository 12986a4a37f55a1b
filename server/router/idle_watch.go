package router

import (
	"sync"
	"sync/atomic"
	"time"
)

// idleWatch ends a two-way stream (a WebSocket tunnel) that carries no
// byte in either direction for its window: each direction touches it as
// it relays, and a timer checks, re-arming itself while bytes flow. This
// costs one timer per tunnel instead of a deadline per read.
type idleWatch struct {
	window time.Duration
	last   atomic.Int64 // unix nanoseconds of the last byte either way
	expire func()       // called once, when the window passes in silence
	fired  atomic.Bool

	mu    sync.Mutex
	timer *time.Timer
}

func watchIdle(window time.Duration, expire func()) *idleWatch {
	w := &idleWatch{window: window, expire: expire}
	w.touch()
	w.mu.Lock()
	w.timer = time.AfterFunc(window, w.check)
	w.mu.Unlock()
	return w
}

// touch records a byte relayed.
func (w *idleWatch) touch() { w.last.Store(time.Now().UnixNano()) }

func (w *idleWatch) check() {
	quiet := time.Since(time.Unix(0, w.last.Load()))
	if quiet < w.window {
		w.mu.Lock()
		w.timer.Reset(w.window - quiet)
		w.mu.Unlock()
		return
	}
	w.fired.Store(true)
	w.expire()
}

// stop ends the watch; it reports whether the window had passed.
func (w *idleWatch) stop() (expired bool) {
	w.mu.Lock()
	w.timer.Stop()
	w.mu.Unlock()
	return w.fired.Load()
}
