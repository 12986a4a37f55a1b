package web

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pier-paas/pier/server/platform"
)

// sessionCookie holds the signed-in browser's API token: HttpOnly, so no
// script reads it; SameSite=Lax, so other sites' forms don't carry it;
// Secure when the dashboard is reached over TLS.
const sessionCookie = "pier_session"

type userKey struct{}

type secretKey struct{}

// signedIn runs h for a signed-in browser; any other goes to sign-in and
// comes back to the page it asked for. A change (any method but GET)
// must carry the session's CSRF token.
func (d *Dashboard) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		var u platform.User
		if err == nil {
			u, err = d.Auth(r, c.Value)
		}
		if err != nil {
			if r.Method != http.MethodGet || r.URL.Path == Prefix+"/events" {
				http.Error(w, "Your session has ended: sign in again.", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, Prefix+"/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		noteActor(r, u)
		ctx := context.WithValue(context.WithValue(r.Context(), userKey{}, u), secretKey{}, c.Value)
		r = r.WithContext(ctx)
		if r.Method != http.MethodGet {
			got := r.Header.Get("X-CSRF-Token")
			if got == "" {
				got = r.PostFormValue("csrf")
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(d.csrfToken(r))) != 1 {
				http.Error(w, "This form is out of date: reload the page and try again.", http.StatusForbidden)
				return
			}
		}
		h(w, r)
	}
}

// action is a change made in the dashboard: signed in, CSRF-checked and
// recorded in the audit trail.
func (d *Dashboard) action(h http.HandlerFunc) http.HandlerFunc {
	return d.audited(d.signedIn(h))
}

// csrfToken is the session's CSRF token: a MAC of its secret, so nothing
// more is stored and it ends with the session.
func (d *Dashboard) csrfToken(r *http.Request) string {
	secret, _ := r.Context().Value(secretKey{}).(string)
	return base64.RawURLEncoding.EncodeToString(d.MAC([]byte("csrf:" + secret)))
}

func (d *Dashboard) signInPage(w http.ResponseWriter, r *http.Request) {
	d.render(w, r, http.StatusOK, "signin", page{Title: "Sign in", Data: signInData{Next: safeNext(r.URL.Query().Get("next"))}})
}

type signInData struct {
	Email, Next string
}

// signIn checks an email and password and starts a session: a new API
// token, described as the dashboard's, in the session cookie.
func (d *Dashboard) signIn(w http.ResponseWriter, r *http.Request) {
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	data := signInData{Email: email, Next: next}
	if email == "" || password == "" {
		d.render(w, r, http.StatusUnprocessableEntity, "signin", page{Title: "Sign in", Error: "Enter your email and password.", Data: data})
		return
	}
	if d.AllowSignIn != nil && !d.AllowSignIn(r) {
		d.render(w, r, http.StatusTooManyRequests, "signin", page{Title: "Sign in", Error: "Too many sign-in attempts from your address: wait a few minutes.", Data: data})
		return
	}
	u, err := d.Store.CheckPassword(r.Context(), email, password)
	if err != nil {
		status, msg := http.StatusUnauthorized, "That email and password don't match an account."
		var pe *platform.Error
		if !errors.As(err, &pe) {
			d.Logger.Warn("dashboard sign-in", "err", err)
			status, msg = http.StatusServiceUnavailable, "Pier could not check your password just now: try again."
		}
		noteAudit(r, "", "sign-in refused for "+email)
		d.render(w, r, status, "signin", page{Title: "Sign in", Error: msg, Data: data})
		return
	}
	ttl := d.SessionTTL
	if ttl <= 0 {
		ttl = 12 * time.Hour
	}
	t, err := d.Store.CreateToken(r.Context(), u, "Dashboard session", ttl)
	if err != nil {
		d.Logger.Warn("dashboard sign-in", "err", err)
		d.render(w, r, http.StatusServiceUnavailable, "signin", page{Title: "Sign in", Error: "Pier could not start your session just now: try again.", Data: data})
		return
	}
	noteActor(r, u)
	noteAudit(r, "", "signed in to the dashboard")
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: t.Secret, Path: Prefix, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: int(ttl / time.Second)})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signOut revokes the session's token and clears the cookie.
func (d *Dashboard) signOut(w http.ResponseWriter, r *http.Request) {
	secret, _ := r.Context().Value(secretKey{}).(string)
	if t, err := d.Store.Authenticate(r.Context(), secret); err == nil {
		if _, err := d.Store.RevokeToken(r.Context(), t.User, t.ID); err != nil {
			d.Logger.Warn("dashboard sign-out", "err", err)
		}
	}
	noteAudit(r, "", "signed out of the dashboard")
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: Prefix, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: -1})
	http.Redirect(w, r, Prefix+"/sign-in", http.StatusSeeOther)
}

// safeNext keeps a post-sign-in redirect on the dashboard.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix + "/apps"
	}
	return next
}
