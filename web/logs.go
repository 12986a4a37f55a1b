package web

import (
	"net/http"
	"net/url"

	"github.com/pier-paas/pier/server/logs"
)

// LogStream streams an app's log to a client the dashboard has already
// authorized (the API's log sessions do the same for `heroku logs`).
type LogStream interface {
	Stream(w http.ResponseWriter, r *http.Request, req logs.Request)
}

// logBacklog is how many recent lines the log page opens with.
const logBacklog = 200

type logsPageData struct {
	App appSummary
	// Filters are the processes to show: all, each process type, or one
	// of the platform's parts (router, api).
	Filters []logFilter
	// Stream is the URL the page follows the log at.
	Stream string
}

type logFilter struct {
	Value, Label string
	Selected     bool
}

// logsPage shows an app's log live, filtered by process: the recent
// lines, then new ones as they come (`heroku logs --tail --dyno`).
func (d *Dashboard) logsPage(w http.ResponseWriter, r *http.Request) {
	_, a, ok := d.appOf(w, r)
	if !ok {
		return
	}
	formation, err := d.Apps.Formation(r.Context(), a)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	filter := r.URL.Query().Get("process")
	data := logsPageData{App: appSummary{Name: a.Name},
		Stream: Prefix + "/apps/" + url.PathEscape(a.Name) + "/logs/stream?process=" + url.QueryEscape(filter)}
	add := func(value, label string) {
		data.Filters = append(data.Filters, logFilter{Value: value, Label: label, Selected: value == filter})
	}
	add("", "All processes")
	for _, f := range formation {
		add(f.Type, f.Type)
	}
	add("router", "router (Pier's router)")
	add("api", "api (releases, scaling)")
	d.render(w, r, http.StatusOK, "logs", page{Title: a.Name + " logs", Data: data, Quiet: true})
}

// logStream follows the app's log as server-sent events, until the page
// closes or the server shuts down.
func (d *Dashboard) logStream(w http.ResponseWriter, r *http.Request) {
	_, a, ok := d.appOf(w, r)
	if !ok {
		return
	}
	if d.Logs == nil {
		d.render(w, r, http.StatusServiceUnavailable, "error", page{Title: "Logs unavailable", Error: "This server keeps no logs."})
		return
	}
	ctx, stop := d.untilShutdown(r.Context())
	defer stop()
	r.Header.Set("Accept", "text/event-stream")
	d.Logs.Stream(w, r.WithContext(ctx), logs.Request{App: a.ID.String(), Filter: logs.Filter{Dyno: r.URL.Query().Get("process")},
		Lines: logBacklog, Tail: true})
}
