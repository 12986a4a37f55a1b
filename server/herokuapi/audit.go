package herokuapi

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
)

const (
	ctxAuditApp     = "audit_app"
	ctxAuditMessage = "audit_message"
)

// noteAudit lets a handler name the app it acted on and describe the change
// (never with secret values).
func noteAudit(c echo.Context, app, message string) {
	if app != "" {
		c.Set(ctxAuditApp, app)
	}
	if message != "" {
		c.Set(ctxAuditMessage, message)
	}
}

// audit records every mutating call, allowed or not, after it ran.
func (a *API) audit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		err := next(c)
		e := platform.AuditEntry{
			SourceIP:  c.RealIP(),
			RequestID: requestID(c),
			Action:    c.Request().Method + " " + c.Path(),
			Status:    c.Response().Status,
			Outcome:   "success",
		}
		if u := currentUser(c); u.ID != [16]byte{} {
			e.ActorID, e.ActorEmail = &u.ID, u.Email
		}
		e.App, _ = c.Get(ctxAuditApp).(string)
		if e.App == "" {
			e.App = c.Param("app")
		}
		e.Message, _ = c.Get(ctxAuditMessage).(string)
		if err != nil {
			ae := classify(err)
			e.Status, e.Outcome, e.Message = ae.Status, "failure", ae.Message
		}
		// The entry is written even if the client went away.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 5*time.Second)
		defer cancel()
		if aerr := a.Store.RecordAudit(ctx, e); aerr != nil {
			a.Logger.Error("audit entry lost", "request_id", e.RequestID, "action", e.Action, "err", aerr)
		}
		return err
	}
}
