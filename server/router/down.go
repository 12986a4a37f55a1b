package router

import (
	"sync"
	"sync/atomic"
	"time"
)

// downFor is how long a backend whose dial failed is tried only after the
// others. The scheduler takes a dead dyno out of the routes within a
// fraction of a second; until it does, one request pays for the failed
// dial instead of every request that picks that dyno.
const downFor = 2 * time.Second

// downList remembers backends whose last dial failed, like nginx's
// max_fails=1 fail_timeout. The count lets the common case, nothing down,
// skip the lock.
type downList struct {
	n     atomic.Int32
	mu    sync.Mutex
	until map[string]time.Time // addr → end of its down mark
}

// mark puts addr down until now+downFor.
func (d *downList) mark(addr string, now time.Time) {
	d.mu.Lock()
	if d.until == nil {
		d.until = make(map[string]time.Time)
	}
	if _, ok := d.until[addr]; !ok {
		d.n.Add(1)
	}
	d.until[addr] = now.Add(downFor)
	d.mu.Unlock()
}

// clear lifts addr's mark after a dial to it worked.
func (d *downList) clear(addr string) {
	if d.n.Load() == 0 {
		return
	}
	d.mu.Lock()
	if _, ok := d.until[addr]; ok {
		delete(d.until, addr)
		d.n.Add(-1)
	}
	d.mu.Unlock()
}

// down reports whether addr is marked down at now; an expired mark is
// forgotten.
func (d *downList) down(addr string, now time.Time) bool {
	if d.n.Load() == 0 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	until, ok := d.until[addr]
	if ok && !now.Before(until) {
		delete(d.until, addr)
		d.n.Add(-1)
		return false
	}
	return ok
}
