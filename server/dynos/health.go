package dynos

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/pier-paas/pier/server/scheduler"
)

// Health checks: a web dyno joins the routes only once something answers
// on its port. A check through a published port on 127.0.0.1 meets
// Docker's userland proxy, which accepts every connection even when
// nothing listens behind it; so a TCP check also reads briefly: the proxy
// hangs up at once when the dyno refuses it, while a live server waits for
// the client to talk. A dyno that was healthy and stays unhealthy is
// replaced by the reconciler (Options.ReplaceUnhealthyAfter).
const (
	checkDial    = time.Second
	checkListen  = 150 * time.Millisecond // how long a hang-up may take
	recheckEvery = 5 * time.Second
	// HealthPathVar is the config var that switches a web process to an HTTP
	// check: any answer below 500 on that path counts as healthy.
	HealthPathVar = "PIER_HEALTHCHECK_PATH"
)

type healthResult struct {
	ok      bool
	checked time.Time
	fails   int // consecutive failed checks since it was last healthy
	// sickSince is when a dyno that had been healthy left the routes; the
	// reconciler replaces it after a while (Instance.UnhealthySince).
	sickSince time.Time
}

// unhealthyAfter is how many checks in a row a healthy dyno must fail to
// leave the routes: one slow answer on a busy host is not an outage (the
// router retries a dead dyno's requests anyway).
const unhealthyAfter = 3

// healthChecks remembers the last result per container.
type healthChecks struct {
	now     func() time.Time
	mu      sync.Mutex
	results map[string]healthResult
}

func newHealthChecks(now func() time.Time) *healthChecks {
	return &healthChecks{now: now, results: map[string]healthResult{}}
}

// update checks the running web instances that are due (unchecked,
// unhealthy, or healthy but last checked a while ago), in parallel, and
// sets Healthy on all of them. paths maps app id to its HTTP check path.
// It reports whether any web instance is still waiting to become healthy.
func (hc *healthChecks) update(ctx context.Context, insts []scheduler.Instance, paths map[string]string) (waiting bool) {
	now := hc.now()
	var wg sync.WaitGroup
	seen := make(map[string]bool, len(insts))
	// dockerOK is the engine's own verdict (a HEALTHCHECK in the image, or
	// simply running): necessary for a web dyno, not sufficient.
	dockerOK := make(map[string]bool, len(insts))
	for i := range insts {
		in := &insts[i]
		if in.Type != "web" || in.State != scheduler.Up {
			continue
		}
		if in.Addr == "" {
			in.Healthy = false // unpublished, or on a host that can't be reached
			continue
		}
		seen[in.ID], dockerOK[in.ID], in.Healthy = true, in.Healthy, false
		hc.mu.Lock()
		r, known := hc.results[in.ID]
		hc.mu.Unlock()
		if known && r.ok && now.Sub(r.checked) < recheckEvery {
			continue
		}
		wg.Add(1)
		go func(id, addr, path string) {
			defer wg.Done()
			err := check(ctx, addr, path)
			hc.mu.Lock()
			r := hc.results[id]
			switch {
			case err == nil:
				r = healthResult{ok: true}
			case r.ok && r.fails+1 < unhealthyAfter:
				r.fails++ // still healthy, looked at again next round
			case r.ok:
				r = healthResult{fails: r.fails + 1, sickSince: hc.now()}
			default:
				r = healthResult{fails: r.fails + 1, sickSince: r.sickSince}
			}
			r.checked = hc.now()
			if r.fails > 0 {
				r.checked = time.Time{} // due again at once
			}
			hc.results[id] = r
			hc.mu.Unlock()
		}(in.ID, in.Addr, paths[in.App])
	}
	wg.Wait()
	hc.mu.Lock()
	defer hc.mu.Unlock()
	for i := range insts {
		in := &insts[i]
		if !seen[in.ID] {
			continue
		}
		r := hc.results[in.ID]
		in.Healthy = dockerOK[in.ID] && r.ok
		if !r.ok {
			in.UnhealthySince = r.sickSince
		}
		// Starting, or being confirmed dead: look again soon. A dyno that
		// never answered in a minute is left to the periodic resync.
		if (!in.Healthy && now.Sub(in.StartedAt) < time.Minute) || (in.Healthy && r.fails > 0) {
			waiting = true
		}
	}
	for id := range hc.results {
		if !seen[id] {
			delete(hc.results, id)
		}
	}
	return waiting
}

// check is one health check of addr: HTTP GET path when path is set, else
// a TCP connect that isn't hung up on.
func check(ctx context.Context, addr, path string) error {
	if path != "" {
		return checkHTTP(ctx, addr, path)
	}
	d := net.Dialer{Timeout: checkDial}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(checkListen))
	var b [1]byte
	_, err = c.Read(b[:])
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		return nil // it spoke first, or it waits for us: something listens
	}
	return err
}

var checkClient = &http.Client{
	Timeout:   2 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a redirect is an answer
	},
}

func checkHTTP(ctx context.Context, addr, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "pier-healthcheck")
	resp, err := checkClient.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		return errors.New(resp.Status)
	}
	return nil
}
