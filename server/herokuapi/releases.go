package herokuapi

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

var releaseFields = fields("version", kindInt, "id", kindUUID)

func (a *API) listReleases(c echo.Context) error {
	p, err := parseRange(c.Request().Header.Get("Range"), releaseFields)
	if err != nil {
		return err
	}
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	rs, more, err := a.Store.Releases(c.Request().Context(), x, p)
	if err != nil {
		return err
	}
	return writePage(c, p, rs, more, func(r platform.Release) string {
		if p.Field == "id" {
			return r.ID.String()
		}
		return strconv.Itoa(r.Version)
	}, renderRelease)
}

func (a *API) getRelease(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	r, err := a.Store.Release(c.Request().Context(), x, c.Param("release"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, renderRelease(r))
}

// createRelease is either a rollback ({"release": id or version}) or a new
// release of a slug ({"slug": id, "description": …}), as on Heroku.
func (a *API) createRelease(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	var body struct {
		Release     *flexString `json:"release"`
		Slug        *string     `json:"slug"`
		Description string      `json:"description"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	var r platform.Release
	switch {
	case body.Release != nil && body.Slug != nil:
		return invalidParams("Give either release (to roll back) or slug (to release it), not both.")
	case body.Release != nil:
		r, err = a.Store.Rollback(c.Request().Context(), currentUser(c), x, string(*body.Release))
	case body.Slug != nil:
		id, perr := uuid.Parse(*body.Slug)
		if perr != nil {
			return invalidParams("slug must be the id of one of the app's slugs.")
		}
		r, err = a.Store.CreateRelease(c.Request().Context(), currentUser(c), x, id, body.Description)
	default:
		return invalidParams("Give release (an id or version to roll back to) or slug (an id to release).")
	}
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, r.Description)
	return c.JSON(http.StatusCreated, renderRelease(r))
}
