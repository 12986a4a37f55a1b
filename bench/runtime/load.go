package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// target is what a load run sends GET / to: one address (a proxy), or
// several that each connection cycles through per request (client-side
// round-robin straight to the backends).
type target struct {
	name  string
	addrs []string
	host  string // Host header: the app's router name
}

// The load generator speaks HTTP/1.1 itself over one kept-alive connection
// per worker and address, rather than through net/http's client: on a
// 2-core machine every microsecond it spends is taken from the proxy under
// test, and a pooled client would hide reconnects it does for us.
const (
	requestTimeout = 10 * time.Second
	dialTimeout    = 5 * time.Second
	maxFailSamples = 6
)

// loadGen is a closed-loop load: each worker sends its next request as soon
// as the previous answer has been read in full.
type loadGen struct {
	t        target
	started  time.Time
	measured time.Time    // requests started before this are warm-up
	stopAt   atomic.Int64 // UnixNano once stopped; later requests aren't counted
	stopc    chan struct{}
	wg       sync.WaitGroup
	workers  []*worker
	finished sync.Once // finish may be deferred as well as called
	result   loadResult
}

// worker's tallies are its own until the run ends: no shared counters in
// the hot path.
type worker struct {
	lat      []time.Duration // successful (200) requests in the window
	requests int             // in the window, whatever their outcome
	failed   int
	statuses map[int]int    // non-200 answers by status
	bodies   map[string]int // bodies of 200 answers (which release answered)
	fails    []string       // first few failures, for the report
	conns    []*clientConn
}

type clientConn struct {
	c  net.Conn
	br *bufio.Reader
}

// startLoad starts conns workers; the first warmup of traffic is not counted.
func startLoad(t target, conns int, warmup time.Duration) *loadGen {
	g := &loadGen{t: t, started: time.Now(), stopc: make(chan struct{})}
	g.measured = g.started.Add(warmup)
	req := []byte("GET / HTTP/1.1\r\nHost: " + t.host + "\r\nUser-Agent: pier-runtime-bench\r\nAccept: */*\r\n\r\n")
	for range conns {
		w := &worker{lat: make([]time.Duration, 0, 1<<15), statuses: map[int]int{}, bodies: map[string]int{},
			conns: make([]*clientConn, len(t.addrs))}
		g.workers = append(g.workers, w)
		g.wg.Add(1)
		go g.work(w, req)
	}
	return g
}

func (g *loadGen) work(w *worker, req []byte) {
	defer g.wg.Done()
	defer func() {
		for _, c := range w.conns {
			if c != nil {
				c.c.Close()
			}
		}
	}()
	for i := 0; ; i++ {
		select {
		case <-g.stopc:
			return
		default:
		}
		slot := i % len(g.t.addrs)
		start := time.Now()
		status, body, err := g.once(w, slot, req)
		took := time.Since(start)
		if start.Before(g.measured) {
			continue
		}
		if s := g.stopAt.Load(); s != 0 && start.UnixNano() >= s {
			continue
		}
		w.requests++
		if err == nil && status == http.StatusOK {
			w.lat = append(w.lat, took)
			if len(body) <= 64 {
				w.bodies[string(body)]++
			}
			continue
		}
		w.failed++
		var what string
		if err != nil {
			what = err.Error()
		} else {
			w.statuses[status]++
			what = fmt.Sprintf("HTTP %d %s", status, herokuCode(body))
		}
		if len(w.fails) < maxFailSamples {
			w.fails = append(w.fails, fmt.Sprintf("+%.2fs %s: %s", start.Sub(g.started).Seconds(), g.t.addrs[slot], what))
		}
	}
}

// once sends one request on the slot's connection, dialling it first if
// needed, and reads the whole answer. A connection that failed, or that the
// server wants closed, is dropped and dialled again next time.
func (g *loadGen) once(w *worker, slot int, req []byte) (int, []byte, error) {
	cc := w.conns[slot]
	if cc == nil {
		c, err := net.DialTimeout("tcp", g.t.addrs[slot], dialTimeout)
		if err != nil {
			return 0, nil, err
		}
		cc = &clientConn{c: c, br: bufio.NewReaderSize(c, 4096)}
		w.conns[slot] = cc
	}
	drop := func() { cc.c.Close(); w.conns[slot] = nil }
	cc.c.SetDeadline(time.Now().Add(requestTimeout))
	if _, err := cc.c.Write(req); err != nil {
		drop()
		return 0, nil, err
	}
	resp, err := http.ReadResponse(cc.br, nil)
	if err != nil {
		drop()
		return 0, nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		drop()
		return resp.StatusCode, nil, err
	}
	if resp.Close {
		drop()
	}
	return resp.StatusCode, body, nil
}

var herokuCodeRe = regexp.MustCompile(`H\d\d: [^)<]*`)

// herokuCode is the error code in a router error page ("H13: Connection
// closed without response"), or the start of another body.
func herokuCode(body []byte) string {
	if m := herokuCodeRe.Find(body); m != nil {
		return string(m)
	}
	if len(body) > 60 {
		body = body[:60]
	}
	return fmt.Sprintf("%q", body)
}

// finish stops the load, waits for the requests in flight, and sums up.
// Later calls return the same result.
func (g *loadGen) finish() loadResult {
	g.finished.Do(func() { g.result = g.sum() })
	return g.result
}

func (g *loadGen) sum() loadResult {
	stopped := time.Now()
	g.stopAt.Store(stopped.UnixNano())
	close(g.stopc)
	g.wg.Wait()
	r := loadResult{target: g.t.name, conns: len(g.workers), elapsed: stopped.Sub(g.measured),
		statuses: map[int]int{}, bodies: map[string]int{}}
	for _, w := range g.workers {
		r.requests += w.requests
		r.failed += w.failed
		r.lat = append(r.lat, w.lat...)
		for k, v := range w.statuses {
			r.statuses[k] += v
		}
		for k, v := range w.bodies {
			r.bodies[k] += v
		}
		for _, f := range w.fails {
			if len(r.fails) < maxFailSamples {
				r.fails = append(r.fails, f)
			}
		}
	}
	slices.Sort(r.lat)
	return r
}

// loadResult is one run's outcome. lat holds every successful request's
// latency, sorted: exact percentiles for the price of 8 bytes a request.
type loadResult struct {
	target   string
	conns    int
	elapsed  time.Duration
	requests int
	failed   int
	statuses map[int]int
	bodies   map[string]int
	fails    []string
	lat      []time.Duration
	cpu      cpuUse
}

func (r loadResult) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// pct is the q-quantile (0 < q <= 1) by nearest rank.
func (r loadResult) pct(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(q*float64(len(r.lat))+0.999999) - 1
	return r.lat[min(max(i, 0), len(r.lat)-1)]
}

func (r loadResult) max() time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[len(r.lat)-1]
}

// runFor is a fixed-length run: warm-up, then the measured window, with the
// CPU time of the proxy, the backends and the rest of the machine read
// around it.
func runFor(ctx context.Context, t target, conns int, warmup, d time.Duration, proxy, backends pidSet) (loadResult, error) {
	g := startLoad(t, conns, warmup)
	if err := sleepCtx(ctx, warmup); err != nil {
		g.finish()
		return loadResult{}, err
	}
	before := sampleCPU(proxy, backends)
	if err := sleepCtx(ctx, d); err != nil {
		g.finish()
		return loadResult{}, err
	}
	after := sampleCPU(proxy, backends)
	r := g.finish()
	r.cpu = after.since(before)
	return r, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
