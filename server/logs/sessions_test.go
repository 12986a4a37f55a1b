package logs_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/logs"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type harness struct {
	hub      *logs.Hub
	sessions *logs.Sessions
	clock    *clock
	srv      *httptest.Server
	// served gets a value each time a session's handler returns.
	served chan struct{}
}

func newHarness(t *testing.T) *harness {
	h := &harness{hub: logs.NewHub(2000), clock: &clock{now: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)}, served: make(chan struct{}, 10)}
	h.sessions = &logs.Sessions{Hub: h.hub, Now: h.clock.Now}
	mux := http.NewServeMux()
	mux.Handle("/log-sessions/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.sessions.ServeHTTP(w, r)
		h.served <- struct{}{}
	}))
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) url(id string) string { return h.srv.URL + "/log-sessions/" + id }

func (h *harness) get(t *testing.T, ctx context.Context, id string, sse bool) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", h.url(id), nil)
	if sse {
		req.Header.Set("Accept", "text/event-stream")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// events reads server-sent events as an EventSource does: data fields
// joined, comments (": ...") reported with a leading colon.
func events(r io.Reader) <-chan string {
	out := make(chan string, 10000)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(r)
		var data []string
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == "":
				if data != nil {
					out <- strings.Join(data, "\n")
				}
				data = nil
			case strings.HasPrefix(line, ":"):
				out <- line
			case strings.HasPrefix(line, "data: "):
				data = append(data, strings.TrimPrefix(line, "data: "))
			default:
				out <- "unexpected field: " + line
			}
		}
	}()
	return out
}

func next(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s, ok := <-ch:
		if !ok {
			t.Fatal("stream ended")
		}
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("nothing streamed")
	}
	return ""
}

