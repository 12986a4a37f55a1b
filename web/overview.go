package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/platform"
)

// maxOverviewApps bounds the overview: the apps a user can reach, by name.
const maxOverviewApps = 1000

// appSummary is one row of the apps overview.
type appSummary struct {
	Name        string
	URL         string
	Release     int
	Released    string // how long ago, for people
	ReleasedISO string // when, for machines
	Maintenance bool
	Processes   []processCount
	Crashed     int
}

// processCount is a process type's dynos: up of desired, and short when
// fewer are up than wanted.
type processCount struct {
	Type        string
	Up, Desired int
	Short       bool
}

type overviewData struct {
	Apps []appSummary
	// Rows are the apps' rows, written by overviewRow.
	Rows []template.HTML
	More bool
	// Problem is why creating an app failed; NewName refills the form.
	Problem, NewName string
}

// overview is the apps overview: each app's processes (up of desired),
// current release, last deploy and URL, crashed dynos standing out.
func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request) {
	d.showOverview(w, r, http.StatusOK, overviewData{})
}

// createApp makes an app, named by the user or by Pier, and opens its
// page.
func (d *Dashboard) createApp(w http.ResponseWriter, r *http.Request) {
	u := r.Context().Value(userKey{}).(platform.User)
	name := strings.TrimSpace(r.PostFormValue("name"))
	a, err := d.Store.CreateApp(r.Context(), u, name)
	if err != nil {
		noteAudit(r, name, auditFailure(err))
		if statusOf(err) >= 500 {
			d.fail(w, r, err)
			return
		}
		d.showOverview(w, r, statusOf(err), overviewData{Problem: err.Error(), NewName: name})
		return
	}
	noteAudit(r, a.Name, "created")
	http.Redirect(w, r, Prefix+"/apps/"+url.PathEscape(a.Name), http.StatusSeeOther)
}

func (d *Dashboard) showOverview(w http.ResponseWriter, r *http.Request, status int, data overviewData) {
	u := r.Context().Value(userKey{}).(platform.User)
	apps, more, err := d.Store.Apps(r.Context(), u, platform.Page{Field: "name", Max: maxOverviewApps})
	if err != nil {
		d.fail(w, r, err)
		return
	}
	ids := make([]uuid.UUID, len(apps))
	for i, a := range apps {
		ids[i] = a.ID
	}
	formations, err := d.Store.Formations(r.Context(), ids)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data.Apps, data.More = make([]appSummary, len(apps)), more
	for i, a := range apps {
		data.Apps[i] = d.summarize(a, formations[a.ID])
	}
	data.Rows = make([]template.HTML, len(data.Apps))
	for i, s := range data.Apps {
		data.Rows[i] = overviewRow(s)
	}
	d.render(w, r, status, "apps", page{Title: "Apps", Data: data})
}

func (d *Dashboard) summarize(a platform.App, formation []platform.Formation) appSummary {
	s := appSummary{Name: a.Name, Release: a.ReleaseVersion, Maintenance: a.Maintenance}
	if a.ReleasedAt != nil {
		s.Released, s.ReleasedISO = ago(*a.ReleasedAt), a.ReleasedAt.UTC().Format(time.RFC3339)
	}
	if d.AppURL != nil {
		s.URL = d.AppURL(a.Name)
	}
	up, crashed := d.dynoCounts(a)
	for _, n := range crashed {
		s.Crashed += n
	}
	for _, f := range formation {
		if f.Quantity > 0 || up[f.Type] > 0 {
			s.Processes = append(s.Processes, processCount{Type: f.Type, Up: up[f.Type], Desired: f.Quantity, Short: up[f.Type] < f.Quantity})
		}
	}
	slices.SortFunc(s.Processes, func(x, y processCount) int {
		// web first, as Heroku lists it, then by name
		if (x.Type == "web") != (y.Type == "web") {
			if x.Type == "web" {
				return -1
			}
			return 1
		}
		if x.Type < y.Type {
			return -1
		}
		if x.Type > y.Type {
			return 1
		}
		return 0
	})
	return s
}

// dynoCounts counts an app's dynos that are up, and those crashed, by
// process type.
func (d *Dashboard) dynoCounts(a platform.App) (up, crashed map[string]int) {
	up, crashed = map[string]int{}, map[string]int{}
	if d.Dynos == nil {
		return up, crashed
	}
	for _, dy := range d.Dynos.Dynos(a.ID) {
		switch dy.State {
		case "up":
			up[dy.Type]++
		case "crashed":
			crashed[dy.Type]++
		}
	}
	return up, crashed
}

// fail shows an error page: the API's message for what the user can fix,
// a plain apology for what they can't.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := statusOf(err), err.Error()
	if status >= 500 {
		d.Logger.Warn("dashboard page failed", "path", r.URL.Path, "err", err)
		msg = "Pier could not load this page just now: try again in a moment."
	}
	d.render(w, r, status, "error", page{Title: "Something went wrong", Error: msg})
}

// statusOf is the HTTP status of an error, by its kind.
func statusOf(err error) int {
	switch platform.KindOf(err) {
	case platform.KindInvalid:
		return http.StatusUnprocessableEntity
	case platform.KindNotFound:
		return http.StatusNotFound
	case platform.KindConflict:
		return http.StatusConflict
	case platform.KindForbidden:
		return http.StatusForbidden
	case platform.KindUnauthorized:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}
