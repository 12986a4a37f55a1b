package logs

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// Hub keeps the last lines of each app in memory and fans new lines out to
// followers. Writers never wait for readers: a follower that falls behind
// loses lines, and is told how many.
type Hub struct {
	perApp  int
	apps    sync.Map // app id → *appLog
	dropped atomic.Int64
}

// appLog is one app's backlog and followers.
type appLog struct {
	mu        sync.Mutex
	ring      ring
	followers []*follower
	// gone marks a log taken out of the hub: whoever finds it looks again.
	gone bool
}

// NewHub keeps perApp lines per app (Heroku's logplex keeps 1500).
func NewHub(perApp int) *Hub {
	return &Hub{perApp: max(perApp, 1)}
}

// Add appends l, split into lines, to its app's log and passes it to the
// app's followers. It never blocks on a follower.
func (h *Hub) Add(l Line) {
	var one [1]Line
	lines := split(l, one[:0])
	a := h.lock(l.App)
	defer a.mu.Unlock()
	for _, x := range lines {
		a.ring.push(x, h.perApp)
		for _, f := range a.followers {
			if !f.offer(x) {
				h.dropped.Add(1)
			}
		}
	}
}

// Recent is the last n lines of app that f matches, oldest first.
func (h *Hub) Recent(app string, n int, f Filter) []Line {
	v, ok := h.apps.Load(app)
	if !ok || n <= 0 {
		return nil
	}
	a := v.(*appLog)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ring.recent(n, f)
}

// Follow calls fn, on the caller's goroutine, with each new line of app that
// f matches until ctx ends or the app is forgotten. A follower that falls
// behind gets logplex's L10 line in place of the lines it lost.
func (h *Hub) Follow(ctx context.Context, app string, f Filter, fn func(Line)) {
	_, fol, stop := h.subscribe(app, f, 0)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case l, ok := <-fol.ch:
			if !ok {
				return
			}
			fn(l)
		}
	}
}

// Forget drops app's backlog and ends its followers (the app was
// destroyed). Lines added later start a new log.
func (h *Hub) Forget(app string) {
	v, ok := h.apps.LoadAndDelete(app)
	if !ok {
		return
	}
	a := v.(*appLog)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gone = true
	for _, f := range a.followers {
		close(f.ch)
	}
	a.followers, a.ring = nil, ring{}
}

// Dropped is how many lines followers have lost by falling behind.
func (h *Hub) Dropped() int64 { return h.dropped.Load() }

// subscribe adds a follower of app and returns, atomically with it, the
// last n lines f matches, so a stream has neither gaps nor repeats between
// its backlog and what follows. stop removes the follower.
func (h *Hub) subscribe(app string, f Filter, n int) (backlog []Line, fol *follower, stop func()) {
	fol = newFollower(f)
	a := h.lock(app)
	if n > 0 {
		backlog = a.ring.recent(n, f)
	}
	a.followers = append(a.followers, fol)
	a.mu.Unlock()
	return backlog, fol, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.followers = slices.DeleteFunc(a.followers, func(x *follower) bool { return x == fol })
		// Following an app that never logged must not leave an entry behind.
		if !a.gone && len(a.followers) == 0 && len(a.ring.lines) == 0 {
			a.gone = true
			h.apps.CompareAndDelete(app, a)
		}
	}
}

// lock returns app's log, created if needed, locked.
func (h *Hub) lock(app string) *appLog {
	for {
		v, ok := h.apps.Load(app)
		if !ok {
			v, _ = h.apps.LoadOrStore(app, &appLog{})
		}
		a := v.(*appLog)
		a.mu.Lock()
		if !a.gone {
			return a
		}
		a.mu.Unlock()
		h.apps.CompareAndDelete(app, a)
	}
}
