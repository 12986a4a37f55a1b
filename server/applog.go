package server

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pier-paas/pier/server/logs"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/web"
)

// logLine adds one line to an app's log.
func (s *Server) logLine(appID, source, dyno string, t time.Time, text string) {
	s.logs.Add(logs.Line{Time: t, App: appID, Source: source, Dyno: dyno, Text: text})
}

// followAPIEvents writes the event log's app changes into the apps' logs
// as app[api] lines, the way Heroku reports releases and scaling, and
// tells open dashboard pages, until ctx ends.
func (s *Server) followAPIEvents(ctx context.Context, changes *web.Broadcaster) {
	s.store.FollowFromNow(ctx, func(e platform.Event) {
		s.logEvent(e)
		changes.Notify() // open dashboard pages
	}, nil)
}

func (s *Server) logEvent(e platform.Event) {
	if e.AppID == nil {
		return
	}
	app := e.AppID.String()
	by := " by user " + e.Actor
	add := func(text string) { s.logLine(app, "app", "api", e.CreatedAt, text) }
	switch e.Kind {
	case "release.create":
		if d, _ := e.Data["description"].(string); d != "" {
			add(d + by)
		}
		add(fmt.Sprintf("Release v%v created%s", e.Data["version"], by))
	case "formation.update":
		ups, _ := e.Data["updates"].([]any)
		var parts []string
		for _, u := range ups {
			if m, ok := u.(map[string]any); ok {
				parts = append(parts, fmt.Sprintf("%v@%v:%v", m["type"], m["quantity"], m["size"]))
			}
		}
		sort.Strings(parts)
		add("Scaled to " + strings.Join(parts, " ") + by)
	case "dyno.restart":
		if t, _ := e.Data["type"].(string); t != "" {
			add("Restart " + t + " dynos" + by)
		} else {
			add("Restart" + by)
		}
	case "release.fail":
		add(fmt.Sprintf("Release v%v failed: %v; the previous release keeps serving", e.Data["version"], e.Data["reason"]))
	case "app.destroy":
		s.logs.Forget(app)
	}
}
