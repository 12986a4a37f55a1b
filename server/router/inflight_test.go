package router

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// Drain returns only once the requests a backend is serving are done, so
// a dyno is sent SIGTERM with nothing in flight.
func TestDrainWaitsForInFlight(t *testing.T) {
	h := newHarness(t)
	release, started := make(chan struct{}), make(chan struct{})
	slow := backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		w.Write([]byte("done"))
	})
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{slow}})
	got := make(chan int, 1)
	go func() { status, _, _ := h.get("myapp.localhost", "/"); got <- status }()
	<-started
	drained := make(chan struct{})
	go func() { h.router.Drain(context.Background(), slow.Addr); close(drained) }()
	select {
	case <-drained:
		t.Fatal("Drain returned while a request was in flight")
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if status := <-got; status != 200 {
		t.Fatal(status)
	}
	select {
	case <-drained:
	case <-time.After(2 * time.Second):
		t.Fatal("Drain did not return after the request finished")
	}

	// An idle backend drains at once; a cancelled context ends the wait.
	start := time.Now()
	h.router.Drain(context.Background(), "127.0.0.1:1")
	if d := time.Since(start); d > time.Second {
		t.Errorf("draining an idle backend took %v", d)
	}
}
