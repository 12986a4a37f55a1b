package dynos

import (
	"context"
	"sync"
	"time"

	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/scheduler"
)

const (
	// soon is how quickly the loop looks again while something is in
	// motion: a dyno starting, a plan just applied.
	soon = 250 * time.Millisecond
	// leadEvery is how often a follower tries to take the lease.
	leadEvery = 2 * time.Second
)

// round is one pass: observe, check health, publish, and (when leading)
// reconcile and apply. It returns how long to sleep before the next.
func (l *Loop) round(ctx context.Context) time.Duration {
	hosts, err := l.Store.Hosts(ctx)
	if ctx.Err() != nil {
		return time.Second
	}
	if err != nil {
		l.Logger.Warn("scheduler could not read hosts", "err", err)
		return time.Second
	}
	workloads, err := l.Store.Workloads(ctx)
	if ctx.Err() != nil {
		return time.Second
	}
	if err != nil {
		l.Logger.Warn("scheduler could not read workloads", "err", err)
		return time.Second
	}
	w := newWorld(workloads, hosts)
	l.forgetRemoved(hosts)
	inProgress := l.starts.list() // before observing: see withStarting
	observing := time.Now()
	observed, unreachable := l.observe(ctx, hosts)
	observed = withStarting(observed, inProgress)
	waiting := l.health.update(ctx, observed, w.healthPaths())
	if ctx.Err() != nil {
		// The loop is stopping: checks cut short would publish healthy
		// dynos as unhealthy, emptying the routes of a server that may
		// still be draining requests.
		return time.Second
	}
	l.publish(w, observed)
	l.forgetStopped(observing)
	l.updateLogs(ctx, observed, w)

	next := l.Resync
	if waiting {
		next = soon
	}
	if !l.leading(ctx) {
		l.pending.Store(nil) // the leader knows; this server doesn't plan
		return next
	}
	l.recordHealth(ctx, w, unreachable)
	l.maybePrune(ctx)
	if d := l.maybeSample(ctx, observed); d > 0 && d < next {
		next = d
	}
	d, failed := l.checkReleases(ctx, w, observed)
	if failed {
		return 0 // plan again from the release that is current now
	}
	if d > 0 && d < next {
		next = d
	}
	now := l.Now()
	plan := scheduler.Reconcile(w.desired(l.Strategy), observed, now, l.Options)
	l.pending.Store(&plan.Pending)
	if plan.NextWake > 0 && plan.NextWake < next {
		next = plan.NextWake
	}
	if (len(plan.Place) > 0 || len(plan.Stop) > 0) && l.apply(ctx, w, observed, plan) {
		next = min(next, soon)
	}
	if r := l.nextRetry(); r > 0 && r < next {
		next = r
	}
	return next
}

// observe lists every host's Pier containers in parallel. A host that
// can't be reached keeps its last known instances, so the reconciler's
// grace period (not a blip) decides when they are replaced.
func (l *Loop) observe(ctx context.Context, hosts []platform.Host) ([]scheduler.Instance, map[string]error) {
	type result struct {
		id    string
		fresh Engine // a new connection, kept after the wait
		insts []scheduler.Instance
		err   error
	}
	results := make([]result, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		results[i].id = h.ID.String()
		e := l.cached(h)
		wg.Add(1)
		go func(r *result, h platform.Host) {
			defer wg.Done()
			if e == nil {
				if e, r.err = l.connect(ctx, h); r.err != nil {
					return
				}
				r.fresh = e
			}
			octx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			r.insts, r.err = e.Observe(octx, l.Cluster, r.id)
		}(&results[i], h)
	}
	wg.Wait()
	for i, r := range results {
		if r.fresh != nil {
			l.keep(ctx, hosts[i], r.fresh)
		}
	}
	var all []scheduler.Instance
	unreachable := map[string]error{}
	for _, r := range results {
		if r.err != nil {
			unreachable[r.id] = r.err
			l.drop(r.id)
			// Nobody can vouch for these: they hold their slots through the
			// grace period but take no traffic (their ports may even belong
			// to other containers by now).
			for _, in := range l.lastSeen[r.id] {
				in.Addr, in.Healthy = "", false
				all = append(all, in)
			}
			continue
		}
		l.lastSeen[r.id] = r.insts
		all = append(all, r.insts...)
	}
	return all, unreachable
}

// leading keeps or takes the scheduler lease.
func (l *Loop) leading(ctx context.Context) bool {
	if l.Lead == nil {
		return false
	}
	if l.lease != nil {
		if err := l.lease.Check(ctx); err == nil {
			return true
		} else {
			l.Logger.Warn("lost the scheduler lease", "err", err)
			l.lease.Release()
			l.lease = nil
		}
	}
	if now := l.Now(); now.Sub(l.leadTry) >= leadEvery {
		l.leadTry = now
		lease, err := l.Lead(ctx)
		if err != nil {
			l.Logger.Warn("could not try the scheduler lease", "err", err)
		}
		if lease != nil {
			l.Logger.Info("this server now schedules dynos")
			l.lease = lease
		}
	}
	return l.lease != nil
}

// recordHealth writes host health changes and updates this round's view.
func (l *Loop) recordHealth(ctx context.Context, w world, unreachable map[string]error) {
	now := l.Now()
	for id, h := range w.hosts {
		err, down := unreachable[id]
		if h.Healthy != down {
			continue
		}
		reason := ""
		if down {
			reason = err.Error()
			l.Logger.Warn("host unreachable", "host", h.Name, "err", err)
		} else {
			l.Logger.Info("host reachable again", "host", h.Name)
		}
		if err := l.Store.SetHostHealth(ctx, h, !down, reason); err != nil {
			l.Logger.Warn("could not record host health", "host", h.Name, "err", err)
			continue
		}
		h.Healthy = !down
		if down {
			h.UnhealthySince = &now
		} else {
			h.UnhealthySince = nil
		}
		w.hosts[id] = h
	}
}
