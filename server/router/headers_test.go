package router

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/tlsconfig/tlstest"
)

// seen is what the echo backend reports about the request it received.
type seen struct {
	Host   string
	Header http.Header
}

func echoHeaders(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Request-Id", "from-the-app") // the router's id must win
	json.NewEncoder(w).Encode(seen{Host: r.Host, Header: r.Header})
}

func decodeSeen(t *testing.T, body string) seen {
	t.Helper()
	var s seen
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("%v: %q", err, body)
	}
	return s
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestForwardedHeaders(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", echoHeaders)}})
	_, routerPort, _ := net.SplitHostPort(strings.TrimPrefix(h.url, "http://"))

	before := time.Now().UnixMilli()
	status, body, hdr := h.get("MyApp.localhost:8080", "/",
		"X-Forwarded-For", "203.0.113.9",
		"X-Forwarded-Proto", "https", // spoofed: replaced
		"X-Forwarded-Port", "1", // spoofed: replaced
		"X-Request-Start", "1", // spoofed: replaced
		"X-Request-Id", "client-id_1.2/3+4=",
		"Connection", "X-Hop",
		"X-Hop", "secret",
	)
	after := time.Now().UnixMilli()
	if status != http.StatusOK {
		t.Fatal(status, body)
	}
	s := decodeSeen(t, body)
	if s.Host != "MyApp.localhost:8080" {
		t.Errorf("backend saw Host %q, want it unchanged", s.Host)
	}
	for k, want := range map[string]string{
		"X-Forwarded-For":   "203.0.113.9, 127.0.0.1",
		"X-Forwarded-Proto": "http",
		"X-Forwarded-Port":  routerPort,
		"X-Request-Id":      "client-id_1.2/3+4=",
	} {
		if got := s.Header[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if s.Header.Get("X-Hop") != "" {
		t.Error("hop-by-hop header passed on")
	}
	start, err := strconv.ParseInt(s.Header.Get("X-Request-Start"), 10, 64)
	if err != nil || start < before || start > after {
		t.Errorf("X-Request-Start %q not in [%d, %d]", s.Header.Get("X-Request-Start"), before, after)
	}
	if got := hdr.Values("X-Request-Id"); len(got) != 1 || got[0] != "client-id_1.2/3+4=" {
		t.Errorf("response X-Request-Id %q", got)
	}
	f := h.waitLine("myapp", "request_id", "client-id_1.2/3+4=")
	if f["fwd"] != "127.0.0.1" || f["protocol"] != "http" {
		t.Errorf("log line %v", f)
	}
}

func TestRequestIDGenerated(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", echoHeaders)}})
	ids := make(map[string]bool)
	for _, given := range []string{"", "has space", "quote\"", strings.Repeat("a", 201), "ünïcode"} {
		var hdr []string
		if given != "" {
			hdr = []string{"X-Request-Id", given}
		}
		_, body, resp := h.get("myapp.localhost", "/", hdr...)
		s := decodeSeen(t, body)
		id := s.Header.Get("X-Request-Id")
		if !uuidV4.MatchString(id) {
			t.Errorf("given %q: backend got id %q, want a fresh UUID", given, id)
		}
		if resp.Get("X-Request-Id") != id {
			t.Errorf("response id %q, backend id %q", resp.Get("X-Request-Id"), id)
		}
		if ids[id] {
			t.Errorf("id %q repeated", id)
		}
		ids[id] = true
	}
	// 200 characters is still accepted.
	long := strings.Repeat("b", 200)
	_, body, _ := h.get("myapp.localhost", "/", "X-Request-Id", long)
	if got := decodeSeen(t, body).Header.Get("X-Request-Id"); got != long {
		t.Errorf("200-char id replaced by %q", got)
	}
}

func TestForwardedProtoHTTPS(t *testing.T) {
	var rt Router
	be := backend(t, "web.1", echoHeaders)
	rt.Lookup = func(host string) (Route, bool) { return Route{App: "myapp", Backends: []Backend{be}}, true }
	ca := tlstest.NewCA(t, "router test CA")
	leaf := ca.Issue(t, time.Now().Add(time.Hour), "myapp.localhost")
	cert, err := tls.X509KeyPair([]byte(leaf.CertPEM), []byte(leaf.KeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	go rt.Serve(tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}}))
	t.Cleanup(func() { rt.Shutdown(context.Background()) })
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), ServerName: "myapp.localhost"},
	}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}

	resp, err := client.Get("https://" + l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s seen
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	if s.Header.Get("X-Forwarded-Proto") != "https" || s.Header.Get("X-Forwarded-Port") != port {
		t.Errorf("proto %q port %q, want https %s", s.Header.Get("X-Forwarded-Proto"), s.Header.Get("X-Forwarded-Port"), port)
	}
}

func TestNewRequestID(t *testing.T) {
	seen := make(map[string]bool)
	for range 10000 {
		id := newRequestID()
		if !uuidV4.MatchString(id) || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		if !validRequestID(id) {
			t.Fatalf("own id %q not valid", id)
		}
		seen[id] = true
	}
}

// Informational responses (103 Early Hints) pass through, and the final
// response still carries exactly one X-Request-Id, the router's.
func TestEarlyHints(t *testing.T) {
	h := newHarness(t)
	h.set("myapp.localhost", Route{App: "myapp", Backends: []Backend{backend(t, "web.1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</app.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		w.Header().Set("X-Request-Id", "from-the-app")
		io.WriteString(w, "done")
	})}})
	var hints int
	req, _ := http.NewRequest(http.MethodGet, h.url, nil)
	req.Host = "myapp.localhost"
	req.Header.Set("X-Request-Id", "hinted")
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
			if code == http.StatusEarlyHints {
				hints++
			}
			return nil
		},
	}))
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "done" || hints != 1 {
		t.Errorf("body %q, %d early hints", body, hints)
	}
	if got := resp.Header.Values("X-Request-Id"); len(got) != 1 || got[0] != "hinted" {
		t.Errorf("X-Request-Id %q", got)
	}
}
