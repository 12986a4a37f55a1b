package router

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

const testIdle = 300 * time.Millisecond

// ticker is a backend that streams n lines every, then falls silent for
// silence before its last line.
func ticker(n int, every, silence time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for range n {
			io.WriteString(w, "tick\n")
			rc.Flush()
			time.Sleep(every)
		}
		time.Sleep(silence)
		io.WriteString(w, "last\n")
	}
}

// A streamed body that keeps sending outlives the idle window many times
// over; one that falls silent for the window is cut, and logged as H15.
func TestStreamIdleWindow(t *testing.T) {
	h := newHarness(t, func(rt *Router) { rt.StreamIdleTimeout = testIdle })
	h.set("busy.localhost", Route{App: "busy", Backends: []Backend{backend(t, "web.1", ticker(12, testIdle/3, 0))}})
	h.set("quiet.localhost", Route{App: "quiet", Backends: []Backend{backend(t, "web.1", ticker(1, 0, 3*testIdle))}})

	status, body, _ := h.get("busy.localhost", "/")
	if status != 200 || strings.Count(body, "tick\n") != 12 || !strings.HasSuffix(body, "last\n") {
		t.Fatalf("busy stream: %d %q", status, body)
	}
	resp := h.do(http.MethodGet, "quiet.localhost", "/", nil)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || string(b) != "tick\n" {
		t.Errorf("quiet stream read %q, %v; want the first line, then a cut", b, err)
	}
	f := h.waitLine("quiet", "code", "H15")
	if f["desc"] != "Idle connection" {
		t.Errorf("log line %v", f)
	}
}

// A WebSocket lives while either side talks: here only the app does, with
// the client silent. Once both are silent for the window, it is cut (H15).
func TestWebSocketIdleWindow(t *testing.T) {
	h := newHarness(t, func(rt *Router) { rt.StreamIdleTimeout = testIdle })
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		for range 10 {
			brw.WriteString("push\n")
			brw.Flush()
			time.Sleep(testIdle / 3)
		}
		io.Copy(io.Discard, conn) // then silent, until the router cuts it
	})}})

	conn, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "GET /socket HTTP/1.1\r\nHost: myapp.localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v, %v", resp, err)
	}
	for i := range 10 {
		if line, err := br.ReadString('\n'); err != nil || line != "push\n" {
			t.Fatalf("push %d: %q, %v (cut while the app was talking)", i, line, err)
		}
	}
	start := time.Now()
	if _, err := br.ReadString('\n'); err == nil {
		t.Fatal("read more after the app fell silent")
	} else if time.Since(start) > 5*time.Second {
		t.Fatalf("a silent WebSocket was not cut: %v", err)
	}
	f := h.waitLine("myapp", "code", "H15")
	if f["status"] != "101" {
		t.Errorf("log line %v", f)
	}
}
