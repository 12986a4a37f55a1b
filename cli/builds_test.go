package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/docker/dockertest"
)

// appDir writes a Dockerfile app serving body to a new directory.
func appDir(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	bb, err := os.ReadFile(dockertest.Busybox)
	if err != nil {
		t.Fatalf("test apps need Debian's busybox-static: %v", err)
	}
	for name, data := range map[string]string{
		"busybox":    string(bb),
		"Dockerfile": "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY index.html /www/index.html\n",
		"Procfile":   "web: /bin/busybox httpd -f -p $PORT -h /www\n",
		"index.html": body,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// builds:create uploads a directory, shows the build's output live and
// releases it; a broken build fails with its reason and the release
// before it keeps serving.
func testBuilds(t *testing.T, e *env) {
	dockertest.Engine(t)
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	u.ok("apps:create", "built")
	t.Cleanup(func() { dockertest.RemoveImages("pier-build/built") })
	contains(t, "no builds", u.ok("builds", "-a", "built"), "has no builds yet")
	dir := appDir(t, "built one\n")
	out := u.ok("builds:create", "--dir", dir, "-a", "built", "--version", "first")
	contains(t, "builds:create", out, "Uploading "+dir, "done\n", "-----> Building the Dockerfile", "Procfile declares types -> web",
		"-----> Launching... done, v2", "http://built.localhost:"+e.web+"/ deployed to Pier")
	until(t, "v2 serving", func() bool { _, body, _ := e.get("built.localhost"); return body == "built one" })
	contains(t, "builds", u.ok("builds", "-a", "built"), "succeeded", "first", "admin@example.com")
	contains(t, "builds:output", u.ok("builds:output", "-a", "built"), "-----> Launching... done, v2")

	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"false\"]\n"), 0o644)
	r := u.run("builds:create", "--dir", dir, "-a", "built")
	if r.code != 1 || !strings.Contains(r.stdout, " !     ") || !strings.Contains(r.stderr, "the build failed") {
		t.Fatalf("broken build: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	contains(t, "builds after a failure", u.ok("builds", "-a", "built"), "failed")
	if _, body, _ := e.get("built.localhost"); body != "built one" {
		t.Errorf("after a failed build the app answers %q", body)
	}
	contains(t, "not a dir", u.fails("builds:create", "--dir", filepath.Join(dir, "nothing"), "-a", "built"), "is not a directory")
}
