package herokuapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

var appFields = fields("id", kindUUID, "name", kindString, "updated_at", kindTime)

// app resolves :app (id or name) and checks the caller's role on it.
func (a *API) app(c echo.Context, need postgres.Role) (platform.App, error) {
	x, err := a.Store.App(c.Request().Context(), currentUser(c), c.Param("app"), need)
	if err == nil {
		noteAudit(c, x.Name, "")
	}
	return x, err
}

// selfURL is this server's own URL as the client reached it: the base of
// git URLs and of the URLs whose secret is their credential.
func selfURL(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

func (a *API) listApps(c echo.Context) error { return a.writeApps(c, currentUser(c)) }

// writeApps answers a page of the apps u can see.
func (a *API) writeApps(c echo.Context, u platform.User) error {
	p, err := parseRange(c.Request().Header.Get("Range"), appFields)
	if err != nil {
		return err
	}
	apps, more, err := a.Store.Apps(c.Request().Context(), u, p)
	if err != nil {
		return err
	}
	base := selfURL(c)
	return writePage(c, p, apps, more, func(x platform.App) string {
		switch p.Field {
		case "name":
			return x.Name
		case "updated_at":
			return x.UpdatedAt.UTC().Format("2006-01-02T15:04:05.999999Z07:00")
		}
		return x.ID.String()
	}, func(x platform.App) appJSON { return a.renderApp(base, x) })
}

// listUserApps is GET /users/{user}/apps, which `heroku apps` calls: a
// user's own apps ("~" is the caller). Only admins may ask about others.
func (a *API) listUserApps(c echo.Context) error {
	me := currentUser(c)
	if who := c.Param("user"); who != "~" && who != me.Email && who != me.ID.String() {
		if !me.Admin {
			return forbidden("You can only list your own apps.")
		}
		u, err := a.Store.User(c.Request().Context(), who)
		if err != nil {
			return err
		}
		return a.writeApps(c, u) // as that user sees them
	}
	return a.writeApps(c, me)
}

func (a *API) createApp(c echo.Context) error {
	var body struct {
		Name   *string `json:"name"`
		Region *string `json:"region"`
		Stack  *string `json:"stack"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	name := ""
	if body.Name != nil {
		name = *body.Name
		noteAudit(c, name, "") // failed attempts are audited under the name too
	}
	x, err := a.Store.CreateApp(c.Request().Context(), currentUser(c), name)
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, "created")
	return c.JSON(http.StatusCreated, a.renderApp(selfURL(c), x))
}

func (a *API) getApp(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.renderApp(selfURL(c), x))
}

func (a *API) updateApp(c echo.Context) error {
	var body struct {
		Name        *string `json:"name"`
		Maintenance *bool   `json:"maintenance"`
		BuildStack  *string `json:"build_stack"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	need := postgres.RoleCollaborator
	if body.Name != nil {
		need = postgres.RoleOwner
	}
	x, err := a.app(c, need)
	if err != nil {
		return err
	}
	x, err = a.Store.UpdateApp(c.Request().Context(), currentUser(c), x, postgres.AppUpdate{Name: body.Name, Maintenance: body.Maintenance})
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, "")
	return c.JSON(http.StatusOK, a.renderApp(selfURL(c), x))
}

func (a *API) deleteApp(c echo.Context) error {
	x, err := a.app(c, postgres.RoleOwner)
	if err != nil {
		return err
	}
	if err := a.Store.DestroyApp(c.Request().Context(), currentUser(c), x); err != nil {
		return err
	}
	noteAudit(c, x.Name, "destroyed")
	return c.JSON(http.StatusOK, a.renderApp(selfURL(c), x))
}
