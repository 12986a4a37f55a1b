package herokuapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
)

func itoa(n int) string { return strconv.Itoa(n) }

func (a *API) listUsers(c echo.Context) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	us, err := a.Store.Users(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]userJSON, len(us))
	for i, u := range us {
		out[i] = renderUser(u)
	}
	return c.JSON(http.StatusOK, out)
}

// createUser (admins only) adds a user. Without a password, one is generated
// and returned once.
func (a *API) createUser(c echo.Context) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	var body struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Admin    bool   `json:"admin"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	password, generated := body.Password, false
	if password == "" {
		password, generated = platform.GeneratePassword(), true
	}
	u, err := a.Store.CreateUser(c.Request().Context(), currentUser(c).Email, body.Email, password, body.Admin)
	if err != nil {
		return err
	}
	noteAudit(c, "", "added user "+u.Email)
	out := renderUser(u)
	if generated {
		out.Password = password
	}
	return c.JSON(http.StatusCreated, out)
}

func (a *API) listAudit(c echo.Context) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	limit := 100
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return invalidParams("limit must be a number from 1 to 1000.")
		}
		limit = n
	}
	var before int64
	if s := c.QueryParam("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return invalidParams("before must be an audit entry id.")
		}
		before = n
	}
	es, err := a.Store.Audit(c.Request().Context(), c.QueryParam("app"), before, limit)
	if err != nil {
		return err
	}
	out := make([]auditJSON, len(es))
	for i, e := range es {
		out[i] = renderAudit(e)
	}
	return c.JSON(http.StatusOK, out)
}
