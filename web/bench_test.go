package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres/pgtest"
	"github.com/pier-paas/pier/web"
)

// BenchmarkOverview renders the apps overview of a user with 1,000 apps
// on a real database (goal: under 30 ms). ns/op is one page, server time.
//
//	go test -run - -bench Overview ./web/
func BenchmarkOverview(b *testing.B) {
	store := pgtest.Store(b)
	ctx := context.Background()
	u, err := store.CreateUser(ctx, "Ann", "ann@example.com", "ann-password-1", true)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		a, err := store.CreateApp(ctx, u, fmt.Sprintf("app-%04d", i))
		if err != nil {
			b.Fatal(err)
		}
		n := 1 + i%3
		if _, err := store.UpdateFormation(ctx, u, a, []platform.FormationUpdate{{Type: "web", Quantity: &n}}); err != nil && i == 0 {
			b.Logf("formation: %v (apps without a release have none)", err)
		}
	}
	d := &web.Dashboard{Store: store, Logger: slog.New(slog.DiscardHandler),
		Auth:   func(*http.Request, string) (platform.User, error) { return u, nil },
		MAC:    func(data []byte) []byte { return data[:8] },
		AppURL: func(name string) string { return "http://" + name + ".localhost:8080/" }}
	servePage(b, d, web.Prefix+"/apps")
}

// servePage renders a page b.N times, as a signed-in browser asks for it.
func servePage(b *testing.B, d *web.Dashboard, path string) {
	h := d.Handler()
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(&http.Cookie{Name: "pier_session", Value: "pier_x"})
	b.ResetTimer()
	for range b.N {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkAppPage renders an app's page when the app has 1,000 releases
// (goal: under 30 ms).
//
//	go test -run - -bench AppPage ./web/
func BenchmarkAppPage(b *testing.B) {
	store := pgtest.Store(b)
	ctx := context.Background()
	u, err := store.CreateUser(ctx, "Ann", "ann@example.com", "ann-password-1", true)
	if err != nil {
		b.Fatal(err)
	}
	a, err := store.CreateApp(ctx, u, "busy")
	if err != nil {
		b.Fatal(err)
	}
	for i := range 999 {
		v := fmt.Sprint(i)
		if _, err := store.UpdateConfigVars(ctx, u, a, map[string]*string{"N": &v}); err != nil {
			b.Fatal(err)
		}
	}
	d := &web.Dashboard{Store: store, Apps: store, Access: store, Builds: store, Metrics: store, Logger: slog.New(slog.DiscardHandler),
		Auth: func(*http.Request, string) (platform.User, error) { return u, nil },
		MAC:  func(data []byte) []byte { return data[:8] }}
	servePage(b, d, web.Prefix+"/apps/busy")
}
