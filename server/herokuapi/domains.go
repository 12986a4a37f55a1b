package herokuapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

func (a *API) listDomains(c echo.Context) error {
	p, err := parseRange(c.Request().Header.Get("Range"), fields("hostname", kindString, "id", kindUUID))
	if err != nil {
		return err
	}
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	ds, err := a.Store.Domains(c.Request().Context(), x)
	if err != nil {
		return err
	}
	keys := map[string]func(platform.Domain) string{
		"hostname": func(d platform.Domain) string { return d.Hostname },
		"id":       func(d platform.Domain) string { return d.ID.String() },
	}
	page, more := pageSlice(ds, p, keys)
	return writePage(c, p, page, more, keys[p.Field], a.renderDomain)
}

func (a *API) createDomain(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	var body struct {
		Hostname string `json:"hostname"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	d, err := a.Store.AddDomain(c.Request().Context(), currentUser(c), x, body.Hostname)
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, "added domain "+d.Hostname)
	return c.JSON(http.StatusCreated, a.renderDomain(d))
}

func (a *API) getDomain(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	d, err := a.Store.Domain(c.Request().Context(), x, c.Param("domain"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.renderDomain(d))
}

func (a *API) deleteDomain(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	d, err := a.Store.RemoveDomain(c.Request().Context(), currentUser(c), x, c.Param("domain"))
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, "removed domain "+d.Hostname)
	return c.JSON(http.StatusOK, a.renderDomain(d))
}

// updateDomain: PATCH /apps/{app}/domains/{domain} {"sni_endpoint": name}.
// The heroku CLI attaches a new certificate to matching domains this way.
// Pier serves a certificate for every custom domain of its app that it
// covers, so there is nothing to store: the endpoint must exist (or be
// null), and the domain is returned as it is.
func (a *API) updateDomain(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	var body struct {
		SNIEndpoint *string `json:"sni_endpoint"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	d, err := a.Store.Domain(c.Request().Context(), x, c.Param("domain"))
	if err != nil {
		return err
	}
	if body.SNIEndpoint != nil && *body.SNIEndpoint != "" {
		if _, err := a.Store.SNIEndpoint(c.Request().Context(), x, *body.SNIEndpoint); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, a.renderDomain(d))
}
