package server

import (
	"net/http"
	"strings"

	"github.com/pier-paas/pier/server/dynos"
	"github.com/pier-paas/pier/server/herokuapi"
	"github.com/pier-paas/pier/web"
)

// newDashboard wires the web dashboard to the API's store and token
// lookup, and to what the scheduler sees. done ends its open event
// streams when the server shuts down.
func (s *Server) newDashboard(api *herokuapi.API, loop *dynos.Loop, changes *web.Broadcaster, done <-chan struct{}) http.Handler {
	d := &web.Dashboard{
		Store: s.store, Apps: s.store, Access: s.store, Builds: s.store, Audit: s.store.RecordAudit, Dynos: loop,
		Admin: s.store, HostUse: loop, Metrics: s.store, Logger: s.Logger.With("component", "dashboard"),
		Auth: api.TokenUser, AllowSignIn: api.AllowPasswordAttempt,
		MAC:     func(data []byte) []byte { return s.sealer.MAC("dashboard", data) },
		AppURL:  s.Config.appURL,
		Logs:    api.Logs,
		Changes: changes.Subscribe,
		Done:    done,
	}
	return d.Handler()
}

// withDashboard serves the dashboard's paths, sends a browser that asks
// for / to it, and everything else to the API.
func withDashboard(dashboard, api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == web.Prefix || strings.HasPrefix(r.URL.Path, web.Prefix+"/"):
			dashboard.ServeHTTP(w, r)
		case web.WantsDashboard(r):
			http.Redirect(w, r, web.Prefix+"/apps", http.StatusSeeOther)
		default:
			api.ServeHTTP(w, r)
		}
	})
}

// dynoChanges tells open dashboard pages when what runs changed, from
// each snapshot the scheduler publishes.
func dynoChanges(changes *web.Broadcaster) func(*dynos.Snapshot) {
	var last uint64
	return func(snap *dynos.Snapshot) {
		if d := snap.Digest(); d != last {
			last = d
			changes.Notify()
		}
	}
}
