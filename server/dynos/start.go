package dynos

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pier-paas/pier/server/scheduler"
)

// maxParallelStarts bounds container creation: engines slow down badly
// under many concurrent creates.
const maxParallelStarts = 8

// startingPrefix marks the stand-in instances of placements in progress.
const startingPrefix = "starting:"

// starts tracks placements being carried out in the background. Until its
// container exists, each is shown to the reconciler as a Starting
// instance, so it is neither placed twice nor its memory counted as free.
type starts struct {
	mu      sync.Mutex
	byID    map[string]scheduler.Instance
	seq     int
	sem     chan struct{}
	copying map[[2]string]*sync.Mutex // host id, image → one copy at a time
}

func newStarts() *starts {
	return &starts{byID: map[string]scheduler.Instance{}, sem: make(chan struct{}, maxParallelStarts), copying: map[[2]string]*sync.Mutex{}}
}

func (s *starts) add(in scheduler.Instance) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	in.ID = fmt.Sprintf("%s%d", startingPrefix, s.seq)
	s.byID[in.ID] = in
	return in.ID
}

func (s *starts) done(id string) {
	s.mu.Lock()
	delete(s.byID, id)
	s.mu.Unlock()
}

func (s *starts) list() []scheduler.Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]scheduler.Instance, 0, len(s.byID))
	for _, in := range s.byID {
		out = append(out, in)
	}
	return out
}

func (s *starts) copyLock(hostID, image string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{hostID, image}
	if s.copying[k] == nil {
		s.copying[k] = &sync.Mutex{}
	}
	return s.copying[k]
}

// withStarting adds the placements still in progress (listed before the
// observation) to what was observed, unless their container already shows.
func withStarting(observed, inProgress []scheduler.Instance) []scheduler.Instance {
	type key struct {
		app, typ, host  string
		index, rel, gen int
	}
	real := make(map[key]bool, len(observed))
	for _, in := range observed {
		// Only a live container stands for the start: the crashed one it
		// replaces has the same labels.
		if in.State == scheduler.Starting || in.State == scheduler.Up {
			real[key{in.App, in.Type, in.Host, in.Index, in.Release, in.Generation}] = true
		}
	}
	for _, in := range inProgress {
		if !real[key{in.App, in.Type, in.Host, in.Index, in.Release, in.Generation}] {
			observed = append(observed, in)
		}
	}
	return observed
}

func isStarting(id string) bool {
	return len(id) > len(startingPrefix) && id[:len(startingPrefix)] == startingPrefix
}

// startAll launches the plan's placements that are not backing off after a
// failure, and returns how many it launched.
func (l *Loop) startAll(ctx context.Context, w world, place []scheduler.Placement) int {
	engines := make(map[string]Engine, len(l.engines))
	for id, c := range l.engines {
		engines[id] = c.engine
	}
	now := l.Now()
	n := 0
	for _, p := range place {
		a, h := w.apps[p.App], w.hosts[p.Host]
		e := engines[p.Host]
		if a == nil || a.Release == nil || a.Release.Version != p.Release || e == nil {
			continue
		}
		l.mu.Lock()
		f, backingOff := l.failed[slotOf(p)]
		l.mu.Unlock()
		if backingOff && now.Before(f.until) {
			continue
		}
		n++
		id := l.starts.add(scheduler.Instance{App: p.App, Type: p.Type, Index: p.Index, Release: p.Release, Generation: p.Generation,
			Host: p.Host, State: scheduler.Starting, MemoryMB: p.MemoryMB, StartedAt: now, Restarts: p.Restarts})
		spec := l.runSpec(a, h, p, w.size(p.App, p.Type))
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer l.Wake()
			defer l.starts.done(id)
			l.starts.sem <- struct{}{}
			defer func() { <-l.starts.sem }()
			mu := l.starts.copyLock(p.Host, a.Image)
			mu.Lock()
			err := l.ensureImage(ctx, engines, p.Host, a.Image, a.ImageRef)
			mu.Unlock()
			if err == nil {
				_, err = e.Run(ctx, spec)
			}
			l.started(w, p, err)
		}()
	}
	return n
}

// started records a placement's outcome: a failure backs its slot off
// (1 s, 2 s, ... up to a minute), a success clears that.
func (l *Loop) started(w world, p scheduler.Placement, err error) {
	name := Name(p.Type, p.Index)
	a := w.apps[p.App]
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		delete(l.failed, slotOf(p))
		l.Logger.Info("started dyno", "app", a.App.Name, "dyno", name, "release", p.Release, "host", w.hosts[p.Host].Name)
		l.log(p.App, name, "Starting process with command `"+a.Commands[p.Type]+"`")
		return
	}
	f := l.failed[slotOf(p)]
	f.n++
	now := l.Now()
	f.until = now.Add(min(time.Second<<min(f.n-1, 6), time.Minute))
	l.failed[slotOf(p)] = f
	l.Logger.Warn("could not start dyno", "app", a.App.Name, "dyno", name, "host", w.hosts[p.Host].Name,
		"attempt", f.n, "retry_in", f.until.Sub(now).String(), "err", err)
}
