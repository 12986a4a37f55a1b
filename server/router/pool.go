package router

import (
	"bufio"
	"context"
	"net"
	"sync"
	"syscall"
	"time"
)

// Backend connection tuning. Backends are plain HTTP/1.1 dynos on a private
// network: many requests over few long-lived connections.
const (
	// dialTimeout is Heroku's connect limit; beyond it the dial fails (H19).
	dialTimeout = 5 * time.Second
	// maxIdlePerBackend keeps enough warm connections for a busy dyno.
	maxIdlePerBackend = 256
	// idleConnTimeout closes connections unused for this long.
	idleConnTimeout = 90 * time.Second
	// checkIdleAfter: a connection idle longer than this is checked for a
	// close from the app before reuse. Apps close idle keep-alive
	// connections after a few seconds (gunicorn 2 s, Node 5 s); under load
	// connections are idle for microseconds and skip the check.
	checkIdleAfter = 20 * time.Millisecond
)

// backendConn is a connection to one backend, with its buffers and the
// response head it reads into.
type backendConn struct {
	addr   string
	conn   net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	resp   response
	idleAt time.Time
}

func (bc *backendConn) close() { _ = bc.conn.Close() }

// pool keeps idle backend connections per address, most recently used
// first: the warmest connection is reused, and the coldest ones age out.
type pool struct {
	mu        sync.Mutex
	idle      map[string][]*backendConn
	lastSweep time.Time
}

// get returns an idle connection to addr that the app has not closed, or
// nil.
func (p *pool) get(addr string) *backendConn {
	now := time.Now()
	for {
		p.mu.Lock()
		conns := p.idle[addr]
		if len(conns) == 0 {
			p.mu.Unlock()
			return nil
		}
		bc := conns[len(conns)-1]
		conns[len(conns)-1] = nil
		p.idle[addr] = conns[:len(conns)-1]
		p.mu.Unlock()
		idle := now.Sub(bc.idleAt)
		if idle < checkIdleAfter || (idle < idleConnTimeout && open(bc.conn)) {
			return bc
		}
		bc.close()
	}
}

// put keeps bc for reuse, and now and then closes connections idle for
// longer than idleConnTimeout (those of backends that are gone, too).
func (p *pool) put(bc *backendConn) {
	now := time.Now()
	bc.idleAt = now
	var stale []*backendConn
	p.mu.Lock()
	if p.idle == nil {
		p.idle = make(map[string][]*backendConn)
	}
	conns := p.idle[bc.addr]
	if len(conns) < maxIdlePerBackend {
		p.idle[bc.addr] = append(conns, bc)
		bc = nil
	}
	if now.Sub(p.lastSweep) > idleConnTimeout/2 {
		p.lastSweep = now
		stale = p.sweepLocked(now)
	}
	p.mu.Unlock()
	if bc != nil {
		bc.close()
	}
	for _, s := range stale {
		s.close()
	}
}

func (p *pool) sweepLocked(now time.Time) (stale []*backendConn) {
	for addr, conns := range p.idle {
		// Oldest first: keep the suffix that is still fresh.
		i := 0
		for i < len(conns) && now.Sub(conns[i].idleAt) > idleConnTimeout {
			stale = append(stale, conns[i])
			i++
		}
		if i == len(conns) {
			delete(p.idle, addr)
		} else if i > 0 {
			p.idle[addr] = append(conns[:0], conns[i:]...)
		}
	}
	return stale
}

// drop closes the idle connections to addr.
func (p *pool) drop(addr string) {
	p.mu.Lock()
	conns := p.idle[addr]
	delete(p.idle, addr)
	p.mu.Unlock()
	for _, bc := range conns {
		bc.close()
	}
}

// closeAll closes every idle connection.
func (p *pool) closeAll() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, conns := range idle {
		for _, bc := range conns {
			bc.close()
		}
	}
}

// open reports whether the app has not closed or written to an idle
// connection, with a non-blocking peek at the socket. The connection's
// read deadline, left over from its last request, is cleared first: a
// raw read past it fails without looking.
func open(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Time{})
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = n < 0 && (err == syscall.EAGAIN || err == syscall.EWOULDBLOCK)
		return true
	})
	return err == nil && alive
}

// connect returns a connection to addr: an idle one (reused) unless fresh
// is set, or a new one dialled within the request's deadline, the dial
// timed for connect= in the log.
func (rt *Router) connect(addr string, deadline time.Time, ex *exchange, fresh bool) (bc *backendConn, reused bool, err error) {
	if !fresh {
		if bc := rt.pool.get(addr); bc != nil {
			return bc, true, nil
		}
	}
	start := rt.now()
	d := time.Now().Add(dialTimeout)
	if deadline.Before(d) {
		d = deadline
	}
	ctx, cancel := context.WithDeadline(context.Background(), d)
	conn, err := rt.dial(ctx, "tcp", addr)
	cancel()
	ex.connect += rt.now().Sub(start)
	if err != nil {
		return nil, false, err
	}
	return &backendConn{
		addr: addr,
		conn: conn,
		br:   bufio.NewReaderSize(conn, backendReadBuffer),
		bw:   bufio.NewWriterSize(conn, backendWriteBuffer),
	}, false, nil
}

func (rt *Router) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if rt.Dial != nil {
		return rt.Dial(ctx, network, addr)
	}
	d := net.Dialer{KeepAlive: 30 * time.Second}
	return d.DialContext(ctx, network, addr)
}
