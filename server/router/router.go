package router

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// defaultTimeout is Heroku's limit for the first byte of a response.
const defaultTimeout = 30 * time.Second

// defaultStreamIdleTimeout is Heroku's idle window for streams and
// WebSockets.
const defaultStreamIdleTimeout = 55 * time.Second

// ErrClosed is what Serve returns after Shutdown.
var ErrClosed = errors.New("router: closed")

// Router serves HTTP/1.x on its listeners and routes each request by Host
// to one of its app's web dynos. Set its fields before calling Serve and
// do not change them afterwards; a Router must not be copied after first
// use.
type Router struct {
	// Lookup finds the route for a request's Host (lower-cased, port
	// stripped). Required. It is called once per request, concurrently, so
	// it should be a map read, not a database query. The router keeps
	// using the returned Backends slice until the request ends: replace
	// routes, never modify a slice already handed out.
	Lookup func(host string) (Route, bool)

	// Log receives one heroku[router]-style line per request, for the app's
	// log. May be nil. It is called after the response has finished (for a
	// WebSocket, when the connection closes), concurrently.
	Log func(app, line string)

	// Logger receives operational logs: unknown hosts at debug, unreachable
	// backends and proxy failures at warn. Never request headers or bodies.
	// Nil means discard.
	Logger *slog.Logger

	// Now is the clock for log lines; nil means time.Now. Deadlines use
	// the real clock.
	Now func() time.Time

	// Timeout is how long a backend may stay silent before sending its
	// response headers; beyond it the router answers 503 (H12). Zero means
	// 30s. The countdown restarts while the request body is still being
	// sent, and stops once the headers have arrived: it never limits
	// streaming responses or WebSockets.
	Timeout time.Duration

	// IdleTimeout is how long a client's keep-alive connection may wait
	// for its next request. Zero means 90s.
	IdleTimeout time.Duration

	// StreamIdleTimeout is Heroku's rolling window for what follows a
	// response head: a body the app streams, or a WebSocket. Each byte,
	// either way, restarts it; a connection silent for that long is cut
	// (H15). Zero means 55s.
	StreamIdleTimeout time.Duration

	// Dial connects to a backend; nil means a net.Dialer. The context
	// carries the dial's deadline (5s at most). An error whose Timeout
	// method reports true counts as a connect timeout (H19).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	once   sync.Once
	logger *slog.Logger
	rr     roundRobin
	pool   pool
	// inflight counts requests per backend, for Drain.
	inflight inFlight
	down     downList

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*clientConn]struct{}
	closing   atomic.Bool
}

func (rt *Router) init() {
	rt.logger = rt.Logger
	if rt.logger == nil {
		rt.logger = slog.New(slog.DiscardHandler)
	}
}

func (rt *Router) now() time.Time {
	if rt.Now != nil {
		return rt.Now()
	}
	return time.Now()
}

func (rt *Router) timeout() time.Duration {
	if rt.Timeout > 0 {
		return rt.Timeout
	}
	return defaultTimeout
}

func (rt *Router) streamIdleTimeout() time.Duration {
	if rt.StreamIdleTimeout > 0 {
		return rt.StreamIdleTimeout
	}
	return defaultStreamIdleTimeout
}

func (rt *Router) idleTimeout() time.Duration {
	if rt.IdleTimeout > 0 {
		return rt.IdleTimeout
	}
	return defaultIdleTimeout
}

// Serve accepts connections on l (plain TCP, or a crypto/tls listener for
// HTTPS) and serves each on its own goroutine until Shutdown, when it
// returns ErrClosed. Serve may be called for several listeners.
func (rt *Router) Serve(l net.Listener) error {
	rt.once.Do(rt.init)
	if !rt.track(l) {
		l.Close()
		return ErrClosed
	}
	var backoff time.Duration
	for {
		conn, err := l.Accept()
		if err != nil {
			if rt.closing.Load() {
				return ErrClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, errTooManyFiles) {
				// Out of file descriptors, say: wait rather than spin.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				rt.logger.Warn("router: accept failed; retrying", "err", err, "in", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := newClientConn(rt, conn)
		if !rt.trackConn(c) {
			conn.Close()
			return ErrClosed
		}
		go c.serve()
	}
}

func (rt *Router) track(l net.Listener) bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closing.Load() {
		return false
	}
	if rt.listeners == nil {
		rt.listeners = make(map[net.Listener]struct{})
	}
	rt.listeners[l] = struct{}{}
	return true
}

func (rt *Router) trackConn(c *clientConn) bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closing.Load() {
		return false
	}
	if rt.conns == nil {
		rt.conns = make(map[*clientConn]struct{})
	}
	rt.conns[c] = struct{}{}
	return true
}

func (rt *Router) untrack(c *clientConn) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	delete(rt.conns, c)
}

// Shutdown stops accepting, closes idle client connections and waits for
// the others to finish their current request, until ctx ends; then it
// closes whatever is left (WebSockets, long polls) and returns ctx's error.
func (rt *Router) Shutdown(ctx context.Context) error {
	rt.once.Do(rt.init)
	rt.mu.Lock()
	rt.closing.Store(true)
	for l := range rt.listeners {
		l.Close()
	}
	rt.mu.Unlock()
	defer rt.pool.closeAll()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		rt.mu.Lock()
		for c := range rt.conns {
			if c.idle.Load() {
				c.conn.Close()
			}
		}
		left := len(rt.conns)
		rt.mu.Unlock()
		if left == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			rt.mu.Lock()
			for c := range rt.conns {
				c.conn.Close()
			}
			rt.mu.Unlock()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// logRequest gives the request's log line to Log.
func (rt *Router) logRequest(ex *exchange) {
	if rt.Log == nil {
		return
	}
	var buf [512]byte
	rt.Log(ex.route.App, string(appendLogLine(buf[:0], ex, rt.now())))
}

// errTooManyFiles is accept's complaint when the process is out of file
// descriptors, which passes once connections close.
var errTooManyFiles = syscall.EMFILE
