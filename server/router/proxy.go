package router

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// errDeadline is what a read or write past its deadline returns.
var errDeadline = os.ErrDeadlineExceeded

// serveRequest answers the request in c.req: routes it, proxies it or
// answers with a page, and logs it. It reports whether the connection may
// carry another request.
func (c *clientConn) serveRequest() (keepAlive bool) {
	rt, req, ex := c.rt, &c.req, &c.ex
	*ex = exchange{
		start:  rt.now(),
		method: req.methodString(),
		path:   string(req.bytes(req.target)),
		peer:   c.peer,
		proto:  c.proto,
	}
	ex.id = requestID(req)
	c.bodyUnread = req.hasBody()
	// A page answers without reading the body: the connection stays usable
	// only if the body is already buffered, to be skipped.
	keepAfterPage := req.keepAlive && (!req.hasBody() || req.bodyBuffered(c.br))

	host, ok := normalizeHost(string(req.bytes(req.host)))
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
		rt.logger.Debug("router: no such app", "host", string(req.bytes(req.host)), "request_id", ex.id)
		writeNoSuchApp(c.bw, req, host, ex.id, keepAfterPage)
		return c.finishPage(keepAfterPage)
	}
	ex.host, ex.route = host, route
	defer func() {
		if p := recover(); p != nil {
			ex.fail = platformError
			rt.logRequest(ex)
			panic(p) // on to serve, which closes the connection
		}
		rt.logRequest(ex)
	}()

	switch {
	case route.Maintenance:
		ex.fail = maintenance
	case len(route.Backends) == 0:
		ex.fail = noWebDynos
	}
	if ex.fail != served {
		ex.status, ex.bytes = writeFailure(c.bw, req, ex, keepAfterPage)
		return c.finishPage(keepAfterPage)
	}
	return c.proxy(keepAfterPage)
}

// finishPage sends a page written to c.bw and skips the request's
// buffered body if no backend took it.
func (c *clientConn) finishPage(keepAlive bool) bool {
	if keepAlive && c.bodyUnread && c.req.contentLength > 0 {
		_, _ = c.br.Discard(int(c.req.contentLength))
	}
	if err := c.bw.Flush(); err != nil {
		return false
	}
	return keepAlive
}

// proxy sends the request to the route's backends in round-robin order,
// those whose last dial failed last, until one answers. It moves on to
// the next backend only when nothing can have reached the app (the dial
// failed), or when a bodiless idempotent request met a backend that hung
// up without a byte of answer. Each backend is tried at most once.
func (c *clientConn) proxy(keepAfterPage bool) bool {
	rt, req, ex := c.rt, &c.req, &c.ex
	backends := ex.route.Backends
	ex.first = rt.rr.start(ex.route.App, len(backends))
	timeout := rt.timeout()
	now := time.Now()
	deadline := now.Add(timeout)
	// The body goes with the head when it is all here; otherwise a
	// goroutine streams it while the router waits for the answer.
	streaming := req.hasBody() && !req.bodyBuffered(c.br)
	retryHangUp := !req.hasBody() && req.idempotent()

	reason, tries, hangUps := appCrashed, 0, 0
	order := tryOrder{n: len(backends), first: ex.first, now: now}
	for k := order.next(&rt.down, backends); k >= 0; k = order.next(&rt.down, backends) {
		b := backends[k]
		ex.dyno = b.Dyno
		tries++
		out, err := c.tryBackend(b, deadline, timeout, streaming, retryHangUp)
		if err != nil {
			rt.down.mark(b.Addr, time.Now())
			rt.logger.Warn("router: cannot reach backend; trying the next", "app", ex.route.App, "dyno", b.Dyno, "addr", b.Addr, "err", err)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				reason = connectTimeout
			}
			if time.Now().After(deadline) {
				reason = requestTimeout
				break
			}
			continue
		}
		switch {
		case out == hungUp && retryHangUp:
			rt.logger.Warn("router: backend hung up before answering; trying the next", "app", ex.route.App, "dyno", b.Dyno, "addr", b.Addr)
			hangUps++
			continue
		case out == hungUp:
			ex.fail = closedWithoutReply
		case out == answered || out == answeredKeepAlive:
			return out == answeredKeepAlive
		}
		if ex.fail == clientInterrupted {
			return false
		}
		// The backend failed (H12, H13, H17): the request's body may be
		// half sent, so the client connection only survives a bodiless one.
		keep := keepAfterPage && !streaming
		ex.status, ex.bytes = writeFailure(c.bw, req, ex, keep)
		return c.finishPage(keep)
	}
	if hangUps == tries {
		reason = closedWithoutReply
	}
	ex.fail = reason
	ex.status, ex.bytes = writeFailure(c.bw, req, ex, keepAfterPage)
	return c.finishPage(keepAfterPage)
}

