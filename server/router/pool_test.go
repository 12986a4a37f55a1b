package router

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Requests reuse backend connections: many requests from a few clients
// open about as many backend connections as there are clients.
func TestBackendConnectionsReused(t *testing.T) {
	srv, opened := countingBackend(t)
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{{Addr: srv.Listener.Addr().String(), Dyno: "web.1"}}})
	const clients, each = 8, 500
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range each {
				req, _ := http.NewRequest(http.MethodGet, h.url+"/", nil)
				req.Host = "myapp.localhost"
				resp, err := h.client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if n := opened.Load(); n > clients {
		t.Errorf("%d requests from %d clients opened %d backend connections", clients*each, clients, n)
	}
}

// A connection idle for longer than its last request's deadlines is still
// reused, and one the app closed is not.
func TestIdleBackendConnectionChecked(t *testing.T) {
	srv, opened := countingBackend(t)
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{{Addr: srv.Listener.Addr().String(), Dyno: "web.1"}}})
	get := func() {
		t.Helper()
		if status, body, _ := h.get("myapp.localhost", "/"); status != 200 || body != "ok\n" {
			t.Fatalf("%d %q", status, body)
		}
	}
	get()
	time.Sleep(watchAfter + checkIdleAfter + 50*time.Millisecond)
	get()
	if n := opened.Load(); n != 1 {
		t.Errorf("%d backend connections for two requests; the idle one was not reused", n)
	}
	srv.CloseClientConnections() // the app closes its idle connections
	time.Sleep(50 * time.Millisecond)
	get()
	if n := opened.Load(); n != 2 {
		t.Errorf("%d backend connections, want a new one after the app closed the first", n)
	}
}

// countingBackend answers "ok\n" and counts the connections it accepts.
func countingBackend(t *testing.T) (*httptest.Server, *atomic.Int64) {
	opened := new(atomic.Int64)
	srv := httptest.NewUnstartedServer(replyWith("ok\n"))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, opened
}
