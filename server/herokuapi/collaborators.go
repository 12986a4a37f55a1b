package herokuapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

func (a *API) listCollaborators(c echo.Context) error {
	p, err := parseRange(c.Request().Header.Get("Range"), fields("email", kindString, "id", kindUUID))
	if err != nil {
		return err
	}
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	cs, err := a.Store.Collaborators(c.Request().Context(), x)
	if err != nil {
		return err
	}
	keys := map[string]func(platform.Collaborator) string{
		"email": func(c platform.Collaborator) string { return c.User.Email },
		"id":    func(c platform.Collaborator) string { return c.ID.String() },
	}
	page, more := pageSlice(cs, p, keys)
	return writePage(c, p, page, more, keys[p.Field], renderCollaborator)
}

func (a *API) createCollaborator(c echo.Context) error {
	x, err := a.app(c, postgres.RoleOwner)
	if err != nil {
		return err
	}
	var body struct {
		User   string `json:"user"`
		Silent bool   `json:"silent"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	if body.User == "" {
		return invalidParams("Give the collaborator's email as user.")
	}
	col, err := a.Store.AddCollaborator(c.Request().Context(), currentUser(c), x, body.User)
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, "added collaborator "+col.User.Email)
	return c.JSON(http.StatusCreated, renderCollaborator(col))
}

func (a *API) getCollaborator(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	col, err := a.Store.Collaborator(c.Request().Context(), x, c.Param("collaborator"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, renderCollaborator(col))
}

func (a *API) deleteCollaborator(c echo.Context) error {
	x, err := a.app(c, postgres.RoleOwner)
	if err != nil {
		return err
	}
	col, err := a.Store.RemoveCollaborator(c.Request().Context(), currentUser(c), x, c.Param("collaborator"))
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, "removed collaborator "+col.User.Email)
	return c.JSON(http.StatusOK, renderCollaborator(col))
}
