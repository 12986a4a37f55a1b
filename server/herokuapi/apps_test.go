package herokuapi_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func TestAppLifecycle(t *testing.T) {
	e := newEnv(t)
	app := e.createApp(e.admin, "hello")
	if app["name"] != "hello" || app["web_url"] != "http://hello.localhost:8080/" ||
		!strings.HasSuffix(app["git_url"].(string), "/hello.git") || app["maintenance"] != false {
		t.Fatalf("app: %v", app)
	}
	if gen := app["generation"].(map[string]any); gen["name"] != "cedar" {
		t.Fatalf("generation: %v", gen)
	}
	// Creating an app makes release v1, "Initial release", with no slug.
	var rels []map[string]any
	e.must(200, e.admin, "GET", "/apps/hello/releases", nil).JSON(t, &rels)
	if len(rels) != 1 || rels[0]["version"] != 1.0 || rels[0]["description"] != "Initial release" ||
		rels[0]["slug"] != nil || rels[0]["current"] != true || rels[0]["status"] != "succeeded" {
		t.Fatalf("releases: %v", rels)
	}
	// By id or name.
	byID := e.must(200, e.admin, "GET", "/apps/"+app["id"].(string), nil).Map(t)
	if byID["name"] != "hello" {
		t.Fatal(byID)
	}
	// A generated name follows Heroku's rule.
	gen := e.must(201, e.admin, "POST", "/apps", nil).Map(t)
	if !regexp.MustCompile(`^[a-z][a-z0-9-]{1,28}[a-z0-9]$`).MatchString(gen["name"].(string)) {
		t.Fatalf("generated name %v", gen["name"])
	}
	// Rename, maintenance, delete.
	r := e.must(200, e.admin, "PATCH", "/apps/hello", map[string]any{"name": "hello-2", "maintenance": true}).Map(t)
	if r["name"] != "hello-2" || r["maintenance"] != true {
		t.Fatal(r)
	}
	e.mustError(404, "not_found", e.admin, "GET", "/apps/hello", nil)
	d := e.must(200, e.admin, "DELETE", "/apps/hello-2", nil).Map(t)
	if d["name"] != "hello-2" {
		t.Fatal(d)
	}
	e.mustError(404, "not_found", e.admin, "GET", "/apps/hello-2", nil)
}

func TestAppBadInput(t *testing.T) {
	e := newEnv(t)
	e.createApp(e.admin, "taken")
	for _, name := range []string{"A", "Bad_Name", "-x", "x", "1abc", strings.Repeat("a", 31), "trailing-"} {
		msg := e.mustError(422, "invalid_params", e.admin, "POST", "/apps", map[string]any{"name": name})
		if !strings.Contains(msg, "Name must start with a letter") {
			t.Fatalf("%q: %s", name, msg)
		}
	}
	if msg := e.mustError(422, "invalid_params", e.admin, "POST", "/apps", map[string]any{"name": "taken"}); !strings.Contains(msg, "already taken") {
		t.Fatal(msg)
	}
	e.mustError(422, "invalid_params", e.admin, "POST", "/apps", `{"name": 5}`)
	e.mustError(400, "bad_request", e.admin, "POST", "/apps", `{"name": "x"`)
	e.mustError(400, "bad_request", e.admin, "POST", "/apps", `{"name": "abc"} trailing`)
	e.mustError(422, "invalid_params", e.admin, "POST", "/apps", `[1,2]`)
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/taken", `{"maintenance": "yes"}`)
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/taken", `{"name": "NOPE"}`)
	e.mustError(404, "not_found", e.admin, "GET", "/apps/does-not-exist", nil)
	e.mustError(404, "not_found", e.admin, "GET", "/apps/00000000-0000-0000-0000-000000000000", nil)
	e.mustError(404, "not_found", e.admin, "GET", "/no/such/endpoint", nil)
	e.mustError(404, "not_found", e.admin, "PUT", "/apps", nil)
	// Nothing half-written: exactly the one app exists.
	var apps []map[string]any
	e.must(200, e.admin, "GET", "/apps", nil).JSON(t, &apps)
	if len(apps) != 1 {
		t.Fatalf("%d apps after bad input", len(apps))
	}
}

