package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/platform"
)

// BuildStore is what the activity list and a build's page read.
type BuildStore interface {
	Builds(ctx context.Context, a platform.App, p platform.Page) ([]platform.Build, bool, error)
	Build(ctx context.Context, a platform.App, ident string) (platform.Build, error)
	BuildOutput(ctx context.Context, buildID uuid.UUID, from int) (chunks [][]byte, status string, err error)
	FollowBuildOutput(ctx context.Context, buildID uuid.UUID, send func(chunks [][]byte, status string) error) error
}

// recentBuilds is how many builds the activity list shows.
const recentBuilds = 10

type buildRow struct {
	ID, Short    string
	Status       string
	User         string
	When, ISO    string
	Failure      string
	Version      string // the source's commit, shortened
	Pending      bool
	OutputStream string
}

func newBuildRow(app string, b platform.Build) buildRow {
	row := buildRow{ID: b.ID.String(), Short: b.ID.String()[:8], Status: b.Status, User: b.UserEmail, When: ago(b.CreatedAt),
		ISO: b.CreatedAt.UTC().Format(time.RFC3339), Pending: b.Status == platform.BuildPending}
	if b.Failure != nil {
		row.Failure = *b.Failure
	}
	if b.SourceVersion != nil {
		row.Version = *b.SourceVersion
		if len(row.Version) > 7 {
			row.Version = row.Version[:7]
		}
	}
	row.OutputStream = Prefix + "/apps/" + url.PathEscape(app) + "/builds/" + row.ID + "/output"
	return row
}

type buildPageData struct {
	App    appSummary
	Build  buildRow
	Output string
}

// buildOf finds the build the path names, of the app it names.
func (d *Dashboard) buildOf(w http.ResponseWriter, r *http.Request) (platform.App, platform.Build, bool) {
	_, a, ok := d.appOf(w, r)
	if !ok {
		return a, platform.Build{}, false
	}
	b, err := d.Builds.Build(r.Context(), a, r.PathValue("build"))
	if err != nil {
		d.fail(w, r, err)
		return a, b, false
	}
	return a, b, true
}

// buildPage shows a build: its status and output, followed live while it
// runs.
func (d *Dashboard) buildPage(w http.ResponseWriter, r *http.Request) {
	a, b, ok := d.buildOf(w, r)
	if !ok {
		return
	}
	data := buildPageData{App: appSummary{Name: a.Name}, Build: newBuildRow(a.Name, b)}
	if !data.Build.Pending {
		chunks, _, err := d.Builds.BuildOutput(r.Context(), b.ID, 0)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		var sb strings.Builder
		for _, c := range chunks {
			sb.Write(c)
		}
		data.Output = sb.String()
	}
	d.render(w, r, http.StatusOK, "build", page{Title: a.Name + " build " + data.Build.Short, Data: data, Quiet: data.Build.Pending})
}

// buildOutput streams a build's output as server-sent events, from the
// start, until the build settles ("end" names its status), the page
// closes or the server shuts down.
func (d *Dashboard) buildOutput(w http.ResponseWriter, r *http.Request) {
	_, b, ok := d.buildOf(w, r)
	if !ok {
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// Output is sent whole from the start: a reconnecting page starts over.
	fmt.Fprint(w, "retry: 2000\n\n")
	ctx, stop := d.untilShutdown(r.Context())
	defer stop()
	_ = d.Builds.FollowBuildOutput(ctx, b.ID, func(chunks [][]byte, status string) error {
		for _, c := range chunks {
			writeEventData(w, string(c))
		}
		if status != platform.BuildPending {
			fmt.Fprintf(w, "event: end\ndata: %s\n\n", status)
		}
		return rc.Flush()
	})
}

// writeEventData writes text as one event: a data field per line, which
// the browser joins back with newlines.
func writeEventData(w http.ResponseWriter, text string) {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		b.WriteString("data: ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	_, _ = w.Write([]byte(b.String()))
}
