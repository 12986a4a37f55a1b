package herokuapi

import (
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/postgres"
)

func (a *API) getConfigVars(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	vars, err := a.Store.ConfigVars(c.Request().Context(), x)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, vars)
}

// updateConfigVars merges {"KEY": "value", "OLD": null} into the config and
// answers the whole new config.
func (a *API) updateConfigVars(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	var body map[string]stringOrNull
	if err := a.decode(c, &body); err != nil {
		return err
	}
	if len(body) == 0 {
		return invalidParams("Send the config vars to change as a JSON object, e.g. {\"KEY\": \"value\", \"OLD\": null}.")
	}
	changes := make(map[string]*string, len(body))
	keys := make([]string, 0, len(body))
	for k, v := range body {
		changes[k] = v.Value
		keys = append(keys, k)
	}
	sort.Strings(keys)
	noteAudit(c, x.Name, "config vars changed: "+strings.Join(keys, ", "))
	vars, err := a.Store.UpdateConfigVars(c.Request().Context(), currentUser(c), x, changes)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, vars)
}

func (a *API) getReleaseConfigVars(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	r, err := a.Store.Release(c.Request().Context(), x, c.Param("release"))
	if err != nil {
		return err
	}
	vars, err := a.Store.ReleaseConfigVars(c.Request().Context(), r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, vars)
}
