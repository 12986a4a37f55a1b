package router

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"time"
)

// failover is the proxy's RoundTripper. It tries the route's backends in
// round-robin order and moves on to the next only when dialling failed:
// then nothing was sent, so retrying is safe even for a POST with a body.
// Each backend is tried at most once.
//
// It also enforces Timeout (H12): how long the backend may stay silent
// before its response headers. The countdown starts with the first attempt
// and restarts whenever more of the request body goes out, so a slow upload
// is not cut off while it is still flowing (on Heroku it would be). Once
// RoundTrip has returned, the response may take as long as it likes.
type failover struct {
	next     http.RoundTripper
	timeout  time.Duration
	logger   *slog.Logger
	inflight *inFlight
}

func (f *failover) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := exchangeFrom(req.Context())
	if ex == nil {
		return nil, errors.New("router: outbound request without an exchange")
	}
	ex.startTimer(f.timeout)
	resp, err := f.try(req, ex)
	if ex.stopTimer() {
		// The timer fired, cancelling the outbound context: a response
		// that raced in would break as soon as its body is read.
		ex.timedOut.Store(true)
		if resp != nil {
			resp.Body.Close()
		}
		if err == nil {
			err = context.DeadlineExceeded
		}
		return nil, fmt.Errorf("router: no response from %s within %v: %w", ex.dyno, f.timeout, err)
	}
	return resp, err
}

func (f *failover) try(req *http.Request, ex *exchange) (*http.Response, error) {
	backends := ex.route.Backends
	n := len(backends)
	if req.Body != nil {
		// http.Transport closes the body when a dial fails; the wrapper
		// keeps it open for the next backend, and reports progress.
		ex.body.r, ex.body.ex = req.Body, ex
		req.Body = &ex.body
	}
	var (
		errs    []error
		reason  = appCrashed // H19 instead if any dial timed out
		hangUps int
	)
	for i := range n {
		b := backends[(ex.first+i)%n]
		ex.dyno = b.Dyno
		out := req
		if i > 0 {
			// The transport may still hold the previous attempt's
			// request; give the new one its own URL.
			out = req.WithContext(req.Context())
			u := *req.URL
			out.URL = &u
		}
		out.URL.Host = b.Addr
		c := f.inflight.counter(b.Addr)
		c.Add(1)
		resp, err := f.next.RoundTrip(out)
		if err == nil {
			ex.counted = c
			return resp, nil
		}
		c.Add(-1)
		var op *net.OpError
		dialFailed := errors.As(err, &op) && op.Op == "dial"
		if !(dialFailed || hungUp(req, err)) || ex.body.read.Load() || req.Context().Err() != nil {
			return nil, err
		}
		f.logger.Warn("router: backend failed before answering; trying the next", "app", ex.route.App, "dyno", b.Dyno, "addr", b.Addr, "err", err)
		if dialFailed && op.Timeout() {
			reason = connectTimeout
		}
		if !dialFailed {
			hangUps++
		}
		errs = append(errs, err)
	}
	if hangUps == len(errs) {
		reason = closedWithoutReply // every backend took the request and hung up
	}
	ex.fail = reason
	return nil, fmt.Errorf("router: no backend of %s reachable: %w", ex.route.App, errors.Join(errs...))
}

// hungUp reports whether a bodiless idempotent request met a backend that
// closed the connection without a byte of answer. Like nginx's
// proxy_next_upstream, such a request is retried on another backend: a
// published Docker port is served by a userland proxy that accepts the
// connection even when the dyno behind it has just died, so a dyno's death
// shows up as a hang-up rather than a refused dial.
func hungUp(req *http.Request, err error) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
	default:
		return false
	}
	if req.Body != nil && req.Body != http.NoBody && req.ContentLength != 0 {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// trackedBody passes the request body to the transport but ignores Close,
// and notes whether anything was read: only an unread body may be sent
// again. The server closes the real body when the handler returns.
type trackedBody struct {
	r    io.ReadCloser
	ex   *exchange
	read atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 || err == nil {
		b.read.Store(true)
	}
	if n > 0 {
		b.ex.progress()
	}
	return n, err
}

func (b *trackedBody) Close() error { return nil }
