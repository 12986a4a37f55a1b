package router

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// vanishingDial dials like a net.Dialer, except to gone, where it fails at
// once as a connect to a vanished container address does after seconds;
// it records each deadline it was given for gone.
type vanishingDial struct {
	gone string
	mu   sync.Mutex
	left []time.Duration // deadline minus the time of the call, per dial to gone
}

func (v *vanishingDial) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if addr != v.gone {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	deadline, _ := ctx.Deadline()
	v.mu.Lock()
	v.left = append(v.left, time.Until(deadline))
	v.mu.Unlock()
	return nil, &net.OpError{Op: "dial", Net: network, Err: os.ErrDeadlineExceeded}
}

func (v *vanishingDial) dials() []time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]time.Duration(nil), v.left...)
}

// A dyno that vanished costs one failed dial: the request goes on to the
// next dyno, and later requests try the vanished one last.
func TestVanishedBackend(t *testing.T) {
	v := &vanishingDial{gone: "172.31.255.9:5000"}
	h := newHarness(t, func(rt *Router) { rt.Dial = v.dial })
	good := backend(t, "web.2", replyWith("ok\n"))
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{
		{Addr: v.gone, Dyno: "web.1"}, good,
	}})
	for i := range 6 {
		if status, body, _ := h.get("myapp.localhost", "/"); status != 200 || body != "ok\n" {
			t.Fatalf("request %d: %d %q", i, status, body)
		}
	}
	left := v.dials()
	if len(left) != 1 {
		t.Fatalf("the vanished dyno was dialled %d times in 6 requests, want once (then tried last)", len(left))
	}
}

// A backend whose dial failed is still tried when it is the only one: a
// down mark orders backends, it never takes one out of its route.
func TestDownBackendStillTriedAlone(t *testing.T) {
	v := &vanishingDial{gone: "172.31.255.9:5000"}
	h := newHarness(t, func(rt *Router) { rt.Dial = v.dial })
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{{Addr: v.gone, Dyno: "web.1"}}})
	for range 2 {
		if status, _, _ := h.get("myapp.localhost", "/"); status != 503 {
			t.Fatalf("status %d, want 503 (H19)", status)
		}
	}
	left := v.dials()
	if len(left) != 2 {
		t.Fatalf("%d dials for 2 requests", len(left))
	}
	if left[0] <= dialTimeout-time.Second {
		t.Errorf("a dial was given only %v; Heroku's connect limit is %v", left[0], dialTimeout)
	}
	h.waitLine("myapp", "code=H19")
}

// Backends are tried round-robin from the first, down ones after the rest.
func TestTryOrder(t *testing.T) {
	var d downList
	now := time.Now()
	backends := make([]Backend, 5)
	for i := range backends {
		backends[i].Addr = string(rune('a' + i))
	}
	d.mark("b", now)
	d.mark("d", now)
	o := tryOrder{n: 5, first: 3, now: now}
	var got []string
	for k := o.next(&d, backends); k >= 0; k = o.next(&d, backends) {
		got = append(got, backends[k].Addr)
	}
	// From index 3 (d): e, a and c first, then the down ones, d and b.
	if fmt.Sprint(got) != "[e a c d b]" {
		t.Errorf("order %v, want [e a c d b]", got)
	}
	if d.down("b", now.Add(downFor)) {
		t.Error("a down mark outlived downFor")
	}
}

// Drain closes a leaving backend's idle connections: none is reused after
// its app is stopped.
func TestDrainDropsIdleConnections(t *testing.T) {
	srv, opened := countingBackend(t)
	h := newHarness(t)
	addr := srv.Listener.Addr().String()
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{{Addr: addr, Dyno: "web.1"}}})
	if status, _, _ := h.get("myapp.localhost", "/"); status != 200 {
		t.Fatal(status)
	}
	h.router.Drain(ctxTimeout(t), addr)
	if status, _, _ := h.get("myapp.localhost", "/"); status != 200 {
		t.Fatal(status)
	}
	if n := opened.Load(); n != 2 {
		t.Errorf("%d backend connections; the drained backend's idle one was reused", n)
	}
}
