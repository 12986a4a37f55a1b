package herokuapi

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

const (
	ctxToken = "token" // the platform.Token the request authenticated with
	ctxUser  = "user"
)

func currentUser(c echo.Context) platform.User {
	u, _ := c.Get(ctxUser).(platform.User)
	return u
}

func currentToken(c echo.Context) platform.Token {
	t, _ := c.Get(ctxToken).(platform.Token)
	return t
}

// public routes need no credentials.
func public(c echo.Context) bool {
	return c.Path() == "/healthz"
}

// isLogin is the one route that takes an email and password.
func isLogin(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && c.Path() == "/oauth/authorizations"
}

// authenticate accepts `Authorization: Bearer TOKEN` and Basic auth whose
// password is the token (what ~/.netrc gives git and curl). On the login route
// Basic carries an email and password instead.
func (a *API) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if public(c) {
			return next(c)
		}
		r := c.Request()
		var secret string
		if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			secret = strings.TrimSpace(h[7:])
		} else if email, password, ok := r.BasicAuth(); ok {
			secret = password
			if isLogin(c) {
				// A valid token mints another; anything else, even a password
				// that merely looks like a token, is an email and password.
				t, err := a.lookupToken(r, password)
				if err != nil {
					return a.passwordLogin(c, next, email, password)
				}
				return authenticated(c, next, t)
			}
		}
		if secret == "" {
			return unauthorized("No credentials provided: log in with `pier login`, or send an API token as `Authorization: Bearer TOKEN`.")
		}
		t, err := a.lookupToken(r, secret)
		if err != nil {
			return err
		}
		return authenticated(c, next, t)
	}
}

func authenticated(c echo.Context, next echo.HandlerFunc, t platform.Token) error {
	c.Set(ctxToken, t)
	c.Set(ctxUser, t.User)
	return next(c)
}

// TokenUser finds the user whose API token secret is, for what
// authenticates outside the API's middleware (git pushes).
func (a *API) TokenUser(r *http.Request, secret string) (platform.User, error) {
	t, err := a.lookupToken(r, secret)
	return t.User, err
}

// lookupToken checks a presented secret; only the token shape can match.
func (a *API) lookupToken(r *http.Request, secret string) (platform.Token, error) {
	if len(secret) > 512 || !strings.HasPrefix(secret, postgres.TokenPrefix) {
		return platform.Token{}, unauthorized("Invalid credentials provided.")
	}
	return a.authToken(r.Context(), secret)
}

// authToken finds the token with this secret, from the cache when it can.
func (a *API) authToken(ctx context.Context, secret string) (platform.Token, error) {
	if t, ok := a.tokens.get(secret); ok {
		return t, nil
	}
	gen := a.tokens.generation()
	t, err := a.Store.Authenticate(ctx, secret)
	if err == nil {
		a.tokens.put(t, gen)
	}
	return t, err
}

// AllowPasswordAttempt spends one of the password attempts the request's
// source address has (shared by the API's logins and the dashboard's
// sign-in) and reports whether it had one.
func (a *API) AllowPasswordAttempt(r *http.Request) bool {
	if a.logins == nil {
		return true
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	_, ok := a.logins.take(ip)
	return ok
}

func (a *API) passwordLogin(c echo.Context, next echo.HandlerFunc, email, password string) error {
	if _, ok := a.logins.take(c.RealIP()); !ok {
		return rateLimited("Too many login attempts from your address; wait a few minutes.")
	}
	u, err := a.Store.CheckPassword(c.Request().Context(), email, password)
	if err != nil {
		return err
	}
	c.Set(ctxUser, u)
	return next(c)
}

// rateLimit spends one of the user's requests and reports the rest in
// RateLimit-Remaining, as Heroku does.
func (a *API) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := currentUser(c)
		if u.ID == [16]byte{} {
			return next(c)
		}
		remaining, ok := a.users.take(u.ID.String())
		if a.RateLimit > 0 {
			c.Response().Header()["RateLimit-Remaining"] = []string{strconv.Itoa(remaining)} // Heroku's spelling
		}
		if !ok {
			return rateLimited("Your account reached the API rate limit; wait a few minutes before trying again.")
		}
		return next(c)
	}
}

func requireAdmin(c echo.Context) error {
	if !currentUser(c).Admin {
		return forbidden("Only admins can do that.")
	}
	return nil
}
