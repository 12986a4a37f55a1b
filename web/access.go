package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

// AccessStore is what the app page's domains and collaborators read and
// change, with the API's rules.
type AccessStore interface {
	Domains(ctx context.Context, a platform.App) ([]platform.Domain, error)
	AddDomain(ctx context.Context, actor platform.User, a platform.App, hostname string) (platform.Domain, error)
	RemoveDomain(ctx context.Context, actor platform.User, a platform.App, ident string) (platform.Domain, error)
	Collaborators(ctx context.Context, a platform.App) ([]platform.Collaborator, error)
	AddCollaborator(ctx context.Context, actor platform.User, a platform.App, email string) (platform.Collaborator, error)
	RemoveCollaborator(ctx context.Context, actor platform.User, a platform.App, ident string) (platform.Collaborator, error)
}

type domainRow struct {
	Hostname string
	Custom   bool
}

type collaboratorRow struct {
	Email string
	Owner bool
}

// addDomain attaches a custom domain (`heroku domains:add`).
func (d *Dashboard) addDomain(w http.ResponseWriter, r *http.Request) {
	d.change(w, r, "domains", func(u platform.User, a platform.App) (string, error) {
		dom, err := d.Access.AddDomain(r.Context(), u, a, r.PostFormValue("hostname"))
		return "added domain " + dom.Hostname, err
	})
}

// removeDomain detaches one.
func (d *Dashboard) removeDomain(w http.ResponseWriter, r *http.Request) {
	d.change(w, r, "domains", func(u platform.User, a platform.App) (string, error) {
		dom, err := d.Access.RemoveDomain(r.Context(), u, a, r.PostFormValue("hostname"))
		return "removed domain " + dom.Hostname, err
	})
}

// addCollaborator gives a user access to the app; only its owner may.
func (d *Dashboard) addCollaborator(w http.ResponseWriter, r *http.Request) {
	d.change(w, r, "access", func(u platform.User, a platform.App) (string, error) {
		a, err := d.Apps.App(r.Context(), u, a.Name, postgres.RoleOwner)
		if err != nil {
			return "", err
		}
		email := strings.TrimSpace(r.PostFormValue("email"))
		if email == "" {
			return "", platform.Invalid("Give the email address of the user to add.")
		}
		c, err := d.Access.AddCollaborator(r.Context(), u, a, email)
		return "added collaborator " + c.User.Email, err
	})
}

// removeCollaborator takes a collaborator's access away; only the owner
// may.
func (d *Dashboard) removeCollaborator(w http.ResponseWriter, r *http.Request) {
	d.change(w, r, "access", func(u platform.User, a platform.App) (string, error) {
		a, err := d.Apps.App(r.Context(), u, a.Name, postgres.RoleOwner)
		if err != nil {
			return "", err
		}
		c, err := d.Access.RemoveCollaborator(r.Context(), u, a, r.PostFormValue("email"))
		return "removed collaborator " + c.User.Email, err
	})
}

// addAccess lists the app's domains and collaborators on its page.
func (d *Dashboard) addAccess(ctx context.Context, a platform.App, data *appPageData) error {
	if d.Access == nil {
		return nil
	}
	domains, err := d.Access.Domains(ctx, a)
	if err != nil {
		return err
	}
	for _, dom := range domains {
		data.Domains = append(data.Domains, domainRow{Hostname: dom.Hostname, Custom: dom.Kind != "heroku"})
	}
	collabs, err := d.Access.Collaborators(ctx, a)
	if err != nil {
		return err
	}
	for _, c := range collabs {
		data.Collaborators = append(data.Collaborators, collaboratorRow{Email: c.User.Email, Owner: c.Role == "owner"})
	}
	return nil
}
