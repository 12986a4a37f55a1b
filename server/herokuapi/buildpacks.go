package herokuapi

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/buildpack"
	"github.com/pier-paas/pier/server/postgres"
)

type buildpackInstallationJSON struct {
	Buildpack buildpackRf `json:"buildpack"`
	Ordinal   int         `json:"ordinal"`
}

func renderBuildpacks(list []string) []buildpackInstallationJSON {
	out := make([]buildpackInstallationJSON, len(list))
	for i, bp := range list {
		out[i] = buildpackInstallationJSON{Buildpack: buildpackRf{URL: bp, Name: bp}, Ordinal: i}
	}
	return out
}

// maxBuildpacks bounds an app's buildpack list, Heroku's limit.
const maxBuildpacks = 6

// listBuildpacks is GET /apps/{app}/buildpack-installations.
func (a *API) listBuildpacks(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	bs, err := a.Store.BuildSettings(c.Request().Context(), x)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, renderBuildpacks(bs.Buildpacks))
}

// setBuildpacks is PUT /apps/{app}/buildpack-installations: the app's
// whole buildpack list, in order; an empty list lets the bundled
// buildpacks detect the app again.
func (a *API) setBuildpacks(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	var body struct {
		Updates *[]struct {
			Buildpack string `json:"buildpack"`
		} `json:"updates"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	if body.Updates == nil {
		return invalidParams(`Give the buildpacks as {"updates": [{"buildpack": "go"}, ...]}; an empty list clears them.`)
	}
	if len(*body.Updates) > maxBuildpacks {
		return invalidParams(fmt.Sprintf("An app can have at most %d buildpacks.", maxBuildpacks))
	}
	list := make([]string, 0, len(*body.Updates))
	for i, u := range *body.Updates {
		if u.Buildpack == "" {
			return invalidParams(fmt.Sprintf("updates[%d].buildpack is empty: give a bundled buildpack's name or a URL.", i))
		}
		if len(u.Buildpack) > 2048 {
			return invalidParams(fmt.Sprintf("updates[%d].buildpack is too long (at most 2048 characters).", i))
		}
		if err := buildpack.Validate(u.Buildpack); err != nil {
			return err
		}
		list = append(list, u.Buildpack)
	}
	out, err := a.Store.SetBuildpacks(c.Request().Context(), currentUser(c), x, list)
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, "Buildpacks set")
	return c.JSON(http.StatusOK, renderBuildpacks(out))
}

// purgeBuildCache is DELETE /apps/{app}/build-cache: the next build
// starts with an empty CACHE_DIR.
func (a *API) purgeBuildCache(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	if err := a.Store.PurgeBuildCache(c.Request().Context(), currentUser(c), x); err != nil {
		return err
	}
	noteAudit(c, x.Name, "Build cache purged")
	return c.JSON(http.StatusAccepted, map[string]any{})
}
