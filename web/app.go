package web

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

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
	ConfigVars(ctx context.Context, a platform.App) (map[string]string, error)
	UpdateConfigVars(ctx context.Context, actor platform.User, a platform.App, changes map[string]*string) (map[string]string, error)
	UpdateApp(ctx context.Context, actor platform.User, a platform.App, up postgres.AppUpdate) (platform.App, error)
	DestroyApp(ctx context.Context, actor platform.User, a platform.App) error
}

// recentReleases is how many releases the activity list shows.
const recentReleases = 20

type appPageData struct {
	App       appSummary
	Processes []processRow
	Releases  []releaseRow
	// Confirm, when set, asks before rolling back to that version.
	Confirm *releaseRow
	// Config lists the config vars by key; their values only when
	// Revealed (?config=shown), so a glance over a shoulder shows none.
	Config   []configVar
	Revealed bool
	// NewKey and NewValue refill the add form after an error.
	NewKey, NewValue string
	Domains          []domainRow
	Collaborators    []collaboratorRow
	// Owner is whether the user may manage who has access (the app's
	// owner, or an admin).
	Owner bool
	// NewDomain and NewEmail refill their forms after an error.
	NewDomain, NewEmail string
	Builds              []buildRow
	// GitURL is where `git push` deploys the app.
	GitURL string
	// Charts are each process type's CPU and memory over the last hour.
	Charts []processCharts
	// Problem is what went wrong with a change, shown next to the form
	// it came from: ProblemAt is "processes", "config", "domains",
	// "access", "activity" or "settings".
	Problem, ProblemAt string
}

type configVar struct{ Key, Value string }

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

// appOf finds the app the path names, as the signed-in user may see it
// (a collaborator's access); when it can't, it answers with the reason
// and ok is false.
func (d *Dashboard) appOf(w http.ResponseWriter, r *http.Request) (u platform.User, a platform.App, ok bool) {
	u = r.Context().Value(userKey{}).(platform.User)
	a, err := d.Apps.App(r.Context(), u, r.PathValue("app"), postgres.RoleCollaborator)
	if err != nil {
		d.fail(w, r, err)
		return u, a, false
	}
	return u, a, true
}

// appPage is an app's page: its processes (scale with − and +, restart)
// and its activity (releases, one-click rollback after a confirmation).
func (d *Dashboard) appPage(w http.ResponseWriter, r *http.Request) {
	d.showApp(w, r, http.StatusOK, "", "", nil)
}

