// Package web is Pier's dashboard: server-rendered pages for browsers on
// PIER_API_ADDR, from templates and assets embedded in the binary (no
// CDN, no build step). A browser signs in with email and password and
// holds an API token in an HttpOnly cookie, so the dashboard follows the
// API's access rules and its revocations. Pages follow the event log over
// server-sent events and refresh what changed without a reload.
package web

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/platform"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Store is the state the dashboard reads and changes.
type Store interface {
	CheckPassword(ctx context.Context, email, password string) (platform.User, error)
	CreateToken(ctx context.Context, u platform.User, description string, ttl time.Duration) (platform.Token, error)
	Authenticate(ctx context.Context, secret string) (platform.Token, error)
	RevokeToken(ctx context.Context, u platform.User, id uuid.UUID) (platform.Token, error)
	Tokens(ctx context.Context, u platform.User) ([]platform.Token, error)
	Apps(ctx context.Context, u platform.User, p platform.Page) ([]platform.App, bool, error)
	Formations(ctx context.Context, appIDs []uuid.UUID) (map[uuid.UUID][]platform.Formation, error)
	CreateApp(ctx context.Context, u platform.User, name string) (platform.App, error)
}

// Dynos lists what runs: the scheduler's last observation.
type Dynos interface {
	Dynos(appID uuid.UUID) []platform.Dyno
}

// Dashboard serves the dashboard under Prefix. Set its fields, then call
// Handler once.
type Dashboard struct {
	Store  Store
	Apps   AppStore
	Access AccessStore
	Builds BuildStore
	// Metrics, when set, gives an app's page its charts of CPU and memory.
	Metrics MetricsStore
	// Admin and HostUse serve the admin pages (the host pool, users, the
	// audit trail).
	Admin   AdminStore
	HostUse HostUse
	Dynos   Dynos
	// Logs, when set, streams apps' logs to the log page.
	Logs   LogStream
	Logger *slog.Logger
	// Auth finds the user an API token belongs to (the API's cached
	// lookup, which follows revocations).
	Auth func(r *http.Request, secret string) (platform.User, error)
	// AllowSignIn, when set, spends one of the password attempts of the
	// request's address and reports whether it had one.
	AllowSignIn func(r *http.Request) bool
	// MAC signs a session's CSRF token with the server's secret key.
	MAC func(data []byte) []byte
	// AppURL is where an app answers.
	AppURL func(name string) string
	// Changes, when set, calls notify whenever something a page shows may
	// have changed (an event in the log, a dyno up, crashed or gone) until
	// the returned stop is called. One follower of the event log serves
	// every open page.
	Changes func(notify func()) (stop func())
	// Done, when closed, ends the open event streams (the server is
	// shutting down).
	Done <-chan struct{}
	// Audit, when set, records each change made in the dashboard in the
	// audit trail (the API records its own calls).
	Audit func(ctx context.Context, e platform.AuditEntry) error
	// SessionTTL is how long a sign-in lasts; zero is 12 hours.
	SessionTTL time.Duration

	pages *template.Template
	bufs  sync.Pool
}

// Prefix is where the dashboard lives; / sends browsers there.
const Prefix = "/dashboard"

