package herokuapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

// createSlug records a slug: Pier's slugs are container images, named in the
// extra "image" field, with Heroku's process_types.
func (a *API) createSlug(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	var body struct {
		Image                        string            `json:"image"`
		ProcessTypes                 map[string]string `json:"process_types"`
		Commit                       *string           `json:"commit"`
		CommitDescription            *string           `json:"commit_description"`
		BuildpackProvidedDescription *string           `json:"buildpack_provided_description"`
		Checksum                     *string           `json:"checksum"`
		Stack                        string            `json:"stack"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	if body.ProcessTypes == nil {
		return invalidParams("process_types is required, e.g. {\"web\": \"./server\"}.")
	}
	if len(body.Image) > 512 {
		return invalidParams("image is too long.")
	}
	s, err := a.Store.CreateSlug(c.Request().Context(), currentUser(c), x, platform.Slug{
		Image: body.Image, ProcessTypes: body.ProcessTypes, Commit: body.Commit, CommitDescription: body.CommitDescription,
		BuildpackProvidedDescription: body.BuildpackProvidedDescription, Checksum: body.Checksum, Stack: body.Stack,
	})
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, "created slug "+s.ID.String())
	return c.JSON(http.StatusCreated, renderSlug(s))
}

func (a *API) getSlug(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	s, err := a.Store.Slug(c.Request().Context(), x, c.Param("slug"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, renderSlug(s))
}
