package herokuapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
)

// createAuthorization issues a token: `heroku login` sends the email and
// password as Basic auth; a logged-in user may also mint more tokens.
func (a *API) createAuthorization(c echo.Context) error {
	var body struct {
		Description string   `json:"description"`
		ExpiresIn   *int64   `json:"expires_in"`
		Scope       []string `json:"scope"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	var ttl time.Duration
	if body.ExpiresIn != nil {
		if *body.ExpiresIn <= 0 || *body.ExpiresIn > 10*365*24*3600 {
			return invalidParams("expires_in must be a number of seconds between 1 and ten years.")
		}
		ttl = time.Duration(*body.ExpiresIn) * time.Second
	}
	t, err := a.Store.CreateToken(c.Request().Context(), currentUser(c), body.Description, ttl)
	if err != nil {
		return err
	}
	noteAudit(c, "", "token "+t.ID.String())
	return c.JSON(http.StatusCreated, a.renderAuthorization(t))
}

func (a *API) listAuthorizations(c echo.Context) error {
	p, err := parseRange(c.Request().Header.Get("Range"), fields("id", kindUUID, "created_at", kindTime))
	if err != nil {
		return err
	}
	ts, err := a.Store.Tokens(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	keys := map[string]func(platform.Token) string{
		"id":         func(t platform.Token) string { return t.ID.String() },
		"created_at": func(t platform.Token) string { return t.CreatedAt.UTC().Format(time.RFC3339Nano) },
	}
	page, more := pageSlice(ts, p, keys)
	return writePage(c, p, page, more, keys[p.Field], a.renderAuthorization)
}

// token resolves :id, where "~" means the token this request carries.
func (a *API) token(c echo.Context) (platform.Token, error) {
	ident := c.Param("id")
	if ident == "~" {
		t := currentToken(c)
		if t.ID == (uuid.UUID{}) {
			return t, platform.ErrTokenNotFound
		}
		return t, nil
	}
	id, err := uuid.Parse(ident)
	if err != nil {
		return platform.Token{}, platform.ErrTokenNotFound
	}
	t, err := a.Store.Token(c.Request().Context(), currentUser(c), id)
	if err == nil && t.ID == currentToken(c).ID {
		t.Secret = currentToken(c).Secret
	}
	return t, err
}

func (a *API) getAuthorization(c echo.Context) error {
	t, err := a.token(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.renderAuthorization(t))
}

func (a *API) deleteAuthorization(c echo.Context) error {
	t, err := a.token(c)
	if err != nil {
		return err
	}
	t, err = a.Store.RevokeToken(c.Request().Context(), currentUser(c), t.ID)
	if err != nil {
		return err
	}
	a.tokens.forget(t.ID) // at once here; other servers learn it from the event log
	noteAudit(c, "", "revoked token "+t.ID.String())
	t.Secret = ""
	return c.JSON(http.StatusOK, a.renderAuthorization(t))
}

// deleteSession is `heroku logout`: it revokes the token in use.
func (a *API) deleteSession(c echo.Context) error {
	if c.Param("id") != "~" {
		return notFoundError("Couldn't find that session.")
	}
	t := currentToken(c)
	if t.ID == (uuid.UUID{}) {
		return notFoundError("Couldn't find that session.")
	}
	if _, err := a.Store.RevokeToken(c.Request().Context(), currentUser(c), t.ID); err != nil {
		return err
	}
	a.tokens.forget(t.ID)
	noteAudit(c, "", "revoked token "+t.ID.String())
	return c.JSON(http.StatusOK, map[string]any{"id": t.ID})
}

func (a *API) getAccount(c echo.Context) error {
	return c.JSON(http.StatusOK, renderAccount(currentUser(c)))
}
