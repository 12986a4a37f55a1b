package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pier-paas/pier/bench/pierserver"
)

// Each phase runs one part of the benchmark against the running server and
// adds its figures to the report.

// seedPhase creates the apps and releases through the API and returns when
// it finished.
func seedPhase(ctx context.Context, c *client, o options, rep *report) (time.Time, error) {
	progress("seeding %d apps through the API (%d workers)", o.apps, o.seedWorkers)
	began := time.Now()
	if err := seedApps(ctx, c, o.apps, o.seedWorkers); err != nil {
		return time.Time{}, err
	}
	el := time.Since(began).Seconds()
	rep.info("seed: POST /apps", "%d apps in %.1f s (%.0f/s, %d workers)", o.apps, el, float64(o.apps)/el, o.seedWorkers)

	app := appName(1)
	progress("seeding %d releases of %s through PATCH /apps/%s/config-vars (%d workers)", o.releases, app, app, o.seedWorkers)
	began = time.Now()
	if err := seedReleases(ctx, c, app, o.releases, o.seedWorkers); err != nil {
		return time.Time{}, err
	}
	el = time.Since(began).Seconds()
	rep.info("seed: PATCH config-vars", "%d releases in %.1f s (%.0f/s, %d workers)", o.releases-1, el, float64(o.releases-1)/el, o.seedWorkers)
	return time.Now(), verifyReleases(ctx, c, app, o.releases)
}

// statsPhase samples the release list while the planner still has the
// statistics of the small table releases was before seeding, then waits for
// autovacuum to analyze it. The goal figure is measured after: a real app
// gathers 10,000 releases over months of autovacuum runs, not in a minute.
func statsPhase(ctx context.Context, c *client, dataDir string, seeded time.Time, o options, rep *report) error {
	db, err := openDB(ctx, dataDir, 1)
	if err != nil {
		return err
	}
	defer db.Close()
	fresh, err := analyzed(ctx, db, "releases", seeded)
	if err != nil {
		return err
	}
	if !fresh {
		const n = 200
		progress("latency before autovacuum analyzes releases: %d sequential release-list requests", n)
		s, err := latencyRun(ctx, c, appName(1), pageSize, n)
		if err != nil {
			return err
		}
		note := "stale planner statistics"
		if during, _ := analyzed(ctx, db, "releases", seeded); during {
			note = "autovacuum analyzed releases during the sample"
		}
		rep.info("release list right after seeding, p50 / p99", "%.2f / %.2f ms (n=%d; %s)", ms(s.p50), ms(s.p99), s.n, note)
	}
	if !o.waitAnalyze {
		return nil
	}
	progress("waiting for autovacuum to analyze releases (it looks every minute)")
	waited, err := waitAnalyzed(ctx, db, "releases", seeded, 3*time.Minute)
	if err != nil {
		return err
	}
	rep.info("autovacuum analyzed releases", "%.0f s after seeding ended", time.Since(seeded).Seconds())
	progress("releases analyzed after waiting %.0f s", waited.Seconds())
	return nil
}

// memoryPhase lets the server idle, then reads its memory; goal says whether
// this reading is the one held against the 60 MB goal.
func memoryPhase(ctx context.Context, srv *pierserver.Proc, o options, rep *report, after string, goal bool) error {
	progress("idling %s before reading memory", o.idle)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(o.idle):
	}
	m, err := readMemory(srv.PID())
	if err != nil {
		return err
	}
	name := fmt.Sprintf("pier RSS, idle with %d apps %s", o.apps, after)
	value := fmt.Sprintf("%.1f MB (%.1f MiB)", float64(m.pierRSS)*1024/1e6, mib(m.pierRSS))
	if goal {
		rep.goal(name, value, "< 60 MB", float64(m.pierRSS)*1024 < 60e6)
		rep.info("embedded PostgreSQL RSS (sum) / PSS", "%.1f MiB / %.1f MiB over %d processes", mib(m.pgRSS), mib(m.pgPSS), m.pgProcs)
	} else {
		rep.info(name, "%s, peak VmHWM %.1f MiB", value, mib(m.pierHWM))
	}
	progress("memory: pier %.1f MiB RSS (peak %.1f MiB); PostgreSQL %.1f MiB RSS over %d processes",
		mib(m.pierRSS), mib(m.pierHWM), mib(m.pgRSS), m.pgProcs)
	return nil
}

