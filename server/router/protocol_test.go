package router

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// These tests pin down the router's HTTP/1.x handling on real loopback
// connections: clients write exact bytes and read answers with
// http.ReadResponse; backends are httptest servers or raw listeners that
// answer exact (or malformed) bytes.

// ioTimeout bounds every blocking read and write in these tests, so that a
// router that fails to answer fails the test instead of hanging it.
const ioTimeout = 10 * time.Second

// closeTimeout bounds the wait for the router to close a connection.
const closeTimeout = 5 * time.Second

// rawClient is a connection to the router on which a test writes exact
// bytes.
type rawClient struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(ioTimeout))
	return &rawClient{t: t, conn: conn, br: bufio.NewReader(conn)}
}

func (c *rawClient) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("writing to the router: %v", err)
	}
}

// read reads the next response, to a request with method, and its body.
func (c *rawClient) read(method string) (*http.Response, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatalf("reading the response to %s: %v", method, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.t.Fatalf("reading the body of the response to %s: %v", method, err)
	}
	return resp, string(b)
}

// roundTrip sends req and reads the answer, expecting status and body.
func (c *rawClient) roundTrip(method, req string, status int, body string) *http.Response {
	c.t.Helper()
	c.send(req)
	resp, got := c.read(method)
	if resp.StatusCode != status || got != body {
		c.t.Fatalf("%q: %d %q, want %d %q", firstLine(req), resp.StatusCode, got, status, body)
	}
	return resp
}

// expectClosed checks that the router has closed the connection: the next
// read ends instead of returning data or timing out. A reset counts as
// closed too: the router may close with bytes it never read still queued.
func (c *rawClient) expectClosed() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(closeTimeout))
	b, err := c.br.ReadByte()
	switch {
	case err == nil:
		rest, _ := c.br.Peek(c.br.Buffered())
		c.t.Errorf("connection still open: read %q", append([]byte{b}, rest...))
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
	default:
		c.t.Errorf("connection not closed: %v", err)
	}
}

// readUntilClose reads everything up to the router's close and splits it
// into head and body.
func readUntilClose(t *testing.T, c *rawClient) (head, body string) {
	t.Helper()
	raw, err := io.ReadAll(c.br)
	if err != nil {
		t.Fatalf("connection not closed after the answer: %v (read %q)", err, raw)
	}
	head, body, ok := strings.Cut(string(raw), "\r\n\r\n")
	if !ok {
		t.Fatalf("no complete head in %q", raw)
	}
	return head + "\r\n", body
}

