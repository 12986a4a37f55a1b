package scheduler

import (
	"fmt"
	"sort"
	"time"
)

type groupKey struct{ app, typ string }

// group is a desired (app, process type) of a current release.
type group struct {
	spec      ProcessSpec
	version   int
	releaseID string
	ckey      string  // canonical constraints
	slots     [][]int // observed instances per index (1..Quantity)
}

// request is one index to place, with the crashed instances it replaces:
// those are stopped only if the placement succeeds, so a Pending index
// keeps its backoff record.
type request struct {
	g        *group
	index    int
	restarts int
	replaces []int
}

// reconciler holds the working state of one Reconcile call.
type reconciler struct {
	now     time.Time
	opts    Options
	hosts   hostSet
	groups  map[groupKey]*group
	order   []groupKey     // groups sorted by (app, type)
	version map[string]int // app → current release version
	insts   []Instance     // observed, sorted by ID
	stops   []string       // per instance: stop reason, "" to keep
	reqs    []request
	wake    wake
}

// Reconcile computes the plan that moves observed towards desired. It is a
// pure function: the same inputs always give the same plan.
func Reconcile(d Desired, observed []Instance, now time.Time, opts Options) Plan {
	r := &reconciler{now: now, opts: opts.withDefaults()}
	r.hosts = newHostSet(d.Hosts, now, r.opts.LostHostGrace)
	r.indexDesired(d)
	r.insts = append([]Instance(nil), observed...)
	sort.SliceStable(r.insts, func(i, j int) bool { return r.insts[i].ID < r.insts[j].ID })
	r.stops = make([]string, len(r.insts))

	r.decide()
	r.guardWeb()
	p := newPlacer(&r.hosts, d.Strategy, r)
	place, pending := p.placeAll(r)

	plan := Plan{Place: place, Pending: pending, NextWake: time.Duration(r.wake)}
	for i, reason := range r.stops {
		if reason != "" {
			plan.Stop = append(plan.Stop, Stop{InstanceID: r.insts[i].ID, Reason: reason})
		}
	}
	return plan
}

// indexDesired keeps the specs of apps that have a release; the first spec
// of a duplicated (app, type) wins.
func (r *reconciler) indexDesired(d Desired) {
	r.groups = make(map[groupKey]*group, len(d.Processes))
	r.version = make(map[string]int, len(d.Release))
	for app, rel := range d.Release {
		if rel != nil {
			r.version[app] = rel.Version
		}
	}
	for _, s := range d.Processes {
		rel := d.Release[s.App]
		k := groupKey{s.App, s.Type}
		if rel == nil || r.groups[k] != nil {
			continue
		}
		r.groups[k] = &group{spec: s, version: rel.Version, releaseID: rel.ID, ckey: constraintKey(s.Constraints)}
		r.order = append(r.order, k)
	}
	sort.Slice(r.order, func(i, j int) bool {
		a, b := r.order[i], r.order[j]
		if a.app != b.app {
			return a.app < b.app
		}
		return a.typ < b.typ
	})
}

// current reports whether in runs the group's release and generation.
func (g *group) current(in *Instance) bool {
	return in.Release == g.version && in.Generation == g.spec.Generation
}

func (g *group) supersededReason(in *Instance) string {
	if in.Release != g.version {
		return fmt.Sprintf("superseded by release v%d", g.version)
	}
	return "restarted"
}

func (r *reconciler) stop(i int, reason string) { r.stops[i] = reason }

func live(in *Instance) bool { return in.State == Starting || in.State == Up }

// sick reports an Up instance that was healthy and has failed its checks
// for ReplaceUnhealthyAfter; until then the plan wakes to look again.
func (r *reconciler) sick(in *Instance) bool {
	if in.State != Up || in.Healthy || in.UnhealthySince.IsZero() {
		return false
	}
	left := in.UnhealthySince.Add(r.opts.ReplaceUnhealthyAfter).Sub(r.now)
	if left > 0 {
		r.wake.in(left)
		return false
	}
	return true
}

func upHealthy(in *Instance) bool { return in.State == Up && in.Healthy }

// decide sorts every observed instance into its slot (app, type, index),
// stops what no slot wants, and decides each slot.
func (r *reconciler) decide() {
	for i := range r.insts {
		in := &r.insts[i]
		g := r.groups[groupKey{in.App, in.Type}]
		if g == nil || in.Index < 1 || in.Index > g.spec.Quantity {
			r.stop(i, r.extraReason(in, g))
			continue
		}
		if g.slots == nil {
			g.slots = make([][]int, g.spec.Quantity+1)
		}
		g.slots[in.Index] = append(g.slots[in.Index], i)
	}
	for _, k := range r.order {
		g := r.groups[k]
		for idx := 1; idx <= g.spec.Quantity; idx++ {
			var ids []int
			if g.slots != nil {
				ids = g.slots[idx]
			}
			r.decideSlot(g, idx, ids)
		}
	}
}

