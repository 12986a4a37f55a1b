package router

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"time"
)

// defaultTimeout is Heroku's limit for the first byte of a response.
const defaultTimeout = 30 * time.Second

// Router is an http.Handler that routes each request by Host to one of its
// app's web dynos. Set its fields before the first request and do not change
// them afterwards; a Router must not be copied after first use.
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

	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// Timeout is how long a backend may stay silent before sending its
	// response headers; beyond it the router answers 503 (H12). Zero means
	// 30s. The countdown restarts while the request body is still being
	// sent, and stops once the headers have arrived: it never limits
	// streaming responses or WebSockets.
	Timeout time.Duration

	// Transport sends requests to backends; nil means a tuned
	// *http.Transport built once. A custom transport should return the
	// dialler's *net.OpError (Op "dial") when it could not connect, so that
	// failover knows the request was not sent.
	Transport http.RoundTripper

	once  sync.Once
	proxy *httputil.ReverseProxy
	rr    roundRobin
	// inflight counts requests per backend, for Drain.
	inflight inFlight
	logger   *slog.Logger
}

func (rt *Router) init() {
	rt.logger = rt.Logger
	if rt.logger == nil {
		rt.logger = slog.New(slog.DiscardHandler)
	}
	next := rt.Transport
	if next == nil {
		next = newTransport(rt.now)
	}
	timeout := rt.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	rt.proxy = &httputil.ReverseProxy{
		Rewrite:        rt.rewrite,
		Transport:      &failover{next: next, timeout: timeout, logger: rt.logger, inflight: &rt.inflight},
		ModifyResponse: rt.modifyResponse,
		ErrorHandler:   rt.proxyError,
		ErrorLog:       slog.NewLogLogger(rt.logger.Handler(), slog.LevelDebug),
		BufferPool:     &bufferPool{},
		// FlushInterval stays 0: recorder flushes after every write.
	}
}

func (rt *Router) now() time.Time {
	if rt.Now != nil {
		return rt.Now()
	}
	return time.Now()
}

// ServeHTTP routes r to its app.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.once.Do(rt.init)
	ex := &exchange{
		start:  rt.now(),
		id:     requestID(r.Header),
		method: r.Method,
		path:   r.RequestURI,
		proto:  "http",
		client: r.Context(),
		rec:    recorder{ResponseWriter: w},
	}
	if ex.path == "" { // a request that did not come from an http.Server
		ex.path = r.URL.RequestURI()
	}
	if r.TLS != nil {
		ex.proto = "https"
	}
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ex.peer = ip
	}

	host, ok := normalizeHost(r.Host)
	var route Route
	if ok && rt.Lookup != nil {
		route, ok = rt.Lookup(host)
	} else {
		ok = false
	}
	if !ok {
		if rt.Lookup == nil {
			rt.logger.Error("router: Lookup is nil")
		}
		rt.logger.Debug("router: no such app", "host", r.Host, "request_id", ex.id)
		writeNoSuchApp(w, r, host, ex.id)
		return
	}
	ex.host, ex.route = host, route

	switch {
	case route.Maintenance:
		ex.fail = maintenance
	case len(route.Backends) == 0:
		ex.fail = noWebDynos
	}
	if ex.fail != served {
		writeFailure(&ex.rec, r, ex, ex.fail)
		rt.logRequest(ex)
		return
	}

	ex.first = rt.rr.start(route.App, len(route.Backends))
	ctx, cancel := context.WithCancel(context.WithValue(r.Context(), exchangeKey{}, ex))
	defer cancel()
	ex.cancel = cancel
	if r.ProtoMajor == 1 && r.ContentLength != 0 {
		// By default the server discards an unread request body once the
		// response starts; a proxy must keep relaying both directions.
		if http.NewResponseController(w).EnableFullDuplex() == nil {
			// With full duplex on, a body left unread (the backend never
			// took it) is drained after the handler, which makes the
			// server panic on the next keep-alive request
			// (golang/go#68560). Closing it here drains at most 256 KB
			// while the handler still runs, or marks the connection for
			// closing beyond that.
			defer r.Body.Close()
		}
	}
	defer rt.finish(ex)
	rt.proxy.ServeHTTP(&ex.rec, r.WithContext(ctx))
}

// finish logs the request, including one the proxy aborted by panicking
// with http.ErrAbortHandler because a body copy failed after the headers
// were sent; the panic continues so the server drops the connection.
func (rt *Router) finish(ex *exchange) {
	p := recover()
	if ex.counted != nil {
		ex.counted.Add(-1)
	}
	if p != nil {
		switch {
		case p != http.ErrAbortHandler:
			ex.fail = platformError
			rt.logger.Error("router: panic", "app", ex.route.App, "panic", p)
		case ex.client.Err() != nil || ex.rec.err != nil:
			ex.fail, ex.status = clientInterrupted, statusClientClosed
		default:
			ex.fail = serverInterrupted
		}
	}
	rt.logRequest(ex)
	if p != nil {
		panic(p)
	}
}

// modifyResponse sets our X-Request-Id on the response, replacing any from
// the app so the client sees the id the logs use, and notes a protocol
// switch, which the recorder does not see.
func (rt *Router) modifyResponse(resp *http.Response) error {
	ex := exchangeFrom(resp.Request.Context())
	resp.Header["X-Request-Id"] = ex.header(5, ex.id)
	if resp.StatusCode == http.StatusSwitchingProtocols {
		ex.status = http.StatusSwitchingProtocols
	}
	return nil
}

// proxyError is the proxy's ErrorHandler: the request could not be proxied.
func (rt *Router) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	ex := exchangeFrom(r.Context())
	switch {
	case ex.timedOut.Load():
		ex.fail = requestTimeout
	case ex.client.Err() != nil:
		ex.fail = clientInterrupted
	case ex.fail == served: // failover sets H10 or H19 itself
		ex.fail = closedWithoutReply
	}
	if ex.fail == clientInterrupted {
		ex.status = statusClientClosed
		rt.logger.Debug("router: client went away", "app", ex.route.App, "request_id", ex.id)
		return
	}
	rt.logger.Warn("router: proxy failed", "app", ex.route.App, "dyno", ex.dyno,
		"code", ex.fail.code(), "request_id", ex.id, "err", err)
	ex.status = 0
	if ex.rec.status != 0 {
		return // headers already sent; all we can do is log
	}
	writeFailure(w, r, ex, ex.fail)
}

// logRequest gives the request's log line to Log.
func (rt *Router) logRequest(ex *exchange) {
	if rt.Log == nil {
		return
	}
	var buf [512]byte
	rt.Log(ex.route.App, string(appendLogLine(buf[:0], ex, rt.now())))
}