// hasField reports whether head has a field line starting with prefix,
// compared without regard to case.
func hasField(head, prefix string) bool {
	for _, line := range strings.Split(head, "\r\n")[1:] {
		if len(line) >= len(prefix) && strings.EqualFold(line[:len(prefix)], prefix) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// rawBackend is a backend on a plain listener: handle runs for each
// connection the router opens (with a deadline set), so it can read what
// the router sent and answer any bytes at all. It returns the number of
// connections accepted so far.
func rawBackend(t *testing.T, dyno string, handle func(conn net.Conn, br *bufio.Reader)) (Backend, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		accepted atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		conns    = make(map[net.Conn]struct{})
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conn.SetDeadline(time.Now().Add(ioTimeout))
			mu.Lock()
			conns[conn] = struct{}{}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				handle(conn, bufio.NewReader(conn))
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return Backend{Addr: l.Addr().String(), Dyno: dyno}, &accepted
}

// readBackendRequest reads one request on a raw backend connection,
// body included.
func readBackendRequest(br *bufio.Reader) (*http.Request, []byte, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(req.Body)
	return req, body, err
}

// keepAnswering is a raw backend handler that answers every request on
// the connection with answer(req).
func keepAnswering(answer func(req *http.Request) string) func(net.Conn, *bufio.Reader) {
	return func(conn net.Conn, br *bufio.Reader) {
		for {
			req, _, err := readBackendRequest(br)
			if err != nil {
				return
			}
			if _, err := io.WriteString(conn, answer(req)); err != nil {
				return
			}
		}
	}
}

// backendServer starts an httptest server for h, closed when the test ends.
func backendServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// 1. Requests whose framing or form the router cannot be sure of are
// answered before routing, and the connection is closed: whatever follows
// such a head cannot be trusted to start the next request. Nothing reaches
// the backend.
func TestRefusedBeforeRouting(t *testing.T) {
	h := newHarness(t)
	be, accepted := rawBackend(t, "web.1", keepAnswering(func(*http.Request) string {
		return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	}))
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{be}})

	var many strings.Builder
	many.WriteString("GET / HTTP/1.1\r\nHost: myapp.localhost\r\n")
	for i := range maxFields + 10 {
		fmt.Fprintf(&many, "X-Field-%d: v\r\n", i)
	}
	many.WriteString("\r\n")

	const host = "Host: myapp.localhost\r\n"
	for _, tc := range []struct {
		name, req string
		status    int
	}{
		{"content-length and transfer-encoding", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"transfer-encoding and content-length", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400},
		{"two different content-lengths", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
		{"content-length list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5, 6\r\n\r\nhello!", 400},
		{"non-numeric content-length", "POST / HTTP/1.1\r\n" + host + "Content-Length: abc\r\n\r\n", 400},
		{"signed content-length", "POST / HTTP/1.1\r\n" + host + "Content-Length: +5\r\n\r\nhello", 400},
		{"negative content-length", "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", 400},
		{"hex content-length", "POST / HTTP/1.1\r\n" + host + "Content-Length: 0x5\r\n\r\nhello", 400},
		{"empty content-length", "POST / HTTP/1.1\r\n" + host + "Content-Length:\r\n\r\n", 400},
		{"transfer-encoding gzip", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n", 501},
		{"transfer-encoding gzip, chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
		{"transfer-encoding chunked twice", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
		{"transfer-encoding identity", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: identity\r\n\r\n", 501},
		{"chunked HTTP/1.0", "POST / HTTP/1.0\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"obsolete line folding", "GET / HTTP/1.1\r\n" + host + "X-Folded: a\r\n b\r\n\r\n", 400},
		{"obsolete line folding with a tab", "GET / HTTP/1.1\r\n" + host + "X-Folded: a\r\n\tb\r\n\r\n", 400},
		{"whitespace before the first field", "GET / HTTP/1.1\r\n " + host + "\r\n", 400},
		{"space before the colon", "GET / HTTP/1.1\r\nHost : myapp.localhost\r\n\r\n", 400},
		{"space before the colon of content-length", "POST / HTTP/1.1\r\n" + host + "Content-Length : 5\r\n\r\nhello", 400},
		{"tab before the colon", "GET / HTTP/1.1\r\n" + host + "X-A\t: b\r\n\r\n", 400},
		{"field line without a colon", "GET / HTTP/1.1\r\n" + host + "X-A b\r\n\r\n", 400},
		{"control character in a value", "GET / HTTP/1.1\r\n" + host + "X-A: a\x00b\r\n\r\n", 400},
		{"bare CR in a value", "GET / HTTP/1.1\r\n" + host + "X-A: a\rb\r\n\r\n", 400},
		{"HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400},
		{"two Host fields", "GET / HTTP/1.1\r\n" + host + "Host: other.localhost\r\n\r\n", 400},
		{"two equal Host fields", "GET / HTTP/1.1\r\n" + host + host + "\r\n", 400},
		{"HTTP/2.0", "GET / HTTP/2.0\r\n" + host + "\r\n", 505},
		{"HTTP/1.2", "GET / HTTP/1.2\r\n" + host + "\r\n", 505},
		{"lower-case version", "GET / http/1.1\r\n" + host + "\r\n", 505},
		{"CONNECT", "CONNECT myapp.localhost:443 HTTP/1.1\r\n" + host + "\r\n", 405},
		{"space in the target", "GET /a b HTTP/1.1\r\n" + host + "\r\n", 400},
		{"invalid method", "G(ET / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"asterisk for GET", "GET * HTTP/1.1\r\n" + host + "\r\n", 400},
		{"absolute target without a host", "GET http:///x HTTP/1.1\r\n" + host + "\r\n", 400},
		{"head over 64 KB", "GET / HTTP/1.1\r\n" + host + "X-Big: " + strings.Repeat("a", maxHeadBytes+1024) + "\r\n\r\n", 431},
		{"too many fields", many.String(), 431},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, h.addr)
			// The router may refuse and close before it has read all of a
			// large head, so a failed write is not an error here.
			io.WriteString(c.conn, tc.req)
			resp, body := c.read(http.MethodGet)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d %q, want %d", resp.StatusCode, body, tc.status)
			}
			if !resp.Close { // http.ReadResponse takes "Connection: close" out of the header
				t.Errorf("no Connection: close (header %v)", resp.Header)
			}
			c.expectClosed()
			if n := accepted.Load(); n != 0 {
				t.Errorf("the backend got %d connections", n)
			}
		})
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the backend got %d connections for refused requests", n)
	}
	// The route itself works.
	c := dialRaw(t, h.addr)
	c.roundTrip("GET", "GET / HTTP/1.1\r\n"+host+"\r\n", 200, "ok")
	if n := accepted.Load(); n != 1 {
		t.Fatalf("%d backend connections after one good request", n)
	}
}

// 2. A chunked request body, with chunk extensions and a trailer, arrives
// intact; the connection then carries the next request.
func TestChunkedRequestBody(t *testing.T) {
	type got struct {
		Body             string
		Trailer          string
		TransferEncoding []string
		ContentLength    int64
	}
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(got{string(body), r.Trailer.Get("X-Checksum"), r.TransferEncoding, r.ContentLength})
	})}})
	c := dialRaw(t, h.addr)
	c.send("POST /upload HTTP/1.1\r\nHost: myapp.localhost\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n" +
		"5;name=value\r\nhello\r\n")
	// The rest comes in a second write, as a streaming client would send it.
	c.send("7;flag\r\n, world\r\n" + "A ; spaced=\"quoted;ext\"\r\n0123456789\r\n" +
		"0\r\nX-Checksum: abc123\r\n\r\n")
	resp, body := c.read(http.MethodPost)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	var g got
	if err := json.Unmarshal([]byte(body), &g); err != nil {
		t.Fatalf("%v: %q", err, body)
	}
	want := got{"hello, world0123456789", "abc123", []string{"chunked"}, -1}
	if fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("backend got %+v, want %+v", g, want)
	}
	if resp.Close {
		t.Error("connection closed after a complete chunked body")
	}
	c.send("POST /again HTTP/1.1\r\nHost: myapp.localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
	resp, body = c.read(http.MethodPost)
	if err := json.Unmarshal([]byte(body), &g); err != nil || resp.StatusCode != 200 || g.Body != "abc" || g.Trailer != "" {
		t.Errorf("second request: %d %q", resp.StatusCode, body)
	}
}

