package web

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/pier-paas/pier/server/platform"
)

// auditNote is what a handler says about the change it made, for the
// audit trail: the app it acted on and what it did (never a secret).
type auditNote struct {
	actor   *platform.User
	app     string
	message string
}

type auditKey struct{}

// noteAudit records, for the audit trail, the app a change acted on and
// what it did.
func noteAudit(r *http.Request, app, message string) {
	if n, ok := r.Context().Value(auditKey{}).(*auditNote); ok {
		if app != "" {
			n.app = app
		}
		n.message = message
	}
}

// noteActor records who made the change.
func noteActor(r *http.Request, u platform.User) {
	if n, ok := r.Context().Value(auditKey{}).(*auditNote); ok {
		n.actor = &u
	}
}

// audited records every change made in the dashboard in the audit trail,
// allowed or not, as the API records its calls: who, from where, the
// route, the status and what it did.
func (d *Dashboard) audited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d.Audit == nil {
			h(w, r)
			return
		}
		n := &auditNote{}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h(sw, r.WithContext(context.WithValue(r.Context(), auditKey{}, n)))
		e := platform.AuditEntry{SourceIP: remoteIP(r), Action: r.Pattern, Status: sw.status, Outcome: "success",
			App: n.app, Message: n.message}
		if e.App == "" {
			e.App = r.PathValue("app")
		}
		if sw.status >= 400 {
			e.Outcome = "failure"
		}
		if n.actor != nil {
			e.ActorID, e.ActorEmail = &n.actor.ID, n.actor.Email
		}
		// The entry is written even if the browser went away.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		if err := d.Audit(ctx, e); err != nil {
			d.Logger.Error("audit entry lost", "action", e.Action, "err", err)
		}
	}
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func remoteIP(r *http.Request) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return ip
}

// auditFailure is what the trail says of a refused change: the message
// the user saw, or, for Pier's own failures, no internals.
func auditFailure(err error) string {
	if statusOf(err) >= 500 {
		return "Pier could not make the change"
	}
	return err.Error()
}
