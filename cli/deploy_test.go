package cli

import (
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/docker/dockertest"
)

func testDeploy(t *testing.T, e *env) {
	dockertest.Engine(t) // the server reads images from the same local engine
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY Procfile /app/Procfile\nWORKDIR /app\n",
		map[string]string{"Procfile": "web: /bin/busybox httpd -f -p $PORT\nclock: /bin/busybox sleep 60\n"})
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	u.ok("apps:create", "deployed")
	want(t, "deploy", u.ok("deploy", img, "-a", "deployed"), "Deploying "+img+" to ⬢ deployed... done, v2\n")
	contains(t, "ps after deploy", u.ok("ps", "-a", "deployed"), "web", "1", "/bin/busybox httpd -f -p $PORT", "clock", "0")
	contains(t, "releases after deploy", u.ok("releases", "-a", "deployed"), "Deploy "+img)
	contains(t, "missing image", u.fails("deploy", "pier-test/nothing:here", "-a", "deployed"), "is not on the Docker host")
}

func testHosts(t *testing.T, e *env) {
	engine := dockertest.Engine(t)
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	// The server registered the local engine on its first start.
	out := u.ok("hosts")
	contains(t, "hosts", out, "Name", "Endpoint", engine.Endpoint, "healthy")
	rows := tableRows(t, out)
	if len(rows) != 1 {
		t.Fatalf("hosts: %q", rows)
	}
	name := rows[0][0]
	contains(t, "duplicate", u.fails("hosts:add", engine.Endpoint, "-l", "region=eu"), "already in the pool")
	contains(t, "unreachable", u.fails("hosts:add", "tcp://127.0.0.1:1"), "Can't reach a Docker engine")
	contains(t, "bad label", u.fails("hosts:add", "tcp://127.0.0.1:1", "-l", "nolabel"), "is not k=v")
	want(t, "drain", u.ok("hosts:drain", name), "Draining "+name+"... done\n")
	contains(t, "hosts draining", u.ok("hosts"), "healthy, draining")
	want(t, "undrain", u.ok("hosts:drain", "--undo", name), "Putting "+name+" back in service... done\n")
	// A host that runs dynos stays until they are gone: removed, they would
	// go on running unseen.
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"5000\"]\n", nil)
	u.ok("apps:create", "hosted")
	u.ok("deploy", img, "-a", "hosted")
	until(t, "web.1 up", func() bool { return strings.Contains(u.ok("ps", "-a", "hosted"), " up ") })
	if rows := tableRows(t, u.ok("hosts")); len(rows) != 1 || len(rows[0]) < 7 || rows[0][6] != "1" { // name endpoint state cpus N MB dynos
		t.Errorf("hosts with one dyno: %q", rows)
	}
	contains(t, "remove with dynos", u.fails("hosts:remove", name), "still runs 1 dyno container(s)", "pier hosts:drain "+name)
	u.ok("ps:scale", "web=0", "-a", "hosted")
	until(t, "web.1 gone", func() bool { return u.run("hosts:remove", name).code == 0 })
	contains(t, "empty pool", u.ok("hosts"), "No hosts yet")
	contains(t, "re-add", u.ok("hosts:add", engine.Endpoint, "--name", "box", "-l", "region=eu"),
		"Adding "+engine.Endpoint+" to the pool... done\nbox: ", " CPUs, ", " MB, Docker ")
	contains(t, "labels", u.ok("hosts"), "region=eu")
	u.ok("users:add", "ann@example.com", "--password", "ann-password-1")
	ann := e.login("ann@example.com", "ann-password-1")
	contains(t, "non-admin", ann.fails("hosts"), "Only admins")
}