// 3. An HTTP/1.0 client cannot read chunked framing: a chunked answer
// reaches it de-chunked and ended by the close of the connection. One that
// asks to keep the connection alive gets its answers with a length and
// Connection: keep-alive.
func TestHTTP10Client(t *testing.T) {
	h := newHarness(t)
	chunked, _ := rawBackend(t, "web.1", keepAnswering(func(*http.Request) string {
		return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"6;ext=1\r\npart1,\r\n5\r\npart2\r\n0\r\nX-Trailer: t\r\n\r\n"
	}))
	h.set("chunked.localhost", Route{App: "chunked", Backends: []Backend{chunked}})
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+r.URL.Path)
	})}})

	for _, keepAlive := range []string{"", "Connection: keep-alive\r\n"} {
		t.Run("chunked answer "+strings.TrimSpace(keepAlive), func(t *testing.T) {
			c := dialRaw(t, h.addr)
			c.send("GET /stream HTTP/1.0\r\nHost: chunked.localhost\r\n" + keepAlive + "\r\n")
			head, body := readUntilClose(t, c)
			if !strings.HasPrefix(head, "HTTP/1.1 200 ") || body != "part1,part2" {
				t.Errorf("head %q, body %q; want 200 and the de-chunked body", head, body)
			}
			if !hasField(head, "Connection: close") || hasField(head, "Transfer-Encoding") ||
				hasField(head, "Content-Length") || hasField(head, "X-Trailer") {
				t.Errorf("head %q; want Connection: close and no framing fields", head)
			}
		})
	}

	t.Run("no informational answers", func(t *testing.T) {
		hinted := backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</app.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			io.WriteString(w, "final")
		})
		h.set("hints.localhost", Route{App: "hints", Backends: []Backend{hinted}})
		c := dialRaw(t, h.addr)
		c.send("GET / HTTP/1.0\r\nHost: hints.localhost\r\nConnection: keep-alive\r\n\r\n")
		resp, body := c.read("GET")
		if resp.StatusCode != 200 || body != "final" {
			t.Errorf("%d %q, want the final answer only", resp.StatusCode, body)
		}
	})

	t.Run("keep-alive", func(t *testing.T) {
		c := dialRaw(t, h.addr)
		for _, path := range []string{"/one", "/two"} {
			resp := c.roundTrip("GET", "GET "+path+" HTTP/1.0\r\nHost: myapp.localhost\r\nConnection: keep-alive\r\n\r\n", 200, "hello "+path)
			if resp.Header.Get("Connection") != "keep-alive" || resp.ContentLength != int64(len("hello "+path)) {
				t.Errorf("%s: Connection %q, Content-Length %d; want keep-alive and the length", path, resp.Header.Get("Connection"), resp.ContentLength)
			}
		}
		// Without keep-alive, HTTP/1.0 closes after the answer.
		resp := c.roundTrip("GET", "GET /three HTTP/1.0\r\nHost: myapp.localhost\r\n\r\n", 200, "hello /three")
		if !resp.Close {
			t.Errorf("no Connection: close (header %v)", resp.Header)
		}
		c.expectClosed()
	})
}

