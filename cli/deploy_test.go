package cli

import (
	"testing"

	"github.com/pier-paas/pier/server/docker/dockertest"
)

func testDeploy(t *testing.T, e *env) {
	dockertest.Engine(t) // the server reads images from the same local engine
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY Procfile /app/Procfile\nWORKDIR /app\n",
		map[string]string{"Procfile": "web: /bin/busybox httpd -f -p $PORT\nclock: /bin/busybox sleep 60\n"})
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	u.ok("apps:create", "deployed")
	want(t, "deploy", u.ok("deploy", img, "-a", "deployed"), "Deploying "+img+" to ⬢ deployed... done, v2\n")
	contains(t, "ps after deploy", u.ok("ps", "-a", "deployed"), "web", "1", "/bin/busybox httpd -f -p $PORT", "clock", "0")
	contains(t, "releases after deploy", u.ok("releases", "-a", "deployed"), "Deploy "+img)
	contains(t, "missing image", u.fails("deploy", "pier-test/nothing:here", "-a", "deployed"), "is not on the Docker host")
}
