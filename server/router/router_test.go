package router

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestRoutesByHost(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", replyWith("from myapp"))}})
	h.set("other.localhost", Route{App: "other", Backends: []Backend{backend(t, "web.1", replyWith("from other"))}})

	for host, want := range map[string]string{
		"myapp.localhost":       "from myapp",
		"MyApp.LocalHost:8080":  "from myapp",
		"other.localhost.":      "from other",
		"OTHER.localhost.:8080": "from other",
	} {
		status, body, _ := h.get(host, "/")
		if status != http.StatusOK || body != want {
			t.Errorf("Host %q: %d %q, want 200 %q", host, status, body, want)
		}
	}
	f := h.waitLine("myapp", "status", "200")
	if f["host"] != "myapp.localhost" || f["dyno"] != "web.1" || f["at"] != "info" {
		t.Errorf("log line %v", f)
	}
}

func TestUnknownHost(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", replyWith("ok"))}})
	for _, host := range []string{"nope.localhost", "myapp.localhost.evil", "my%app.localhost", "[::1]:80", "a b"} {
		status, body, hdr := h.get(host, "/")
		if status != http.StatusNotFound || !strings.Contains(body, "No such app") {
			t.Errorf("Host %q: %d %q", host, status, body)
		}
		checkPage(t, hdr, body)
	}
	if n := h.logCount(); n != 0 {
		t.Errorf("%d app log lines for unknown hosts", n)
	}
}

// checkPage checks an error page's headers and that it shows the request id.
func checkPage(t *testing.T, hdr http.Header, body string) {
	t.Helper()
	if ct := hdr.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := hdr.Get("Cache-Control"); cc != "no-cache, no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	id := hdr.Get("X-Request-Id")
	if id == "" || !strings.Contains(body, id) {
		t.Errorf("page does not show request id %q", id)
	}
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Errorf("page refers to external assets")
	}
}

func TestMaintenance(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Maintenance: true, Backends: []Backend{backend(t, "web.1", replyWith("ok"))}})
	status, body, hdr := h.get("myapp.localhost", "/x")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "maintenance") {
		t.Fatalf("%d %q", status, body)
	}
	checkPage(t, hdr, body)
	f := h.waitLine("myapp", "code", "H80")
	if f["at"] != "error" || f["desc"] != "Maintenance mode" || f["status"] != "503" || f["dyno"] != "" || f["connect"] != "" {
		t.Errorf("log line %v", f)
	}
	if f["request_id"] != hdr.Get("X-Request-Id") {
		t.Errorf("request_id %q, header %q", f["request_id"], hdr.Get("X-Request-Id"))
	}
}

func TestNoWebDynos(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp"})
	status, body, hdr := h.get("myapp.localhost", "/")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "Application error") || !strings.Contains(body, "No web processes running") {
		t.Fatalf("%d %q", status, body)
	}
	checkPage(t, hdr, body)
	f := h.waitLine("myapp", "code", "H14")
	if f["desc"] != "No web processes running" || f["status"] != "503" {
		t.Errorf("log line %v", f)
	}
}

func TestBalancesAcrossBackends(t *testing.T) {
	h := newHarness(t)
	var backends []Backend
	for _, d := range []string{"web.1", "web.2", "web.3"} {
		backends = append(backends, backend(t, d, replyWith(d)))
	}
	h.set("myapp.localhost", Route{App: "myapp", Backends: backends})
	got := make(map[string]int)
	for range 30 {
		status, body, _ := h.get("myapp.localhost", "/")
		if status != http.StatusOK {
			t.Fatal(status, body)
		}
		got[body]++
	}
	for _, d := range []string{"web.1", "web.2", "web.3"} {
		if got[d] != 10 { // round-robin is exact for sequential requests
			t.Errorf("spread %v, want 10 each", got)
			break
		}
	}
}

func TestRetriesRefusedConnections(t *testing.T) {
	h := newHarness(t)
	live := backend(t, "web.2", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("X-Got", r.Method+" "+itoa(n))
		io.WriteString(w, "live")
	})
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{
		{Addr: refusedAddr(t), Dyno: "web.1"}, live, {Addr: refusedAddr(t), Dyno: "web.3"},
	}})
	for range 12 {
		status, body, _ := h.get("myapp.localhost", "/")
		if status != http.StatusOK || body != "live" {
			t.Fatalf("GET: %d %q", status, body)
		}
	}
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MB
	for range 6 {
		resp := h.do(http.MethodPost, "myapp.localhost", "/upload", bytes.NewReader(payload))
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "live" || resp.Header.Get("X-Got") != "POST "+itoa(int64(len(payload))) {
			t.Fatalf("POST: %d %q %q", resp.StatusCode, body, resp.Header.Get("X-Got"))
		}
	}
	// A chunked body (no Content-Length) too.
	resp := h.do(http.MethodPost, "myapp.localhost", "/upload", io.MultiReader(bytes.NewReader(payload)))
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Got") != "POST "+itoa(int64(len(payload))) {
		t.Fatalf("chunked POST: %d %q", resp.StatusCode, resp.Header.Get("X-Got"))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range h.lines {
		f, err := parseLine(l.line)
		if err != nil || f["at"] != "info" || f["dyno"] != "web.2" {
			t.Errorf("line %q: %v", l.line, err)
		}
	}
}

