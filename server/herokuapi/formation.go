package herokuapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

func (a *API) listFormation(c echo.Context) error {
	p, err := parseRange(c.Request().Header.Get("Range"), fields("type", kindString, "id", kindUUID))
	if err != nil {
		return err
	}
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	fs, err := a.Store.Formation(c.Request().Context(), x)
	if err != nil {
		return err
	}
	keys := map[string]func(platform.Formation) string{
		"type": func(f platform.Formation) string { return f.Type },
		"id":   func(f platform.Formation) string { return f.ID.String() },
	}
	page, more := pageSlice(fs, p, keys)
	return writePage(c, p, page, more, keys[p.Field], renderFormation)
}

func (a *API) getFormation(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	f, err := a.Store.FormationType(c.Request().Context(), x, c.Param("type"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, renderFormation(f))
}

// formationUpdate is one entry of a formation PATCH. The heroku CLI sends
// quantity as a string, possibly relative, and size under either name.
type formationUpdate struct {
	Type     string    `json:"type"`
	Quantity *quantity `json:"quantity"`
	Size     string    `json:"size"`
	DynoSize *struct {
		Name string `json:"name"`
	} `json:"dyno_size"`
}

func (u formationUpdate) toPlatform() (platform.FormationUpdate, error) {
	out := platform.FormationUpdate{Type: u.Type, Size: u.Size}
	if u.DynoSize != nil && out.Size == "" {
		out.Size = u.DynoSize.Name
	}
	if u.Quantity != nil {
		out.Quantity, out.Relative = &u.Quantity.N, u.Quantity.Relative
	}
	if out.Quantity == nil && out.Size == "" {
		return out, invalidParams("Give a quantity or a size for " + u.Type + ".")
	}
	return out, nil
}

func (a *API) batchUpdateFormation(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	var body struct {
		Updates []formationUpdate `json:"updates"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	if len(body.Updates) == 0 || len(body.Updates) > 100 {
		return invalidParams("Send {\"updates\": [{\"type\": \"web\", \"quantity\": 2}]} with 1 to 100 updates.")
	}
	ups := make([]platform.FormationUpdate, len(body.Updates))
	for i, u := range body.Updates {
		if u.Type == "" {
			return invalidParams("Each update needs a type, such as \"web\".")
		}
		if ups[i], err = u.toPlatform(); err != nil {
			return err
		}
	}
	return a.applyFormation(c, x, ups)
}

func (a *API) updateFormation(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	var body formationUpdate
	if err := a.decode(c, &body); err != nil {
		return err
	}
	body.Type = c.Param("type")
	up, err := body.toPlatform()
	if err != nil {
		return err
	}
	fs, err := a.Store.UpdateFormation(c.Request().Context(), currentUser(c), x, []platform.FormationUpdate{up})
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, scaleMessage(fs))
	return c.JSON(http.StatusOK, renderFormation(fs[0]))
}

func (a *API) applyFormation(c echo.Context, x platform.App, ups []platform.FormationUpdate) error {
	fs, err := a.Store.UpdateFormation(c.Request().Context(), currentUser(c), x, ups)
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, scaleMessage(fs))
	out := make([]formationJSON, len(fs))
	for i, f := range fs {
		out[i] = renderFormation(f)
	}
	return c.JSON(http.StatusOK, out)
}

func scaleMessage(fs []platform.Formation) string {
	msg := "scaled"
	for _, f := range fs {
		msg += " " + f.Type + "=" + itoa(f.Quantity) + ":" + f.Size
	}
	return msg
}

func (a *API) listDynoSizes(c echo.Context) error {
	out := make([]dynoSizeJSON, len(platform.DynoSizes))
	for i, s := range platform.DynoSizes {
		out[i] = renderDynoSize(s)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) getDynoSize(c echo.Context) error {
	for _, s := range platform.DynoSizes {
		if r := renderDynoSize(s); s.Name == c.Param("size") || r.ID.String() == c.Param("size") {
			return c.JSON(http.StatusOK, r)
		}
	}
	if s, err := platform.LookupSize(c.Param("size")); err == nil {
		return c.JSON(http.StatusOK, renderDynoSize(s))
	}
	return notFoundError("Couldn't find that dyno size.")
}
