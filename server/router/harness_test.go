package router

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// harness runs a Router on a real loopback listener with a mutable route
// table and collects its log lines.
type harness struct {
	t      *testing.T
	router *Router
	url    string // http://127.0.0.1:port
	addr   string // the router's listening address
	client *http.Client

	mu     sync.Mutex
	routes map[string]Route
	lines  []logged
}

type logged struct{ app, line string }

func newHarness(t *testing.T, configure ...func(*Router)) *harness {
	t.Helper()
	h := &harness{t: t, routes: make(map[string]Route)}
	h.router = &Router{
		Lookup: func(host string) (Route, bool) {
			h.mu.Lock()
			defer h.mu.Unlock()
			r, ok := h.routes[host]
			return r, ok
		},
		Log: func(app, line string) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.lines = append(h.lines, logged{app, line})
		},
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range configure {
		f(h.router)
	}
	h.addr = serve(t, h.router)
	h.url = "http://" + h.addr
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	h.client = &http.Client{Transport: tr}
	return h
}

// serve runs rt on a loopback listener until the test ends, and returns
// the listener's address.
func serve(t testing.TB, rt *Router) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- rt.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rt.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != ErrClosed {
			t.Errorf("Serve returned %v, want ErrClosed", err)
		}
	})
	return l.Addr().String()
}

// testWriter sends operational logs to the test log, which shows them only
// on failure.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func (h *harness) set(host string, r Route) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.routes[host] = r
}

// do sends a request for host to the router.
func (h *harness) do(method, host, path string, body io.Reader, hdr ...string) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// get sends a GET and returns status and body.
func (h *harness) get(host, path string, hdr ...string) (int, string, http.Header) {
	h.t.Helper()
	resp := h.do(http.MethodGet, host, path, nil, hdr...)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// waitLine waits for a log line of app matching all of want (field=value)
// and returns its fields.
func (h *harness) waitLine(app string, want ...string) map[string]string {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.mu.Lock()
		lines := append([]logged(nil), h.lines...)
		h.mu.Unlock()
	next:
		for _, l := range lines {
			if l.app != app {
				continue
			}
			f, err := parseLine(l.line)
			if err != nil {
				h.t.Fatalf("unparsable log line %q: %v", l.line, err)
			}
			for i := 0; i+1 < len(want); i += 2 {
				if f[want[i]] != want[i+1] {
					continue next
				}
			}
			return f
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("no log line for %s with %v; have %q", app, want, lines)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// logCount is the number of log lines so far.
func (h *harness) logCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.lines)
}

// lineFields is the order of fields in a router log line.
var lineFields = []string{"method", "path", "host", "request_id", "fwd", "dyno", "connect", "service", "status", "bytes", "protocol"}

// parseLine parses a logfmt line, checking it has exactly the router's
// fields in order.
func parseLine(line string) (map[string]string, error) {
	f := make(map[string]string)
	var keys []string
	s := line
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || strings.ContainsAny(s[:eq], " \"") {
			return nil, errorf("bad key at %q", s)
		}
		key := s[:eq]
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, errorf("bad quoted value at %q: %v", s, err)
			}
			val, _ = strconv.Unquote(q)
			s = s[len(q):]
		} else {
			end := strings.IndexByte(s, ' ')
			if end < 0 {
				end = len(s)
			}
			val, s = s[:end], s[end:]
			if strings.ContainsAny(val, "\"=") {
				return nil, errorf("bare value %q", val)
			}
		}
		if _, dup := f[key]; dup {
			return nil, errorf("duplicate %s", key)
		}
		f[key] = val
		keys = append(keys, key)
		if s != "" {
			if s[0] != ' ' {
				return nil, errorf("no space before %q", s)
			}
			s = s[1:]
		}
	}
	want := []string{"at"}
	if f["at"] == "error" {
		want = append(want, "code", "desc")
	}
	want = append(want, lineFields...)
	if strings.Join(keys, " ") != strings.Join(want, " ") {
		return nil, errorf("fields %v, want %v", keys, want)
	}
	return f, nil
}

type parseError string

func (e parseError) Error() string { return string(e) }

func errorf(format string, args ...any) error {
	return parseError(fmt.Sprintf(format, args...))
}

// backend starts a test backend and returns it as a Backend named dyno.
func backend(t *testing.T, dyno string, h http.HandlerFunc) Backend {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return Backend{Addr: srv.Listener.Addr().String(), Dyno: dyno}
}

// replyWith is a backend handler that answers with body.
func replyWith(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }
}

// refusedAddr returns a loopback address nothing listens on.
func refusedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// ctxTimeout is a context for a test step that must not hang.
func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