// 4. Pipelined requests, written back to back in one write, are answered
// in order on the same connection.
func TestPipelining(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, body)
	})}})
	c := dialRaw(t, h.addr)
	c.send("GET /one HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n" +
		"POST /two HTTP/1.1\r\nHost: myapp.localhost\r\nContent-Length: 5\r\n\r\nhello" +
		"GET /three HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n")
	for _, want := range []struct{ method, body string }{{"GET", "GET /one "}, {"POST", "POST /two hello"}, {"GET", "GET /three "}} {
		resp, body := c.read(want.method)
		if resp.StatusCode != 200 || body != want.body {
			t.Fatalf("%d %q, want %q", resp.StatusCode, body, want.body)
		}
	}
	// And the connection is still in step.
	c.roundTrip("GET", "GET /four HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n", 200, "GET /four ")
}

// 5. An answer to HEAD keeps the backend's Content-Length but has no body,
// and the connection goes on with the next request.
func TestHeadRequest(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "11")
		if r.Method != http.MethodHead {
			io.WriteString(w, "hello world")
		}
	})}})
	c := dialRaw(t, h.addr)
	for range 2 {
		resp := c.roundTrip("HEAD", "HEAD /x HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n", 200, "")
		if resp.ContentLength != 11 || resp.Header.Get("Content-Length") != "11" {
			t.Errorf("HEAD: Content-Length %q, want the backend's 11", resp.Header.Get("Content-Length"))
		}
		if resp.Close {
			t.Error("HEAD: connection closed")
		}
		// Body bytes after the HEAD answer would garble this one.
		c.roundTrip("GET", "GET /x HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n", 200, "hello world")
	}
}

// 6. 204 and 304 answers have no body, whatever their fields say, and the
// connection stays in step.
func TestBodylessStatuses(t *testing.T) {
	h := newHarness(t)
	be, _ := rawBackend(t, "web.1", keepAnswering(func(req *http.Request) string {
		switch req.URL.Path {
		case "/204":
			return "HTTP/1.1 204 No Content\r\nX-Kind: none\r\n\r\n"
		case "/304":
			// Content-Length of a 304 is the length of the representation
			// the client has cached: no body follows.
			return "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 42\r\n\r\n"
		}
		return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	}))
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{be}})
	gobe := backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(http.StatusNoContent)
		case "/304":
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(http.StatusNotModified)
		default:
			io.WriteString(w, "ok")
		}
	})
	h.set("goapp.localhost", Route{App: "goapp", Backends: []Backend{gobe}})
	for _, host := range []string{"myapp.localhost", "goapp.localhost"} {
		c := dialRaw(t, h.addr)
		for range 2 {
			resp := c.roundTrip("GET", "GET /204 HTTP/1.1\r\nHost: "+host+"\r\n\r\n", 204, "")
			if resp.Header.Get("Content-Length") != "" || len(resp.TransferEncoding) != 0 || resp.Close {
				t.Errorf("%s 204: header %v, transfer-encoding %v, close %v", host, resp.Header, resp.TransferEncoding, resp.Close)
			}
			c.roundTrip("GET", "GET /ok HTTP/1.1\r\nHost: "+host+"\r\n\r\n", 200, "ok")
			resp = c.roundTrip("GET", "GET /304 HTTP/1.1\r\nHost: "+host+"\r\n\r\n", 304, "")
			if resp.Header.Get("ETag") != `"v1"` || len(resp.TransferEncoding) != 0 || resp.Close {
				t.Errorf("%s 304: header %v, transfer-encoding %v, close %v", host, resp.Header, resp.TransferEncoding, resp.Close)
			}
			c.roundTrip("GET", "GET /ok HTTP/1.1\r\nHost: "+host+"\r\n\r\n", 200, "ok")
		}
	}
}