// tryBackend sends the request to b, on an idle connection when there is
// one. When the app closed that idle connection as the request went out,
// a request that may be retried goes again on a new connection to b. An
// error means no connection to b could be made.
func (c *clientConn) tryBackend(b Backend, deadline time.Time, timeout time.Duration, streaming, retryHangUp bool) (outcome, error) {
	rt := c.rt
	// Counted from before the dial, so that Drain waits for a request
	// that picked b just before it left the routes.
	counter := rt.inflight.counter(b.Addr)
	counter.Add(1)
	defer counter.Add(-1)
	fresh := false
	for {
		bc, reused, err := rt.connect(b.Addr, deadline, &c.ex, fresh)
		if err != nil {
			return failed, err
		}
		if !reused {
			rt.down.clear(b.Addr)
		}
		out := c.attempt(bc, deadline, timeout, streaming)
		if out == hungUp && retryHangUp && reused {
			fresh = true
			continue
		}
		return out, nil
	}
}

// tryOrder walks a route's backends round-robin from first, in two
// passes: those not marked down, then those that were.
type tryOrder struct {
	n, first, i int
	pass        int
	now         time.Time
	skipped     [4]uint64 // bit k: backend k was down in the first pass; only the first 256 can be put off
}

// next returns the index of the next backend to try, or -1.
func (o *tryOrder) next(d *downList, backends []Backend) int {
	for o.pass < 2 {
		for o.i < o.n {
			k := (o.first + o.i) % o.n
			o.i++
			bit, word := uint64(1)<<(k%64), k/64
			if o.pass == 0 {
				if word < len(o.skipped) && d.down(backends[k].Addr, o.now) {
					o.skipped[word] |= bit
					continue
				}
				return k
			}
			if word < len(o.skipped) && o.skipped[word]&bit != 0 {
				return k
			}
		}
		o.pass++
		o.i = 0
	}
	return -1
}

// outcome is how one attempt on a backend ended.
type outcome uint8

const (
	failed            outcome = iota // ex.fail says why; nothing was sent to the client
	hungUp                           // the backend closed without a byte of answer
	answered                         // the client got an answer (possibly cut short); close its connection
	answeredKeepAlive                // as answered, and the connection may carry another request
)

// attempt sends the request to bc and relays the answer.
func (c *clientConn) attempt(bc *backendConn, deadline time.Time, timeout time.Duration, streaming bool) outcome {
	req, ex := &c.req, &c.ex
	writeRequestHead(bc.bw, req, c, ex)
	if req.contentLength > 0 && !streaming {
		p, _ := c.br.Peek(int(req.contentLength))
		_, _ = bc.bw.Write(p)
		_, _ = c.br.Discard(len(p))
		c.bodyUnread = false
	}
	if err := bc.bw.Flush(); err != nil {
		bc.close()
		return hungUp
	}
	var up *upload
	if streaming {
		up = c.startUpload(bc, deadline, timeout)
		c.bodyUnread = false
	}
	resp, out := c.awaitAnswer(bc, deadline, up)
	if resp == nil {
		bc.close()
		if up != nil {
			c.stopUpload(up)
		}
		return out
	}
	if resp.status == 101 {
		if up != nil {
			c.stopUpload(up)
		}
		c.tunnel(bc, resp)
		return answered
	}
	return c.relayAnswer(bc, resp, up)
}

