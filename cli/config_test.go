package cli

import (
	"strings"
	"testing"
)

func testConfig(t *testing.T, e *env) {
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	u.ok("apps:create", "cfg-app")

	want(t, "empty config", u.ok("config", "-a", "cfg-app"), "⬢ cfg-app has no config vars.\n")
	// Flags after the arguments work, as with the heroku CLI.
	want(t, "config:set", u.ok("config:set", "GREETING=hello", "MOTTO=two words", "DB_POOL=5", "-a", "cfg-app"),
		"Setting GREETING, MOTTO, DB_POOL and restarting ⬢ cfg-app... done, v2\nGREETING: hello\nMOTTO:    two words\nDB_POOL:  5\n")
	want(t, "config", u.ok("config", "-a", "cfg-app"),
		"=== cfg-app Config Vars\n\nDB_POOL:  5\nGREETING: hello\nMOTTO:    two words\n")
	want(t, "config --shell", u.ok("config", "--shell", "-a", "cfg-app"), "DB_POOL=5\nGREETING=hello\nMOTTO='two words'\n")
	want(t, "config:get", u.ok("config:get", "MOTTO", "-a", "cfg-app"), "two words\n")
	want(t, "config:get --shell", u.ok("config:get", "-a", "cfg-app", "--shell", "MOTTO"), "MOTTO='two words'\n")
	want(t, "config:get missing", u.ok("config:get", "-a", "cfg-app", "NOPE"), "\n")

	want(t, "config:unset", u.ok("config:unset", "-a", "cfg-app", "DB_POOL", "MOTTO"),
		"Unsetting DB_POOL, MOTTO and restarting ⬢ cfg-app... done, v3\n")
	want(t, "config after unset", u.ok("config", "-a", "cfg-app"), "=== cfg-app Config Vars\n\nGREETING: hello\n")

	// A value may hold "=" and be empty.
	want(t, "config:set with =", u.ok("config:set", "-a", "cfg-app", "URL=a=b", "EMPTY="),
		"Setting URL, EMPTY and restarting ⬢ cfg-app... done, v4\nURL:   a=b\nEMPTY:\n")
	// Setting the same values again changes nothing and makes no release.
	contains(t, "config:set unchanged", u.ok("config:set", "-a", "cfg-app", "URL=a=b"), "done, v4\n")

	want(t, "config:set without =", u.fails("config:set", "-a", "cfg-app", "NOEQUALS"), "NOEQUALS is invalid. Must be in the format FOO=bar.")
	contains(t, "bad key", u.fails("config:set", "-a", "cfg-app", "1BAD=x"), `Invalid config var name "1BAD"`)
	contains(t, "config:set nothing", u.fails("config:set", "-a", "cfg-app"), "give at least one KEY=VALUE")
}

func testReleases(t *testing.T, e *env) {
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	u.ok("apps:create", "rel-app")
	contains(t, "v2", u.ok("config:set", "A=1", "-a", "rel-app"), "done, v2\n")
	contains(t, "v3", u.ok("config:set", "A=2", "B=x", "-a", "rel-app"), "done, v3\n")

	out := u.ok("releases", "-a", "rel-app")
	if !strings.HasPrefix(out, "=== rel-app Releases - Current: v3\n\n") {
		t.Errorf("releases heading: %q", out)
	}
	rows := tableRows(t, out)
	if len(rows) != 3 || !hasRow(rows, "*", "v3", "Set", "A,", "B", "config", "vars", "admin@example.com") ||
		!hasRow(rows, "v2", "Set", "A", "config", "vars", "admin@example.com") ||
		!hasRow(rows, "v1", "Initial", "release", "admin@example.com") {
		t.Errorf("releases rows: %q", rows)
	}
	if rows := tableRows(t, u.ok("releases", "-a", "rel-app", "-n", "2")); len(rows) != 2 || rows[0][1] != "v3" || rows[1][0] != "v2" {
		t.Errorf("releases -n 2: %q", rows)
	}

	info := u.ok("releases:info", "v2", "-a", "rel-app")
	if !strings.HasPrefix(info, "=== Release v2\n\n") {
		t.Errorf("releases:info heading: %q", info)
	}
	contains(t, "releases:info v2", info, "By:      admin@example.com\nChange:  Set A config vars\nCurrent: false\nStatus:  succeeded\n",
		"=== v2 Config vars\n\nA: 1\n")
	contains(t, "releases:info without v", u.ok("releases:info", "3", "-a", "rel-app"), "=== Release v3\n", "Current: true", "A: 2\nB: x\n")
	contains(t, "releases:info newest", u.ok("releases:info", "-a", "rel-app"), "=== Release v3\n")

	// Without an argument: the release before the current one.
	want(t, "rollback", u.ok("releases:rollback", "-a", "rel-app"),
		"Rolling back ⬢ rel-app to v2... done, v4\nTo undo, run: pier releases:rollback v3 -a rel-app\n")
	want(t, "config after rollback", u.ok("config", "-a", "rel-app", "--shell"), "A=1\n")
	contains(t, "rollback release", u.ok("releases:info", "v4", "-a", "rel-app"), "Change:  Rollback to v2\n", "Current: true")

	want(t, "rollback v1", u.ok("releases:rollback", "v1", "-a", "rel-app"),
		"Rolling back ⬢ rel-app to v1... done, v5\nTo undo, run: pier releases:rollback v4 -a rel-app\n")
	want(t, "config after rollback to v1", u.ok("config", "-a", "rel-app"), "⬢ rel-app has no config vars.\n")
	rows = tableRows(t, u.ok("releases", "-a", "rel-app"))
	if !hasRow(rows, "*", "v5", "Rollback", "to", "v1") || !hasRow(rows, "v4", "Rollback", "to", "v2") {
		t.Errorf("releases after rollbacks: %q", rows)
	}
	// Rolling back again without an argument undoes the last rollback.
	contains(t, "rollback again", u.ok("rollback", "-a", "rel-app"), "Rolling back ⬢ rel-app to v4... done, v6\n")
	want(t, "config after undo", u.ok("config", "-a", "rel-app", "--shell"), "A=1\n")

	want(t, "rollback to nothing", u.fails("releases:rollback", "v99", "-a", "rel-app"), "Couldn't find that release.")
	u.ok("apps:create", "fresh-app")
	contains(t, "rollback with one release", u.fails("releases:rollback", "-a", "fresh-app"), "no earlier release to roll back to")
}
