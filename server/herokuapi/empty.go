package herokuapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/postgres"
)

// The heroku CLI reads these collections on its way to other answers (e.g.
// `heroku apps:info`, `heroku domains:add`). Each is truly empty today, so
// it answers an empty list rather than a 404 that would abort the command.

// listAddons: Pier has no add-on marketplace.
func (a *API) listAddons(c echo.Context) error { return a.emptyAppList(c) }

func (a *API) emptyAppList(c echo.Context) error {
	if _, err := a.app(c, postgres.RoleCollaborator); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, []any{})
}
