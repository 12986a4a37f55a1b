package router

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"
)

// Client connection timeouts.
const (
	// defaultIdleTimeout is how long a keep-alive connection may wait for
	// its next request.
	defaultIdleTimeout = 90 * time.Second
	// headTimeout bounds the rest of a request head once its first byte has
	// arrived, and a TLS handshake: a client trickling bytes (slowloris)
	// cannot hold a connection longer.
	headTimeout = 10 * time.Second
)

// Buffer sizes per connection: a client's small requests and answers fit
// whole, and larger bodies move in a few syscalls.
const (
	clientReadBuffer   = 4 << 10
	clientWriteBuffer  = 8 << 10
	backendReadBuffer  = 16 << 10
	backendWriteBuffer = 8 << 10
)

// clientConn is one client connection. Its goroutine reads requests one at
// a time and proxies each before reading the next, reusing the same
// request, exchange and buffers, so a keep-alive connection costs no
// allocations beyond the log line and the strings it logs.
type clientConn struct {
	rt   *Router
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer

	peer  string // client IP: X-Forwarded-For, fwd= in the log
	port  string // port the client connected to: X-Forwarded-Port
	proto string // "http" or "https"

	req request
	ex  exchange
	// bodyUnread: the request's body is still on the connection.
	bodyUnread bool

	// idle is set while waiting for the next request: Shutdown closes
	// such connections, and leaves the others to finish their request.
	idle atomic.Bool
}

func newClientConn(rt *Router, conn net.Conn) *clientConn {
	c := &clientConn{
		rt:    rt,
		conn:  conn,
		br:    bufio.NewReaderSize(conn, clientReadBuffer),
		bw:    bufio.NewWriterSize(conn, clientWriteBuffer),
		proto: "http",
	}
	if a, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		c.peer = a.IP.String()
	} else if host, _, err := net.SplitHostPort(conn.RemoteAddr().String()); err == nil {
		c.peer = host
	}
	if a, ok := conn.LocalAddr().(*net.TCPAddr); ok {
		c.port = strconv.Itoa(a.Port)
	}
	if _, ok := conn.(*tls.Conn); ok {
		c.proto = "https"
	}
	if c.port == "" {
		c.port = "80"
		if c.proto == "https" {
			c.port = "443"
		}
	}
	return c
}

// serve handles the connection's requests until it closes.
func (c *clientConn) serve() {
	defer c.rt.untrack(c)
	defer c.conn.Close()
	defer func() {
		// A bug must cost one connection, not the server.
		if p := recover(); p != nil {
			c.rt.logger.Error("router: panic serving a connection", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	if tc, ok := c.conn.(*tls.Conn); ok {
		ctx, cancel := context.WithTimeout(context.Background(), headTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			c.rt.logger.Debug("router: TLS handshake failed", "peer", c.peer, "err", err)
			return
		}
	}
	for {
		c.idle.Store(true)
		if c.rt.closing.Load() {
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(c.rt.idleTimeout()))
		if _, err := c.br.Peek(1); err != nil {
			return
		}
		c.idle.Store(false)
		if !headBuffered(c.br) {
			_ = c.conn.SetReadDeadline(time.Now().Add(headTimeout))
		}
		if err := readRequest(c.br, &c.req); err != nil {
			var bad *badRequest
			if errors.As(err, &bad) {
				writeRefusal(c.bw, bad)
				_ = c.bw.Flush()
			}
			return
		}
		if !c.serveRequest() || c.rt.closing.Load() {
			c.lingerClose()
			return
		}
	}
}

// headBuffered reports whether a whole request head is already buffered,
// as it nearly always is: then no header deadline needs setting.
func headBuffered(br *bufio.Reader) bool {
	b, _ := br.Peek(br.Buffered())
	return bytes.Contains(b, []byte("\r\n\r\n")) || bytes.Contains(b, []byte("\n\n"))
}

// watcher notices a client hanging up while the router waits for a slow
// backend, which nothing else would until the answer came: it reads the
// client connection in the background. Only requests whose backend is
// silent for watchAfter pay for its goroutine.
type watcher struct {
	c    *clientConn
	bc   *backendConn
	done chan struct{}
	gone atomic.Bool
}

// watchAfter is how long a backend may think before the router starts
// watching for the client going away.
const watchAfter = 50 * time.Millisecond

// aLongTimeAgo is a deadline that makes a blocked read return at once.
var aLongTimeAgo = time.Unix(1, 0)

func (c *clientConn) watch(bc *backendConn) *watcher {
	w := &watcher{c: c, bc: bc, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		// A byte that arrives is a pipelined request: it stays buffered.
		if _, err := c.br.Peek(1); err != nil && !errors.Is(err, errDeadline) {
			w.gone.Store(true)
			_ = bc.conn.SetReadDeadline(aLongTimeAgo) // wake the wait for the backend
		}
	}()
	return w
}

// stop ends the watch and reports whether the client went away.
func (w *watcher) stop() bool {
	_ = w.c.conn.SetReadDeadline(aLongTimeAgo)
	<-w.done
	return w.gone.Load()
}

// lingerAfter bounds how long a closing connection waits for the rest of
// a request body the router did not read.
const lingerAfter = 500 * time.Millisecond

// lingerClose prepares a connection that ends after a request with a body
// (an early answer, such as an H12, while the client is still uploading):
// closing it with unread bytes would make the kernel send a reset, which
// can destroy the answer before the client reads it. So the router stops
// writing, then reads and drops what still comes for a moment, as
// net/http does, before the connection closes.
func (c *clientConn) lingerClose() {
	if !c.req.hasBody() {
		return
	}
	cw, ok := c.conn.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(lingerAfter))
	_, _ = io.Copy(io.Discard, io.LimitReader(c.br, 1<<20))
}
