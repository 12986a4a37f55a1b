package router

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// exchange is the router's state for one request. ServeHTTP creates it and
// puts it in the request context, where the proxy's hooks and the dialler
// find it. Holding everything, even the ResponseWriter and body wrappers, in
// one struct keeps the router's own allocations per request few.
type exchange struct {
	start  time.Time
	id     string // X-Request-Id, the client's or ours
	method string
	path   string // request target as received, for the log
	host   string // normalized Host
	peer   string // client IP: appended to X-Forwarded-For, logged as fwd
	proto  string // "http" or "https"

	route Route
	first int    // index in route.Backends of the first backend to try
	dyno  string // backend that served the request, or the last one tried
	// counted is the in-flight counter of the backend serving the
	// request, decremented when the exchange ends.
	counted *atomic.Int64

	client context.Context    // inbound context: done once the client is gone
	cancel context.CancelFunc // cancels the outbound request, for H12

	timedOut atomic.Bool  // Timeout passed before response headers arrived
	connect  atomic.Int64 // nanoseconds spent dialling backends

	// The H12 timer. Upload progress restarts it until the response
	// headers have arrived (answered); mu orders the two.
	mu       sync.Mutex
	timer    *time.Timer
	timeout  time.Duration
	answered bool

	fail   failure
	status int // status for the log when it differs from what was sent (499)

	rec  recorder    // the client's ResponseWriter, counting what it sends
	body trackedBody // request body wrapper that makes failover safe

	// hdr backs the outbound header values, saving an allocation per value.
	hdr [6]string
}

type exchangeKey struct{}

func exchangeFrom(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

// expire is the Timeout timer's callback.
func (ex *exchange) expire() {
	ex.timedOut.Store(true)
	ex.cancel()
}

// startTimer starts the H12 countdown.
func (ex *exchange) startTimer(d time.Duration) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.timeout = d
	ex.timer = time.AfterFunc(d, ex.expire)
}

// progress restarts the countdown: the backend is not silent while it is
// still receiving the request body.
func (ex *exchange) progress() {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if ex.timer != nil && !ex.answered {
		ex.timer.Reset(ex.timeout)
	}
}

// stopTimer ends the countdown once response headers (or an error) are in,
// and reports whether it had already run out.
func (ex *exchange) stopTimer() (expired bool) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.answered = true
	return !ex.timer.Stop() || ex.timedOut.Load()
}

// header returns v as a one-element header value backed by ex.hdr[i]; the
// capped capacity keeps an append elsewhere from writing over its neighbour.
func (ex *exchange) header(i int, v string) []string {
	ex.hdr[i] = v
	return ex.hdr[i : i+1 : i+1]
}