// 7. A client that sends its body only after 100 Continue gets the
// backend's 100 Continue through the router, and then its answer.
func TestExpectContinue(t *testing.T) {
	h := newHarness(t)
	entered := make(chan struct{}, 1)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/deny" {
			http.Error(w, "denied", http.StatusUnauthorized)
			return
		}
		entered <- struct{}{}
		body, err := io.ReadAll(r.Body) // Go's server sends 100 Continue here
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "got %q", body)
	})}})
	c := dialRaw(t, h.addr)
	for i := range 2 {
		c.send("PUT /upload HTTP/1.1\r\nHost: myapp.localhost\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
		select {
		case <-entered:
		case <-time.After(ioTimeout):
			t.Fatal("the head did not reach the backend before the body was sent")
		}
		resp, err := http.ReadResponse(c.br, &http.Request{Method: "PUT"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusContinue {
			body, _ := io.ReadAll(resp.Body)
			t.Fatalf("request %d: %d %q before the body was sent, want 100 Continue", i, resp.StatusCode, body)
		}
		c.send("hello world")
		resp, body := c.read("PUT")
		if resp.StatusCode != 200 || body != `got "hello world"` {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
		if resp.Close { // see TestStreamedUploadKeepsConnection
			c = dialRaw(t, h.addr)
		}
	}
	// An app that refuses without reading: the client gets the refusal
	// without sending its body, and the connection, whose next bytes
	// might be that body, is closed.
	c = dialRaw(t, h.addr)
	c.send("PUT /deny HTTP/1.1\r\nHost: myapp.localhost\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
	resp, body := c.read("PUT")
	if resp.StatusCode != http.StatusUnauthorized || body != "denied\n" || !resp.Close {
		t.Errorf("refused upload: %d %q close=%v, want 401 and Connection: close", resp.StatusCode, body, resp.Close)
	}
	c.expectClosed()
}

// 8. An absolute-form target is routed by its host, whatever the Host
// field says, and the app gets origin form with the target's host.
func TestAbsoluteFormTarget(t *testing.T) {
	h := newHarness(t)
	type got struct{ Host, RequestURI, Proto string }
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(got{r.Host, r.RequestURI, r.Proto})
	})}})
	h.set("other.localhost", Route{App: "other", Backends: []Backend{backend(t, "web.2", replyWith("wrong app"))}})
	c := dialRaw(t, h.addr)
	for _, tc := range []struct{ req, uri string }{
		{"GET http://myapp.localhost/path?q=1 HTTP/1.1\r\nHost: other.localhost\r\n\r\n", "/path?q=1"},
		{"GET http://myapp.localhost/path?q=1 HTTP/1.1\r\n\r\n", "/path?q=1"},
		{"GET http://myapp.localhost?q=1 HTTP/1.1\r\nHost: other.localhost\r\n\r\n", "/?q=1"},
		{"GET HTTPS://myapp.localhost HTTP/1.1\r\n\r\n", "/"},
	} {
		c.send(tc.req)
		resp, body := c.read("GET")
		var g got
		if err := json.Unmarshal([]byte(body), &g); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%q: %d %q", firstLine(tc.req), resp.StatusCode, body)
		}
		if want := (got{"myapp.localhost", tc.uri, "HTTP/1.1"}); g != want {
			t.Errorf("%q: backend saw %+v, want %+v", firstLine(tc.req), g, want)
		}
	}
	h.waitLine("myapp", "path", "http://myapp.localhost/path?q=1", "status", "200")
}

// 9. A backend that answers something other than HTTP/1.x is H17: the
// client gets the router's 503 page.
func TestMalformedBackendResponse(t *testing.T) {
	h := newHarness(t)
	answers := map[string]string{
		"/garbage":      "HELLO\r\n\r\n",
		"/status":       "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
		"/low-status":   "HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n",
		"/version":      "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
		"/length":       "HTTP/1.1 200 OK\r\nContent-Length: twelve\r\n\r\n",
		"/two-lengths":  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"/gzip":         "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		"/no-colon":     "HTTP/1.1 200 OK\r\nBroken header\r\nContent-Length: 0\r\n\r\n",
		"/space-before": "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
		"/folded":       "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n",
	}
	be, _ := rawBackend(t, "web.1", func(conn net.Conn, br *bufio.Reader) {
		req, _, err := readBackendRequest(br)
		if err != nil {
			return
		}
		io.WriteString(conn, answers[req.URL.Path])
		io.Copy(io.Discard, br) // until the router closes
	})
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{be}})
	c := dialRaw(t, h.addr)
	for path := range answers {
		c.send("GET " + path + " HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n")
		resp, body := c.read("GET")
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "H17: Poorly formatted HTTP response") {
			t.Errorf("%s: %d %q", path, resp.StatusCode, body)
		}
		checkPage(t, resp.Header, body)
		f := h.waitLine("myapp", "path", path)
		if f["code"] != "H17" || f["desc"] != "Poorly formatted HTTP response" || f["status"] != "503" || f["dyno"] != "web.1" {
			t.Errorf("%s: log line %v", path, f)
		}
		// A bodiless request survives its backend's failure.
		if resp.Close {
			t.Errorf("%s: client connection closed", path)
			c = dialRaw(t, h.addr)
		}
	}
}

