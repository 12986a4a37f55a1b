package herokuapi

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// Heroku's rendezvous protocol, which the official CLI's `heroku run`
// speaks to the attach_url rendezvous://HOST:PORT/SECRET: over TLS, the
// client sends SECRET and CRLF, skips the first line it receives, then
// the dyno's terminal flows both ways as raw bytes until the server
// closes. The exit status is not sent: `heroku run --exit-code` appends
// an echo of it to the command and reads it from the output.

// rendezvousHello is the first line, which the client skips.
const rendezvousHello = "rendezvous\r\n"

// eot is what the CLI sends when its piped (not terminal) stdin ends.
const eot = 0x04

// ServeRendezvous answers rendezvous connections on l (a TLS listener)
// until l is closed.
func (a *API) ServeRendezvous(l net.Listener) error {
	for {
		conn, err := l.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		go a.rendezvous(conn)
	}
}

func (a *API) rendezvous(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReaderSize(conn, 4096)
	line, err := br.ReadSlice('\n')
	if err != nil {
		return // not a rendezvous client, or too slow
	}
	secret, _, _ := strings.Cut(strings.TrimSpace(string(line)), "?")
	d := a.attaches.take(secret)
	if d == nil {
		// After the line the client skips, so that it shows the reason.
		_, _ = io.WriteString(conn, rendezvousHello+"That dyno session is unknown, used or expired.\r\n")
		return
	}
	defer d.Close()
	_ = conn.SetDeadline(time.Time{})
	if _, err := io.WriteString(conn, rendezvousHello); err != nil {
		end(d)
		return
	}
	w := &lockedWriter{w: conn}
	if _, err := runAttached(d, func(done <-chan struct{}) { a.rendezvousStdin(d, br, done) }, w, w); err != nil {
		a.Logger.Warn("one-off dyno rendezvous failed", "err", err)
	}
}

// rendezvousStdin forwards the client's input to the dyno. A terminal
// dyno gets the bytes as typed, ^D included; a dyno without one has its
// stdin closed at the EOT the CLI sends when its input ends. If the
// client goes away first, the dyno is killed: nobody is left to read it.
func (a *API) rendezvousStdin(d AttachedDyno, r io.Reader, done <-chan struct{}) {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		p := buf[:n]
		if i := bytes.IndexByte(p, eot); i >= 0 && !d.TTY() {
			_, _ = d.Stdin().Write(p[:i])
			_ = d.CloseStdin()
			_, _ = io.Copy(io.Discard, r) // until the client leaves
			return
		}
		if len(p) > 0 {
			_, _ = d.Stdin().Write(p)
		}
		if err != nil {
			abandoned(d, done)
			return
		}
	}
}

// lockedWriter lets stdout and stderr share one connection.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