// awaitAnswer waits for the final response head, passing informational
// ones (100 Continue, 103 Early Hints) on to the client. On failure it
// returns a nil response and either sets ex.fail or reports a hang-up.
func (c *clientConn) awaitAnswer(bc *backendConn, deadline time.Time, up *upload) (*response, outcome) {
	req, ex := &c.req, &c.ex
	informed := false // an informational response came first: no hang-up retry
	for {
		err := c.awaitFirstByte(bc, deadline, up)
		if err == nil {
			err = readResponse(bc.br, &bc.resp)
		}
		if err != nil {
			switch {
			case ex.fail == clientInterrupted:
			case up != nil && up.clientGone():
				ex.fail, ex.status = clientInterrupted, statusClientClosed
			case errors.Is(err, errDeadline):
				ex.fail = requestTimeout
			case hangUp(err) && !informed:
				return nil, hungUp
			case errors.Is(err, errHeadTooLarge) || isMalformed(err):
				ex.fail = badResponse
				c.rt.logger.Warn("router: malformed response", "app", ex.route.App, "dyno", ex.dyno, "err", err)
			default:
				ex.fail = closedWithoutReply
			}
			return nil, failed
		}
		informed = true
		resp := &bc.resp
		switch {
		case resp.status == 101 && req.upgrade.empty():
			ex.fail = badResponse
			c.rt.logger.Warn("router: backend switched protocols unasked", "app", ex.route.App, "dyno", ex.dyno)
			return nil, failed
		case resp.status >= 200 || resp.status == 101:
			if up != nil {
				up.answer()
			}
			return resp, answered
		}
		// Informational: HTTP/1.0 clients do not expect them.
		if !req.http10 {
			writeResponseHead(c.bw, resp, ex, framing{informational: true})
			if err := c.bw.Flush(); err != nil {
				ex.fail, ex.status = clientInterrupted, statusClientClosed
				return nil, failed
			}
		}
	}
}

// awaitFirstByte waits until the backend starts answering. While the
// upload goroutine reads the client, it pushes the deadline on as the body
// flows; otherwise a backend silent for watchAfter makes the router watch
// for the client going away in the meantime.
func (c *clientConn) awaitFirstByte(bc *backendConn, deadline time.Time, up *upload) error {
	if bc.br.Buffered() > 0 {
		return nil
	}
	if up != nil {
		_, err := bc.br.Peek(1)
		return err
	}
	first := deadline
	if w := time.Now().Add(watchAfter); w.Before(first) {
		first = w
	}
	_ = bc.conn.SetReadDeadline(first)
	_, err := bc.br.Peek(1)
	if err == nil {
		if first.Before(deadline) && !headBuffered(bc.br) {
			// The rest of the head may take until the real deadline.
			_ = bc.conn.SetReadDeadline(deadline)
		}
		return nil
	}
	if !errors.Is(err, errDeadline) || !first.Before(deadline) {
		return err
	}
	// The real deadline is set before the watch starts: a client already
	// gone makes the watcher move it into the past at once, and setting it
	// after that would undo the wake-up and wait for the backend's answer.
	_ = bc.conn.SetReadDeadline(deadline)
	w := c.watch(bc)
	_, err = bc.br.Peek(1)
	if w.stop() {
		c.ex.fail, c.ex.status = clientInterrupted, statusClientClosed
		return errClientGone
	}
	return err
}

var errClientGone = errors.New("client went away")

func isMalformed(err error) bool {
	var m errMalformed
	return errors.As(err, &m)
}

// hangUp reports whether err means the backend closed the connection.
func hangUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// relayAnswer sends the final response to the client and returns the
// backend connection to the pool when it is clean.
func (c *clientConn) relayAnswer(bc *backendConn, resp *response, up *upload) outcome {
	req, ex := &c.req, &c.ex
	keep := req.keepAlive && !c.rt.closing.Load()
	f := framing{keepAlive: keep, http10: req.http10, length: -1}
	switch {
	case resp.bodyless(req.isHead()):
		f.length = resp.contentLength
	case resp.chunked && !req.http10:
		f.chunked = true
	case resp.chunked || resp.contentLength < 0:
		f.keepAlive = false // the body ends with the connection
	default:
		f.length = resp.contentLength
	}
	if up != nil && !up.wait(uploadGrace) {
		// The app answered before taking the whole body: the rest of it is
		// still on the client connection, which has to close.
		f.keepAlive = false
	}
	ex.status = resp.status
	writeResponseHead(c.bw, resp, ex, f)

	var n int64
	var rerr, werr error
	if !resp.bodyless(req.isHead()) {
		var progress func()
		if resp.chunked || resp.contentLength < 0 || int64(bc.br.Buffered()) < resp.contentLength {
			// A streamed body may take its time, but not fall silent
			// for longer than Heroku's rolling window.
			idle := c.rt.streamIdleTimeout()
			_ = bc.conn.SetReadDeadline(time.Now().Add(idle))
			progress = func() { _ = bc.conn.SetReadDeadline(time.Now().Add(idle)) }
		}
		if resp.chunked {
			n, rerr, werr = relayChunked(c.bw, bc.br, f.chunked, progress)
		} else {
			n, rerr, werr = relay(c.bw, bc.br, resp.contentLength, progress)
		}
	}
	ex.bytes = n
	if werr == nil {
		werr = c.bw.Flush()
	}
	uploadOK := true
	if up != nil {
		uploadOK = c.stopUpload(up)
	}
	switch {
	case werr != nil:
		ex.fail, ex.status = clientInterrupted, statusClientClosed
		bc.close()
		return answered
	case rerr != nil && errors.Is(rerr, errDeadline):
		ex.fail = idleConnection
		c.rt.logger.Info("router: cut a silent stream", "app", ex.route.App, "dyno", ex.dyno, "after", c.rt.streamIdleTimeout())
		bc.close()
		return answered
	case rerr != nil:
		ex.fail = serverInterrupted
		c.rt.logger.Warn("router: backend broke off its answer", "app", ex.route.App, "dyno", ex.dyno, "err", rerr)
		bc.close()
		return answered
	}
	if resp.close || resp.contentLength < 0 && !resp.chunked && !resp.bodyless(req.isHead()) || !uploadOK || bc.br.Buffered() > 0 {
		bc.close()
	} else {
		c.rt.pool.put(bc)
	}
	if f.keepAlive && uploadOK {
		return answeredKeepAlive
	}
	return answered
}

