package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/platform"
)

// AdminStore is what the admin pages read and change: the host pool, the
// users and the audit trail.
type AdminStore interface {
	Hosts(ctx context.Context) ([]platform.Host, error)
	Host(ctx context.Context, ident string) (platform.Host, error)
	SetDraining(ctx context.Context, actor platform.User, h platform.Host, draining bool) (platform.Host, error)
	Users(ctx context.Context) ([]platform.User, error)
	CreateUser(ctx context.Context, actor, email, password string, admin bool) (platform.User, error)
	Audit(ctx context.Context, app string, before int64, limit int) ([]platform.AuditEntry, error)
}

// HostUse says what runs on a host: the scheduler's last observation.
type HostUse interface {
	HostUse(hostID uuid.UUID) (dynos, memoryMB int)
	OnHost(hostID uuid.UUID) []platform.Dyno
}

// auditPage is how many audit entries a page shows.
const auditPage = 100

// adminOnly runs h for admins; others get a 403 page saying so.
func (d *Dashboard) adminOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if u := r.Context().Value(userKey{}).(platform.User); !u.Admin {
			d.render(w, r, http.StatusForbidden, "error", page{Title: "Admins only", Error: "Only Pier's admins can see this page."})
			return
		}
		h(w, r)
	}
}

type hostRow struct {
	Name, Endpoint, Engine string
	Healthy, Draining      bool
	UnhealthySince         string
	LastSeen               string
	CPUs                   int
	MemoryMB               int
	Dynos                  int
	UsedMB                 int
	// UsedPercent is the share of the host's memory its running dynos
	// are limited to.
	UsedPercent int
	Labels      string
	// Containers are its dynos, as "app web.1 (up)".
	Containers []string
}

type hostsData struct {
	Hosts   []hostRow
	Problem string
}

// hosts lists the pool: each engine's health, capacity and use, its
// dynos, and a drain switch.
func (d *Dashboard) hosts(w http.ResponseWriter, r *http.Request) {
	d.showHosts(w, r, http.StatusOK, "")
}

func (d *Dashboard) showHosts(w http.ResponseWriter, r *http.Request, status int, problem string) {
	hs, err := d.Admin.Hosts(r.Context())
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data := hostsData{Problem: problem}
	for _, h := range hs {
		row := hostRow{Name: h.Name, Endpoint: h.Endpoint, Engine: h.EngineVersion, Healthy: h.Healthy, Draining: h.Draining,
			CPUs: h.CPUs, MemoryMB: h.MemoryMB}
		if h.UnhealthySince != nil {
			row.UnhealthySince = ago(*h.UnhealthySince)
		}
		if h.LastSeenAt != nil {
			row.LastSeen = ago(*h.LastSeenAt)
		}
		if d.HostUse != nil {
			row.Dynos, row.UsedMB = d.HostUse.HostUse(h.ID)
			for _, dy := range d.HostUse.OnHost(h.ID) {
				row.Containers = append(row.Containers, dy.App.Name+" "+dy.Name+" ("+dy.State+")")
			}
		}
		if h.MemoryMB > 0 {
			row.UsedPercent = min(100, row.UsedMB*100/h.MemoryMB)
		}
		var labels []string
		for k, v := range h.Labels {
			labels = append(labels, k+"="+v)
		}
		row.Labels = strings.Join(labels, ", ")
		data.Hosts = append(data.Hosts, row)
	}
	d.render(w, r, status, "hosts", page{Title: "Hosts", Data: data})
}

// drain takes a host out of service (its dynos move elsewhere) or puts it
// back.
func (d *Dashboard) drain(w http.ResponseWriter, r *http.Request) {
	u := r.Context().Value(userKey{}).(platform.User)
	h, err := d.Admin.Host(r.Context(), r.PostFormValue("host"))
	if err == nil {
		on := r.PostFormValue("draining") == "on"
		h, err = d.Admin.SetDraining(r.Context(), u, h, on)
	}
	if err != nil {
		noteAudit(r, "", auditFailure(err))
		if statusOf(err) >= 500 {
			d.fail(w, r, err)
			return
		}
		d.showHosts(w, r, statusOf(err), err.Error())
		return
	}
	noteAudit(r, "", map[bool]string{true: "draining host ", false: "host back in service: "}[h.Draining]+h.Name)
	http.Redirect(w, r, Prefix+"/admin/hosts", http.StatusSeeOther)
}

