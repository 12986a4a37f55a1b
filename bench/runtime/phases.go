package main

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// disturbed is how much CPU (in cores) processes other than the load
// generator, the proxy and the backends may use during a throughput run
// before the report warns that its figures are skewed.
const disturbed = 0.25

// settleLimit bounds every wait for Pier to converge; far above what any
// phase should need, it only turns a hang into an error.
const settleLimit = 3 * time.Minute

// throughput is phase 1: the same closed-loop load, on the same two web
// dynos, straight to their published ports, through Pier's router and
// through nginx, interleaved and repeated.
func (b *bench) throughput(ctx context.Context) error {
	progress("phase 1: deploying %s, web=2 (%s)", b.images[0], b.o.size)
	v, err := b.api.deploy(ctx, b.app, b.images[0])
	if err != nil {
		return err
	}
	if err := b.api.scale(ctx, b.app, 2, b.o.size); err != nil {
		return err
	}
	if _, err := b.api.waitWeb(ctx, b.app, 2, v, settleLimit); err != nil {
		return err
	}
	backends, err := b.dk.webBackends(ctx, b.app, "")
	if err != nil {
		return err
	}
	if len(backends) != 2 {
		return fmt.Errorf("expected 2 running web containers, found %d", len(backends))
	}
	published := []string{backends[0].addr, backends[1].addr}
	own := []string{backends[0].own, backends[1].own}
	for _, a := range append(published, own...) {
		if err := waitOK(ctx, a, "", 30*time.Second); err != nil {
			return err
		}
	}
	// The dyno list and the route table are built from the same snapshot,
	// so both dynos are routed once they are listed up; one answer through
	// the router confirms it.
	if err := waitOK(ctx, b.srv.RouterAddr, b.host, 30*time.Second); err != nil {
		return err
	}

	targets := []target{
		{name: "direct", addrs: own, host: b.host},
		{name: "published", addrs: published, host: b.host},
		{name: "pier", addrs: []string{b.srv.RouterAddr}, host: b.host},
	}
	backendPIDs, err := b.dk.processes(ctx, backends)
	if err != nil {
		return err
	}
	pids := map[string]pidSet{"pier": func() []int { return []int{b.srv.PID()} }}
	if b.o.nginx != "" {
		ngx, err := startNginx(ctx, b.o.nginx, b.srv.DataDir, own)
		if err != nil {
			return err
		}
		defer ngx.stop()
		if err := waitOK(ctx, ngx.addr, b.host, 10*time.Second); err != nil {
			return fmt.Errorf("nginx: %w", err)
		}
		targets = append(targets, target{name: "nginx", addrs: []string{ngx.addr}, host: b.host})
		pids["nginx"] = ngx.pids
		b.rep.setting("nginx", "%s, worker_processes auto, upstream keepalive 64, access_log off, Pier's forwarding headers (config in %s)",
			nginxVersion(b.o.nginx), ngx.prefix)
	}

	runs := map[string][]loadResult{}
	for round := range b.o.rounds {
		for i := range targets {
			// Rotated order: every target gets every position in the set,
			// so drift on a shared machine does not favour one of them.
			t := targets[(i+round)%len(targets)]
			progress("phase 1: round %d/%d: %s (%d connections, %v + %v)", round+1, b.o.rounds, t.name, b.o.conns, b.o.warmup, b.o.duration)
			r, err := runFor(ctx, t, b.o.conns, b.o.warmup, b.o.duration, pids[t.name], func() []int { return backendPIDs })
			if err != nil {
				return err
			}
			progress("  %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d failed; CPU cores proxy/loadgen/backends/other %s; top others: %s",
				t.name, r.rate(), ms(r.pct(0.5)), ms(r.pct(0.99)), r.failed, r.cpu, r.cpu.topOthers)
			for _, f := range r.fails {
				progress("    %s", f)
			}
			runs[t.name] = append(runs[t.name], r)
			b.rep.run(round+1, r)
			if err := sleepCtx(ctx, time.Second); err != nil { // let the previous run's connections close
				return err
			}
		}
	}

	best := map[string]loadResult{}
	for _, t := range targets {
		rs := runs[t.name]
		// The best run by req/s, with that same run's latencies: the least
		// disturbed by whatever else this shared machine was doing.
		best[t.name] = slices.MaxFunc(rs, func(x, y loadResult) int { return cmp.Compare(x.rate(), y.rate()) })
		b.rep.best(best[t.name])
		if c := best[t.name].cpu; c.ok && c.other > disturbed {
			b.rep.note("DISTURBED: during the best %s run other processes used %.2f cores of %d; rerun on a quieter machine, or with more -rounds.",
				t.name, c.other, runtime.NumCPU())
		}
	}
	b.rep.throughput.title = fmt.Sprintf("Router throughput and latency: best of %d runs per target, by req/s", b.o.rounds)

	pier, direct, pub := best["pier"], best["direct"], best["published"]
	b.rep.goal("pier / direct, req/s", fmt.Sprintf("%.0f%% (%.0f vs %.0f)", 100*pier.rate()/direct.rate(), pier.rate(), direct.rate()),
		">= 90%", pier.rate() >= 0.9*direct.rate())
	b.rep.info("pier / published port, req/s", "%.0f%% (%.0f vs %.0f)", 100*pier.rate()/pub.rate(), pier.rate(), pub.rate())
	if ngx, ok := best["nginx"]; ok {
		b.rep.goal("pier / nginx, req/s", fmt.Sprintf("%.2fx (%.0f vs %.0f)", pier.rate()/ngx.rate(), pier.rate(), ngx.rate()),
			">= 1.00x", pier.rate() >= ngx.rate())
		b.rep.goal("pier / nginx, p99 latency", fmt.Sprintf("%+.1f%% (%.2f vs %.2f ms)", 100*(ms(pier.pct(0.99))/ms(ngx.pct(0.99))-1),
			ms(pier.pct(0.99)), ms(ngx.pct(0.99))), "pier <= nginx", pier.pct(0.99) <= ngx.pct(0.99))
	}
	failed := 0
	for _, t := range targets {
		for _, r := range runs[t.name] {
			failed += r.failed
		}
	}
	b.rep.goal("failed requests, all throughput runs", strconv.Itoa(failed), "0", failed == 0)
	return nil
}

