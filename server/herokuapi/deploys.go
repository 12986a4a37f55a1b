package herokuapi

import (
	"context"
	"net/http"
	"regexp"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

// ImageInspector reads what a container image runs (its Procfile, else its
// command as web). The Docker adapter provides it.
type ImageInspector interface {
	ReadImage(ctx context.Context, image string) (platform.Image, error)
}

// imageRefRe is Docker's reference grammar, loosely: [registry/]path[:tag][@digest].
var imageRefRe = regexp.MustCompile(`^[a-z0-9]+([._-]*[a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]*[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)

// createDeploy releases an image, Empire-style: POST /apps/{app}/deploys
// {"image": "name:tag"}. The image's process types become a slug, and the
// slug a release with the app's current config.
func (a *API) createDeploy(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	var body struct {
		Image string `json:"image"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	if body.Image == "" || len(body.Image) > 512 || !imageRefRe.MatchString(body.Image) {
		return invalidParams("image must be a Docker image reference such as example/web:1.2 or registry.local:5000/web@sha256:….")
	}
	if a.Images == nil {
		return errorf(http.StatusServiceUnavailable, "unavailable", "No Docker engine is connected to Pier, so images can't be read; start dockerd and restart pier server.")
	}
	img, err := a.Images.ReadImage(c.Request().Context(), body.Image)
	if err != nil {
		return err
	}
	// The slug keeps the name for people and the id (as its checksum) for
	// the scheduler: the release runs exactly this image forever.
	slug := platform.Slug{Image: body.Image, ProcessTypes: img.ProcessTypes, Checksum: &img.ID}
	r, err := a.Store.Deploy(c.Request().Context(), currentUser(c), x, slug, "Deploy "+body.Image)
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, r.Description)
	return c.JSON(http.StatusCreated, renderRelease(r))
}