// 10. Hop-by-hop fields stop at the router in both directions, and the
// client sees the router's request id, not the app's.
func TestHopByHopFields(t *testing.T) {
	h := newHarness(t)
	got := make(chan http.Header, 1)
	be, _ := rawBackend(t, "web.1", keepAnswering(func(req *http.Request) string {
		got <- req.Header
		return "HTTP/1.1 200 OK\r\n" +
			"Connection: X-Secret, x-other\r\nConnection: X-Third\r\n" +
			"X-Secret: s\r\nX-Other: o\r\nX-Third: t\r\n" +
			"Keep-Alive: timeout=5\r\nProxy-Authenticate: Basic\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n" +
			"Upgrade: websocket\r\nX-Request-Id: from-the-app\r\nX-Public: p\r\n" +
			"Content-Length: 2\r\n\r\nok"
	}))
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{be}})
	c := dialRaw(t, h.addr)
	resp := c.roundTrip("GET", "GET / HTTP/1.1\r\nHost: myapp.localhost\r\n"+
		"Connection: keep-alive, X-Hop,x-hop-two \r\nConnection: X-Hop-Three\r\n"+
		"X-Hop: 1\r\nX-Hop-Two: 2\r\nX-Hop-Three: 3\r\n"+
		"Keep-Alive: timeout=5\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n"+
		"Upgrade: websocket\r\nX-Keep: kept\r\n\r\n", 200, "ok")

	var sent http.Header
	select {
	case sent = <-got:
	default:
		t.Fatal("backend saw no request")
	}
	for _, k := range []string{"Connection", "X-Hop", "X-Hop-Two", "X-Hop-Three", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection", "Te", "Upgrade"} {
		if v, ok := sent[k]; ok {
			t.Errorf("backend got %s: %q", k, v)
		}
	}
	if sent.Get("X-Keep") != "kept" {
		t.Errorf("backend got X-Keep %q, want it passed on", sent.Get("X-Keep"))
	}
	for _, k := range []string{"X-Secret", "X-Other", "X-Third", "Keep-Alive", "Proxy-Authenticate", "Proxy-Connection", "Te", "Upgrade", "Connection"} {
		if v, ok := resp.Header[k]; ok {
			t.Errorf("client got %s: %q", k, v)
		}
	}
	if resp.Header.Get("X-Public") != "p" {
		t.Errorf("client got X-Public %q, want it passed on", resp.Header.Get("X-Public"))
	}
	ids := resp.Header.Values("X-Request-Id")
	if len(ids) != 1 || ids[0] != sent.Get("X-Request-Id") || !uuidV4.MatchString(ids[0]) {
		t.Errorf("client got X-Request-Id %q; the backend was sent %q", ids, sent.Values("X-Request-Id"))
	}
}

// 11. Shutdown closes idle connections at once, lets a request in flight
// finish with its whole answer (and Connection: close), and returns nil
// once it has; Serve returns ErrClosed.
func TestShutdownFinishesInFlight(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	be := backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			entered <- struct{}{}
			<-release
		}
		io.WriteString(w, "done "+r.URL.Path)
	})
	t.Cleanup(unblock) // before the backend's own cleanup waits for the handler

	rt := &Router{Lookup: func(host string) (Route, bool) {
		return Route{App: "myapp", Backends: []Backend{be}}, host == "myapp.localhost"
	}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- rt.Serve(l) }()
	t.Cleanup(func() { // only does anything if the test failed early
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		rt.Shutdown(ctx)
	})

	idle := dialRaw(t, l.Addr().String())
	idle.roundTrip("GET", "GET /fast HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n", 200, "done /fast")
	busy := dialRaw(t, l.Addr().String())
	busy.send("GET /slow HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n")
	select {
	case <-entered:
	case <-time.After(ioTimeout):
		t.Fatal("the slow request did not reach the backend")
	}

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		shut <- rt.Shutdown(ctx)
	}()
	idle.expectClosed()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}
	if conn, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
		conn.Close()
		t.Error("the listener still accepts connections during Shutdown")
	}

	unblock()
	resp, body := busy.read("GET")
	if resp.StatusCode != 200 || body != "done /slow" {
		t.Errorf("in-flight request: %d %q", resp.StatusCode, body)
	}
	if !resp.Close {
		t.Error("in-flight answer during Shutdown without Connection: close")
	}
	busy.expectClosed()
	select {
	case err := <-shut:
		if err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	case <-time.After(ioTimeout):
		t.Fatal("Shutdown did not return after the last request finished")
	}
	select {
	case err := <-served:
		if err != ErrClosed {
			t.Errorf("Serve returned %v, want ErrClosed", err)
		}
	case <-time.After(ioTimeout):
		t.Fatal("Serve did not return")
	}
}

