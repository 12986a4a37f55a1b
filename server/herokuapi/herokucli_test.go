package herokuapi_test

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/herokuapi"
	"github.com/pier-paas/pier/server/logs"
)

// TestOfficialHerokuCLI drives the real `heroku` CLI (from npm) against Pier:
// Heroku's own client is the judge of compatibility. .ci/run installs it and
// sets PIER_TEST_HEROKU_CLI; elsewhere the test runs when that is set.
func TestOfficialHerokuCLI(t *testing.T) {
	bin := os.Getenv("PIER_TEST_HEROKU_CLI")
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("PIER_TEST_HEROKU_CLI is not set: .ci/run installs the heroku CLI")
		}
		t.Skip("set PIER_TEST_HEROKU_CLI to a heroku CLI binary (npm install heroku) to run this test")
	}
	hub := logs.NewHub(1500)
	e := newEnv(t, func(a *herokuapi.API) { a.Logs = &logs.Sessions{Hub: hub} })
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(e.srv.URL, "http://"))
	home := t.TempDir()
	heroku := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		// The CLI accepts only localhost hosts besides Heroku's own.
		cmd.Env = append(os.Environ(), "HOME="+home, "HEROKU_HOST=http://localhost:"+port, "HEROKU_API_KEY="+e.admin,
			"HEROKU_SKIP_NEW_VERSION_CHECK=1", "HEROKU_DISABLE_AUTOUPDATE=1", "NO_COLOR=1", "HEROKU_UPDATE_INSTRUCTIONS=none")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("heroku %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	expect := func(out string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Fatalf("output lacks %q:\n%s", w, out)
			}
		}
	}
	expect(heroku("auth:whoami"), "admin@example.com")
	expect(heroku("apps:create", "compat"), "http://compat.localhost:8080/")
	expect(heroku("apps"), "compat")
	expect(heroku("apps:info", "-a", "compat"), "Owner:", "admin@example.com", "Stack:", "pier-1")
	expect(heroku("config:set", "FOO=bar", "BAZ=1", "-a", "compat"), "done, v2")
	expect(heroku("config", "-a", "compat"), "FOO:", "bar", "BAZ:")
	expect(heroku("config:unset", "FOO", "-a", "compat"), "done, v3")
	expect(heroku("releases", "-a", "compat"), "v3", "Remove FOO config vars", "v2", "Set BAZ, FOO config vars", "v1", "Initial release")
	expect(heroku("releases:info", "v2", "-a", "compat"), "Set BAZ, FOO config vars")
	expect(heroku("releases:rollback", "v2", "-a", "compat"), "done, v4")
	if m := e.must(200, e.admin, "GET", "/apps/compat/config-vars", nil).Map(t); m["FOO"] != "bar" {
		t.Fatalf("config after heroku releases:rollback: %v", m)
	}
	e.deploySlug(e.admin, "compat", map[string]string{"web": "./web", "worker": "./worker"})
	expect(heroku("ps:scale", "web=2", "worker+1", "-a", "compat"), "web at 2:Standard-1X", "worker at 1:Standard-1X")
	expect(heroku("ps:type", "-a", "compat"), "web", "Standard-1X")
	expect(heroku("buildpacks:set", "https://example.com/bp.tgz", "-a", "compat"), "Buildpack set. Next release on compat will use https://example.com/bp.tgz.")
	expect(heroku("buildpacks:add", "https://example.com/other.git", "-a", "compat"), "1. https://example.com/bp.tgz", "2. https://example.com/other.git")
	expect(heroku("buildpacks", "-a", "compat"), "2. https://example.com/other.git")
	expect(heroku("buildpacks:clear", "-a", "compat"), "Buildpacks cleared.")
	expect(heroku("domains:add", "www.example.org", "-a", "compat"), "compat.localhost")
	expect(heroku("domains", "-a", "compat"), "www.example.org", "CNAME")
	expect(heroku("domains:remove", "www.example.org", "-a", "compat"), "done")
	e.user("ann@example.com", false)
	expect(heroku("access:add", "ann@example.com", "-a", "compat"), "done")
	expect(heroku("access", "-a", "compat"), "ann@example.com", "collaborator", "owner")
	// heroku logs reads the log session's URL as an EventSource.
	app := e.must(200, e.admin, "GET", "/apps/compat", nil).Map(t)
	hub.Add(logs.Line{Time: time.Now(), App: app["id"].(string), Source: "app", Dyno: "web.1", Text: "hello from the dyno"})
	hub.Add(logs.Line{Time: time.Now(), App: app["id"].(string), Source: "heroku", Dyno: "router", Text: "at=info method=GET path=\"/\""})
	expect(heroku("logs", "-n", "10", "-a", "compat"), "app[web.1]: hello from the dyno", "heroku[router]: at=info method=GET")
	expect(heroku("maintenance:on", "-a", "compat"), "done")
	expect(heroku("apps:rename", "compat-2", "-a", "compat"), "compat-2")
	expect(heroku("apps:destroy", "-a", "compat-2", "--confirm", "compat-2"), "done")
}
