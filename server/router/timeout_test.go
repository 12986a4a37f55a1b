package router

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRequestTimeout(t *testing.T) {
	h := newHarness(t, func(rt *Router) { rt.Timeout = 100 * time.Millisecond })
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})}})
	start := time.Now()
	status, body, hdr := h.get("myapp.localhost", "/slow")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "Application error") {
		t.Fatalf("%d %q", status, body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	checkPage(t, hdr, body)
	f := h.waitLine("myapp", "code", "H12")
	if f["desc"] != "Request timeout" || f["status"] != "503" || f["dyno"] != "web.1" {
		t.Errorf("log line %v", f)
	}
	// The countdown includes dialling, which the log shows as connect.
	connect, _ := strconv.Atoi(strings.TrimSuffix(f["connect"], "ms"))
	service, _ := strconv.Atoi(strings.TrimSuffix(f["service"], "ms"))
	if connect+service < 100 {
		t.Errorf("connect=%s service=%s, want at least the timeout in all", f["connect"], f["service"])
	}
}

// A client that hangs up while the backend is thinking is H27, status 499.
func TestClientInterrupted(t *testing.T) {
	entered := make(chan struct{})
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})}})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.url+"/wait", nil)
	req.Host = "myapp.localhost"
	errc := make(chan error, 1)
	go func() {
		resp, err := h.client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("request never reached the backend")
	}
	cancel()
	<-errc
	f := h.waitLine("myapp", "code", "H27")
	if f["desc"] != "Client Request Interrupted" || f["status"] != "499" || f["bytes"] != "0" {
		t.Errorf("log line %v", f)
	}
}

// A client that hangs up mid-stream is H27 as well.
func TestClientInterruptedWhileStreaming(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for {
			if _, err := io.WriteString(w, "tick\n"); err != nil {
				return
			}
			rc.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})}})
	conn, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET /ticks HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n")
	buf := make([]byte, 256)
	if _, err := conn.Read(buf); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	f := h.waitLine("myapp", "code", "H27")
	if f["status"] != "499" || f["path"] != "/ticks" {
		t.Errorf("log line %v", f)
	}
}

// A backend that dies in the middle of its body is H18; the client sees
// the response cut short rather than a clean end.
func TestServerInterrupted(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "partial")
		http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler) // drop the connection
	})}})
	resp := h.do(http.MethodGet, "myapp.localhost", "/", nil)
	_, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Error("truncated body read without error")
	}
	f := h.waitLine("myapp", "code", "H18")
	if f["status"] != "200" || f["bytes"] != "7" {
		t.Errorf("log line %v", f)
	}
}

// An upload slower than Timeout is not cut off while it flows; silence after
// it still is.
func TestTimeoutCountsSilenceAfterUpload(t *testing.T) {
	h := newHarness(t, func(rt *Router) { rt.Timeout = 300 * time.Millisecond })
	h.set("reader.localhost", Route{App: "reader", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		io.WriteString(w, "got "+strconv.FormatInt(n, 10))
	})}})
	h.set("sleeper.localhost", Route{App: "sleeper", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})}})
	slowUpload := func() io.Reader {
		pr, pw := io.Pipe()
		go func() {
			chunk := make([]byte, 16<<10)
			for i := range 16 { // 16 × 50ms: well over the timeout
				if i > 0 {
					time.Sleep(50 * time.Millisecond)
				}
				if _, err := pw.Write(chunk); err != nil {
					return
				}
			}
			pw.Close()
		}()
		return pr
	}

	resp := h.do(http.MethodPost, "reader.localhost", "/upload", slowUpload())
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "got "+strconv.Itoa(16*16<<10) {
		t.Fatalf("slow upload: %d %q", resp.StatusCode, body)
	}

	resp = h.do(http.MethodPost, "sleeper.localhost", "/upload", slowUpload())
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("silent backend: %d", resp.StatusCode)
	}
	h.waitLine("sleeper", "code", "H12")
}
