package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func testJSON(t *testing.T, e *env) {
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	decode := func(what, out string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Errorf("%s --json: %v\n%s", what, err, out)
		}
	}
	var app map[string]any
	decode("apps:create", u.ok("apps:create", "json-app", "--json"), &app)
	if app["name"] != "json-app" || app["git_url"] != e.url+"/json-app.git" {
		t.Errorf("apps:create --json: %v", app)
	}
	u.ok("config:set", "K=v", "-a", "json-app")

	var apps []map[string]any
	decode("apps", u.ok("apps", "--json"), &apps)
	if len(apps) != 1 || apps[0]["name"] != "json-app" {
		t.Errorf("apps --json: %v", apps)
	}
	out := u.ok("apps:info", "-a", "json-app", "--json")
	if !strings.HasPrefix(out, "{\n  \"id\": ") {
		t.Errorf("apps:info --json is not pretty-printed: %q", out)
	}
	decode("apps:info", out, &app)
	if app["name"] != "json-app" {
		t.Errorf("apps:info --json: %v", app)
	}
	var vars map[string]string
	decode("config", u.ok("config", "-a", "json-app", "--json"), &vars)
	if len(vars) != 1 || vars["K"] != "v" {
		t.Errorf("config --json: %v", vars)
	}
	var releases []struct {
		Version     int    `json:"version"`
		Description string `json:"description"`
	}
	decode("releases", u.ok("releases", "-a", "json-app", "--json"), &releases)
	if len(releases) != 2 || releases[0].Version != 2 || releases[1].Description != "Initial release" {
		t.Errorf("releases --json: %+v", releases)
	}
	var release map[string]any
	decode("releases:info", u.ok("releases:info", "v1", "-a", "json-app", "--json"), &release)
	if release["version"] != 1.0 {
		t.Errorf("releases:info --json: %v", release)
	}
	var list []map[string]any
	decode("ps", u.ok("ps", "-a", "json-app", "--json"), &list)
	if len(list) != 0 {
		t.Errorf("ps --json: %v", list)
	}
	decode("domains", u.ok("domains", "-a", "json-app", "--json"), &list)
	if len(list) != 1 || list[0]["hostname"] != "json-app.localhost" {
		t.Errorf("domains --json: %v", list)
	}
	decode("access", u.ok("access", "-a", "json-app", "--json"), &list)
	if len(list) != 1 || list[0]["role"] != "owner" {
		t.Errorf("access --json: %v", list)
	}
	decode("users", u.ok("users", "--json"), &list)
	if len(list) != 1 || list[0]["email"] != "admin@example.com" {
		t.Errorf("users --json: %v", list)
	}
	decode("audit", u.ok("audit", "--json", "-n", "2"), &list)
	if len(list) != 2 || list[0]["action"] != "PATCH /apps/:app/config-vars" {
		t.Errorf("audit --json: %v", list)
	}
	var account map[string]any
	decode("auth:whoami", u.ok("auth:whoami", "--json"), &account)
	if account["email"] != "admin@example.com" {
		t.Errorf("auth:whoami --json: %v", account)
	}
	var user map[string]any
	decode("users:add", u.ok("users:add", "dan@example.com", "--json"), &user)
	if user["email"] != "dan@example.com" || user["password"] == "" {
		t.Errorf("users:add --json: %v", user)
	}
}