func ended(t *testing.T, ch <-chan string) {
	t.Helper()
	select {
	case s, ok := <-ch:
		if ok {
			t.Fatalf("more than expected: %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stream did not end")
	}
}

var lineFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 (app|heroku)\[[a-z0-9.]+\]: `)

// curl gets plain text lines: the last 100 by default, and the response
// ends after them when not tailing.
func TestSessionPlain(t *testing.T) {
	h := newHarness(t)
	for i := range 150 {
		add(h.hub, "app-1", "web.1", "line "+strconv.Itoa(i))
	}
	add(h.hub, "app-2", "web.1", "other app")
	res := h.get(t, context.Background(), h.sessions.Create(logs.Request{App: "app-1"}), false)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(res.Body) // ends: no tail
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) != 100 || !strings.HasSuffix(lines[0], " app[web.1]: line 50") || !strings.HasSuffix(lines[99], ": line 149") {
		t.Fatalf("%d lines, first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
	for _, l := range lines {
		if !lineFormat.MatchString(l) {
			t.Fatalf("badly formatted line %q", l)
		}
	}
}

// The heroku CLI reads server-sent events; the backlog is filtered and
// capped at 1500 lines.
func TestSessionEvents(t *testing.T) {
	h := newHarness(t)
	for i := range 1800 {
		add(h.hub, "app-1", "web."+strconv.Itoa(i%3+1), "line "+strconv.Itoa(i))
	}
	add(h.hub, "app-1", "router", `at=info method=GET path="/"`)

	res := h.get(t, context.Background(), h.sessions.Create(logs.Request{App: "app-1", Lines: 5, Filter: logs.Filter{Dyno: "web.2"}}), true)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("%d %v", res.StatusCode, res.Header)
	}
	ev := events(res.Body)
	for _, want := range []int{1786, 1789, 1792, 1795, 1798} {
		if got := next(t, ev); !lineFormat.MatchString(got) || !strings.HasSuffix(got, " app[web.2]: line "+strconv.Itoa(want)) {
			t.Fatalf("event %q, want line %d of web.2", got, want)
		}
	}
	ended(t, ev)

	res = h.get(t, context.Background(), h.sessions.Create(logs.Request{App: "app-1", Lines: 100000, Filter: logs.Filter{Source: "app"}}), true)
	ev = events(res.Body)
	n := 0
	for range ev {
		n++
	}
	if n != logs.MaxLines {
		t.Fatalf("%d lines of backlog, want at most %d", n, logs.MaxLines)
	}

	res = h.get(t, context.Background(), h.sessions.Create(logs.Request{App: "app-1", Filter: logs.Filter{Source: "heroku", Dyno: "router"}}), true)
	ev = events(res.Body)
	if got := next(t, ev); !strings.HasSuffix(got, ` heroku[router]: at=info method=GET path="/"`) {
		t.Fatalf("router line %q", got)
	}
	ended(t, ev)
}

// With Tail, lines written after the client connected follow the backlog,
// and the stream lasts until the client leaves.
func TestSessionTail(t *testing.T) {
	h := newHarness(t)
	h.sessions.Keepalive = 50 * time.Millisecond
	add(h.hub, "app-1", "web.1", "old")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := h.get(t, ctx, h.sessions.Create(logs.Request{App: "app-1", Tail: true, Filter: logs.Filter{Dyno: "web"}}), true)
	ev := events(res.Body)
	if got := next(t, ev); !strings.HasSuffix(got, "app[web.1]: old") {
		t.Fatalf("backlog %q", got)
	}
	add(h.hub, "app-1", "router", "not selected")
	add(h.hub, "app-1", "web.2", "new\nnewer")
	var got []string
	keepalives := 0
	for len(got) < 2 || keepalives == 0 {
		switch s := next(t, ev); {
		case s == ": keepalive":
			keepalives++
		case strings.HasPrefix(s, ":"):
			t.Fatalf("comment %q", s)
		default:
			got = append(got, s)
		}
	}
	if len(got) != 2 || !strings.HasSuffix(got[0], "app[web.2]: new") || !strings.HasSuffix(got[1], "app[web.2]: newer") {
		t.Fatalf("tailed %q", got)
	}
	cancel()
	select {
	case <-h.served:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler kept streaming after the client left")
	}
}

// Plain text tails too, and a destroyed app's stream ends.
func TestSessionTailPlainForget(t *testing.T) {
	h := newHarness(t)
	res := h.get(t, context.Background(), h.sessions.Create(logs.Request{App: "app-1", Tail: true}), false)
	r := bufio.NewReader(res.Body) // headers come after the handler subscribed
	add(h.hub, "app-1", "web.1", "hello")
	line, err := r.ReadString('\n')
	if err != nil || !lineFormat.MatchString(line) || !strings.HasSuffix(line, "app[web.1]: hello\n") {
		t.Fatalf("%q %v", line, err)
	}
	h.hub.Forget("app-1")
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Fatalf("after Forget: %q %v", rest, err)
	}
}

// A session id is a one-time credential: unknown, used and expired ones are
// Heroku's 404.
func TestSessionNotFound(t *testing.T) {
	h := newHarness(t)
	add(h.hub, "app-1", "web.1", "secret")
	notFound := func(id string) {
		t.Helper()
		res := h.get(t, context.Background(), id, true)
		var body struct{ ID, Message string }
		err := json.NewDecoder(res.Body).Decode(&body)
		if res.StatusCode != 404 || res.Header.Get("Content-Type") != "application/json" || err != nil || body.ID != "not_found" || body.Message == "" {
			t.Fatalf("%s: %d %s %+v %v", id, res.StatusCode, res.Header.Get("Content-Type"), body, err)
		}
	}
	notFound("nope")
	notFound("")

	used := h.sessions.Create(logs.Request{App: "app-1"})
	if res := h.get(t, context.Background(), used, false); res.StatusCode != 200 {
		t.Fatalf("first open: %d", res.StatusCode)
	}
	notFound(used)

	expired := h.sessions.Create(logs.Request{App: "app-1"})
	h.clock.Add(5*time.Minute - time.Second)
	fresh := h.sessions.Create(logs.Request{App: "app-1"})
	h.clock.Add(time.Second)
	notFound(expired)
	h.sessions.Create(logs.Request{App: "app-1"}) // sweeps the expired one
	if res := h.get(t, context.Background(), fresh, false); res.StatusCode != 200 {
		t.Fatalf("session within its TTL: %d", res.StatusCode)
	}

	res, err := http.Post(h.url(h.sessions.Create(logs.Request{App: "app-1"})), "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", res.StatusCode)
	}
}

func TestSessionIDs(t *testing.T) {
	s := &logs.Sessions{Hub: logs.NewHub(1)}
	seen := map[string]bool{}
	for range 1000 {
		id := s.Create(logs.Request{App: "a"})
		if len(id) < 22 || seen[id] || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Fatalf("id %q: want unique, URL-safe, 128 bits or more", id)
		}
		seen[id] = true
	}
}

// A client that stops reading never slows the Hub: its stream loses lines.
func TestSessionSlowClient(t *testing.T) {
	h := newHarness(t)
	res := h.get(t, context.Background(), h.sessions.Create(logs.Request{App: "app-1", Tail: true}), false)
	_ = res // subscribed (headers are sent after that), and never read
	text := strings.Repeat("x", 1000)
	start := time.Now()
	const n = 100_000 // 100 MB: far more than socket buffers hold
	for range n {
		h.hub.Add(logs.Line{Time: time.Now(), App: "app-1", Source: "app", Dyno: "web.1", Text: text})
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("adding %d lines with a stuck client took %v", n, d)
	}
	if h.hub.Dropped() == 0 {
		t.Fatal("the stuck client lost no lines")
	}
}
