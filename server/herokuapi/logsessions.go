package herokuapi

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/logs"
	"github.com/pier-paas/pier/server/postgres"
)

// logSessionsPath is where log streams are served. The session id in the
// URL is the credential, as with Heroku's logplex URLs, so these requests
// skip the API's middleware (auth, version negotiation, ETag buffering).
const logSessionsPath = "/log-sessions/"

// createLogSession: POST /apps/{app}/log-sessions {dyno|dyno_name, source,
// lines, tail} answers a logplex_url to stream the app's log from.
func (a *API) createLogSession(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	var body struct {
		Dyno     string `json:"dyno"`
		DynoName string `json:"dyno_name"`
		Source   string `json:"source"`
		Lines    *int   `json:"lines"`
		Tail     bool   `json:"tail"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	if a.Logs == nil {
		return errorf(http.StatusServiceUnavailable, "unavailable", "Logs are not kept by this server.")
	}
	dyno := body.Dyno
	if body.DynoName != "" {
		dyno = body.DynoName
	}
	if body.Source != "" && body.Source != "app" && body.Source != "heroku" {
		return invalidParams("source must be app or heroku.")
	}
	lines := logs.DefaultLines
	if body.Lines != nil {
		if *body.Lines < 0 || *body.Lines > logs.MaxLines {
			return invalidParams("lines must be between 0 and 1500.")
		}
		lines = *body.Lines
	}
	id := a.Logs.Create(logs.Request{App: x.ID.String(), Filter: logs.Filter{Source: body.Source, Dyno: dyno}, Lines: lines, Tail: body.Tail})
	now := ts(a.Now())
	return c.JSON(http.StatusCreated, map[string]any{
		"id": uuid.NewString(), "logplex_url": selfURL(c) + logSessionsPath + id,
		"created_at": now, "updated_at": now,
	})
}

// serveCapabilityURLs routes the URLs whose secret is their credential
// (log streams, dyno attachments, source blobs, build output) and git's
// (which authenticates its own way) around the echo stack.
func (a *API) serveCapabilityURLs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.Logs != nil && strings.HasPrefix(r.URL.Path, logSessionsPath) {
			a.Logs.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, attachPath) {
			a.serveAttach(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, sourceBlobsPath) {
			a.serveSourceBlob(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, buildOutputPath) {
			a.serveBuildOutput(w, r)
			return
		}
		if first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); a.Git != nil && strings.HasSuffix(first, ".git") {
			a.Git.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