// deployUnderLoad is phase 2: a deploy of v2 while steady load goes
// through the router; every request must succeed.
func (b *bench) deployUnderLoad(ctx context.Context) error {
	progress("phase 2: deploying %s under load (%d connections through the router)", b.images[1], b.o.steadyConns)
	g := startLoad(b.routerTarget(), b.o.steadyConns, 0)
	defer g.finish()                                   // stops the load on an early return; a no-op after stopLoad
	if err := sleepCtx(ctx, time.Second); err != nil { // load before the deploy, so it sees the switch
		return err
	}
	began := time.Now()
	v, err := b.api.deploy(ctx, b.app, b.images[1])
	if err != nil {
		return err
	}
	if _, err := b.api.waitWeb(ctx, b.app, 2, v, settleLimit); err != nil {
		return err
	}
	took := time.Since(began) // from the POST, not from its answer
	// Requests already sent to an old dyno when it left the routes are
	// still answered in this tail.
	if err := sleepCtx(ctx, 2*time.Second); err != nil {
		return err
	}
	r := stopLoad(g)
	progress("  %d requests, %d failed; every web dyno on v%d %.1f s after the POST; answers %s", r.requests, r.failed, v, took.Seconds(), bodies(r))
	b.rep.goal("failed requests during a deploy (web=2)", failures(r), "0", r.failed == 0 && r.requests > 0)
	b.rep.info("deploy: POST to all web dynos on the new release", "%.1f s (%s)", took.Seconds(), bodies(r))
	return nil
}

// scaleUnderLoad is phase 3: ps:scale web=1, then 1→N→1 under steady load.
func (b *bench) scaleUnderLoad(ctx context.Context) error {
	v, err := b.api.newestRelease(ctx, b.app)
	if err != nil {
		return err
	}
	progress("phase 3: web=1, then 1→%d→1 under load (%d connections through the router)", b.o.maxScale, b.o.steadyConns)
	if err := b.api.scale(ctx, b.app, 1, ""); err != nil {
		return err
	}
	if _, err := b.api.waitWeb(ctx, b.app, 1, v, settleLimit); err != nil {
		return err
	}
	g := startLoad(b.routerTarget(), b.o.steadyConns, 0)
	defer g.finish()
	if err := sleepCtx(ctx, time.Second); err != nil {
		return err
	}
	began := time.Now()
	if err := b.api.scale(ctx, b.app, b.o.maxScale, ""); err != nil {
		return err
	}
	if _, err := b.api.waitWeb(ctx, b.app, b.o.maxScale, v, settleLimit); err != nil {
		return err
	}
	up := time.Since(began)
	began = time.Now()
	if err := b.api.scale(ctx, b.app, 1, ""); err != nil {
		return err
	}
	if _, err := b.api.waitWeb(ctx, b.app, 1, v, settleLimit); err != nil {
		return err
	}
	down := time.Since(began)
	if err := sleepCtx(ctx, 2*time.Second); err != nil {
		return err
	}
	r := stopLoad(g)
	progress("  %d requests, %d failed; up to %d in %.1f s, back to 1 in %.1f s", r.requests, r.failed, b.o.maxScale, up.Seconds(), down.Seconds())
	b.rep.goal(fmt.Sprintf("failed requests during ps:scale web=1→%d→1", b.o.maxScale), failures(r), "0", r.failed == 0 && r.requests > 0)
	b.rep.info(fmt.Sprintf("scale: 1→%d all up / %d→1 all gone", b.o.maxScale, b.o.maxScale), "%.1f s / %.1f s", up.Seconds(), down.Seconds())
	return nil
}

func (b *bench) routerTarget() target {
	return target{name: "pier", addrs: []string{b.srv.RouterAddr}, host: b.host}
}

// stopLoad ends a steady load and returns its tallies.
func stopLoad(g *loadGen) loadResult {
	r := g.finish()
	for _, f := range r.fails {
		progress("    %s", f)
	}
	return r
}

// waitOK polls addr (with Host, when not empty) until GET / answers 200.
func waitOK(ctx context.Context, addr, host string, limit time.Duration) error {
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
	for deadline := time.Now().Add(limit); ; {
		if get200(ctx, hc, addr, host) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("GET http://%s/ (Host %q) did not answer 200 within %v", addr, host, limit)
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

func get200(ctx context.Context, hc *http.Client, addr, host string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
	if err != nil {
		return false
	}
	if host != "" {
		req.Host = host
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// failures words a steady load's outcome: "0 of 12345" plus what failed.
func failures(r loadResult) string {
	s := fmt.Sprintf("%d of %d requests", r.failed, r.requests)
	if len(r.statuses) > 0 {
		var parts []string
		for code, n := range r.statuses {
			parts = append(parts, fmt.Sprintf("%d×%d", n, code))
		}
		slices.Sort(parts)
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// bodies counts which release answered: "ok" is v1's, "ok v2" v2's.
func bodies(r loadResult) string {
	var parts []string
	for body, n := range r.bodies {
		parts = append(parts, fmt.Sprintf("%d × %q", n, strings.TrimSpace(body)))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