// upload streams a request body to the backend while the router waits for
// the answer: a body too large to be buffered, a slow one, or one the
// client sends only after 100 Continue.
type upload struct {
	done chan struct{}
	err  error // read or write failure; valid after done

	bc      *backendConn
	timeout time.Duration
	// mu orders the deadline pushes with answer, after which the backend
	// connection's deadline belongs to the relay.
	mu       sync.Mutex
	answered bool
	gone     bool // reading the client failed before the answer
}

func (c *clientConn) startUpload(bc *backendConn, deadline time.Time, timeout time.Duration) *upload {
	up := &upload{done: make(chan struct{}), bc: bc, timeout: timeout}
	_ = bc.conn.SetReadDeadline(deadline)
	_ = c.conn.SetReadDeadline(time.Time{}) // a slow upload is not idle
	go func() {
		defer close(up.done)
		var rerr, werr error
		if c.req.chunked {
			_, rerr, werr = relayChunked(bc.bw, c.br, true, up.progress)
		} else {
			_, rerr, werr = relay(bc.bw, c.br, c.req.contentLength, up.progress)
		}
		if werr == nil && rerr == nil {
			werr = bc.bw.Flush()
		}
		if rerr != nil {
			up.clientFailed()
		}
		up.err = errors.Join(rerr, werr)
	}()
	return up
}

// progress restarts the countdown: the backend is not silent while it is
// still receiving the body.
func (up *upload) progress() {
	up.mu.Lock()
	defer up.mu.Unlock()
	if !up.answered {
		_ = up.bc.conn.SetReadDeadline(time.Now().Add(up.timeout))
	}
}

// clientFailed wakes the wait for an answer that will not come: the
// client broke off its body, so the request is H27.
func (up *upload) clientFailed() {
	up.mu.Lock()
	defer up.mu.Unlock()
	if !up.answered {
		up.gone = true
		_ = up.bc.conn.SetReadDeadline(aLongTimeAgo)
	}
}

func (up *upload) clientGone() bool {
	up.mu.Lock()
	defer up.mu.Unlock()
	return up.gone
}

func (up *upload) answer() {
	up.mu.Lock()
	defer up.mu.Unlock()
	up.answered = true
}

func (up *upload) finished() bool {
	select {
	case <-up.done:
		return true
	default:
		return false
	}
}

// uploadGrace is how long an answered request's upload may take to finish
// sending: the app usually answers only after reading the whole body, and
// the upload goroutine's last flush may not have returned yet.
const uploadGrace = 100 * time.Millisecond

// wait waits up to grace for the upload to end and reports whether it has.
func (up *upload) wait(grace time.Duration) bool {
	if up.finished() {
		return true
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-up.done:
		return true
	case <-t.C:
		return false
	}
}

// stopUpload cuts the upload short if it is still running, and reports
// whether the whole body went out.
func (c *clientConn) stopUpload(up *upload) bool {
	if !up.finished() {
		_ = up.bc.conn.SetWriteDeadline(aLongTimeAgo)
		_ = c.conn.SetReadDeadline(aLongTimeAgo)
		<-up.done
		_ = up.bc.conn.SetWriteDeadline(time.Time{})
		return false
	}
	return up.err == nil
}
