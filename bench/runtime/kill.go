package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// kills is phase 4: SIGKILL a web container behind Pier's back and time
// until its replacement (same dyno, new container) answers 200 on its own
// published port. Two series: kills as they come, alternating web.1 and
// web.2, so each dyno's crash backoff grows as it does in production; and,
// unless -fresh-kills 0, kills each preceded by a new release, which resets
// the backoff, so every kill is a dyno's first crash.
func (b *bench) kills(ctx context.Context) error {
	v, err := b.api.newestRelease(ctx, b.app)
	if err != nil {
		return err
	}
	progress("phase 4: web=2, %d SIGKILLs alternating web.1 and web.2", b.o.kills)
	if err := b.api.scale(ctx, b.app, 2, ""); err != nil {
		return err
	}
	if _, err := b.api.waitWeb(ctx, b.app, 2, v, settleLimit); err != nil {
		return err
	}
	var repeated []kill
	for i := range b.o.kills {
		k, err := b.killOne(ctx, fmt.Sprintf("web.%d", i%2+1), v)
		if err != nil {
			return err
		}
		repeated = append(repeated, k)
		b.rep.kill("as they come", k)
	}
	b.rep.goal(fmt.Sprintf("kill → replacement serving, %d kills as they come: min/median/max", len(repeated)), spread(repeated),
		"median < 2 s", median(repeated) < 2*time.Second)
	fresh, err := b.firstCrashes(ctx)
	if len(fresh) > 0 {
		b.rep.info(fmt.Sprintf("kill → replacement serving, %d first crashes: min/median/max", len(fresh)), "%s", spread(fresh))
	}
	b.rep.info("kill: engine's die event → Pier's list not up, all kills", "%s", noticeLag(repeated, fresh))
	return err
}

// firstCrashes is the second series: each kill preceded by a config
// change, which is a new release, whose dynos start with no crash record.
func (b *bench) firstCrashes(ctx context.Context) ([]kill, error) {
	if b.o.freshKills == 0 {
		return nil, nil
	}
	progress("phase 4: %d SIGKILLs of web.1, each after a new release (backoff reset)", b.o.freshKills)
	var fresh []kill
	for i := range b.o.freshKills {
		if err := b.api.setConfig(ctx, b.app, map[string]string{"RTBENCH_ROUND": strconv.Itoa(i + 1)}); err != nil {
			return fresh, err
		}
		v, err := b.api.newestRelease(ctx, b.app)
		if err != nil {
			return fresh, err
		}
		if _, err := b.api.waitWeb(ctx, b.app, 2, v, settleLimit); err != nil {
			return fresh, err
		}
		k, err := b.killOne(ctx, "web.1", v)
		if err != nil {
			return fresh, err
		}
		fresh = append(fresh, k)
		b.rep.kill("first crash", k)
	}
	return fresh, nil
}

// kill is one timed SIGKILL: how long until the replacement answered
// (took), and the steps on the way there, each from the kill (-1 when not
// seen): the engine's die event, Pier's dyno list no longer saying up, and
// the replacement container running.
type kill struct {
	dyno     string
	restarts string // of the killed container, which its crash backoff grows with
	took     time.Duration
	die      time.Duration
	pierSaw  time.Duration
	running  time.Duration
}

// killOne kills the dyno's container and polls every 20 ms (docker ps for
// a new container of the same dyno, then GET / on its published port) until
// the replacement answers 200; then it waits for Pier to list the app's web
// dynos as settled again, so the next kill starts from a steady state.
func (b *bench) killOne(ctx context.Context, dyno string, release int) (kill, error) {
	olds, err := b.dk.webBackends(ctx, b.app, dyno)
	if err != nil {
		return kill{}, err
	}
	if len(olds) != 1 {
		return kill{}, fmt.Errorf("expected one running container of %s, found %d", dyno, len(olds))
	}
	old := olds[0]
	wctx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	began := time.Now()
	die := b.dk.watchDie(wctx, old.id, began)
	pierSaw := b.watchNotUp(wctx, dyno, began)
	if err := b.dk.kill(ctx, old.id); err != nil {
		return kill{}, err
	}
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
	k := kill{dyno: dyno, restarts: old.restarts, running: -1}
	var addr string
	for {
		if time.Since(began) > settleLimit {
			return kill{}, fmt.Errorf("%s was not replaced within %v", dyno, settleLimit)
		}
		if addr == "" {
			news, err := b.dk.webBackends(ctx, b.app, dyno)
			if err != nil {
				return kill{}, err
			}
			for _, n := range news {
				if n.id != old.id {
					addr, k.running = n.addr, time.Since(began)
				}
			}
		}
		if addr != "" && get200(ctx, hc, addr, "") {
			break
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return kill{}, err
		}
	}
	k.took = time.Since(began)
	k.die, k.pierSaw = received(die), received(pierSaw)
	progress("  %s (restarts=%s) killed: die event +%s, Pier's list not up +%s, replacement running +%s, answering +%s",
		dyno, k.restarts, secs(k.die), secs(k.pierSaw), secs(k.running), secs(k.took))
	if _, err := b.api.waitWeb(ctx, b.app, 2, release, settleLimit); err != nil {
		return kill{}, err
	}
	return k, nil
}

// watchNotUp polls the dyno list every 20 ms until it lists the dyno in
// another state than up (crashed, or down while the record is removed),
// and sends how long after began that was.
func (b *bench) watchNotUp(ctx context.Context, dyno string, began time.Time) <-chan time.Duration {
	out := make(chan time.Duration, 1)
	go func() {
		for ctx.Err() == nil {
			ds, _ := b.api.dynos(ctx, b.app)
			for _, d := range ds {
				if d.Name == dyno && d.State != "up" {
					out <- time.Since(began)
					return
				}
			}
			_ = sleepCtx(ctx, 20*time.Millisecond)
		}
	}()
	return out
}

// received is what a watcher sent, or -1 if it saw nothing (yet).
func received(c <-chan time.Duration) time.Duration {
	select {
	case d := <-c:
		return d
	default:
		return -1
	}
}

func secs(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// noticeLag is the median time from the engine's die event to Pier's dyno
// list saying anything but up: how long Pier takes to learn of a crash.
func noticeLag(series ...[]kill) string {
	var lags []time.Duration
	for _, ks := range series {
		for _, k := range ks {
			if k.die >= 0 && k.pierSaw >= 0 {
				lags = append(lags, k.pierSaw-k.die)
			}
		}
	}
	if len(lags) == 0 {
		return "-"
	}
	slices.Sort(lags)
	return fmt.Sprintf("median %.2f s (min %.2f, max %.2f)", lags[len(lags)/2].Seconds(), lags[0].Seconds(), lags[len(lags)-1].Seconds())
}

func sortedTimes(ks []kill) []time.Duration {
	ts := make([]time.Duration, len(ks))
	for i, k := range ks {
		ts[i] = k.took
	}
	slices.Sort(ts)
	return ts
}

func median(ks []kill) time.Duration {
	ts := sortedTimes(ks)
	if len(ts) == 0 {
		return 0
	}
	if len(ts)%2 == 1 {
		return ts[len(ts)/2]
	}
	return (ts[len(ts)/2-1] + ts[len(ts)/2]) / 2
}

func spread(ks []kill) string {
	ts := sortedTimes(ks)
	if len(ts) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f / %.2f / %.2f s", ts[0].Seconds(), median(ks).Seconds(), ts[len(ts)-1].Seconds())
}