// Handler routes the dashboard's pages.
func (d *Dashboard) Handler() http.Handler {
	d.pages = template.Must(template.New("").ParseFS(templateFiles, "templates/*.html"))
	static, _ := fs.Sub(staticFiles, "static")
	mux := http.NewServeMux()
	mux.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", cacheFor(time.Hour, http.FileServerFS(static))))
	mux.HandleFunc("GET "+Prefix+"/sign-in", d.signInPage)
	mux.HandleFunc("POST "+Prefix+"/sign-in", d.audited(d.signIn))
	mux.HandleFunc("POST "+Prefix+"/sign-out", d.action(d.signOut))
	mux.HandleFunc("GET "+Prefix+"/events", d.signedIn(d.events))
	mux.HandleFunc("GET "+Prefix+"/apps", d.signedIn(d.overview))
	mux.HandleFunc("POST "+Prefix+"/apps", d.action(d.createApp))
	mux.HandleFunc("GET "+Prefix+"/apps/{app}", d.signedIn(d.appPage))
	mux.HandleFunc("GET "+Prefix+"/apps/{app}/logs", d.signedIn(d.logsPage))
	mux.HandleFunc("GET "+Prefix+"/apps/{app}/logs/stream", d.signedIn(d.logStream))
	mux.HandleFunc("GET "+Prefix+"/apps/{app}/builds/{build}", d.signedIn(d.buildPage))
	mux.HandleFunc("GET "+Prefix+"/apps/{app}/builds/{build}/output", d.signedIn(d.buildOutput))
	mux.HandleFunc("POST "+Prefix+"/apps/{app}/domains", d.action(d.addDomain))
	mux.HandleFunc("POST "+Prefix+"/apps/{app}/domains/remove", d.action(d.removeDomain))
	mux.HandleFunc("POST "+Prefix+"/apps/{app}/collaborators", d.action(d.addCollaborator))
	mux.HandleFunc("POST "+Prefix+"/apps/{app}/collaborators/remove", d.action(d.removeCollaborator))
	mux.HandleFunc("POST "+Prefix+"/apps/{app}/scale", d.action(d.scale))
	mux.HandleFunc("POST "+Prefix+"/apps/{app}/restart", d.action(d.restart))
	mux.HandleFunc("POST "+Prefix+"/apps/{app}/rollback", d.action(d.rollback))
	mux.HandleFunc("POST "+Prefix+"/apps/{app}/config", d.action(d.setConfig))
	mux.HandleFunc("POST "+Prefix+"/apps/{app}/maintenance", d.action(d.maintenance))
	mux.HandleFunc("POST "+Prefix+"/apps/{app}/delete", d.action(d.destroy))
	mux.HandleFunc("GET "+Prefix+"/account", d.signedIn(d.account))
	mux.HandleFunc("POST "+Prefix+"/account/tokens", d.action(d.createToken))
	mux.HandleFunc("POST "+Prefix+"/account/tokens/revoke", d.action(d.revokeToken))
	mux.HandleFunc("GET "+Prefix+"/admin/hosts", d.signedIn(d.adminOnly(d.hosts)))
	mux.HandleFunc("POST "+Prefix+"/admin/hosts/drain", d.action(d.adminOnly(d.drain)))
	mux.HandleFunc("GET "+Prefix+"/admin/users", d.signedIn(d.adminOnly(d.users)))
	mux.HandleFunc("POST "+Prefix+"/admin/users", d.action(d.adminOnly(d.addUser)))
	mux.HandleFunc("GET "+Prefix+"/admin/audit", d.signedIn(d.adminOnly(d.audit)))
	mux.HandleFunc("GET "+Prefix+"/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/apps", http.StatusSeeOther)
	})
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		d.render(w, r, http.StatusNotFound, "notfound", page{Title: "Not found"})
	})
	return securityHeaders(mux)
}

// WantsDashboard reports whether a request for / comes from a browser,
// which gets the dashboard rather than the API's JSON.
func WantsDashboard(r *http.Request) bool {
	return r.URL.Path == "/" && r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html")
}

// page is what every template gets.
type page struct {
	Title string
	User  *platform.User
	CSRF  string
	Error string
	Data  any
	// Quiet pages don't redraw themselves when something changes (the log
	// page follows its own stream).
	Quiet bool
}

func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	if u, ok := r.Context().Value(userKey{}).(platform.User); ok {
		p.User = &u
		p.CSRF = d.csrfToken(r)
	}
	buf, _ := d.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer d.bufs.Put(buf)
	buf.Reset()
	if err := d.pages.ExecuteTemplate(buf, name, p); err != nil {
		d.Logger.Error("dashboard page", "page", name, "err", err)
		http.Error(w, "Pier could not draw this page.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// ago says how long ago t was, as people say it.
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	}
	return t.UTC().Format("2006-01-02")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(d/time.Second)))
		h.ServeHTTP(w, r)
	})
}

// securityHeaders keeps the pages to their own origin: no framing, no
// scripts or styles from elsewhere.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