func TestAllBackendsRefused(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{
		{Addr: refusedAddr(t), Dyno: "web.1"}, {Addr: refusedAddr(t), Dyno: "web.2"},
	}})
	// Several POSTs on one kept-alive connection: an unread request body
	// must not break the connection (golang/go#68560).
	for range 3 {
		resp := h.do(http.MethodPost, "myapp.localhost", "/", strings.NewReader("body"))
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "Application error") {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		checkPage(t, resp.Header, string(body))
	}
	f := h.waitLine("myapp", "code", "H10")
	if f["desc"] != "App crashed" || f["status"] != "503" || f["dyno"] == "" || f["method"] != "POST" {
		t.Errorf("log line %v", f)
	}
}

// A dial that times out on every backend is H19. The dialler reports a
// timeout the way net.Dialer does.
func TestConnectTimeout(t *testing.T) {
	var dials sync.Map
	h := newHarness(t, func(rt *Router) {
		rt.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Store(addr, true)
			return nil, &net.OpError{Op: "dial", Net: network, Err: os.ErrDeadlineExceeded}
		}
	})
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{{Addr: "10.0.0.1:1", Dyno: "web.1"}, {Addr: "10.0.0.2:1", Dyno: "web.2"}}})
	status, _, _ := h.get("myapp.localhost", "/")
	if status != http.StatusServiceUnavailable {
		t.Fatal(status)
	}
	h.waitLine("myapp", "code", "H19", "desc", "Backend connection timeout", "status", "503")
	for _, a := range []string{"10.0.0.1:1", "10.0.0.2:1"} {
		if _, ok := dials.Load(a); !ok {
			t.Errorf("%s not tried", a)
		}
	}
}

// A backend that accepts and then closes without answering is H13, and is
// not retried: the request may have been acted on.
func TestClosedWithoutResponse(t *testing.T) {
	h := newHarness(t)
	var hits sync.Map
	hangUp := func(dyno string) Backend {
		return backend(t, dyno, func(w http.ResponseWriter, r *http.Request) {
			n, _ := hits.LoadOrStore(dyno+" "+r.Method, new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
			c, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				c.Close()
			}
		})
	}
	count := func(key string) int64 {
		if n, ok := hits.Load(key); ok {
			return n.(*atomic.Int64).Load()
		}
		return 0
	}
	ok := backend(t, "web.3", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fine") })

	// A hang-up before any answer (a dyno that just died behind Docker's
	// userland proxy) sends a GET on to the next backend.
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{hangUp("web.1"), ok}})
	for i := 0; i < 4; i++ {
		if status, body, _ := h.get("myapp.localhost", "/"); status != 200 || body != "fine" {
			t.Fatalf("GET %d: %d %q", i, status, body)
		}
	}
	if count("web.1 GET") == 0 {
		t.Error("the hanging-up backend never got a GET")
	}

	// A POST with a body may have been acted on: it is not sent twice.
	resp := h.do(http.MethodPost, "myapp.localhost", "/", strings.NewReader("pay once"))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatal(resp.StatusCode)
	}
	for i := 0; i < 3 && count("web.1 POST") == 0; i++ {
		resp := h.do(http.MethodPost, "myapp.localhost", "/", strings.NewReader("pay once"))
		resp.Body.Close()
		if count("web.1 POST") == 1 && resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("POST that hit the hang-up answered %d", resp.StatusCode)
		}
	}
	h.waitLine("myapp", "code", "H13", "method", "POST", "status", "503")

	// Every backend hangs up: H13 after trying each once.
	h.set("other.localhost", Route{App: "other", Backends: []Backend{hangUp("web.4"), hangUp("web.5")}})
	if status, _, _ := h.get("other.localhost", "/"); status != http.StatusServiceUnavailable {
		t.Fatal(status)
	}
	h.waitLine("other", "code", "H13", "status", "503")
	if count("web.4 GET") != 1 || count("web.5 GET") != 1 {
		t.Errorf("hits: web.4 %d, web.5 %d, want 1 each", count("web.4 GET"), count("web.5 GET"))
	}
}

// Router works without Log or Logger, and a nil Lookup is "no such app".
func TestZeroConfig(t *testing.T) {
	srv := "http://" + serve(t, &Router{})
	resp, err := http.Get(srv + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatal(resp.StatusCode)
	}
	var rt Router
	rt.Lookup = func(string) (Route, bool) { return Route{App: "a"}, true }
	srv = "http://" + serve(t, &rt)
	resp, err = http.Get(srv + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatal(resp.StatusCode)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Many clients at once, through failover, under the race detector.
func TestConcurrentRequests(t *testing.T) {
	h := newHarness(t)
	echo := func(dyno string) Backend {
		return backend(t, dyno, func(w http.ResponseWriter, r *http.Request) {
			io.Copy(w, r.Body)
		})
	}
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{{Addr: refusedAddr(t), Dyno: "web.1"}, echo("web.2"), echo("web.3")}})
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 20 {
				msg := "g" + itoa(int64(g)) + "-" + itoa(int64(i))
				req, _ := http.NewRequest(http.MethodPost, h.url, strings.NewReader(msg))
				req.Host = "myapp.localhost"
				resp, err := h.client.Do(req) // not h.do: no t.Fatal off the test goroutine
				if err != nil {
					t.Error(err)
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || string(body) != msg {
					t.Errorf("%d %q %v, want %q", resp.StatusCode, body, err, msg)
					return
				}
			}
		})
	}
	wg.Wait()
}
