package scheduler

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

var regions = []string{"eu", "us"}

// genScenario makes random hosts, formations and garbage observed state.
// ample: all hosts healthy with room to spare, and every constraint is
// satisfiable by a non-draining host, so the cluster must converge.
func genScenario(rng *rand.Rand, ample bool) *world {
	w := &world{now: t0, opts: DefaultOptions()}
	nh := 1 + rng.IntN(8)
	for i := 0; i < nh; i++ {
		h := Host{ID: fmt.Sprintf("h%02d", i), Healthy: true, MemoryMB: 512 * (1 + rng.IntN(8)),
			Labels: map[string]string{"region": regions[rng.IntN(2)]}}
		if ample {
			h.MemoryMB = 1 << 20
			h.Draining = i > 0 && rng.IntN(4) == 0
		} else {
			h.Draining = rng.IntN(5) == 0
			if rng.IntN(4) == 0 {
				h.Healthy, h.UnhealthySince = false, t0.Add(-time.Duration(rng.IntN(30))*time.Second)
			}
		}
		w.d.Hosts = append(w.d.Hosts, h)
	}
	w.d.Strategy = Strategy(rng.IntN(2))
	w.d.Release = map[string]*ReleaseRef{}
	napps := 1 + rng.IntN(4)
	for a := 0; a < napps; a++ {
		app := fmt.Sprintf("a%d", a)
		if rng.IntN(7) != 0 {
			w.d.Release[app] = rel(1 + rng.IntN(3))
		}
		for _, typ := range []string{"web", "worker", "clock"} {
			if rng.IntN(3) == 0 {
				continue
			}
			s := ProcessSpec{App: app, Type: typ, Quantity: rng.IntN(5), MemoryMB: 256 << rng.IntN(3), Web: typ == "web"}
			if rng.IntN(3) == 0 {
				region := regions[rng.IntN(2)]
				if ample {
					region = w.d.Hosts[0].Labels["region"] // h00 never drains
				}
				s.Constraints = map[string]string{"region": region}
			}
			w.d.Processes = append(w.d.Processes, s)
		}
	}
	for i, n := 0, rng.IntN(16); i < n; i++ {
		host := "gone"
		if rng.IntN(6) != 0 {
			host = w.d.Hosts[rng.IntN(nh)].ID
		}
		w.obs = append(w.obs, Instance{
			ID: fmt.Sprintf("g%03d", i), App: fmt.Sprintf("a%d", rng.IntN(napps+1)),
			Type: []string{"web", "worker", "clock", "old"}[rng.IntN(4)], Index: rng.IntN(6),
			Release: rng.IntN(4), Host: host, State: InstanceState(rng.IntN(4)), Healthy: rng.IntN(2) == 0,
			MemoryMB: []int{0, 256, 512}[rng.IntN(3)], Restarts: rng.IntN(8),
			ExitedAt: t0.Add(-time.Duration(rng.IntN(90)) * time.Second),
		})
		// Some unhealthy ones had been healthy, some long enough to be
		// replaced.
		if in := &w.obs[len(w.obs)-1]; in.State == Up && !in.Healthy && rng.IntN(2) == 0 {
			in.UnhealthySince = t0.Add(-time.Duration(rng.IntN(60)) * time.Second)
		}
	}
	return w
}

func (w *world) spec(app, typ string) *ProcessSpec {
	if w.d.Release[app] == nil {
		return nil
	}
	for i := range w.d.Processes {
		if s := &w.d.Processes[i]; s.App == app && s.Type == typ {
			return s
		}
	}
	return nil
}

func (w *world) host(id string) *Host {
	for i := range w.d.Hosts {
		if w.d.Hosts[i].ID == id {
			return &w.d.Hosts[i]
		}
	}
	return nil
}

func (w *world) memOf(in Instance) int {
	if in.MemoryMB == 0 {
		if s := w.spec(in.App, in.Type); s != nil {
			return s.MemoryMB
		}
	}
	return in.MemoryMB
}

