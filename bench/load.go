package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// latencyRun times n sequential release-list requests. Each must answer 206
// (or 200 on a short app) with its body read in full.
func latencyRun(ctx context.Context, c *client, app string, pageSize, n int) (summary, error) {
	path := "/apps/" + app + "/releases"
	rng := releasesRange(pageSize)
	one := func() (time.Duration, error) {
		req, err := c.request(ctx, http.MethodGet, path, nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Range", rng)
		status, took, err := timed(c, req)
		if err != nil {
			return 0, err
		}
		if status != http.StatusPartialContent && status != http.StatusOK {
			return 0, fmt.Errorf("GET %s: HTTP %d", path, status)
		}
		return took, nil
	}
	lat := make([]time.Duration, 0, n)
	for range n {
		d, err := one()
		if err != nil {
			return summary{}, err
		}
		lat = append(lat, d)
	}
	return summarize(lat), nil
}

// throughput is the outcome of a closed-loop load run.
type throughput struct {
	requests, errors int
	firstError       error
	elapsed          time.Duration
	latency          summary // of successful requests
}

func (t throughput) rate() float64 { return float64(t.requests) / t.elapsed.Seconds() }

// loadRun has `clients` goroutines each send GET /apps/NAME back to back for
// d, over the shared keep-alive transport, cycling through the seeded apps so
// that no single row stays hot. Errors are counted, not fatal.
func loadRun(ctx context.Context, c *client, apps, clients int, d time.Duration) (throughput, error) {
	type result struct {
		lat    []time.Duration
		errors int
		first  error
	}
	results := make([]result, clients)
	var wg sync.WaitGroup
	began := time.Now()
	deadline := began.Add(d)
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[w]
			r.lat = make([]time.Duration, 0, 4096)
			for i := w; time.Now().Before(deadline) && ctx.Err() == nil; i += clients {
				t, err := getApp(ctx, c, appName(i%apps+1))
				if err != nil {
					r.errors++
					if r.first == nil {
						r.first = err
					}
					continue
				}
				r.lat = append(r.lat, t)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return throughput{}, err
	}
	t := throughput{elapsed: time.Since(began)}
	var all []time.Duration
	for _, r := range results {
		all = append(all, r.lat...)
		t.errors += r.errors
		if t.firstError == nil {
			t.firstError = r.first
		}
	}
	t.requests = len(all) + t.errors
	t.latency = summarize(all)
	if t.requests == 0 {
		return t, errors.New("load run sent no requests")
	}
	return t, nil
}

// getApp times one GET /apps/NAME, body read in full; non-200 is an error.
func getApp(ctx context.Context, c *client, app string) (time.Duration, error) {
	req, err := c.request(ctx, http.MethodGet, "/apps/"+app, nil)
	if err != nil {
		return 0, err
	}
	status, took, err := timed(c, req)
	if err != nil {
		return 0, err
	}
	if status != http.StatusOK {
		return 0, fmt.Errorf("GET /apps/%s: HTTP %d", app, status)
	}
	return took, nil
}

// timed sends req and reads the whole body: the time is until the last byte.
func timed(c *client, req *http.Request) (status int, took time.Duration, err error) {
	began := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(began), err
}