// showApp renders the app's page with status, a problem next to the form
// (at) it came from, and a rollback to confirm.
func (d *Dashboard) showApp(w http.ResponseWriter, r *http.Request, status int, problem, at string, confirm *int) {
	u, a, ok := d.appOf(w, r)
	if !ok {
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
	vars, err := d.Apps.ConfigVars(r.Context(), a)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data := appPageData{App: d.summarize(a, formation), Revealed: r.URL.Query().Get("config") == "shown",
		Problem: problem, ProblemAt: at, Owner: u.Admin || a.Owner.ID == u.ID, GitURL: gitURL(r, a.Name)}
	switch {
	case at == "config" && r.PostFormValue("remove") == "":
		data.NewKey, data.NewValue = r.PostFormValue("key"), r.PostFormValue("value")
	case at == "domains" && !strings.HasSuffix(r.URL.Path, "/remove"):
		data.NewDomain = r.PostFormValue("hostname")
	case at == "access" && !strings.HasSuffix(r.URL.Path, "/remove"):
		data.NewEmail = r.PostFormValue("email")
	}
	if err := d.addAccess(r.Context(), a, &data); err != nil {
		d.fail(w, r, err)
		return
	}
	if d.Metrics != nil {
		now := time.Now()
		ms, err := d.Metrics.ProcessMetrics(r.Context(), a.ID, now.Add(-chartSpan))
		if err != nil {
			d.fail(w, r, err)
			return
		}
		data.Charts = charts(now, ms)
	}
	if d.Builds != nil {
		builds, _, err := d.Builds.Builds(r.Context(), a, platform.Page{Field: "created_at", Max: recentBuilds, Desc: true})
		if err != nil {
			d.fail(w, r, err)
			return
		}
		for _, b := range builds {
			data.Builds = append(data.Builds, newBuildRow(a.Name, b))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		v := configVar{Key: k}
		if data.Revealed {
			v.Value = vars[k]
		}
		data.Config = append(data.Config, v)
	}
	up, crashed := d.dynoCounts(a)
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
	d.render(w, r, status, "app", page{Title: a.Name, Data: data})
}

// scale sets a process type's quantity (the − and + buttons).
func (d *Dashboard) scale(w http.ResponseWriter, r *http.Request) {
	d.change(w, r, "processes", func(u platform.User, a platform.App) (string, error) {
		n, err := strconv.Atoi(r.PostFormValue("quantity"))
		if err != nil {
			return "", platform.Invalid("The quantity must be a whole number.")
		}
		typ := r.PostFormValue("type")
		_, err = d.Apps.UpdateFormation(r.Context(), u, a, []platform.FormationUpdate{{Type: typ, Quantity: &n}})
		return "scaled " + typ + " to " + strconv.Itoa(n), err
	})
}

// restart restarts a process type's dynos.
func (d *Dashboard) restart(w http.ResponseWriter, r *http.Request) {
	d.change(w, r, "processes", func(u platform.User, a platform.App) (string, error) {
		return "restart " + r.PostFormValue("type"), d.Apps.Restart(r.Context(), u, a, r.PostFormValue("type"))
	})
}

// rollback asks first (confirm=yes is the answer), then rolls back.
func (d *Dashboard) rollback(w http.ResponseWriter, r *http.Request) {
	v, err := strconv.Atoi(strings.TrimPrefix(r.PostFormValue("version"), "v"))
	if err != nil {
		d.showApp(w, r, http.StatusUnprocessableEntity, "Pick a release to roll back to.", "activity", nil)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		d.showApp(w, r, http.StatusOK, "", "", &v)
		return
	}
	d.change(w, r, "activity", func(u platform.User, a platform.App) (string, error) {
		rel, err := d.Apps.Rollback(r.Context(), u, a, "v"+strconv.Itoa(v))
		return rel.Description, err
	})
}

// setConfig sets one config var (add or edit) or, with remove, removes
// one; each change makes a release.
func (d *Dashboard) setConfig(w http.ResponseWriter, r *http.Request) {
	d.change(w, r, "config", func(u platform.User, a platform.App) (string, error) {
		key := strings.TrimSpace(r.PostFormValue("key"))
		var change map[string]*string
		if r.PostFormValue("remove") != "" {
			change = map[string]*string{key: nil}
		} else {
			v := r.PostFormValue("value")
			change = map[string]*string{key: &v}
		}
		if key == "" {
			return "", platform.Invalid("Give the config var a name, e.g. DATABASE_URL.")
		}
		_, err := d.Apps.UpdateConfigVars(r.Context(), u, a, change)
		return "config vars changed: " + key, err
	})
}

// maintenance turns maintenance mode on or off.
func (d *Dashboard) maintenance(w http.ResponseWriter, r *http.Request) {
	d.change(w, r, "settings", func(u platform.User, a platform.App) (string, error) {
		on := r.PostFormValue("maintenance") == "on"
		_, err := d.Apps.UpdateApp(r.Context(), u, a, postgres.AppUpdate{Maintenance: &on})
		return map[bool]string{true: "maintenance on", false: "maintenance off"}[on], err
	})
}

// destroy deletes the app once its name is typed back; only its owner
// may, as with the API.
func (d *Dashboard) destroy(w http.ResponseWriter, r *http.Request) {
	u, a, ok := d.appOf(w, r)
	if !ok {
		return
	}
	if typed := strings.TrimSpace(r.PostFormValue("confirm")); typed != a.Name {
		d.showApp(w, r, http.StatusUnprocessableEntity, "Type the app's name, "+a.Name+", to delete it.", "settings", nil)
		return
	}
	a, err := d.Apps.App(r.Context(), u, a.Name, postgres.RoleOwner)
	if err == nil {
		err = d.Apps.DestroyApp(r.Context(), u, a)
	}
	if err != nil {
		noteAudit(r, a.Name, auditFailure(err))
		if statusOf(err) >= 500 {
			d.fail(w, r, err)
			return
		}
		d.showApp(w, r, statusOf(err), err.Error(), "settings", nil)
		return
	}
	noteAudit(r, a.Name, "destroyed")
	http.Redirect(w, r, Prefix+"/apps", http.StatusSeeOther)
}

// change runs a change to the app the path names and returns to its page:
// on success with a redirect (so a reload does not repeat it), on bad
// input with the store's message next to the form.
func (d *Dashboard) change(w http.ResponseWriter, r *http.Request, at string, do func(platform.User, platform.App) (string, error)) {
	u, a, ok := d.appOf(w, r)
	if !ok {
		return
	}
	msg, err := do(u, a)
	if err != nil {
		noteAudit(r, a.Name, auditFailure(err))
		if statusOf(err) >= 500 {
			d.fail(w, r, err)
			return
		}
		d.showApp(w, r, statusOf(err), err.Error(), at, nil)
		return
	}
	noteAudit(r, a.Name, msg)
	back := Prefix + "/apps/" + url.PathEscape(a.Name)
	if r.PostFormValue("revealed") == "yes" {
		back += "?config=shown"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// gitURL is the app's git remote on this server, as the browser reached
// it (the API serves git on the same address).
func gitURL(r *http.Request, app string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/" + url.PathEscape(app) + ".git"
}
