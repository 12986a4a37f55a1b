package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

// AppStore is what an app's page reads and changes, with the API's rules
// (the store checks access and input the same way for both).
type AppStore interface {
	App(ctx context.Context, u platform.User, ident string, need postgres.Role) (platform.App, error)
	Formation(ctx context.Context, a platform.App) ([]platform.Formation, error)
	UpdateFormation(ctx context.Context, actor platform.User, a platform.App, ups []platform.FormationUpdate) ([]platform.Formation, error)
	Restart(ctx context.Context, actor platform.User, a platform.App, typ string) error
	Releases(ctx context.Context, a platform.App, p platform.Page) ([]platform.Release, bool, error)
	Rollback(ctx context.Context, actor platform.User, a platform.App, target string) (platform.Release, error)
}

// recentReleases is how many releases the activity list shows.
const recentReleases = 20

type appPageData struct {
	App       appSummary
	Processes []processRow
	Releases  []releaseRow
	// Confirm, when set, asks before rolling back to that version.
	Confirm *releaseRow
}

type processRow struct {
	Type, Command   string
	Up, Desired     int
	Crashed         int
	Less, More      int // the quantities − and + ask for
	Short, CanLower bool
}

type releaseRow struct {
	Version     int
	Description string
	User        string
	When, ISO   string
	Status      string
	Current     bool
	CanRollBack bool
}

// appPage is an app's page: its processes (scale with − and +, restart)
// and its activity (releases, one-click rollback after a confirmation).
func (d *Dashboard) appPage(w http.ResponseWriter, r *http.Request) {
	d.showApp(w, r, http.StatusOK, "", nil)
}

// showApp renders the app's page with status, an error next to what
// failed, and a rollback to confirm.
func (d *Dashboard) showApp(w http.ResponseWriter, r *http.Request, status int, problem string, confirm *int) {
	u := r.Context().Value(userKey{}).(platform.User)
	a, err := d.Apps.App(r.Context(), u, r.PathValue("app"), postgres.RoleCollaborator)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	formation, err := d.Apps.Formation(r.Context(), a)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	rels, _, err := d.Apps.Releases(r.Context(), a, platform.Page{Field: "version", Max: recentReleases, Desc: true})
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data := appPageData{App: d.summarize(a, formation)}
	crashed := map[string]int{}
	up := map[string]int{}
	if d.Dynos != nil {
		for _, dy := range d.Dynos.Dynos(a.ID) {
			switch dy.State {
			case "up":
				up[dy.Type]++
			case "crashed":
				crashed[dy.Type]++
			}
		}
	}
	for _, f := range formation {
		data.Processes = append(data.Processes, processRow{Type: f.Type, Command: f.Command, Up: up[f.Type], Desired: f.Quantity,
			Crashed: crashed[f.Type], Less: max(f.Quantity-1, 0), More: f.Quantity + 1, Short: up[f.Type] < f.Quantity, CanLower: f.Quantity > 0})
	}
	for _, rel := range rels {
		row := releaseRow{Version: rel.Version, Description: rel.Description, User: rel.UserEmail, When: ago(rel.CreatedAt),
			ISO: rel.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), Status: rel.Status, Current: rel.Current,
			CanRollBack: !rel.Current && rel.Status == "succeeded"}
		data.Releases = append(data.Releases, row)
		if confirm != nil && *confirm == rel.Version {
			data.Confirm = &row
		}
	}
	d.render(w, r, status, "app", page{Title: a.Name, Error: problem, Data: data})
}

// scale sets a process type's quantity (the − and + buttons).
func (d *Dashboard) scale(w http.ResponseWriter, r *http.Request) {
	d.change(w, r, func(u platform.User, a platform.App) error {
		n, err := strconv.Atoi(r.PostFormValue("quantity"))
		if err != nil {
			return platform.Invalid("The quantity must be a whole number.")
		}
		_, err = d.Apps.UpdateFormation(r.Context(), u, a, []platform.FormationUpdate{{Type: r.PostFormValue("type"), Quantity: &n}})
		return err
	})
}

// restart restarts a process type's dynos.
func (d *Dashboard) restart(w http.ResponseWriter, r *http.Request) {
	d.change(w, r, func(u platform.User, a platform.App) error {
		return d.Apps.Restart(r.Context(), u, a, r.PostFormValue("type"))
	})
}

// rollback asks first (confirm=yes is the answer), then rolls back.
func (d *Dashboard) rollback(w http.ResponseWriter, r *http.Request) {
	v, err := strconv.Atoi(strings.TrimPrefix(r.PostFormValue("version"), "v"))
	if err != nil {
		d.showApp(w, r, http.StatusUnprocessableEntity, "Pick a release to roll back to.", nil)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		d.showApp(w, r, http.StatusOK, "", &v)
		return
	}
	d.change(w, r, func(u platform.User, a platform.App) error {
		_, err := d.Apps.Rollback(r.Context(), u, a, "v"+strconv.Itoa(v))
		return err
	})
}

// change runs a change to the app the path names and returns to its page:
// on success with a redirect (so a reload does not repeat it), on bad
// input with the store's message next to the form.
func (d *Dashboard) change(w http.ResponseWriter, r *http.Request, do func(platform.User, platform.App) error) {
	u := r.Context().Value(userKey{}).(platform.User)
	a, err := d.Apps.App(r.Context(), u, r.PathValue("app"), postgres.RoleCollaborator)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	if err := do(u, a); err != nil {
		if statusOf(err) >= 500 {
			d.fail(w, r, err)
			return
		}
		d.showApp(w, r, statusOf(err), err.Error(), nil)
		return
	}
	http.Redirect(w, r, Prefix+"/apps/"+url.PathEscape(a.Name), http.StatusSeeOther)
}
