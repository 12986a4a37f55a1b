package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/builder"
	"github.com/pier-paas/pier/server/docker/dockertest"
)

// A Go app without a Dockerfile is pushed with git and built by the
// bundled Go buildpack on the test stack, which installs Go and the app's
// dependency; it serves through the router. The second push uses the
// cache. The buildpack list is set, shown and cleared with the CLI.
func testBuildpackPush(t *testing.T, e *env) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dockertest.StackImage(t)
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	repo := t.TempDir()
	for _, name := range []string{"go.mod", "go.sum", "main.go"} {
		data, err := os.ReadFile(filepath.Join("..", "buildpacks", "testdata", "go-hello", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(repo, name), data, 0o644)
	}
	u.gitOK(t, repo, "init", "-q", "-b", "main")
	var app struct{ ID string }
	if err := json.Unmarshal([]byte(u.in(repo).ok("apps:create", "gopher", "--json")), &app); err != nil || app.ID == "" {
		t.Fatalf("apps:create --json: %+v %v", app, err)
	}
	t.Cleanup(func() {
		dockertest.RemoveImages("pier-build/gopher")
		err := dockertest.Engine(t).RemoveVolumes(context.Background(), map[string]string{builder.LabelBuildCache: app.ID}, "")
		if err != nil {
			t.Logf("remove the app's build caches: %v", err)
		}
	})
	contains(t, "no buildpacks", u.ok("buildpacks", "-a", "gopher"), "has no buildpacks set: Pier's bundled ones (go, nodejs, python, static) detect it")
	contains(t, "buildpacks:set", u.ok("buildpacks:set", "go", "-a", "gopher"), "=== gopher Buildpack URL\n\ngo\n", "The next build uses this buildpack.")
	contains(t, "buildpacks:add", u.ok("buildpacks:add", "https://example.com/extra.tgz", "-a", "gopher"), "1. go\n2. https://example.com/extra.tgz\n")
	contains(t, "buildpacks:remove", u.ok("buildpacks:remove", "-i", "2", "-a", "gopher"), "\ngo\n")
	contains(t, "buildpacks:set bad", u.fails("buildpacks:set", "cobol", "-a", "gopher"), `Buildpack "cobol" is not one Pier knows`)

	u.gitOK(t, repo, "add", "-A")
	u.gitOK(t, repo, "commit", "-qm", "first")
	out := u.gitOK(t, repo, "push", "pier", "main")
	contains(t, "first push", out, "remote: -----> Go app detected", "remote: -----> Installing Go 1.22.",
		"remote:        github.com/google/uuid v1.6.0", "remote: -----> Launching... done, v2")
	until(t, "v2 serving", func() bool { _, body, _ := e.get("gopher.localhost"); return body == "hello from go, version 1" })

	main, _ := os.ReadFile(filepath.Join(repo, "main.go"))
	os.WriteFile(filepath.Join(repo, "main.go"), []byte(strings.Replace(string(main), "version 1", "version 2", 1)), 0o644)
	u.gitOK(t, repo, "commit", "-qam", "second")
	out = u.gitOK(t, repo, "push", "pier", "main")
	contains(t, "second push", out, "(cached)", "remote: -----> Launching... done, v3")
	until(t, "v3 serving", func() bool { _, body, _ := e.get("gopher.localhost"); return body == "hello from go, version 2" })

	contains(t, "builds:cache:purge", u.ok("builds:cache:purge", "-a", "gopher"), "Purging the build cache of ⬢ gopher... done")
	contains(t, "buildpacks:clear", u.ok("buildpacks:clear", "-a", "gopher"), "has no buildpacks set")
}