// 12. Apps close idle keep-alive connections whenever they like; a GET
// that meets a pooled connection the app has just closed is sent again on
// a fresh one instead of failing.
func TestBackendClosesIdleConnection(t *testing.T) {
	t.Run("httptest CloseClientConnections", func(t *testing.T) {
		h := newHarness(t)
		srv := backendServer(t, replyWith("ok"))
		h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{{Addr: srv.Listener.Addr().String(), Dyno: "web.1"}}})
		c := dialRaw(t, h.addr)
		for range 5 {
			c.roundTrip("GET", "GET / HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n", 200, "ok")
			srv.CloseClientConnections()
		}
	})
	t.Run("raw backend closing after each answer", func(t *testing.T) {
		h := newHarness(t)
		be, accepted := rawBackend(t, "web.1", func(conn net.Conn, br *bufio.Reader) {
			if _, _, err := readBackendRequest(br); err != nil {
				return
			}
			// A keep-alive answer, then the app closes anyway.
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		})
		h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{be}})
		c := dialRaw(t, h.addr)
		for range 5 {
			c.roundTrip("GET", "GET / HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n", 200, "ok")
		}
		if n := accepted.Load(); n != 5 {
			t.Errorf("%d backend connections for 5 requests, want 5", n)
		}
	})
	t.Run("announced close", func(t *testing.T) {
		h := newHarness(t)
		be, accepted := rawBackend(t, "web.1", func(conn net.Conn, br *bufio.Reader) {
			if _, _, err := readBackendRequest(br); err != nil {
				return
			}
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
		})
		h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{be}})
		c := dialRaw(t, h.addr)
		for range 5 {
			resp := c.roundTrip("GET", "GET / HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n", 200, "ok")
			if resp.Close {
				t.Fatal("the backend's Connection: close reached the client")
			}
		}
		if n := accepted.Load(); n != 5 {
			t.Errorf("%d backend connections for 5 requests, want 5", n)
		}
	})
}

// The tests below go beyond the numbered cases above: further protocol
// cases, and the bugs they found in the first version of the router.

// CONNECT is not supported: the refusal must not depend on the form of the
// target. Were a CONNECT with an origin-form or absolute-form target sent
// on to the app, a 2xx to it would turn the connection into a tunnel for
// anyone who follows RFC 9110 §9.3.6 (its Content-Length is to be
// ignored), while the router kept framing it as a normal answer and
// reusing the backend connection.
func TestConnectRefusedWhateverTheTarget(t *testing.T) {
	h := newHarness(t)
	be, accepted := rawBackend(t, "web.1", keepAnswering(func(*http.Request) string {
		return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	}))
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{be}})
	for _, target := range []string{"/x", "http://myapp.localhost/", "*"} {
		c := dialRaw(t, h.addr)
		c.send("CONNECT " + target + " HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n")
		resp, _ := c.read(http.MethodGet)
		if resp.StatusCode != http.StatusMethodNotAllowed && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("CONNECT %s: status %d, want 405 (or 400)", target, resp.StatusCode)
		}
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the backend got %d connections for CONNECT requests", n)
	}
}

// An answer whose body ends with the backend's connection (no length, not
// chunked) reaches an HTTP/1.1 client whole: close-delimited too, or
// re-chunked.
func TestCloseDelimitedAnswer(t *testing.T) {
	h := newHarness(t)
	for host, answer := range map[string]string{
		"close.localhost":  "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n",
		"http10.localhost": "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n",
	} {
		be, _ := rawBackend(t, "web.1", func(conn net.Conn, br *bufio.Reader) {
			if _, _, err := readBackendRequest(br); err != nil {
				return
			}
			io.WriteString(conn, answer+"all of this, ")
			io.WriteString(conn, "until the end")
		})
		h.set(host, Route{App: "myapp", Backends: []Backend{be}})
		c := dialRaw(t, h.addr)
		c.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
		resp, body := c.read("GET")
		if resp.StatusCode != 200 || body != "all of this, until the end" {
			t.Errorf("%s: %d %q, want the whole body", host, resp.StatusCode, body)
		}
		if resp.ContentLength >= 0 && resp.ContentLength != int64(len(body)) {
			t.Errorf("%s: Content-Length %d for a body of %d bytes", host, resp.ContentLength, len(body))
		}
		if len(resp.TransferEncoding) == 0 && !resp.Close {
			t.Errorf("%s: a close-delimited body without Connection: close", host)
		}
		if !resp.Close {
			continue
		}
		c.expectClosed()
	}
}

// A request whose body was streamed to the backend (chunked, or sent after
// 100 Continue) and taken whole leaves the client connection usable.
func TestStreamedUploadKeepsConnection(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, n)
	})}})
	c := dialRaw(t, h.addr)
	const uploads = 200
	closed := 0
	for range uploads {
		c.send("POST / HTTP/1.1\r\nHost: myapp.localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
		resp, body := c.read("POST")
		if resp.StatusCode != 200 || body != "5" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		if resp.Close {
			closed++
			c = dialRaw(t, h.addr)
		}
	}
	if closed > 0 {
		t.Errorf("%d of %d complete uploads were answered with Connection: close", closed, uploads)
	}
}

