package cli

import (
	"strings"
	"testing"
)

func testPs(t *testing.T, e *env) {
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	u.ok("apps:create", "ps-app")
	want(t, "ps before a deploy", u.ok("ps", "-a", "ps-app"), "⬢ ps-app has no process types yet: they come with its first deploy.\n")

	token := strings.TrimSpace(u.ok("auth:token"))
	var slug struct {
		ID string `json:"id"`
	}
	e.api(token, "POST", "/apps/ps-app/slugs", map[string]any{"process_types": map[string]string{"web": "./web", "worker": "./worker"}}, &slug)
	e.api(token, "POST", "/apps/ps-app/releases", map[string]any{"slug": slug.ID}, nil)

	out := u.ok("ps", "-a", "ps-app")
	contains(t, "ps", out, "=== ⬢ ps-app Formation\n\nType    Quantity  Size         Command\n")
	rows := tableRows(t, out)
	if len(rows) != 2 || !hasRow(rows, "web", "1", "Standard-1X", "./web") || !hasRow(rows, "worker", "0", "Standard-1X", "./worker") {
		t.Errorf("ps rows: %q", rows)
	}

	want(t, "ps:scale", u.ok("ps:scale", "web=2", "-a", "ps-app"), "Scaling dynos... done, now running web at 2:Standard-1X\n")
	want(t, "ps:scale relative and size", u.ok("ps:scale", "worker+2", "web=1:Standard-2X", "-a", "ps-app"),
		"Scaling dynos... done, now running worker at 2:Standard-1X, web at 1:Standard-2X\n")
	want(t, "ps:scale down", u.ok("ps:scale", "-a", "ps-app", "worker-1"), "Scaling dynos... done, now running worker at 1:Standard-1X\n")
	want(t, "ps:scale size only", u.ok("ps:scale", "-a", "ps-app", "worker:standard-2x"), "Scaling dynos... done, now running worker at 1:Standard-2X\n")
	want(t, "ps:scale alone", u.ok("ps:scale", "-a", "ps-app"), "web=1:Standard-2X worker=1:Standard-2X\n")
	rows = tableRows(t, u.ok("ps", "-a", "ps-app"))
	if !hasRow(rows, "web", "1", "Standard-2X") || !hasRow(rows, "worker", "1", "Standard-2X") {
		t.Errorf("ps after scaling: %q", rows)
	}

	want(t, "unknown type", u.fails("ps:scale", "bogus=1", "-a", "ps-app"), "Couldn't find that process type (bogus).")
	contains(t, "unreadable", u.fails("ps:scale", "web", "-a", "ps-app"), `Can't read "web"`, "usage: pier ps:scale")
	contains(t, "unknown size", u.fails("ps:scale", "web=1:Huge", "-a", "ps-app"), `Unknown dyno size "Huge"`)
	contains(t, "too many", u.fails("ps:scale", "web=5000", "-a", "ps-app"), "must be between 0 and 1000")
}

func testDomains(t *testing.T, e *env) {
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	u.ok("apps:create", "dom-app")
	want(t, "domains", u.ok("domains", "-a", "dom-app"), "=== dom-app Heroku Domain\n\ndom-app.localhost\n\n")
	want(t, "domains:add", u.ok("domains:add", "www.example.com", "-a", "dom-app"),
		"Adding www.example.com to ⬢ dom-app... done\nConfigure your DNS provider to point www.example.com at dom-app.localhost with a CNAME record.\n")
	out := u.ok("domains", "-a", "dom-app")
	contains(t, "domains with a custom one", out, "=== dom-app Heroku Domain\n\ndom-app.localhost\n\n=== dom-app Custom Domains\n\nDomain Name      DNS Record Type  DNS Target\n")
	if rows := tableRows(t, out); len(rows) != 1 || !hasRow(rows, "www.example.com", "CNAME", "dom-app.localhost") {
		t.Errorf("custom domains: %q", rows)
	}
	contains(t, "domain taken", u.fails("domains:add", "www.example.com", "-a", "dom-app"), "already in use")
	contains(t, "bad hostname", u.fails("domains:add", "not a host", "-a", "dom-app"), "Invalid hostname")
	want(t, "domains:remove", u.ok("domains:remove", "www.example.com", "-a", "dom-app"), "Removing www.example.com from ⬢ dom-app... done\n")
	want(t, "domains after remove", u.ok("domains", "-a", "dom-app"), "=== dom-app Heroku Domain\n\ndom-app.localhost\n\n")
	contains(t, "built-in domain", u.fails("domains:remove", "dom-app.localhost", "-a", "dom-app"), "built-in domain and can't be removed")
	want(t, "unknown domain", u.fails("domains:remove", "nope.example.com", "-a", "dom-app"), "Couldn't find that domain.")
}
