package router

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchClient keeps enough connections for parallel benchmarks.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024, DisableCompression: true}}
}

func benchGet(b *testing.B, url, host string) {
	client := benchClient()
	b.Cleanup(client.CloseIdleConnections)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest(http.MethodGet, url+"/bench?x=1", nil)
		req.Host = host
		for pb.Next() {
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

func benchBackend(b *testing.B) *httptest.Server {
	body := []byte("hello, world\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkRouter measures a small GET through the router to a backend,
// both over loopback TCP, with log lines formatted and discarded.
func BenchmarkRouter(b *testing.B) {
	be := benchBackend(b)
	route := Route{App: "myapp", Backends: []Backend{{Addr: be.Listener.Addr().String(), Dyno: "web.1"}}}
	rt := &Router{
		Lookup: func(host string) (Route, bool) { return route, host == "myapp.localhost" },
		Log:    func(app, line string) {},
	}
	benchGet(b, "http://"+serve(b, rt), "myapp.localhost")
}

// BenchmarkDirect is the same request straight to the backend, the floor
// for BenchmarkRouter.
func BenchmarkDirect(b *testing.B) {
	be := benchBackend(b)
	benchGet(b, be.URL, "myapp.localhost")
}
