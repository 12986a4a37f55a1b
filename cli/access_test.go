package cli

import (
	"regexp"
	"strings"
	"testing"
)

func testUsersAndAccess(t *testing.T, e *env) {
	e.startServer()
	admin := e.login("admin@example.com", adminPassword)

	out := admin.ok("users:add", "ann@example.com")
	m := regexp.MustCompile(`^Adding user ann@example\.com\.\.\. done\nPassword for ann@example\.com: (\S{8,})\nIt is not shown again`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("users:add output: %q", out)
	}
	annPassword := m[1]
	want(t, "users:add --password", admin.ok("users:add", "bob@example.com", "--password", "bob-password"), "Adding user bob@example.com... done\n")
	want(t, "users:add --admin", admin.ok("users:add", "--admin", "cat@example.com", "-p", "cat-password"), "Adding admin cat@example.com... done\n")
	want(t, "users:add twice", admin.fails("users:add", "ann@example.com"), "A user with email ann@example.com already exists.")
	rows := tableRows(t, admin.ok("users"))
	if len(rows) != 4 || !hasRow(rows, "admin@example.com", "admin") || !hasRow(rows, "ann@example.com", "user") ||
		!hasRow(rows, "bob@example.com", "user") || !hasRow(rows, "cat@example.com", "admin") {
		t.Errorf("users: %q", rows)
	}

	admin.ok("apps:create", "shared-app")
	want(t, "access:add", admin.ok("access:add", "ann@example.com", "-a", "shared-app"), "Adding ann@example.com access to the app shared-app... done\n")
	contains(t, "access:add unknown", admin.fails("access:add", "nobody@example.com", "-a", "shared-app"), "There is no user nobody@example.com")
	out = admin.ok("access", "-a", "shared-app")
	contains(t, "access", out, "=== shared-app Access List\n\nEmail              Role\n")
	if rows := tableRows(t, out); len(rows) != 2 || !hasRow(rows, "admin@example.com", "owner") || !hasRow(rows, "ann@example.com", "collaborator") {
		t.Errorf("access rows: %q", rows)
	}

	// Ann, a collaborator, sees the app and works on it, but can't destroy it.
	ann := e.login("ann@example.com", annPassword)
	if rows := tableRows(t, ann.ok("apps")); len(rows) != 1 || rows[0][0] != "shared-app" {
		t.Errorf("ann's apps: %q", rows)
	}
	contains(t, "ann sets config", ann.ok("config:set", "BY=ann", "-a", "shared-app"), "restarting ⬢ shared-app... done, v2\n")
	want(t, "ann destroys", ann.fails("apps:destroy", "shared-app", "--confirm", "shared-app"), "Only the owner of shared-app (admin@example.com) can do that.")
	want(t, "ann lists users", ann.fails("users"), "Only admins can do that.")

	// Bob has no access.
	bob := e.login("bob@example.com", "bob-password")
	want(t, "bob's apps", bob.ok("apps"), "You have no apps.\n")
	want(t, "bob's access", bob.fails("apps:info", "-a", "shared-app"), "You do not have access to the app shared-app.")
	want(t, "bob's config", bob.fails("config", "-a", "shared-app"), "You do not have access to the app shared-app.")
	want(t, "bob adds users", bob.fails("users:add", "eve@example.com"), "Only admins can do that.")

	want(t, "access:remove", admin.ok("access:remove", "ann@example.com", "-a", "shared-app"), "Removing ann@example.com access from the app shared-app... done\n")
	want(t, "ann after removal", ann.fails("apps:info", "-a", "shared-app"), "You do not have access to the app shared-app.")
	want(t, "ann's apps after removal", ann.ok("apps"), "You have no apps.\n")
}

func testAudit(t *testing.T, e *env) {
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	u.ok("apps:create", "audit-app")
	u.ok("config:set", "SECRET=hunter2", "-a", "audit-app")
	u.fails("apps:create", "audit-app")

	out := u.ok("audit")
	contains(t, "audit header", out, "Time", "Actor", "IP", "Action", "App", "Status", "Outcome", "Message")
	lacks(t, "audit never shows config values", out, "hunter2")
	rows := tableRows(t, out)
	var created, configured, failed bool
	for _, r := range rows {
		line := strings.Join(r, " ")
		created = created || strings.Contains(line, "admin@example.com 127.0.0.1 POST /apps audit-app 201 success created")
		configured = configured || strings.Contains(line, "PATCH /apps/:app/config-vars audit-app 200 success config vars changed: SECRET")
		failed = failed || strings.Contains(line, "admin@example.com 127.0.0.1 POST /apps audit-app 422 failure Name audit-app is already taken.")
	}
	if !created || !configured || !failed {
		t.Errorf("audit lacks entries (created %v, configured %v, failed %v):\n%s", created, configured, failed, out)
	}
	rows = tableRows(t, u.ok("audit", "--app", "audit-app", "-n", "1"))
	if len(rows) != 1 || !strings.Contains(strings.Join(rows[0], " "), "POST /apps audit-app 422 failure") {
		t.Errorf("audit --app -n 1: %q", rows)
	}
	rows = tableRows(t, u.ok("audit", "-a", "audit-app"))
	if len(rows) != 3 {
		t.Errorf("audit -a: want the create, the config change and the failed create, got %q", rows)
	}
	want(t, "audit -n 0", u.fails("audit", "-n", "0"), "--num must be from 1 to 1000")
}
