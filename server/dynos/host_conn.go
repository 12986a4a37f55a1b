package dynos

import (
	"context"
	"time"

	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/platform"
)

// settleDelays are when, after a container event, the loop looks again:
// the engine goes on listing a container as running for about 100 ms
// after its die event, up to 200 ms and more on a busy machine.
var settleDelays = [...]time.Duration{120 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond}

// hostConn is a connection to one host's engine and the watch that wakes
// the loop on its container events.
type hostConn struct {
	endpoint string
	engine   Engine
	cancel   context.CancelFunc
}

func (c *hostConn) close() {
	c.cancel()
	c.engine.Close()
}

// cached returns the connection to h, or nil when there is none for its
// current endpoint.
func (l *Loop) cached(h platform.Host) Engine {
	id := h.ID.String()
	c := l.engines[id]
	if c == nil {
		return nil
	}
	if c.endpoint != h.Endpoint+" "+h.TLSDir {
		l.drop(id)
		return nil
	}
	return c.engine
}

// connect reaches h's engine; it may run outside the loop goroutine.
func (l *Loop) connect(ctx context.Context, h platform.Host) (Engine, error) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return l.Connect(cctx, h)
}

// keep stores a new connection and starts the watch that wakes the loop
// on its container events.
func (l *Loop) keep(ctx context.Context, h platform.Host, e Engine) {
	wctx, stop := context.WithCancel(ctx)
	l.engines[h.ID.String()] = &hostConn{endpoint: h.Endpoint + " " + h.TLSDir, engine: e, cancel: stop}
	go func() {
		err := e.Watch(wctx, l.Cluster, func() {
			l.Wake()
			// Look again until the engine's list agrees with the event.
			for _, d := range settleDelays {
				time.AfterFunc(d, l.Wake)
			}
		})
		if wctx.Err() == nil {
			// The stream broke: the engine probably went away. The next
			// round finds out and reconnects.
			l.Logger.Debug("docker event stream ended", "host", h.Name, "err", err)
			l.Wake()
		}
	}()
}

// drop forgets a connection that failed, so the next round reconnects.
func (l *Loop) drop(hostID string) {
	if c := l.engines[hostID]; c != nil {
		c.close()
		delete(l.engines, hostID)
	}
}

// forgetRemoved closes connections to hosts no longer in the pool.
func (l *Loop) forgetRemoved(hosts []platform.Host) {
	keep := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		keep[h.ID.String()] = true
	}
	for id := range l.engines {
		if !keep[id] {
			l.drop(id)
			delete(l.lastSeen, id)
		}
	}
}

// ConnectDocker is Loop.Connect for real Docker engines.
func ConnectDocker(ctx context.Context, h platform.Host) (Engine, error) {
	e, err := docker.Connect(ctx, h.Endpoint, h.TLSDir)
	if err != nil {
		return nil, err // not a typed nil inside the interface
	}
	return e, nil
}
