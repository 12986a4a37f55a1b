package web_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An app's domains and collaborators, and the admin pages, in Chromium:
// a domain added and removed, a bad hostname and an unknown user refused
// next to their forms, a user added by an admin (password shown once)
// then made a collaborator, the local engine drained and back, and every
// one of those changes in the audit trail. A user who is not an admin
// gets a 403 from the admin pages.
func TestTeamPagesInChromium(t *testing.T) {
	base := startServer(t)
	ctx := browser(t)
	api := newAPIClient(t, base, "the other client")
	signIn(t, ctx, base)
	api.do("POST", "/apps", map[string]any{"name": "team-app"})

	var text string
	run(t, ctx, "open the app", chromedp.Navigate(base+"/dashboard/apps/team-app"), chromedp.WaitVisible(`#new-domain`, chromedp.ByQuery),
		chromedp.Text(`#domains ~ ul`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "team-app.localhost") || !strings.Contains(text, "built in") {
		t.Errorf("the built-in domain: %q", text)
	}
	run(t, ctx, "a bad hostname", chromedp.SendKeys(`#new-domain`, "not a host", chromedp.ByQuery), chromedp.Click(`#add-domain`, chromedp.ByQuery),
		chromedp.WaitVisible(`#domains-error`, chromedp.ByQuery), chromedp.Text(`#domains-error`, &text, chromedp.ByQuery))
	if text == "" || !strings.Contains(text, "not a host") {
		t.Errorf("a bad hostname's message: %q", text)
	}
	run(t, ctx, "a custom domain", chromedp.SetValue(`#new-domain`, "www.example.org", chromedp.ByQuery), chromedp.Click(`#add-domain`, chromedp.ByQuery),
		chromedp.WaitVisible(`li[data-domain="www.example.org"]`, chromedp.ByQuery))
	run(t, ctx, "an unknown collaborator", chromedp.SendKeys(`#new-collaborator`, "dev@example.com", chromedp.ByQuery),
		chromedp.Click(`#add-collaborator`, chromedp.ByQuery), chromedp.WaitVisible(`#access-error`, chromedp.ByQuery),
		chromedp.Text(`#access-error`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "There is no user dev@example.com") {
		t.Errorf("an unknown user's message: %q", text)
	}
	screenshot(t, ctx, "12-domains-access")

	// An admin adds the user; the password is shown once.
	var password string
	run(t, ctx, "add a user", chromedp.Navigate(base+"/dashboard/admin/users"), chromedp.WaitVisible(`#user-email`, chromedp.ByQuery),
		chromedp.SendKeys(`#user-email`, "dev@example.com", chromedp.ByQuery), chromedp.Click(`#add-user`, chromedp.ByQuery),
		chromedp.WaitVisible(`#new-password`, chromedp.ByQuery), chromedp.Text(`#new-password`, &password, chromedp.ByQuery),
		chromedp.WaitVisible(`tr[data-user="dev@example.com"]`, chromedp.ByQuery))
	if len(password) < 20 {
		t.Errorf("generated password %q", password)
	}
	screenshot(t, ctx, "13-users")
	run(t, ctx, "a collaborator", chromedp.Navigate(base+"/dashboard/apps/team-app"), chromedp.WaitVisible(`#new-collaborator`, chromedp.ByQuery),
		chromedp.SendKeys(`#new-collaborator`, "dev@example.com", chromedp.ByQuery), chromedp.Click(`#add-collaborator`, chromedp.ByQuery),
		chromedp.WaitVisible(`li[data-collaborator="dev@example.com"]`, chromedp.ByQuery),
		chromedp.Click(`button[aria-label="Remove www.example.org"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`li[data-domain="www.example.org"]`, chromedp.ByQuery))

	// The collaborator sees the app but not the admin pages.
	jar, _ := cookiejar.New(nil)
	dev := &http.Client{Jar: jar}
	res, err := dev.PostForm(base+"/dashboard/sign-in", url.Values{"email": {"dev@example.com"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for path, want := range map[string]int{"/dashboard/apps/team-app": 200, "/dashboard/admin/hosts": 403, "/dashboard/admin/audit": 403} {
		res, err := dev.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("the collaborator's %s: %d, want %d", path, res.StatusCode, want)
		}
	}

	// The host pool: the local engine, drained and back.
	run(t, ctx, "the hosts", chromedp.Navigate(base+"/dashboard/admin/hosts"), chromedp.WaitVisible(`h1`, chromedp.ByQuery),
		chromedp.Text(`main`, &text, chromedp.ByQuery))
	if strings.Contains(text, "No Docker engines") {
		t.Log("no Docker engine: the drain switch is not exercised")
	} else {
		run(t, ctx, "drain", chromedp.Click(`button[aria-label^="Drain "]`, chromedp.ByQuery),
			chromedp.WaitVisible(`button[aria-label^="Put "]`, chromedp.ByQuery), chromedp.Text(`table.hosts tbody`, &text, chromedp.ByQuery))
		if !strings.Contains(text, "draining") || !strings.Contains(text, "healthy") || !strings.Contains(text, "CPUs") {
			t.Errorf("a drained host: %q", text)
		}
		screenshot(t, ctx, "14-hosts")
		run(t, ctx, "undrain", chromedp.Click(`button[aria-label^="Put "]`, chromedp.ByQuery),
			chromedp.WaitVisible(`button[aria-label^="Drain "]`, chromedp.ByQuery))
	}

	// The audit trail has the dashboard's changes, refused ones too.
	run(t, ctx, "the audit trail", chromedp.Navigate(base+"/dashboard/admin/audit?app=team-app"), chromedp.WaitVisible(`table.audit`, chromedp.ByQuery),
		chromedp.Text(`table.audit`, &text, chromedp.ByQuery))
	for _, want := range []string{"POST /dashboard/apps/{app}/domains", "added domain www.example.org", "removed domain www.example.org",
		"added collaborator dev@example.com", "There is no user dev@example.com", "admin@example.com", "POST /apps"} {
		if !strings.Contains(text, want) {
			t.Errorf("the audit trail lacks %q: %q", want, text)
		}
	}
	screenshot(t, ctx, "15-audit")
	run(t, ctx, "the whole trail", chromedp.Navigate(base+"/dashboard/admin/audit"), chromedp.WaitVisible(`table.audit`, chromedp.ByQuery),
		chromedp.Text(`table.audit`, &text, chromedp.ByQuery))
	for _, want := range []string{"added user dev@example.com", "signed in to the dashboard"} {
		if !strings.Contains(text, want) {
			t.Errorf("the audit trail lacks %q: %q", want, text)
		}
	}

	// On a phone-sized screen every page fits its width: nothing scrolls
	// sideways.
	run(t, ctx, "a phone's screen", chromedp.EmulateViewport(390, 844))
	for i, path := range []string{"/dashboard/apps", "/dashboard/apps/team-app", "/dashboard/apps/team-app/logs", "/dashboard/account",
		"/dashboard/admin/hosts", "/dashboard/admin/users", "/dashboard/admin/audit"} {
		var fits bool
		run(t, ctx, "open "+path+" on a phone", chromedp.Navigate(base+path), chromedp.WaitVisible(`h1`, chromedp.ByQuery),
			chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fits))
		if !fits {
			var width int
			chromedp.Run(ctx, chromedp.Evaluate(`document.documentElement.scrollWidth`, &width))
			t.Errorf("%s is %d px wide on a 390 px screen", path, width)
		}
		screenshot(t, ctx, fmt.Sprintf("20-phone-%d%s", i, strings.ReplaceAll(path, "/", "-")))
	}
}
