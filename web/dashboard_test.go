package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pier-paas/pier/server"
	"github.com/pier-paas/pier/server/docker/dockertest"
	"github.com/pier-paas/pier/server/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	adminEmail    = "admin@example.com"
	adminPassword = "admin-password-1"
)

// startServer runs a real Pier server on a fresh database and returns its
// API's base URL.
func startServer(t testing.TB) string {
	t.Helper()
	cfg := server.Defaults()
	cfg.DatabaseURL, cfg.DataDir = pgtest.URL(t), t.TempDir()
	cfg.APIAddr, cfg.RouterAddr, cfg.RendezvousAddr = "127.0.0.1:0", "127.0.0.1:0", ""
	cfg.AdminEmail, cfg.AdminPassword, cfg.RateLimit = adminEmail, adminPassword, 0
	cfg.MetricsEvery = time.Second // the charts' readings come quickly
	s := &server.Server{Config: cfg, Logger: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	// The dynos a test started go once the server has stopped.
	t.Cleanup(func() {
		if err := dockertest.RemoveCluster(s.Cluster()); err != nil && os.Getenv("CI") != "" {
			t.Errorf("remove the test's containers: %v", err)
		}
	})
	done := make(chan struct{})
	go func() { defer close(done); s.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done; s.Close() })
	return "http://" + s.APIAddr()
}

// apiClient speaks to the API as another client would (the CLI, curl).
type apiClient struct {
	t     testing.TB
	base  string
	token string
}

// newAPIClient signs in to the API as the admin and keeps the token, as a
// CLI would after `pier login`.
func newAPIClient(t testing.TB, base, description string) *apiClient {
	c := &apiClient{t: t, base: base}
	c.token = c.do("POST", "/oauth/authorizations", map[string]any{"description": description})["access_token"].(map[string]any)["token"].(string)
	return c
}

func (c *apiClient) do(method, path string, body any) map[string]any {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	} else {
		req.SetBasicAuth(adminEmail, adminPassword)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode >= 300 {
		c.t.Fatalf("%s %s: %d %v", method, path, res.StatusCode, out)
	}
	return out
}

// browser starts headless Chromium (Debian's) for the test.
func browser(t testing.TB) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the dashboard tests need Chromium: %v", err)
		}
		t.Skip("the dashboard tests drive Debian's Chromium: apt-get install chromium")
	}
	// Chromium may still be writing its profile as it exits: the folder
	// is removed without complaint.
	profile, err := os.MkdirTemp("", "pier-chromium-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-sync", true), chromedp.UserDataDir(profile),
		chromedp.WindowSize(1200, 800))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	// The protocol may name things this chromedp version does not know
	// (new Chromium): those complaints are not the test's business.
	ctx, cancelB := chromedp.NewContext(actx, chromedp.WithErrorf(func(string, ...any) {}))
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// signIn signs the browser in as the admin and waits for the overview.
func signIn(t testing.TB, ctx context.Context, base string) {
	t.Helper()
	signInAs(t, ctx, base, adminEmail, adminPassword)
}

func signInAs(t testing.TB, ctx context.Context, base, email, password string) {
	t.Helper()
	run(t, ctx, "sign in as "+email, chromedp.Navigate(base+"/dashboard/apps"), chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, email, chromedp.ByQuery), chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
		chromedp.Submit(`#password`, chromedp.ByQuery), chromedp.WaitVisible(`.signout`, chromedp.ByQuery))
}

