package dynos

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/scheduler"
)

// Only a web dyno something answers for is healthy, whatever the engine
// says; a healthy one survives a single failed check but not three.
func TestHealthChecks(t *testing.T) {
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer live.Close()
	// A listener that accepts and hangs up at once, as Docker's userland
	// proxy does when nothing listens in the container.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	now := time.Now()
	hc := newHealthChecks(func() time.Time { return now })
	insts := func() []scheduler.Instance {
		return []scheduler.Instance{
			{ID: "live", Type: "web", State: scheduler.Up, Healthy: true, Addr: live.Listener.Addr().String(), StartedAt: now},
			{ID: "hangs-up", Type: "web", State: scheduler.Up, Healthy: true, Addr: ln.Addr().String(), StartedAt: now},
			{ID: "worker", Type: "worker", State: scheduler.Up, Healthy: true},
		}
	}
	got := insts()
	if waiting := hc.update(context.Background(), got, nil); !waiting {
		t.Error("a web dyno is still starting, but update says nothing is waiting")
	}
	if !got[0].Healthy || got[1].Healthy || !got[2].Healthy {
		t.Fatalf("healthy: live %v, hangs-up %v, worker %v", got[0].Healthy, got[1].Healthy, got[2].Healthy)
	}

	// The live one stops answering: it stays in for two failed checks and
	// leaves on the third.
	live.Close()
	for i, want := range []bool{true, true, false} {
		now = now.Add(recheckEvery)
		got = insts()
		hc.update(context.Background(), got, nil)
		if got[0].Healthy != want {
			t.Errorf("check %d after it died: healthy %v, want %v", i+1, got[0].Healthy, want)
		}
	}
}

// A start in progress stands in for its container until a live one shows;
// the crashed container it replaces, with the same labels, does not count.
func TestWithStarting(t *testing.T) {
	starting := scheduler.Instance{ID: startingPrefix + "1", App: "a", Type: "web", Index: 2, Release: 3, Host: "h", State: scheduler.Starting}
	crashed := starting
	crashed.ID, crashed.State = "c0", scheduler.Crashed
	if got := withStarting([]scheduler.Instance{crashed}, []scheduler.Instance{starting}); len(got) != 2 {
		t.Errorf("with only the crashed one observed: %d instances, want the stand-in too", len(got))
	}
	live := starting
	live.ID = "c1"
	if got := withStarting([]scheduler.Instance{crashed, live}, []scheduler.Instance{starting}); len(got) != 2 {
		t.Errorf("with the new container observed: %d instances, want no stand-in", len(got))
	}
}
