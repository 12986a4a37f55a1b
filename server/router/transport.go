package router

import (
	"context"
	"net"
	"net/http"
	"time"
)

// Transport tuning. Backends are plain HTTP/1.1 dynos on a private network,
// so the transport is tuned for many requests over few long-lived
// connections.
const (
	// dialTimeout is Heroku's connect limit; beyond it the dial fails with H19.
	dialTimeout = 5 * time.Second
	// maxIdlePerBackend keeps enough warm connections for a busy dyno; the
	// default of 2 would make most requests dial under load.
	maxIdlePerBackend = 256
	idleConnTimeout   = 90 * time.Second
	// ioBufferSize is larger than the 4 KB default so large bodies move in
	// fewer syscalls.
	ioBufferSize = 32 << 10
)

// newTransport builds the transport shared by all backends. It never uses an
// HTTP proxy from the environment, never asks for compression (bodies pass
// through as the app sent them), and times each dial into the exchange
// found in the dial's context, for connect= in the log line.
func newTransport(now func() time.Time) *http.Transport {
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			start := now()
			c, err := d.DialContext(ctx, network, addr)
			if ex := exchangeFrom(ctx); ex != nil {
				ex.connect.Add(int64(now().Sub(start)))
			}
			return c, err
		},
		MaxIdleConnsPerHost: maxIdlePerBackend,
		IdleConnTimeout:     idleConnTimeout,
		DisableCompression:  true,
		ReadBufferSize:      ioBufferSize,
		WriteBufferSize:     ioBufferSize,
	}
}