func (r *reconciler) extraReason(in *Instance, g *group) string {
	switch {
	case g != nil:
		return fmt.Sprintf("index %d above quantity %d", in.Index, g.spec.Quantity)
	}
	if _, ok := r.version[in.App]; ok {
		return "process type not in formation"
	}
	return "app has no release"
}

// decideSlot makes one index converge: keep one instance of the current
// release, retire the rest safely, and request a placement if none runs.
func (r *reconciler) decideSlot(g *group, idx int, ids []int) {
	var settled, moving, old, dead, sick []int
	for _, i := range ids {
		in := &r.insts[i]
		if !live(in) {
			if g.current(in) {
				dead = append(dead, i)
			} else {
				r.stop(i, in.State.String())
			}
			continue
		}
		switch st := r.hosts.statusOf(in.Host); {
		case st == hostLost:
			r.stop(i, "host lost")
			continue
		case st == hostInGrace:
			r.wake.in(r.hosts.graceLeft(in.Host, r.now, r.opts.LostHostGrace))
		}
		switch {
		case !g.current(in):
			old = append(old, i)
		case g.spec.Web && r.sick(in):
			sick = append(sick, i)
		case r.hosts.statusOf(in.Host) == hostDraining || !r.hosts.matches(in.Host, g.spec.Constraints):
			moving = append(moving, i)
		default:
			settled = append(settled, i)
		}
	}

	keep := r.best(settled)
	r.stopAllBut(settled, keep, "duplicate")
	ready := keep >= 0 && upHealthy(&r.insts[keep])

	// Instances on a draining or no-longer-matching host wait for their
	// replacement to be Up and Healthy.
	if ready {
		for _, i := range moving {
			r.stop(i, r.moveReason(&r.insts[i]))
		}
	} else {
		r.stopAllBut(moving, r.best(moving), "duplicate")
	}

	// A web instance unhealthy for too long is replaced like an old one:
	// it stays, out of the routes, until its replacement is healthy.
	if ready {
		for _, i := range sick {
			r.stop(i, fmt.Sprintf("unhealthy for %v", r.now.Sub(r.insts[i].UnhealthySince).Round(time.Second)))
		}
	} else {
		r.stopAllBut(sick, r.best(sick), "duplicate")
	}

	// A crashed current-release instance is the backoff record: it stays
	// until the backoff expires, then goes with its replacement.
	hold, restarts := false, 0
	if keep < 0 && len(dead) > 0 {
		rec := dead[0]
		for _, i := range dead {
			if r.insts[i].Restarts > restarts {
				restarts = r.insts[i].Restarts
			}
			if r.insts[i].ExitedAt.After(r.insts[rec].ExitedAt) {
				rec = i
			}
		}
		// A dyno that ran a long while before crashing starts its count
		// afresh: one crash a day is not a crash loop.
		if last := &r.insts[rec]; !last.StartedAt.IsZero() && last.ExitedAt.Sub(last.StartedAt) >= r.opts.CrashBackoffReset {
			restarts = 0
		}
		until := r.insts[rec].ExitedAt.Add(crashBackoff(restarts, r.opts.CrashBackoffBase, r.opts.CrashBackoffMax))
		if r.now.Before(until) {
			hold = true
			r.wake.in(until.Sub(r.now))
			r.stopAllBut(dead, rec, "")
		}
		restarts++
	}
	if keep >= 0 {
		for _, i := range dead {
			r.stop(i, r.insts[i].State.String())
		}
	}

	// Old releases: web surges (old stays until the new one is healthy);
	// other types are replaced directly unless a backoff holds the slot.
	switch {
	case g.spec.Web && !ready, !g.spec.Web && keep < 0 && hold:
		r.stopAllBut(old, r.best(old), "duplicate")
	default:
		for _, i := range old {
			r.stop(i, g.supersededReason(&r.insts[i]))
		}
	}

	if keep < 0 && !hold {
		r.reqs = append(r.reqs, request{g: g, index: idx, restarts: restarts, replaces: dead})
	}
}

// stopAllBut stops every instance in ids except keep. With an empty reason
// each is stopped for its own state (crashed/exited).
func (r *reconciler) stopAllBut(ids []int, keep int, reason string) {
	for _, i := range ids {
		if i == keep {
			continue
		}
		if reason == "" {
			r.stop(i, r.insts[i].State.String())
		} else {
			r.stop(i, reason)
		}
	}
}

func (r *reconciler) moveReason(in *Instance) string {
	if r.hosts.statusOf(in.Host) == hostDraining {
		return "host draining"
	}
	return "host no longer matches constraints"
}

// best picks the instance to keep among duplicates: Up and Healthy, then
// Up, then Starting; ties go to the lowest ID (ids are sorted). -1 if none.
func (r *reconciler) best(ids []int) int {
	best, bestRank := -1, -1
	for _, i := range ids {
		in := &r.insts[i]
		rank := 0
		if in.State == Up {
			rank = 1
			if in.Healthy {
				rank = 2
			}
		}
		if rank > bestRank {
			best, bestRank = i, rank
		}
	}
	return best
}