// A backend may send its response head in pieces: only the first byte is
// bounded by Timeout, and the rest of the head may follow later.
func TestSlowResponseHead(t *testing.T) {
	h := newHarness(t)
	be, _ := rawBackend(t, "web.1", func(conn net.Conn, br *bufio.Reader) {
		for {
			if _, _, err := readBackendRequest(br); err != nil {
				return
			}
			io.WriteString(conn, "HTTP/1.1 200 OK\r\n")
			time.Sleep(2 * watchAfter) // past the router's first check on the client
			io.WriteString(conn, "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{be}})
	c := dialRaw(t, h.addr)
	c.roundTrip("GET", "GET /slow-head HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n", 200, "ok")
}

// A request whose Connection field says close ends the connection after
// its answer (RFC 9112 §9.6), whatever else the field says.
func TestConnectionCloseWins(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", replyWith("ok"))}})
	for _, tc := range []struct{ name, conn string }{
		{"close", "Connection: close\r\n"},
		{"keep-alive, close", "Connection: keep-alive, close\r\n"},
		{"close, keep-alive", "Connection: close, keep-alive\r\n"},
		{"two fields", "Connection: close\r\nConnection: keep-alive\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, h.addr)
			resp := c.roundTrip("GET", "GET / HTTP/1.1\r\nHost: myapp.localhost\r\n"+tc.conn+"\r\n", 200, "ok")
			if !resp.Close {
				t.Errorf("answer without Connection: close")
			}
			c.expectClosed()
		})
	}
}

// A chunked answer reaches an HTTP/1.1 client re-encoded: the same body
// and trailer, in chunks the router parsed itself, without the backend's
// chunk extensions.
func TestChunkedAnswerReencoded(t *testing.T) {
	h := newHarness(t)
	be, _ := rawBackend(t, "web.1", keepAnswering(func(*http.Request) string {
		return "HTTP/1.1 200 OK\r\nTrailer: X-Sum\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5;secret=ext\r\nhello\r\n" + "c ; a=b\r\n, chunked!!\n\r\n" + "0\r\nX-Sum: 42\r\n\r\n"
	}))
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{be}})
	c := dialRaw(t, h.addr)
	var raw bytes.Buffer
	c.br = bufio.NewReader(io.TeeReader(c.conn, &raw))
	for range 2 {
		c.send("GET / HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n")
		resp, body := c.read("GET")
		if resp.StatusCode != 200 || body != "hello, chunked!!\n" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		if !slices.Equal(resp.TransferEncoding, []string{"chunked"}) || resp.Trailer.Get("X-Sum") != "42" || resp.Close {
			t.Errorf("transfer-encoding %q, trailer %v, close %v", resp.TransferEncoding, resp.Trailer, resp.Close)
		}
	}
	if strings.Contains(raw.String(), "secret") || strings.Contains(raw.String(), "a=b") {
		t.Errorf("chunk extensions passed on: %q", raw.String())
	}
}

// A backend whose chunked body goes wrong half way is H18: the client gets
// what was relayed, then the connection ends without the last chunk, so it
// cannot take the truncated body for a whole one.
func TestMalformedChunkedAnswer(t *testing.T) {
	h := newHarness(t)
	be, _ := rawBackend(t, "web.1", func(conn net.Conn, br *bufio.Reader) {
		if _, _, err := readBackendRequest(br); err != nil {
			return
		}
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\nmore\r\n0\r\n\r\n")
		io.Copy(io.Discard, br)
	})
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{be}})
	c := dialRaw(t, h.addr)
	c.send("GET /broken HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n")
	resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err == nil || !strings.HasPrefix("hello", string(body)) {
		t.Errorf("body %q, %v; want at most %q and an error", body, err, "hello")
	}
	c.expectClosed()
	f := h.waitLine("myapp", "path", "/broken")
	if f["code"] != "H18" || f["status"] != "200" {
		t.Errorf("log line %v", f)
	}
}

// Pipelined requests stay in order when the backend is slow enough for the
// router to watch the client connection meanwhile, and when the next
// request arrives while the first is being answered.
func TestPipeliningSlowBackend(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(2 * watchAfter) // long enough for the router to watch the client
		}
		io.WriteString(w, r.URL.Path)
	})}})
	c := dialRaw(t, h.addr)
	c.send("GET /slow HTTP/1.1\r\nHost: myapp.localhost\r\n\r\nGET /next HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n")
	c.read("GET")
	c.send("GET /slow HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n")
	c.send("GET /third HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n")
	for _, want := range []string{"/next", "/slow", "/third"} {
		if resp, body := c.read("GET"); resp.StatusCode != 200 || body != want {
			t.Fatalf("%d %q, want %q", resp.StatusCode, body, want)
		}
	}
}
