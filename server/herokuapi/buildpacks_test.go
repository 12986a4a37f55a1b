package herokuapi_test

import (
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/herokuapi"
)

// Buildpack installations are set whole, in order, read back, cleared,
// and refused when they can't name a buildpack; the build cache is
// purged.
func TestBuildpackInstallations(t *testing.T) {
	e := newEnv(t)
	e.createApp(e.admin, "shop")
	if got := e.must(200, e.admin, "GET", "/apps/shop/buildpack-installations", nil).body; strings.TrimSpace(string(got)) != "[]" {
		t.Errorf("a new app's buildpacks: %s", got)
	}
	set := map[string]any{"updates": []map[string]any{{"buildpack": "heroku/nodejs"}, {"buildpack": "https://github.com/heroku/heroku-buildpack-go.git#v200"}}}
	var list []struct {
		Buildpack struct{ URL, Name string }
		Ordinal   int
	}
	e.must(200, e.admin, "PUT", "/apps/shop/buildpack-installations", set).JSON(t, &list)
	if len(list) != 2 || list[0].Buildpack.URL != "heroku/nodejs" || list[1].Ordinal != 1 || !strings.HasSuffix(list[1].Buildpack.URL, "#v200") {
		t.Errorf("after PUT: %+v", list)
	}
	e.must(200, e.admin, "GET", "/apps/shop/buildpack-installations", nil).JSON(t, &list)
	if len(list) != 2 || list[1].Buildpack.Name != "https://github.com/heroku/heroku-buildpack-go.git#v200" {
		t.Errorf("GET: %+v", list)
	}
	for body, want := range map[string]string{
		`{}`:                                  `{"updates": [{"buildpack": "go"}`,
		`{"updates":[{"buildpack":""}]}`:      "updates[0].buildpack is empty",
		`{"updates":[{"buildpack":"cobol"}]}`: `Buildpack "cobol" is not one Pier knows`,
		`{"updates":[{"buildpack":"ftp://x/y.tgz"}]}`: "over http, https, git and ssh",
		`{"updates":[{"buildpack":"go"},{"buildpack":"go"},{"buildpack":"go"},{"buildpack":"go"},{"buildpack":"go"},{"buildpack":"go"},{"buildpack":"go"}]}`: "at most 6",
	} {
		msg := e.mustError(422, "invalid_params", e.admin, "PUT", "/apps/shop/buildpack-installations", body, "Content-Type: application/json")
		if !strings.Contains(msg, want) {
			t.Errorf("%s: %q, want %q", body, msg, want)
		}
	}
	e.must(200, e.admin, "PUT", "/apps/shop/buildpack-installations", map[string]any{"updates": []any{}})
	if got := e.must(200, e.admin, "GET", "/apps/shop/buildpack-installations", nil).body; strings.TrimSpace(string(got)) != "[]" {
		t.Errorf("after clearing: %s", got)
	}
	other := e.user("bob@example.com", false)
	e.mustError(403, "forbidden", other, "PUT", "/apps/shop/buildpack-installations", set)
	e.mustError(403, "forbidden", other, "DELETE", "/apps/shop/build-cache", nil)
	e.must(202, e.admin, "DELETE", "/apps/shop/build-cache", nil)
	e.mustError(404, "not_found", e.admin, "DELETE", "/apps/nothere/build-cache", nil)
}

// A build naming a buildpack Pier can't use is refused before it starts.
func TestCreateBuildBadBuildpack(t *testing.T) {
	e := newEnv(t, withSealer(t), func(a *herokuapi.API) { a.Builds = neverBuilds{t} })
	e.createApp(e.admin, "shop")
	msg := e.mustError(422, "invalid_params", e.admin, "POST", "/apps/shop/builds",
		map[string]any{"source_blob": map[string]any{"url": "http://example.com/a.tgz"}, "buildpacks": []map[string]any{{"url": "cobol"}}})
	if !strings.Contains(msg, "cobol") {
		t.Errorf("%q", msg)
	}
}
