package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pier-paas/pier/server/dynos"
	"github.com/pier-paas/pier/server/router"
)

// routeTable is what the router reads on every request: hostname → route,
// rebuilt whole from each scheduler snapshot and swapped atomically.
type routeTable struct {
	byHost map[string]router.Route
	appIDs map[string]string // app name → id, for the log
}

// routes holds the current table.
type routes struct{ p atomic.Pointer[routeTable] }

func (r *routes) lookup(host string) (router.Route, bool) {
	t := r.p.Load()
	if t == nil {
		return router.Route{}, false
	}
	rt, ok := t.byHost[host]
	return rt, ok
}

func (r *routes) appID(name string) string {
	if t := r.p.Load(); t != nil {
		return t.appIDs[name]
	}
	return ""
}

// publish builds the table from a snapshot: each app answers at
// APP.domain and at its custom domains, with its serving web dynos.
func (r *routes) publish(snap *dynos.Snapshot, domain string) {
	t := &routeTable{byHost: make(map[string]router.Route, 2*len(snap.Workloads)), appIDs: make(map[string]string, len(snap.Workloads))}
	for _, w := range snap.Workloads {
		id := w.App.ID.String()
		route := router.Route{App: w.App.Name, Maintenance: w.Maintenance}
		for _, in := range snap.Serving(id) {
			route.Backends = append(route.Backends, router.Backend{Addr: in.Addr, Dyno: dynos.Name(in.Type, in.Index)})
		}
		t.appIDs[w.App.Name] = id
		t.byHost[strings.ToLower(w.App.Name+"."+domain)] = route
		for _, d := range w.Domains {
			t.byHost[strings.ToLower(d)] = route
		}
	}
	r.p.Store(t)
}

// newRouter is the routing proxy over the table, logging each request to
// its app's log as heroku[router].
func (s *Server) newRouter() *router.Router {
	return &router.Router{
		Lookup: s.routes.lookup,
		Log: func(app, line string) {
			if id := s.routes.appID(app); id != "" {
				s.logLine(id, "heroku", "router", time.Now(), line)
			}
		},
		Logger: s.Logger.With("component", "router"),
	}
}

// RouterAddr is where the router listens (useful with port 0).
func (s *Server) RouterAddr() string { return s.router.Addr().String() }

// serveRouter serves the router on PIER_ROUTER_ADDR and, when set,
// PIER_ROUTER_TLS_ADDR (certificates by SNI, kept in step with the
// database), reporting a failure on errc. It returns the graceful stop.
func (s *Server) serveRouter(ctx context.Context, rt *router.Router, errc chan<- error) func(context.Context) {
	go func() {
		if err := rt.Serve(s.router); !errors.Is(err, router.ErrClosed) {
			errc <- fmt.Errorf("router: %w", err)
		}
	}()
	if s.tlsLn != nil {
		go s.followCertificates(ctx)
		go func() {
			if err := rt.Serve(tls.NewListener(s.tlsLn, s.certs.Config())); !errors.Is(err, router.ErrClosed) {
				errc <- fmt.Errorf("router (TLS): %w", err)
			}
		}()
	}
	return func(ctx context.Context) { _ = rt.Shutdown(ctx) }
}

// RouterTLSAddr is where the router's HTTPS listener is, or "".
func (s *Server) RouterTLSAddr() string {
	if s.tlsLn == nil {
		return ""
	}
	return s.tlsLn.Addr().String()
}
