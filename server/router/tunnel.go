package router

import (
	"net"
	"time"
)

// tunnel relays both directions of a connection the app switched to
// another protocol (101 Switching Protocols: WebSockets). It lasts until
// the app closes its side; a client that closes its side first is passed
// on as a half-close, so the app can still answer. The connection then
// ends; ex.bytes counts what the app sent. A tunnel silent both ways for
// StreamIdleTimeout is cut (H15), as Heroku's router does.
func (c *clientConn) tunnel(bc *backendConn, resp *response) {
	ex := &c.ex
	ex.status = resp.status
	writeResponseHead(c.bw, resp, ex, framing{upgrade: true})
	if err := c.bw.Flush(); err != nil {
		ex.fail, ex.status = clientInterrupted, statusClientClosed
		bc.close()
		return
	}
	_ = c.conn.SetReadDeadline(time.Time{})
	_ = bc.conn.SetReadDeadline(time.Time{})
	idle := watchIdle(c.rt.streamIdleTimeout(), func() {
		_ = c.conn.Close()
		bc.close()
	})

	up := make(chan struct{})
	go func() {
		defer close(up)
		_, rerr, werr := relay(bc.bw, c.br, -1, idle.touch)
		if rerr == nil && werr == nil {
			werr = bc.bw.Flush()
		}
		if rerr == nil && werr == nil {
			closeWrite(bc.conn)
		}
	}()
	n, _, _ := relay(c.bw, bc.br, -1, idle.touch)
	_ = c.bw.Flush()
	ex.bytes = n
	if idle.stop() {
		ex.fail = idleConnection
	}
	// The app is done: end both connections, which also stops the other
	// direction if the client is still sending.
	_ = c.conn.Close()
	bc.close()
	<-up
}

// closeWrite half-closes conn when it can (TCP, TLS), else leaves it open.
func closeWrite(conn net.Conn) {
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}
