package router

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// wsEcho is a minimal WebSocket-style backend: it accepts the upgrade and
// echoes raw bytes (framing is the endpoints' business, not the router's).
func wsEcho(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		http.Error(w, "upgrade required", http.StatusUpgradeRequired)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	brw.Flush()
	io.Copy(conn, brw.Reader)
}

func TestWebSocketUpgrade(t *testing.T) {
	h := newHarness(t, func(rt *Router) { rt.Timeout = 200 * time.Millisecond })
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", wsEcho)}})

	conn, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "GET /socket HTTP/1.1\r\nHost: myapp.localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
	// Talk for longer than Timeout: it only bounds the wait for headers.
	for i, msg := range []string{"hello\n", "world\n", "again\n"} {
		if i == 2 {
			time.Sleep(300 * time.Millisecond)
		}
		io.WriteString(conn, msg)
		got, err := br.ReadString('\n')
		if err != nil || got != msg {
			t.Fatalf("echo %q, %v; want %q", got, err, msg)
		}
	}
	conn.Close()
	f := h.waitLine("myapp", "status", "101")
	if f["at"] != "info" || f["path"] != "/socket" {
		t.Errorf("log line %v", f)
	}
}

// A streamed response reaches the client chunk by chunk: the backend only
// sends its second chunk after the client has read the first.
func TestStreamingResponse(t *testing.T) {
	release := make(chan struct{})
	h := newHarness(t, func(rt *Router) { rt.Timeout = 200 * time.Millisecond })
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "first\n")
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		io.WriteString(w, "second\n")
	})}})

	resp := h.do(http.MethodGet, "myapp.localhost", "/stream", nil)
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	got := make(chan string, 1)
	go func() {
		line, _ := br.ReadString('\n')
		got <- line
	}()
	select {
	case line := <-got:
		if line != "first\n" {
			t.Fatalf("first chunk %q", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("first chunk was held back")
	}
	// Longer than Timeout, which must not cut a response already started.
	time.Sleep(300 * time.Millisecond)
	close(release)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
	h.waitLine("myapp", "status", "200", "bytes", "13")
}

// A response with a known Content-Length is relayed as it arrives too, which
// ReverseProxy alone would leave in the server's buffer.
func TestStreamingKnownLength(t *testing.T) {
	release := make(chan struct{})
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "12")
		io.WriteString(w, "first\n")
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-time.After(10 * time.Second): // fail, not hang, if held back
		}
		io.WriteString(w, "last!\n")
	})}})
	defer close(release)
	req, _ := http.NewRequest(http.MethodGet, h.url, nil)
	req.Host = "myapp.localhost"
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	buf := make([]byte, 6)
	go func() { // headers and the first chunk must both arrive before release
		resp, err := h.client.Do(req)
		if err == nil {
			_, err = io.ReadFull(resp.Body, buf)
		}
		done <- result{resp, err}
	}()
	var resp *http.Response
	select {
	case r := <-done:
		if r.err != nil || string(buf) != "first\n" {
			t.Fatalf("%q %v", buf, r.err)
		}
		resp = r.resp
	case <-time.After(5 * time.Second):
		t.Fatal("first chunk was held back")
	}
	defer resp.Body.Close()
	release <- struct{}{}
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "last!\n" {
		t.Fatalf("rest %q", rest)
	}
}

// 50 MB go up and come back through the router at the same time (the backend
// echoes as it reads), so neither direction can be buffered whole.
func TestLargeBodiesStream(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 100 MB")
	}
	const size = 50 << 20
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).EnableFullDuplex()
		w.Header().Set("Content-Type", "application/octet-stream")
		io.Copy(w, r.Body)
	})}})

	sent := sha256.New()
	body := io.TeeReader(io.LimitReader(rand.NewChaCha8([32]byte{1}), size), sent)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)

	resp := h.do(http.MethodPut, "myapp.localhost", "/big", body)
	defer resp.Body.Close()
	got := sha256.New()
	n, err := io.Copy(got, resp.Body)
	if err != nil || n != size {
		t.Fatalf("got %d bytes, %v", n, err)
	}
	if !bytes.Equal(got.Sum(nil), sent.Sum(nil)) {
		t.Fatal("body changed in transit")
	}
	runtime.ReadMemStats(&after)
	// Client, router and backend share this process; all together they may
	// allocate a few MB of buffers, not a copy of the body.
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %.1f MB moving %d MB each way", float64(alloc)/(1<<20), size>>20)
	if alloc > 8<<20 {
		t.Errorf("allocated %d MB moving %d MB: something buffers", alloc>>20, size>>20)
	}
	f := h.waitLine("myapp", "method", "PUT")
	if f["bytes"] != itoa(size) || f["status"] != "200" {
		t.Errorf("log line %v", f)
	}
}
