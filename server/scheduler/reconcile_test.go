package scheduler

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFirstDeploySpreads(t *testing.T) {
	d := Desired{
		Release:   map[string]*ReleaseRef{"shop": rel(1)},
		Processes: []ProcessSpec{web("shop", 2), worker("shop", 1)},
		Hosts:     hostsN(3, 4096),
	}
	p := Reconcile(d, nil, t0, DefaultOptions())
	want := []string{"web.1@h1", "web.2@h2", "worker.1@h3"}
	if len(p.Place) != 3 || len(p.Stop) != 0 || len(p.Pending) != 0 {
		t.Fatalf("plan = %+v", p)
	}
	for i, pl := range p.Place {
		got := pl.Type + "." + itoa(pl.Index) + "@" + pl.Host
		if got != want[i] || pl.Release != 1 || pl.ReleaseID != "r1" || pl.MemoryMB != 512 {
			t.Errorf("place[%d] = %+v, want %s", i, pl, want[i])
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestStartingCountsAsRunning(t *testing.T) {
	w := &world{d: Desired{Release: map[string]*ReleaseRef{"a": rel(1)}, Processes: []ProcessSpec{web("a", 1)}, Hosts: hostsN(2, 4096)}, now: t0}
	w.apply(w.plan()) // placed, Starting
	if p := w.plan(); !p.Converged() {
		t.Fatalf("second plan while Starting = %+v", p)
	}
}

func TestScaleUpAndDown(t *testing.T) {
	w := &world{d: Desired{Release: map[string]*ReleaseRef{"a": rel(1)}, Processes: []ProcessSpec{web("a", 2)}, Hosts: hostsN(2, 4096)}, now: t0}
	w.converge(t)
	w.d.Processes[0].Quantity = 4
	p := w.plan()
	if len(p.Place) != 2 || p.Place[0].Index != 3 || p.Place[1].Index != 4 || len(p.Stop) != 0 {
		t.Fatalf("scale up plan = %+v", p)
	}
	w.converge(t)
	w.d.Processes[0].Quantity = 1
	p = w.plan()
	if len(p.Stop) != 3 || len(p.Place) != 0 {
		t.Fatalf("scale down plan = %+v", p)
	}
	for _, s := range p.Stop {
		if in := w.find(s.InstanceID); in.Index == 1 || !strings.Contains(s.Reason, "above quantity 1") {
			t.Errorf("stopped %+v (%s)", in, s.Reason)
		}
	}
}

func TestAppWithoutReleaseRunsNothing(t *testing.T) {
	w := &world{d: Desired{Release: map[string]*ReleaseRef{"a": rel(1)}, Processes: []ProcessSpec{web("a", 2)}, Hosts: hostsN(2, 4096)}, now: t0}
	w.converge(t)
	w.d.Release["a"] = nil
	p := w.plan()
	if len(p.Stop) != 2 || p.Stop[0].Reason != "app has no release" || len(p.Place) != 0 {
		t.Fatalf("plan = %+v", p)
	}
}

func TestDuplicatesKeepHealthy(t *testing.T) {
	d := Desired{Release: map[string]*ReleaseRef{"a": rel(1)}, Processes: []ProcessSpec{worker("a", 1)}, Hosts: hostsN(2, 4096)}
	obs := []Instance{
		{ID: "i1", App: "a", Type: "worker", Index: 1, Release: 1, Host: "h1", State: Starting},
		{ID: "i2", App: "a", Type: "worker", Index: 1, Release: 1, Host: "h2", State: Up, Healthy: true},
		{ID: "i3", App: "a", Type: "clock", Index: 1, Release: 1, Host: "h2", State: Up},
	}
	p := Reconcile(d, obs, t0, Options{})
	if len(p.Stop) != 2 || p.Stop[0].InstanceID != "i1" || p.Stop[0].Reason != "duplicate" ||
		p.Stop[1].Reason != "process type not in formation" || len(p.Place) != 0 {
		t.Fatalf("plan = %+v", p)
	}
}

// healthyWeb counts Up+Healthy web instances per release.
func healthyWeb(obs []Instance) map[int]int {
	n := map[int]int{}
	for _, in := range obs {
		if in.Type == "web" && in.State == Up && in.Healthy {
			n[in.Release]++
		}
	}
	return n
}

func TestZeroDowntimeReleaseChange(t *testing.T) {
	w := &world{d: Desired{
		Release:   map[string]*ReleaseRef{"a": rel(1)},
		Processes: []ProcessSpec{web("a", 2), worker("a", 1)},
		Hosts:     hostsN(3, 4096),
	}, now: t0}
	w.converge(t)
	w.d.Release["a"] = rel(2)

	// Step 1: surge the web, replace the worker directly.
	p := w.step(time.Second)
	if len(p.Place) != 3 {
		t.Fatalf("step 1 places %+v", p.Place)
	}
	if len(p.Stop) != 1 || p.Stop[0].Reason != "superseded by release v2" {
		t.Fatalf("step 1 stops %+v", p.Stop)
	}
	if hw := healthyWeb(w.obs); hw[1] != 2 {
		t.Fatalf("old web gone too early: %v", hw)
	}
	// Step 2: the new web is still Starting: nothing to do.
	if p = w.step(time.Second); !p.Converged() {
		t.Fatalf("step 2 = %+v", p)
	}
	// Step 3: the new web is Up+Healthy now, so the old goes.
	p = w.step(time.Second)
	if len(p.Place) != 0 || len(p.Stop) != 2 {
		t.Fatalf("step 3 = %+v", p)
	}
	if hw := healthyWeb(w.obs); hw[1] != 0 || hw[2] != 2 {
		t.Fatalf("after step 3: %v", hw)
	}
	if p = w.plan(); !p.Converged() {
		t.Fatalf("step 4 = %+v", p)
	}
}

func TestWebWaitsForHealthyReplacement(t *testing.T) {
	d := Desired{Release: map[string]*ReleaseRef{"a": rel(2)}, Processes: []ProcessSpec{web("a", 1)}, Hosts: hostsN(2, 4096)}
	obs := []Instance{
		{ID: "old", App: "a", Type: "web", Index: 1, Release: 1, Host: "h1", State: Up, Healthy: true},
		{ID: "new", App: "a", Type: "web", Index: 1, Release: 2, Host: "h2", State: Up, Healthy: false},
	}
	if p := Reconcile(d, obs, t0, Options{}); !p.Converged() {
		t.Fatalf("stopped before healthy: %+v", p)
	}
	// Scale-down during a deploy: old web.2 and web.3 are extra, but they
	// are the last healthy web, so one stays until web.1 v2 is healthy.
	obs = []Instance{
		{ID: "o2", App: "a", Type: "web", Index: 2, Release: 1, Host: "h1", State: Up, Healthy: true},
		{ID: "o3", App: "a", Type: "web", Index: 3, Release: 1, Host: "h2", State: Up, Healthy: true},
	}
	p := Reconcile(d, obs, t0, Options{})
	if len(p.Place) != 1 || len(p.Stop) != 1 || p.Stop[0].InstanceID != "o3" {
		t.Fatalf("plan = %+v", p)
	}
}

// A web instance that was healthy and has failed its checks for
// ReplaceUnhealthyAfter gets a replacement in its slot, and is stopped
// only once the replacement is healthy; before that, the plan just wakes
// when the time is up.
func TestUnhealthyWebReplaced(t *testing.T) {
	d := Desired{Release: map[string]*ReleaseRef{"a": rel(1)}, Processes: []ProcessSpec{web("a", 1)}, Hosts: hostsN(2, 4096)}
	sick := Instance{ID: "sick", App: "a", Type: "web", Index: 1, Release: 1, Host: "h1", State: Up, UnhealthySince: t0.Add(-10 * time.Second)}
	p := Reconcile(d, []Instance{sick}, t0, Options{})
	if len(p.Place) != 0 || len(p.Stop) != 0 || p.NextWake != 20*time.Second {
		t.Fatalf("10 s unhealthy: plan = %+v, want a wake in 20 s", p)
	}
	later := t0.Add(25 * time.Second)
	p = Reconcile(d, []Instance{sick}, later, Options{})
	if len(p.Place) != 1 || p.Place[0].Index != 1 || len(p.Stop) != 0 {
		t.Fatalf("35 s unhealthy: plan = %+v, want web.1 placed, the sick one kept", p)
	}
	starting := Instance{ID: "zz-new", App: "a", Type: "web", Index: 1, Release: 1, Host: p.Place[0].Host, State: Starting}
	if p := Reconcile(d, []Instance{sick, starting}, later, Options{}); !p.Idle() {
		t.Fatalf("replacement starting: plan = %+v, want nothing", p)
	}
	up := starting
	up.State, up.Healthy = Up, true
	p = Reconcile(d, []Instance{sick, up}, later, Options{})
	if len(p.Place) != 0 || len(p.Stop) != 1 || p.Stop[0].InstanceID != "sick" || p.Stop[0].Reason != "unhealthy for 35s" {
		t.Fatalf("replacement healthy: plan = %+v", p)
	}
	// One that never was healthy is a failed start, not a sick dyno.
	never := Instance{ID: "never", App: "a", Type: "web", Index: 1, Release: 1, Host: "h1", State: Up}
	if p := Reconcile(d, []Instance{never}, later, Options{}); !p.Idle() {
		t.Fatalf("never healthy: plan = %+v", p)
	}
}

func TestCrashBackoff(t *testing.T) {
	d := Desired{Release: map[string]*ReleaseRef{"a": rel(1)}, Processes: []ProcessSpec{worker("a", 1)}, Hosts: hostsN(2, 4096)}
	crashed := Instance{ID: "c", App: "a", Type: "worker", Index: 1, Release: 1, Host: "h1", State: Crashed, Restarts: 2, ExitedAt: t0.Add(-time.Second)}
	// base 1s * 2^(2-1) = 2s after ExitedAt: 1s from now.
	p := Reconcile(d, []Instance{crashed}, t0, DefaultOptions())
	if !p.Idle() || p.NextWake != time.Second {
		t.Fatalf("during backoff: %+v", p)
	}
	p = Reconcile(d, []Instance{crashed}, t0.Add(time.Second), DefaultOptions())
	if len(p.Place) != 1 || p.Place[0].Restarts != 3 || len(p.Stop) != 1 || p.Stop[0].Reason != "crashed" || p.NextWake != 0 {
		t.Fatalf("after backoff: %+v", p)
	}
	// The backoff is capped at CrashBackoffMax.
	crashed.Restarts = 40
	if p := Reconcile(d, []Instance{crashed}, t0, DefaultOptions()); p.NextWake != time.Minute-time.Second {
		t.Fatalf("capped: %+v", p)
	}
	// A dyno that ran for an hour before crashing counts as a first crash.
	longRun := crashed
	longRun.StartedAt = t0.Add(-time.Hour)
	if p := Reconcile(d, []Instance{longRun}, t0, DefaultOptions()); len(p.Place) != 1 || p.Place[0].Restarts != 1 {
		t.Fatalf("crash after a long run: %+v", p)
	}
	// The first crash is restarted at once.
	crashed.Restarts = 0
	if p := Reconcile(d, []Instance{crashed}, t0, DefaultOptions()); len(p.Place) != 1 || p.Place[0].Restarts != 1 {
		t.Fatalf("first crash: %+v", p)
	}
	// An old release's crash does not hold back the new release.
	crashed.Release = 0
	if p := Reconcile(d, []Instance{crashed}, t0, DefaultOptions()); len(p.Place) != 1 || p.Place[0].Restarts != 0 || len(p.Stop) != 1 {
		t.Fatalf("old release crash: %+v", p)
	}
}

func TestCrashBackoffValues(t *testing.T) {
	for restarts, want := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if got := crashBackoff(restarts, time.Second, time.Minute); got != want {
			t.Errorf("crashBackoff(%d) = %v, want %v", restarts, got, want)
		}
	}
	if got := crashBackoff(1000, time.Second, time.Minute); got != time.Minute {
		t.Errorf("crashBackoff(1000) = %v", got)
	}
}

func TestLostHostGrace(t *testing.T) {
	hosts := hostsN(2, 4096)
	hosts[0].Healthy, hosts[0].UnhealthySince = false, t0.Add(-5*time.Second)
	d := Desired{Release: map[string]*ReleaseRef{"a": rel(1)}, Processes: []ProcessSpec{web("a", 1)}, Hosts: hosts}
	obs := []Instance{{ID: "i", App: "a", Type: "web", Index: 1, Release: 1, Host: "h1", State: Up, Healthy: true}}
	p := Reconcile(d, obs, t0, DefaultOptions())
	if !p.Idle() || p.NextWake != 10*time.Second {
		t.Fatalf("within grace: %+v", p)
	}
	p = Reconcile(d, obs, t0.Add(10*time.Second), DefaultOptions())
	if len(p.Place) != 1 || p.Place[0].Host != "h2" || len(p.Stop) != 1 || p.Stop[0].Reason != "host lost" {
		t.Fatalf("after grace: %+v", p)
	}
}

func TestDrainingMovesWithSurge(t *testing.T) {
	w := &world{d: Desired{Release: map[string]*ReleaseRef{"a": rel(1)}, Processes: []ProcessSpec{worker("a", 1)}, Hosts: hostsN(2, 4096)}, now: t0}
	w.converge(t)
	w.d.Hosts[0].Draining = true // worker.1 is on h1
	p := w.step(time.Second)
	if len(p.Place) != 1 || p.Place[0].Host != "h2" || len(p.Stop) != 0 {
		t.Fatalf("step 1 = %+v", p)
	}
	if p = w.step(time.Second); !p.Converged() { // replacement still Starting
		t.Fatalf("step 2 = %+v", p)
	}
	p = w.step(time.Second)
	if len(p.Stop) != 1 || p.Stop[0].Reason != "host draining" || len(p.Place) != 0 {
		t.Fatalf("step 2 = %+v", p)
	}
	if p = w.plan(); !p.Converged() || len(w.obs) != 1 || w.obs[0].Host != "h2" {
		t.Fatalf("step 3 = %+v, %+v", p, w.obs)
	}
}

func TestConstraints(t *testing.T) {
	hosts := hostsN(3, 1024)
	hosts[0].Labels = map[string]string{"region": "us"}
	hosts[1].Labels = map[string]string{"region": "eu"}
	s := web("a", 1)
	s.Constraints = map[string]string{"region": "eu"}
	d := Desired{Release: map[string]*ReleaseRef{"a": rel(1), "b": rel(1)}, Processes: []ProcessSpec{s, worker("b", 1)}, Hosts: hosts}
	if p := Reconcile(d, nil, t0, Options{}); len(p.Place) != 2 || p.Place[0].Host != "h2" {
		t.Fatalf("plan = %+v", p)
	}
	// The eu host is full.
	full := []Instance{{ID: "x", App: "b", Type: "worker", Index: 1, Release: 1, Host: "h2", State: Up, MemoryMB: 1024}}
	p := Reconcile(d, full, t0, Options{})
	if len(p.Pending) != 1 || p.Pending[0].Reason != "no healthy host with label region=eu has 512 MB free" {
		t.Fatalf("full: %+v", p)
	}
	// No eu host takes instances.
	d.Hosts[1].Draining = true
	p = Reconcile(d, full, t0, Options{})
	if len(p.Pending) != 1 || p.Pending[0].Reason != "no healthy, non-draining host with label region=eu" {
		t.Fatalf("draining: %+v", p)
	}
	// Labels change: the instance moves (surge) to a host that matches.
	d.Hosts[1].Draining = false
	obs := []Instance{{ID: "i", App: "a", Type: "web", Index: 1, Release: 1, Host: "h1", State: Up, Healthy: true},
		{ID: "y", App: "b", Type: "worker", Index: 1, Release: 1, Host: "h3", State: Up, Healthy: true}}
	p = Reconcile(d, obs, t0, Options{})
	if len(p.Place) != 1 || p.Place[0].Host != "h2" || len(p.Stop) != 0 {
		t.Fatalf("mismatch: %+v", p)
	}
}

func TestCapacityPending(t *testing.T) {
	d := Desired{Release: map[string]*ReleaseRef{"a": rel(1)}, Processes: []ProcessSpec{worker("a", 5)}, Hosts: hostsN(2, 1024)}
	p := Reconcile(d, nil, t0, Options{})
	if len(p.Place) != 4 || len(p.Pending) != 1 || p.Pending[0].Index != 5 ||
		p.Pending[0].Reason != "no healthy host has 512 MB free" {
		t.Fatalf("plan = %+v", p)
	}
	used := map[string]int{}
	for _, pl := range p.Place {
		used[pl.Host] += pl.MemoryMB
	}
	if used["h1"] != 1024 || used["h2"] != 1024 {
		t.Fatalf("used = %v", used)
	}
}

func TestBinpackVersusSpread(t *testing.T) {
	hosts := hostsN(2, 2048)
	obs := []Instance{{ID: "x", App: "b", Type: "web", Index: 1, Release: 1, Host: "h2", State: Up, Healthy: true, MemoryMB: 1024}}
	d := Desired{
		Release:   map[string]*ReleaseRef{"a": rel(1), "b": rel(1)},
		Processes: []ProcessSpec{worker("a", 2), {App: "b", Type: "web", Quantity: 1, MemoryMB: 1024, Web: true}},
		Hosts:     hosts,
	}
	p := Reconcile(d, obs, t0, Options{})
	if len(p.Place) != 2 || p.Place[0].Host != "h1" || p.Place[1].Host != "h2" {
		t.Fatalf("spread = %+v", p.Place)
	}
	d.Strategy = Binpack
	p = Reconcile(d, obs, t0, Options{})
	if len(p.Place) != 2 || p.Place[0].Host != "h2" || p.Place[1].Host != "h2" {
		t.Fatalf("binpack = %+v", p.Place)
	}
}

// A restart (a new generation) replaces web with surge, like a release,
// and other types directly.
func TestRestartGeneration(t *testing.T) {
	w := &world{d: Desired{Release: map[string]*ReleaseRef{"a": rel(1)}, Processes: []ProcessSpec{web("a", 2), worker("a", 1)}, Hosts: hostsN(2, 4096)}, now: t0}
	w.converge(t)
	w.d.Processes[0].Generation, w.d.Processes[1].Generation = 1, 1
	p := w.plan()
	if len(p.Place) != 3 {
		t.Fatalf("restart plan = %+v", p)
	}
	for _, s := range p.Stop {
		if in := w.find(s.InstanceID); in.Type == "web" || s.Reason != "restarted" {
			t.Errorf("stopped %+v (%s) before its replacement is healthy", in, s.Reason)
		}
	}
	for i := 0; i < 3; i++ { // starting → up → old ones stopped
		w.step(10 * time.Second)
	}
	for _, in := range w.obs {
		if in.Generation != 1 || in.Release != 1 {
			t.Errorf("after restart: %+v", in)
		}
	}
	if len(w.obs) != 3 {
		t.Errorf("%d instances after restart, want 3", len(w.obs))
	}
}