// checkPlan asserts the per-round properties; it returns a failure or "".
func (w *world) checkPlan(p Plan) string {
	// (e) determinism, also under reordered input.
	obs := append([]Instance(nil), w.obs...)
	for i := len(obs) - 1; i > 0; i-- {
		j := (i * 7) % (i + 1)
		obs[i], obs[j] = obs[j], obs[i]
	}
	hosts := append([]Host(nil), w.d.Hosts...)
	for i, j := 0, len(hosts)-1; i < j; i, j = i+1, j-1 {
		hosts[i], hosts[j] = hosts[j], hosts[i]
	}
	d2 := w.d
	d2.Hosts = hosts
	if q := Reconcile(d2, obs, w.now, w.opts); !reflect.DeepEqual(p, q) {
		return fmt.Sprintf("not deterministic:\n%+v\n%+v", p, q)
	}
	stopped := map[string]bool{}
	for _, s := range p.Stop {
		stopped[s.InstanceID] = true
	}
	// (c) web safety.
	for app, r := range w.d.Release {
		if s := w.spec(app, "web"); r == nil || s == nil || s.Quantity == 0 {
			continue
		}
		healthy, kept := 0, 0
		for _, in := range w.obs {
			h := w.host(in.Host)
			if in.App != app || in.Type != "web" || in.State != Up || !in.Healthy || h == nil ||
				(!h.Healthy && w.now.Sub(h.UnhealthySince) >= w.opts.LostHostGrace) {
				continue
			}
			healthy++
			if !stopped[in.ID] {
				kept++
			}
		}
		if healthy > 0 && kept == 0 {
			return fmt.Sprintf("stopped the last healthy web of %s", app)
		}
	}
	// (d) capacity, and placements only on usable, matching hosts.
	used := map[string]int{}
	for _, in := range w.obs {
		if !stopped[in.ID] && live(&in) {
			used[in.Host] += w.memOf(in)
		}
	}
	for _, pl := range p.Place {
		used[pl.Host] += pl.MemoryMB
		h := w.host(pl.Host)
		if !h.Healthy || h.Draining || !labelsMatch(h.Labels, w.spec(pl.App, pl.Type).Constraints) {
			return fmt.Sprintf("placed on unfit host: %+v", pl)
		}
	}
	for _, pl := range p.Place {
		if u := used[pl.Host]; u > w.host(pl.Host).MemoryMB {
			return fmt.Sprintf("host %s over capacity: %d MB", pl.Host, u)
		}
	}
	return ""
}

// checkConverged: every desired index has exactly one Up instance of the
// current release on a fitting host, and nothing else runs.
func (w *world) checkConverged() string {
	want := 0
	for i, s := range w.d.Processes {
		if w.spec(s.App, s.Type) == &w.d.Processes[i] {
			want += s.Quantity
		}
	}
	seen := map[string]bool{}
	for _, in := range w.obs {
		s := w.spec(in.App, in.Type)
		h := w.host(in.Host)
		key := fmt.Sprintf("%s/%s.%d", in.App, in.Type, in.Index)
		switch {
		case s == nil || in.Index < 1 || in.Index > s.Quantity:
			return "extra instance " + key
		case in.State != Up || in.Release != w.d.Release[in.App].Version:
			return fmt.Sprintf("%s is %v v%d", key, in.State, in.Release)
		case h == nil || h.Draining || !labelsMatch(h.Labels, s.Constraints):
			return key + " on unfit host " + in.Host
		case seen[key]:
			return "duplicate " + key
		}
		seen[key] = true
	}
	if len(seen) != want {
		return fmt.Sprintf("%d instances, want %d", len(seen), want)
	}
	return ""
}

func (w *world) settled() bool {
	for _, in := range w.obs {
		if in.State == Starting || in.State == Up && !in.Healthy {
			return false
		}
	}
	return true
}

func TestPropertyConvergence(t *testing.T) {
	for seed := uint64(0); seed < 500; seed++ {
		w := genScenario(rand.New(rand.NewPCG(seed, 1)), true)
		converged := false
		for round := 0; round < 20 && !converged; round++ {
			p := w.plan()
			if msg := w.checkPlan(p); msg != "" {
				t.Fatalf("seed %d round %d: %s", seed, round, msg)
			}
			if len(p.Pending) > 0 {
				t.Fatalf("seed %d round %d: pending with ample capacity: %+v", seed, round, p.Pending)
			}
			// Quiescent: nothing to do and no instance about to change
			// state (the applier would wake the loop on such a change).
			converged = p.Converged() && w.settled()
			w.apply(p)
			w.now = w.now.Add(10 * time.Second)
		}
		if !converged {
			t.Fatalf("seed %d: no convergence in 20 rounds; plan %+v", seed, w.plan())
		}
		// (b) converged means exactly the desired instances, and it stays so.
		if msg := w.checkConverged(); msg != "" {
			t.Fatalf("seed %d: %s", seed, msg)
		}
		if p := w.step(10 * time.Second); !p.Converged() {
			t.Fatalf("seed %d: converged plan not stable: %+v", seed, p)
		}
	}
}

// TestPropertySafety runs hostile scenarios (tight memory, unhealthy and
// draining hosts, random crashes) and checks the per-round properties.
func TestPropertySafety(t *testing.T) {
	for seed := uint64(0); seed < 500; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		w := genScenario(rng, false)
		for round := 0; round < 20; round++ {
			p := w.plan()
			if msg := w.checkPlan(p); msg != "" {
				t.Fatalf("seed %d round %d: %s", seed, round, msg)
			}
			w.apply(p)
			w.now = w.now.Add(5 * time.Second)
			for i := range w.obs {
				if w.obs[i].State == Up && rng.IntN(10) == 0 {
					w.obs[i].State, w.obs[i].ExitedAt = Crashed, w.now
				}
			}
		}
	}
}
