package scheduler

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// world is a tiny simulated cluster: it applies plans the way the applier
// will (stops vanish, placements start as Starting) and lets time pass
// (Starting → Up+Healthy).
type world struct {
	d    Desired
	obs  []Instance
	now  time.Time
	opts Options
	seq  int
}

func (w *world) plan() Plan { return Reconcile(w.d, w.obs, w.now, w.opts) }

// step reconciles, applies the plan and advances the clock by dt.
func (w *world) step(dt time.Duration) Plan {
	p := w.plan()
	w.apply(p)
	w.now = w.now.Add(dt)
	return p
}

func (w *world) apply(p Plan) {
	stopped := make(map[string]bool)
	for _, s := range p.Stop {
		stopped[s.InstanceID] = true
	}
	var out []Instance
	for _, in := range w.obs {
		if stopped[in.ID] {
			continue
		}
		switch in.State {
		case Starting:
			in.State, in.Healthy, in.StartedAt = Up, true, w.now
		case Up:
			in.Healthy, in.UnhealthySince = true, time.Time{}
		}
		out = append(out, in)
	}
	for _, pl := range p.Place {
		w.seq++
		out = append(out, Instance{
			ID: fmt.Sprintf("n%05d", w.seq), App: pl.App, Type: pl.Type, Index: pl.Index,
			Release: pl.Release, Generation: pl.Generation, Host: pl.Host, State: Starting, MemoryMB: pl.MemoryMB,
			StartedAt: w.now, Restarts: pl.Restarts,
		})
	}
	w.obs = out
}

func (w *world) find(id string) *Instance {
	for i := range w.obs {
		if w.obs[i].ID == id {
			return &w.obs[i]
		}
	}
	return nil
}

func hostsN(n, mem int) []Host {
	hs := make([]Host, n)
	for i := range hs {
		hs[i] = Host{ID: fmt.Sprintf("h%d", i+1), Healthy: true, MemoryMB: mem}
	}
	return hs
}

func rel(v int) *ReleaseRef { return &ReleaseRef{ID: fmt.Sprintf("r%d", v), Version: v} }

func web(app string, n int) ProcessSpec {
	return ProcessSpec{App: app, Type: "web", Quantity: n, MemoryMB: 512, Web: true}
}

func worker(app string, n int) ProcessSpec {
	return ProcessSpec{App: app, Type: "worker", Quantity: n, MemoryMB: 512}
}

// converge steps until the plan is empty.
func (w *world) converge(t *testing.T) {
	t.Helper()
	for i := 0; i < 20; i++ {
		if w.step(10 * time.Second).Converged() {
			return
		}
	}
	t.Fatalf("did not converge: %+v", w.plan())
}
