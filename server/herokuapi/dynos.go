package herokuapi

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

// DynoLister tells which dynos an app has and stops one; the scheduler
// loop provides it.
type DynoLister interface {
	Dynos(appID uuid.UUID) []platform.Dyno
	// StopDyno stops the containers of one dyno (web.1) in the background;
	// the scheduler replaces them. It returns how many it is stopping.
	StopDyno(appID uuid.UUID, name string) int
	// HostDynos counts the containers of Pier's dynos last seen on a host.
	HostDynos(hostID uuid.UUID) int
}

type dynoJSON struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Type      string     `json:"type"`
	State     string     `json:"state"`
	Reason    string     `json:"pending_reason,omitempty"`
	Command   string     `json:"command"`
	Size      string     `json:"size"`
	AttachURL *string    `json:"attach_url"`
	Release   releaseRef `json:"release"`
	App       ref        `json:"app"`
	Host      string     `json:"host,omitempty"`
	CreatedAt timestamp  `json:"created_at"`
	UpdatedAt timestamp  `json:"updated_at"`
}

type releaseRef struct {
	ID      *uuid.UUID `json:"id"`
	Version int        `json:"version"`
}

func renderDyno(app platform.App, d platform.Dyno) dynoJSON {
	out := dynoJSON{ID: d.ID, Name: d.Name, Type: d.Type, State: d.State, Reason: d.Reason, Command: d.Command, Size: d.Size,
		Release: releaseRef{Version: d.Release.Version}, App: ref{app.ID, app.Name}, Host: d.Host,
		CreatedAt: ts(d.CreatedAt), UpdatedAt: ts(d.UpdatedAt)}
	if d.Release.ID != uuid.Nil {
		out.Release.ID = &d.Release.ID
	}
	return out
}

// listDynos: GET /apps/{app}/dynos, what runs now as the scheduler last saw it.
func (a *API) listDynos(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	out := []dynoJSON{}
	if a.Dynos != nil {
		for _, d := range a.Dynos.Dynos(x.ID) {
			out = append(out, renderDyno(x, d))
		}
	}
	return c.JSON(http.StatusOK, out)
}

// getDyno: GET /apps/{app}/dynos/{dyno} by name (web.1) or id.
func (a *API) getDyno(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	ident := c.Param("dyno")
	if a.Dynos != nil {
		for _, d := range a.Dynos.Dynos(x.ID) {
			if d.Name == ident || d.ID == ident || (len(ident) >= 12 && strings.HasPrefix(d.ID, ident)) {
				return c.JSON(http.StatusOK, renderDyno(x, d))
			}
		}
	}
	return platform.NotFound("dyno", "Couldn't find that dyno ("+ident+").")
}

// restartDynos: DELETE /apps/{app}/dynos restarts every process type, and
// DELETE /apps/{app}/dynos/{type|name} one type or one dyno. A type is
// restarted the zero-downtime way (new dynos first, see Store.Restart); a
// single dyno is stopped and replaced.
func (a *API) restartDynos(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	ident := c.Param("dyno")
	if ident == "" {
		ident = c.Param("type")
	}
	if ident != "" && strings.Contains(ident, ".") {
		return a.stopDyno(c, x, ident)
	}
	if err := a.Store.Restart(c.Request().Context(), currentUser(c), x, ident); err != nil {
		return err
	}
	noteAudit(c, x.Name, "restart "+orAll(ident))
	return c.JSON(http.StatusAccepted, struct{}{})
}

// stopDynoAction: POST /apps/{app}/dynos/{type|name}/actions/stop. The
// formation still wants the dyno, so the scheduler starts a fresh one.
func (a *API) stopDynoAction(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	ident := c.Param("dyno")
	if strings.Contains(ident, ".") {
		return a.stopDyno(c, x, ident)
	}
	if a.Dynos == nil {
		return c.JSON(http.StatusAccepted, struct{}{})
	}
	n := 0
	for _, d := range a.Dynos.Dynos(x.ID) {
		if d.Type == ident {
			n += a.Dynos.StopDyno(x.ID, d.Name)
		}
	}
	if n == 0 {
		return platform.NotFound("dyno", "Couldn't find any "+ident+" dynos.")
	}
	noteAudit(c, x.Name, "stop "+ident)
	return c.JSON(http.StatusAccepted, struct{}{})
}

func (a *API) stopDyno(c echo.Context, x platform.App, name string) error {
	if a.Dynos == nil || a.Dynos.StopDyno(x.ID, name) == 0 {
		return platform.NotFound("dyno", "Couldn't find that dyno ("+name+").")
	}
	noteAudit(c, x.Name, "stop "+name)
	return c.JSON(http.StatusAccepted, struct{}{})
}

func orAll(typ string) string {
	if typ == "" {
		return "all dynos"
	}
	return typ + " dynos"
}
