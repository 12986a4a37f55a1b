package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres/pgtest"
	"github.com/pier-paas/pier/web"
)

// Sign-in refuses an address out of password attempts, never redirects
// off the dashboard, and a change without the CSRF token is refused.
func TestSessionRules(t *testing.T) {
	store := pgtest.Store(t)
	allow := true
	d := &web.Dashboard{Store: store, Apps: store, Logger: slog.New(slog.DiscardHandler),
		AllowSignIn: func(*http.Request) bool { return allow },
		Auth:        func(*http.Request, string) (platform.User, error) { return platform.User{Email: "a@example.com"}, nil },
		MAC:         func(data []byte) []byte { return []byte("mac-of-" + string(data)) }}
	h := d.Handler()
	if _, err := store.CreateUser(t.Context(), "Ann", "ann@example.com", "ann-password-1", false); err != nil {
		t.Fatal(err)
	}
	post := func(path string, form url.Values, cookie bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie {
			req.AddCookie(&http.Cookie{Name: "pier_session", Value: "pier_x"})
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	for next, want := range map[string]string{"//evil.example/": "/dashboard/apps", "https://evil.example/": "/dashboard/apps",
		"/dashboard/apps/shop": "/dashboard/apps/shop"} {
		w := post("/dashboard/sign-in", url.Values{"email": {"ann@example.com"}, "password": {"ann-password-1"}, "next": {next}}, false)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Errorf("next=%s: %d to %q, want %q", next, w.Code, w.Header().Get("Location"), want)
		}
		if c := w.Header().Get("Set-Cookie"); !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
			t.Errorf("session cookie %q", c)
		}
	}
	allow = false
	if w := post("/dashboard/sign-in", url.Values{"email": {"ann@example.com"}, "password": {"ann-password-1"}}, false); w.Code != http.StatusTooManyRequests ||
		!strings.Contains(w.Body.String(), "Too many sign-in attempts") {
		t.Errorf("out of attempts: %d %s", w.Code, w.Body)
	}
	if w := post("/dashboard/apps/shop/scale", url.Values{"type": {"web"}, "quantity": {"2"}}, true); w.Code != http.StatusForbidden {
		t.Errorf("a change without the CSRF token: %d", w.Code)
	}
	if w := post("/dashboard/apps/shop/scale", url.Values{"type": {"web"}, "quantity": {"2"}}, false); w.Code != http.StatusUnauthorized {
		t.Errorf("a change without a session: %d", w.Code)
	}
}