func TestConfigVars(t *testing.T) {
	e := newEnv(t)
	e.createApp(e.admin, "cfg")
	got := e.must(200, e.admin, "PATCH", "/apps/cfg/config-vars", map[string]any{"FOO": "bar", "BAZ": "qux"}).Map(t)
	if got["FOO"] != "bar" || got["BAZ"] != "qux" || len(got) != 2 {
		t.Fatal(got)
	}
	got = e.must(200, e.admin, "PATCH", "/apps/cfg/config-vars", map[string]any{"FOO": nil}).Map(t)
	if _, ok := got["FOO"]; ok || got["BAZ"] != "qux" {
		t.Fatal(got)
	}
	if m := e.must(200, e.admin, "GET", "/apps/cfg/config-vars", nil).Map(t); len(m) != 1 || m["BAZ"] != "qux" {
		t.Fatal(m)
	}
	var rels []map[string]any
	e.must(200, e.admin, "GET", "/apps/cfg/releases", nil).JSON(t, &rels)
	if len(rels) != 3 || rels[1]["description"] != "Set BAZ, FOO config vars" || rels[2]["description"] != "Remove FOO config vars" {
		t.Fatalf("%v", rels)
	}
	// Per release, by version, vN or id.
	for _, ident := range []string{"2", "v2", rels[1]["id"].(string)} {
		if m := e.must(200, e.admin, "GET", "/apps/cfg/releases/"+ident+"/config-vars", nil).Map(t); m["FOO"] != "bar" {
			t.Fatal(ident, m)
		}
	}
	// Setting what is already set makes no release.
	e.must(200, e.admin, "PATCH", "/apps/cfg/config-vars", map[string]any{"BAZ": "qux"})
	e.must(200, e.admin, "GET", "/apps/cfg/releases", nil).JSON(t, &rels)
	if len(rels) != 3 {
		t.Fatalf("%d releases after a no-op change", len(rels))
	}
	// Bad input changes nothing.
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/cfg/config-vars", map[string]any{"1BAD": "x"})
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/cfg/config-vars", map[string]any{"A": 5})
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/cfg/config-vars", map[string]any{"A": []int{1}})
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/cfg/config-vars", `"just a string"`)
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/cfg/config-vars", `{}`)
	e.mustError(400, "bad_request", e.admin, "PATCH", "/apps/cfg/config-vars", `{"A": "b",}`)
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/cfg/config-vars", map[string]any{"BIG": strings.Repeat("x", 40000)})
	e.mustError(413, "request_entity_too_large", e.admin, "PATCH", "/apps/cfg/config-vars", map[string]any{"HUGE": strings.Repeat("x", 2<<20)})
	e.mustError(404, "not_found", e.admin, "GET", "/apps/cfg/releases/99/config-vars", nil)
	e.must(200, e.admin, "GET", "/apps/cfg/releases", nil).JSON(t, &rels)
	if len(rels) != 3 {
		t.Fatalf("%d releases after bad input", len(rels))
	}
}

// The concurrency figure, through the HTTP API: 50 concurrent
// config:set calls with distinct keys all succeed, with 50 new consecutive
// releases and every key present.
func TestConcurrentConfigSetOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.createApp(e.admin, "race")
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := e.do(e.admin, "PATCH", "/apps/race/config-vars", map[string]any{fmt.Sprintf("K%02d", i): "v"})
			if r.StatusCode != 200 {
				t.Errorf("set K%02d: %d %s", i, r.StatusCode, r.body)
			}
		}(i)
	}
	wg.Wait()
	vars := e.must(200, e.admin, "GET", "/apps/race/config-vars", nil).Map(t)
	if len(vars) != 50 {
		t.Fatalf("%d keys, want 50", len(vars))
	}
	var rels []map[string]any
	e.must(200, e.admin, "GET", "/apps/race/releases", nil, "Range: version ..; max=1000").JSON(t, &rels)
	if len(rels) != 51 {
		t.Fatalf("%d releases, want 51", len(rels))
	}
	for i, r := range rels {
		if int(r["version"].(float64)) != i+1 {
			t.Fatalf("release %d has version %v", i, r["version"])
		}
	}
}
