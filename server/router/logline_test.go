package router

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// steppingClock advances by step on every reading, making durations in log
// lines exact.
func steppingClock(step time.Duration) func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(step)
		return t
	}
}

func TestLogLineFormat(t *testing.T) {
	h := newHarness(t, func(rt *Router) { rt.Now = steppingClock(5 * time.Millisecond) })
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", replyWith("hello"))}})

	// First request dials: the clock is read at receipt, around the dial
	// and at the end.
	// Each line is logged just after the response is sent, so wait for it
	// before the next request reads the clock.
	h.get("myapp.localhost:80", "/foo?x=1", "X-Request-Id", "req-1")
	h.waitLine("myapp", "request_id", "req-1")
	h.get("myapp.localhost", "/bar", "X-Request-Id", "req-2")
	h.waitLine("myapp", "request_id", "req-2")
	h.mu.Lock()
	defer h.mu.Unlock()
	want := []string{
		`at=info method=GET path="/foo?x=1" host=myapp.localhost request_id=req-1 fwd="127.0.0.1" dyno=web.1 connect=5ms service=10ms status=200 bytes=5 protocol=http`,
		`at=info method=GET path="/bar" host=myapp.localhost request_id=req-2 fwd="127.0.0.1" dyno=web.1 connect=0ms service=5ms status=200 bytes=5 protocol=http`,
	}
	if len(h.lines) != 2 {
		t.Fatalf("lines %q", h.lines)
	}
	for i, l := range h.lines {
		if l.app != "myapp" || l.line != want[i] {
			t.Errorf("line %d:\n got %s\nwant %s", i, l.line, want[i])
		}
	}
}

func TestLogLineErrorFormat(t *testing.T) {
	h := newHarness(t, func(rt *Router) { rt.Now = steppingClock(time.Millisecond) })
	h.set("myapp.localhost", Route{App: "myapp"})
	_, body, _ := h.get("myapp.localhost", "/", "X-Request-Id", "abc")
	h.waitLine("myapp", "request_id", "abc")
	h.mu.Lock()
	defer h.mu.Unlock()
	want := `at=error code=H14 desc="No web processes running" method=GET path="/" host=myapp.localhost request_id=abc fwd="127.0.0.1" dyno= connect= service= status=503 bytes=` +
		itoa(int64(len(body))) + ` protocol=http`
	if len(h.lines) != 1 || h.lines[0].line != want {
		t.Errorf("got  %q\nwant %q", h.lines, want)
	}
}

// Hostile request targets cannot forge fields. Targets with spaces or
// line breaks never get this far: they are refused as malformed.
func TestLogLineHostilePath(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Maintenance: true})
	for i, path := range []string{
		`/a"b"status=200"dyno=evil"x="`,
		`/back\slash\"bytes=1`,
		"/\xff\xfe-invalid-utf-8",
		"/" + strings.Repeat("long/", 1000),
	} {
		conn, err := net.Dial("tcp", h.addr)
		if err != nil {
			t.Fatal(err)
		}
		id := "hostile-" + itoa(int64(i))
		io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: myapp.localhost\r\nX-Request-Id: "+id+"\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		conn.Close()
		f := h.waitLine("myapp", "request_id", id)
		want := path
		if len(want) > maxLoggedPath {
			want = want[:maxLoggedPath] + "..."
		}
		if f["path"] != want || f["status"] != "503" || f["dyno"] != "" {
			t.Errorf("path %q logged as %v", path, f)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range h.lines {
		if strings.ContainsAny(l.line, "\n\r") {
			t.Errorf("line break in %q", l.line)
		}
	}
}

// The same over a real connection: Go's server accepts quotes in targets.
func TestLogLineQuotedPathOverTheWire(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", replyWith("ok"))}})
	conn, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	target := `/x"status=200"dyno=evil?q="a"`
	io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: myapp.localhost\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	f := h.waitLine("myapp", "path", target)
	if f["dyno"] != "web.1" || f["status"] != itoa(int64(resp.StatusCode)) {
		t.Errorf("log line %v", f)
	}
}

func FuzzLogLine(f *testing.F) {
	f.Add("GET", "/foo?x=1", "web.1", "id")
	f.Add("P=ST", `/a" b=c`, "web 1", "")
	f.Add("", "\x00\xff", `"`, "\\")
	f.Fuzz(func(t *testing.T, method, path, dyno, id string) {
		ex := &exchange{method: method, path: path, dyno: dyno, id: id, host: "h", peer: "1.2.3.4", proto: "http", fail: noWebDynos}
		line := string(appendLogLine(nil, ex, time.Now()))
		fields, err := parseLine(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		wantPath := path
		if len(wantPath) > maxLoggedPath {
			wantPath = wantPath[:maxLoggedPath] + "..."
		}
		if fields["method"] != method || fields["path"] != wantPath || fields["dyno"] != dyno || fields["request_id"] != id || fields["code"] != "H14" {
			t.Fatalf("%q parsed as %v", line, fields)
		}
	})
}
