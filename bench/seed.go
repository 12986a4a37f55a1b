package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// appName is the i-th seeded app (1-based); app 1 also gets the releases.
func appName(i int) string { return fmt.Sprintf("bench-%05d", i) }

// parallel runs fn(i) for i in [0, n) on workers goroutines, stopping at the
// first error, and prints progress every 2 s.
func parallel(ctx context.Context, what string, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	began := time.Now()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-finished:
			if err := context.Cause(ctx); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			el := time.Since(began)
			progress("%s: %d done in %.1fs (%.0f/s)", what, n, el.Seconds(), float64(n)/el.Seconds())
			return nil
		case <-tick.C:
			d := done.Load()
			progress("%s: %d/%d (%.0f/s)", what, d, n, float64(d)/time.Since(began).Seconds())
		}
	}
}

// seedApps creates apps bench-00001… through the API.
func seedApps(ctx context.Context, c *client, n, workers int) error {
	return parallel(ctx, "create apps", n, workers, func(ctx context.Context, i int) error {
		return c.createApp(ctx, appName(i+1))
	})
}

// seedReleases brings app to target releases with config-var PATCHes. PATCH
// i sets key BENCH_(i mod workers) to i: values are never repeated, so every
// PATCH changes one (and makes a release), while the config stays small.
// Concurrent PATCHes on one app conflict; the server retries them.
func seedReleases(ctx context.Context, c *client, app string, target, workers int) error {
	have, err := c.newestRelease(ctx, app)
	if err != nil {
		return err
	}
	n := target - have
	if n <= 0 {
		return nil
	}
	return parallel(ctx, "create releases", n, workers, func(ctx context.Context, i int) error {
		key := "BENCH_" + strconv.Itoa(i%workers)
		return c.setConfig(ctx, app, map[string]string{key: strconv.Itoa(have + i + 1)})
	})
}

// verifyReleases checks that the newest release is version want.
func verifyReleases(ctx context.Context, c *client, app string, want int) error {
	got, err := c.newestRelease(ctx, app)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("app %s: newest release is v%d, want v%d", app, got, want)
	}
	progress("verified: %s has %d releases (newest v%d)", app, want, got)
	return nil
}