type userRow struct {
	Email, Name, Created string
	Admin                bool
}

type usersData struct {
	Users             []userRow
	Problem           string
	NewEmail          string
	NewAdmin          bool
	Created, Password string // a user just added, and a generated password shown once
}

// users lists Pier's users, with a form to add one.
func (d *Dashboard) users(w http.ResponseWriter, r *http.Request) {
	d.showUsers(w, r, http.StatusOK, usersData{})
}

func (d *Dashboard) showUsers(w http.ResponseWriter, r *http.Request, status int, data usersData) {
	us, err := d.Admin.Users(r.Context())
	if err != nil {
		d.fail(w, r, err)
		return
	}
	for _, u := range us {
		data.Users = append(data.Users, userRow{Email: u.Email, Name: u.Name, Admin: u.Admin, Created: ago(u.CreatedAt)})
	}
	d.render(w, r, status, "users", page{Title: "Users", Data: data})
}

// addUser adds a user with the password given, or a generated one shown
// once.
func (d *Dashboard) addUser(w http.ResponseWriter, r *http.Request) {
	u := r.Context().Value(userKey{}).(platform.User)
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	admin := r.PostFormValue("admin") == "yes"
	data := usersData{NewEmail: email, NewAdmin: admin}
	generated := password == ""
	if generated {
		password = platform.GeneratePassword()
	}
	nu, err := d.Admin.CreateUser(r.Context(), u.Email, email, password, admin)
	if err == nil {
		noteAudit(r, "", "added user "+nu.Email)
		data = usersData{Created: nu.Email}
		if generated {
			data.Password = password
		}
		d.showUsers(w, r, http.StatusCreated, data)
		return
	}
	noteAudit(r, "", auditFailure(err))
	if statusOf(err) >= 500 {
		d.fail(w, r, err)
		return
	}
	data.Problem = err.Error()
	d.showUsers(w, r, statusOf(err), data)
}

type auditRow struct {
	When, ISO                    string
	Actor, SourceIP, Action, App string
	Status                       int
	Failed                       bool
	Message                      string
}

type auditData struct {
	Entries []auditRow
	App     string
	Older   string // the next page's URL, if there may be one
}

// audit shows the audit trail, newest first, optionally for one app:
// every change made through the API or the dashboard, allowed or not.
func (d *Dashboard) audit(w http.ResponseWriter, r *http.Request) {
	app := strings.TrimSpace(r.URL.Query().Get("app"))
	var before int64
	if s := r.URL.Query().Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			d.render(w, r, http.StatusUnprocessableEntity, "error", page{Title: "Audit trail", Error: "before must be an audit entry's number."})
			return
		}
		before = n
	}
	es, err := d.Admin.Audit(r.Context(), app, before, auditPage)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data := auditData{App: app}
	for _, e := range es {
		data.Entries = append(data.Entries, auditRow{When: ago(e.CreatedAt), ISO: e.CreatedAt.UTC().Format(time.RFC3339), Actor: e.ActorEmail,
			SourceIP: e.SourceIP, Action: e.Action, App: e.App, Status: e.Status, Failed: e.Outcome != "success", Message: e.Message})
	}
	if len(es) == auditPage {
		q := "before=" + strconv.FormatInt(es[len(es)-1].ID, 10)
		if app != "" {
			q += "&app=" + url.QueryEscape(app)
		}
		data.Older = Prefix + "/admin/audit?" + q
	}
	d.render(w, r, http.StatusOK, "audit", page{Title: "Audit trail", Data: data})
}