// artifacts is where screenshots go: PIER_TEST_ARTIFACTS, else a folder
// under the system's temporary directory that outlives the test.
func artifacts(t *testing.T) string {
	dir := os.Getenv("PIER_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "pier-test-artifacts")
	}
	dir = filepath.Join(dir, "dashboard")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(artifacts(t), name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

func run(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Run(tctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// The dashboard in real Chromium against a real server: a browser asking
// for / is sent to sign in, a wrong password is refused next to the form,
// the right one shows the apps overview (empty at first, saying how to
// push one). An app another client creates, scales and deploys appears
// without a reload; a revoked session returns to sign-in and back.
func TestDashboardInChromium(t *testing.T) {
	base := startServer(t)
	ctx := browser(t)
	api := newAPIClient(t, base, "the other client")

	var text string
	run(t, ctx, "open /", chromedp.Navigate(base+"/"), chromedp.WaitVisible(`#email`, chromedp.ByQuery))
	screenshot(t, ctx, "01-sign-in")
	run(t, ctx, "wrong password",
		chromedp.SendKeys(`#email`, adminEmail, chromedp.ByQuery), chromedp.SendKeys(`#password`, "not-the-password", chromedp.ByQuery),
		chromedp.Submit(`#password`, chromedp.ByQuery), chromedp.WaitVisible(`#signin-error`, chromedp.ByQuery),
		chromedp.Text(`#signin-error`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "don't match an account") {
		t.Errorf("wrong password: %q", text)
	}
	screenshot(t, ctx, "02-sign-in-refused")
	run(t, ctx, "sign in",
		chromedp.SetValue(`#password`, adminPassword, chromedp.ByQuery), chromedp.Submit(`#password`, chromedp.ByQuery),
		chromedp.WaitVisible(`#no-apps`, chromedp.ByQuery), chromedp.Text(`main`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "No apps yet") || !strings.Contains(text, "git push pier main") {
		t.Errorf("empty overview: %q", text)
	}
	screenshot(t, ctx, "03-apps-empty")

	// Another client creates an app: the open page shows it, no reload.
	api.do("POST", "/apps", map[string]any{"name": "live-app"})
	run(t, ctx, "the new app appears", chromedp.WaitVisible(`tr[data-app="live-app"]`, chromedp.ByQuery),
		chromedp.Text(`tr[data-app="live-app"]`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "v1") || !strings.Contains(text, "http://live-app.localhost:") {
		t.Errorf("the new app's row: %q", text)
	}
	// A config change makes a release: the row follows.
	api.do("PATCH", "/apps/live-app/config-vars", map[string]any{"GREETING": "hello"})
	run(t, ctx, "the release appears", chromedp.WaitVisible(`//tr[@data-app="live-app"]/td[contains(., "v2")]`, chromedp.BySearch))
	screenshot(t, ctx, "04-apps-live")

	// Creating an app in the browser: a bad name is refused next to the
	// form; a good one opens the new app's page, saying how to push to it.
	run(t, ctx, "a bad app name", chromedp.SendKeys(`#app-name`, "Bad_Name", chromedp.ByQuery), chromedp.Click(`#create-app`, chromedp.ByQuery),
		chromedp.WaitVisible(`#create-error`, chromedp.ByQuery), chromedp.Text(`#create-error`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "Bad_Name") {
		t.Errorf("a bad app name's message: %q", text)
	}
	run(t, ctx, "create an app", chromedp.SetValue(`#app-name`, "made-here", chromedp.ByQuery), chromedp.Click(`#create-app`, chromedp.ByQuery),
		chromedp.WaitVisible(`#git-remote`, chromedp.ByQuery), chromedp.Text(`#git-remote`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "git remote add pier "+base+"/made-here.git") {
		t.Errorf("the new app's git remote: %q", text)
	}
	screenshot(t, ctx, "04b-app-created")
	api.do("DELETE", "/apps/made-here", nil)

	// The app's page: scale with +, a bad scale's message next to the
	// table, roll back after a confirmation.
	slug := api.do("POST", "/apps/live-app/slugs", map[string]any{"process_types": map[string]string{"web": "serve", "worker": "work"}, "image": "example/app:1"})
	api.do("POST", "/apps/live-app/releases", map[string]any{"slug": slug["id"]})
	run(t, ctx, "the app links to its page", chromedp.Navigate(base+"/dashboard/apps"), chromedp.WaitVisible(`tr[data-app="live-app"] th a[href="/dashboard/apps/live-app"]`, chromedp.ByQuery))
	run(t, ctx, "open the app", chromedp.Navigate(base+"/dashboard/apps/live-app"), chromedp.WaitVisible(`tr[data-type="worker"]`, chromedp.ByQuery))
	// Config vars: hidden until revealed; a bad key is refused next to
	// the form; a good one makes a release.
	run(t, ctx, "config hidden", chromedp.Text(`tr[data-key="GREETING"] td`, &text, chromedp.ByQuery))
	if strings.Contains(text, "hello") {
		t.Errorf("a config value shows before it is revealed: %q", text)
	}
	run(t, ctx, "a bad key", chromedp.SendKeys(`#new-key`, "BAD KEY", chromedp.ByQuery), chromedp.SendKeys(`#new-value`, "x", chromedp.ByQuery),
		chromedp.Click(`#add-config`, chromedp.ByQuery), chromedp.WaitVisible(`#config-error`, chromedp.ByQuery),
		chromedp.Text(`#config-error`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "BAD KEY") {
		t.Errorf("a bad key's message: %q", text)
	}
	screenshot(t, ctx, "05-config-refused")
	run(t, ctx, "a good key", chromedp.Navigate(base+"/dashboard/apps/live-app?config=shown"), chromedp.WaitVisible(`#new-key`, chromedp.ByQuery),
		chromedp.SendKeys(`#new-key`, "COLOR", chromedp.ByQuery), chromedp.SendKeys(`#new-value`, "teal", chromedp.ByQuery),
		chromedp.Click(`#add-config`, chromedp.ByQuery), chromedp.WaitVisible(`li[data-version="4"]`, chromedp.ByQuery),
		chromedp.Value(`#value-COLOR`, &text, chromedp.ByQuery))
	if text != "teal" {
		t.Errorf("COLOR revealed: %q", text)
	}
	run(t, ctx, "maintenance on", chromedp.Click(`#maintenance`, chromedp.ByQuery), chromedp.WaitVisible(`h1 .badge`, chromedp.ByQuery))
	run(t, ctx, "delete with the wrong name", chromedp.SendKeys(`#confirm-name`, "live-ap", chromedp.ByQuery),
		chromedp.Click(`#delete-app`, chromedp.ByQuery), chromedp.WaitVisible(`#settings-error`, chromedp.ByQuery),
		chromedp.Text(`#settings-error`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "Type the app's name, live-app, to delete it.") {
		t.Errorf("delete with the wrong name: %q", text)
	}
	run(t, ctx, "back to the app", chromedp.Navigate(base+"/dashboard/apps/live-app"), chromedp.WaitVisible(`tr[data-type="worker"]`, chromedp.ByQuery))
	run(t, ctx, "scale worker up", chromedp.Click(`button[aria-label="Scale worker up to 1"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[aria-label="Scale worker up to 2"]`, chromedp.ByQuery),
		chromedp.Text(`tr[data-type="worker"] .count`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "/ 1") {
		t.Errorf("worker after +: %q", text)
	}
	screenshot(t, ctx, "06-app")
	run(t, ctx, "ask to roll back", chromedp.Click(`button[aria-label="Roll back to v2"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#confirm-rollback`, chromedp.ByQuery), chromedp.Text(`#confirm-title`, &text, chromedp.ByQuery))
	if text != "Roll back to v2?" {
		t.Errorf("confirmation: %q", text)
	}
	screenshot(t, ctx, "07-rollback-confirm")
	run(t, ctx, "roll back", chromedp.Click(`#confirm-rollback`, chromedp.ByQuery),
		chromedp.WaitVisible(`li[data-version="5"].current`, chromedp.ByQuery), chromedp.Text(`li[data-version="5"]`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "Rollback to v2") {
		t.Errorf("the rollback's release: %q", text)
	}
	// Another client scales: the open app page follows, keeping what was
	// being typed in a form.
	run(t, ctx, "type without sending", chromedp.SendKeys(`#new-key`, "HALF_TYPED", chromedp.ByQuery))
	api.do("PATCH", "/apps/live-app/formation/web", map[string]any{"quantity": 3})
	run(t, ctx, "another client's scale appears", chromedp.WaitVisible(`button[aria-label="Scale web up to 4"]`, chromedp.ByQuery),
		chromedp.Value(`#new-key`, &text, chromedp.ByQuery))
	if text != "HALF_TYPED" {
		t.Errorf("what was being typed, after the page redrew: %q", text)
	}
	// Another browser, signed in as a collaborator, scales the worker:
	// the first browser's page follows.
	api.do("POST", "/users", map[string]any{"email": "ops@example.com", "password": "ops-password-1"})
	api.do("POST", "/apps/live-app/collaborators", map[string]any{"user": "ops@example.com"})
	other := browser(t)
	signInAs(t, other, base, "ops@example.com", "ops-password-1")
	run(t, other, "the other browser scales", chromedp.Navigate(base+"/dashboard/apps/live-app"),
		chromedp.Click(`button[aria-label="Scale worker up to 2"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[aria-label="Scale worker up to 3"]`, chromedp.ByQuery))
	run(t, ctx, "the other browser's change appears", chromedp.WaitVisible(`button[aria-label="Scale worker up to 3"]`, chromedp.ByQuery))
	// An app deleted under an open page: a clear message, not a 500.
	api.do("DELETE", "/apps/live-app", nil)
	run(t, ctx, "act on a deleted app", chromedp.Click(`button[aria-label="Scale web up to 4"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.error`, chromedp.ByQuery), chromedp.Text(`.error`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "Couldn't find that app") {
		t.Errorf("a deleted app: %q", text)
	}
	screenshot(t, ctx, "08-deleted-app")
	api.do("POST", "/apps", map[string]any{"name": "live-app"})
	run(t, ctx, "delete it by name", chromedp.Navigate(base+"/dashboard/apps/live-app"), chromedp.WaitVisible(`#confirm-name`, chromedp.ByQuery),
		chromedp.SendKeys(`#confirm-name`, "live-app", chromedp.ByQuery), chromedp.Click(`#delete-app`, chromedp.ByQuery),
		chromedp.WaitVisible(`#no-apps`, chromedp.ByQuery))
	api.do("POST", "/apps", map[string]any{"name": "live-app"})
	run(t, ctx, "back to the apps", chromedp.Navigate(base+"/dashboard/apps"), chromedp.WaitVisible(`tr[data-app="live-app"]`, chromedp.ByQuery))

	// The session cookie is out of scripts' reach (HttpOnly).
	var cookies string
	run(t, ctx, "read the cookies a script sees", chromedp.Evaluate(`document.cookie`, &cookies))
	if strings.Contains(cookies, "pier_session") {
		t.Errorf("a script can read the session cookie: %q", cookies)
	}

	// A revoked session goes back to sign-in, then back to the page.
	tokens := []map[string]any{}
	req, _ := http.NewRequest("GET", base+"/oauth/authorizations", nil)
	req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	req.Header.Set("Authorization", "Bearer "+api.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(res.Body).Decode(&tokens)
	res.Body.Close()
	revoked := 0
	for _, tok := range tokens {
		if tok["description"] == "Dashboard session" {
			api.do("DELETE", "/oauth/authorizations/"+tok["id"].(string), nil)
			revoked++
		}
	}
	if revoked != 1 {
		t.Fatalf("dashboard sessions found: %d in %v", revoked, tokens)
	}
	run(t, ctx, "a revoked session", chromedp.Navigate(base+"/dashboard/apps"), chromedp.WaitVisible(`#email`, chromedp.ByQuery))
	var loc string
	run(t, ctx, "where it went", chromedp.Location(&loc))
	if !strings.Contains(loc, "next=%2Fdashboard%2Fapps") {
		t.Errorf("sign-in after the session ended: %s", loc)
	}
	run(t, ctx, "sign in again", chromedp.SendKeys(`#email`, adminEmail, chromedp.ByQuery), chromedp.SendKeys(`#password`, adminPassword, chromedp.ByQuery),
		chromedp.Submit(`#password`, chromedp.ByQuery), chromedp.WaitVisible(`tr[data-app="live-app"]`, chromedp.ByQuery))
	// Account: an API token made in the browser works against the API
	// until it is revoked there.
	run(t, ctx, "a token without a description", chromedp.Navigate(base+"/dashboard/account"), chromedp.WaitVisible(`#create-token`, chromedp.ByQuery),
		chromedp.Click(`#create-token`, chromedp.ByQuery), chromedp.WaitVisible(`#token-error`, chromedp.ByQuery))
	var secret string
	run(t, ctx, "create a token", chromedp.SendKeys(`#token-description`, "CI deploys", chromedp.ByQuery),
		chromedp.Click(`#create-token`, chromedp.ByQuery), chromedp.WaitVisible(`#new-token`, chromedp.ByQuery),
		chromedp.Text(`#new-token`, &secret, chromedp.ByQuery))
	screenshot(t, ctx, "09-account-token")
	status := func() int {
		req, _ := http.NewRequest("GET", base+"/account", nil)
		req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(secret))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if c := status(); c != http.StatusOK {
		t.Errorf("the new token against the API: %d", c)
	}
	run(t, ctx, "revoke it", chromedp.Navigate(base+"/dashboard/account"), chromedp.WaitVisible(`button[aria-label="Revoke CI deploys"]`, chromedp.ByQuery),
		chromedp.Click(`button[aria-label="Revoke CI deploys"]`, chromedp.ByQuery), chromedp.WaitNotPresent(`button[aria-label="Revoke CI deploys"]`, chromedp.ByQuery))
	for deadline := time.Now().Add(5 * time.Second); status() != http.StatusUnauthorized; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the revoked token still works against the API")
		}
	}
	run(t, ctx, "sign out", chromedp.Click(`.signout button`, chromedp.ByQuery), chromedp.WaitVisible(`#email`, chromedp.ByQuery))
}

// BenchmarkLiveUpdate measures the delay from a change made through the
// API (a config var, which makes a release) to its appearance in an open
// overview page in Chromium (goal: under 500 ms). ns/op is one change.
//
//	go test -run - -bench LiveUpdate -benchtime 20x ./web/
func BenchmarkLiveUpdate(b *testing.B) {
	base := startServer(b)
	ctx := browser(b)
	api := newAPIClient(b, base, "bench")
	api.do("POST", "/apps", map[string]any{"name": "bench-app"})
	run(b, ctx, "sign in", chromedp.Navigate(base+"/dashboard/apps"), chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, adminEmail, chromedp.ByQuery), chromedp.SendKeys(`#password`, adminPassword, chromedp.ByQuery),
		chromedp.Submit(`#password`, chromedp.ByQuery), chromedp.WaitVisible(`tr[data-app="bench-app"]`, chromedp.ByQuery),
		chromedp.Sleep(300*time.Millisecond)) // the event stream connects
	b.ResetTimer()
	for i := range b.N {
		api.do("PATCH", "/apps/bench-app/config-vars", map[string]any{"N": fmt.Sprint(i)})
		run(b, ctx, "the release appears", chromedp.WaitVisible(fmt.Sprintf(`//tr[@data-app="bench-app"]/td[normalize-space(.)="v%d"]`, i+2), chromedp.BySearch))
	}
}