func latencyPhase(ctx context.Context, c *client, srv *pierserver.Proc, o options, rep *report) error {
	app := appName(1)
	warm := max(o.latencyRequests/10, 20)
	progress("latency: %d sequential GET /apps/%s/releases (Range: %s) after %d warm-up requests",
		o.latencyRequests, app, releasesRange(pageSize), warm)
	if _, err := latencyRun(ctx, c, app, pageSize, warm); err != nil {
		return err
	}
	before := sampleCPU(srv.PID())
	s, err := latencyRun(ctx, c, app, pageSize, o.latencyRequests)
	if err != nil {
		return err
	}
	cpu := cpuBetween(before, sampleCPU(srv.PID()))
	fig := fmt.Sprintf("release list (%d releases, newest %d), p99", o.releases, pageSize)
	rep.goal(fig, fmt.Sprintf("%.2f ms", ms(s.p99)), "< 10 ms", s.p99 < 10*time.Millisecond)
	rep.info("release list p50 / mean / max", "%.2f / %.2f / %.2f ms (n=%d, sequential)", ms(s.p50), ms(s.mean), ms(s.max), s.n)
	rep.info("release list CPU per request", "%s", cpu.perRequest(s.n))
	progress("latency: p50 %.2f ms, p99 %.2f ms", ms(s.p50), ms(s.p99))
	return nil
}

func throughputPhase(ctx context.Context, c *client, srv *pierserver.Proc, o options, rep *report) error {
	progress("throughput: GET /apps/NAME over %d apps from %d keep-alive clients: %s warm-up, then %s",
		o.apps, o.clients, o.warmup, o.duration)
	if o.warmup > 0 {
		if _, err := loadRun(ctx, c, o.apps, o.clients, o.warmup); err != nil {
			return err
		}
	}
	before := sampleCPU(srv.PID())
	t, err := loadRun(ctx, c, o.apps, o.clients, o.duration)
	if err != nil {
		return err
	}
	cpu := cpuBetween(before, sampleCPU(srv.PID()))
	fig := fmt.Sprintf("GET /apps/NAME, %d clients, %s", o.clients, o.duration)
	rep.goal(fig, fmt.Sprintf("%.0f req/s", t.rate()), ">= 5000 req/s", t.rate() >= 5000)
	rep.info("GET /apps/NAME p50 / p99 / max", "%.2f / %.2f / %.2f ms (n=%d)", ms(t.latency.p50), ms(t.latency.p99), ms(t.latency.max), t.latency.n)
	errs := fmt.Sprintf("%d of %d", t.errors, t.requests)
	if t.firstError != nil {
		errs += " (first: " + t.firstError.Error() + ")"
	}
	rep.goal("GET /apps/NAME errors", errs, "0", t.errors == 0)
	rep.info("GET /apps/NAME CPU per request", "%s", cpu.perRequest(t.requests))
	progress("throughput: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors", t.rate(), ms(t.latency.p50), ms(t.latency.p99), t.errors)
	return nil
}

// baselinePhase measures the database's round-trip ceiling (see pgBaseline).
func baselinePhase(ctx context.Context, dataDir string, o options, rep *report) error {
	d := min(o.duration, 3*time.Second)
	progress("direct PostgreSQL baseline: SELECT 1 from %d clients for %s", o.clients, d)
	qps, err := pgBaseline(ctx, dataDir, o.clients, d)
	if err != nil {
		return err
	}
	rep.info(fmt.Sprintf("direct pgx SELECT 1, %d clients, pool of 20", o.clients), "%.0f queries/s", qps)
	return nil
}

// restartPhase stops the server and starts it again on the same directory,
// timing exec to the first 200 from /healthz.
func restartPhase(ctx context.Context, srv *pierserver.Proc, o options, rep *report, first startup) error {
	var walls []time.Duration
	var each []string
	for i := range o.restarts {
		stopBegan := time.Now()
		if err := srv.Stop(); err != nil {
			return err
		}
		stopped := time.Since(stopBegan)
		s, err := startServer(ctx, srv)
		if err != nil {
			return err
		}
		walls = append(walls, s.wall)
		each = append(each, fmt.Sprintf("%.0f ms (logged %d, stop took %.0f ms)", ms(s.wall), s.loggedMS, ms(stopped)))
		progress("restart %d/%d: stopped in %.0f ms, healthy %.0f ms after exec (server logged startup_ms=%d)",
			i+1, o.restarts, ms(stopped), ms(s.wall), s.loggedMS)
	}
	med := median(walls)
	rep.goal(fmt.Sprintf("start-up, initialised database (median of %d)", o.restarts),
		fmt.Sprintf("%.0f ms", ms(med)), "< 1 s", med < time.Second)
	rep.info("start-up runs: exec to /healthz 200", "%s", strings.Join(each, ", "))
	rep.info("first start (initdb, migrations)", "%.0f ms (logged %d)", ms(first.wall), first.loggedMS)
	return nil
}
