package docker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/docker/dockertest"
	"github.com/pier-paas/pier/server/platform"
)

func TestProcessTypesFromProcfile(t *testing.T) {
	e := dockertest.Engine(t)
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY Procfile /app/Procfile\nWORKDIR /app\nCMD [\"/bin/busybox\", \"sleep\", \"1\"]\n",
		map[string]string{"Procfile": "# demo\nweb: /bin/busybox httpd -f -p $PORT\nworker: /bin/busybox sleep 3600\n"})
	x, err := e.ReadImage(context.Background(), img)
	pt := x.ProcessTypes
	if err != nil {
		t.Fatal(err)
	}
	if len(pt) != 2 || pt["web"] != "/bin/busybox httpd -f -p $PORT" || pt["worker"] != "/bin/busybox sleep 3600" {
		t.Fatalf("process types %v", pt)
	}
}

func TestProcessTypesFromImageCommand(t *testing.T) {
	e := dockertest.Engine(t)
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT [\"/bin/busybox\"]\nCMD [\"httpd\", \"-f\", \"-h\", \"/var/www dir\"]\n", nil)
	x, err := e.ReadImage(context.Background(), img)
	pt := x.ProcessTypes
	if err != nil {
		t.Fatal(err)
	}
	if len(pt) != 1 || pt["web"] != "/bin/busybox httpd -f -h '/var/www dir'" {
		t.Fatalf("process types %v", pt)
	}
}

func TestProcessTypesBadImages(t *testing.T) {
	e := dockertest.Engine(t)
	ctx := context.Background()
	_, err := e.ReadImage(ctx, "pier-test/does-not-exist:nope")
	if platform.KindOf(err) != platform.KindInvalid || !strings.Contains(err.Error(), "is not on the Docker host") {
		t.Fatalf("missing image: %v", err)
	}
	bad := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY Procfile /Procfile\nCMD [\"/bin/busybox\"]\n",
		map[string]string{"Procfile": "web: ok\nthis line is wrong\n"})
	_, err = e.ReadImage(ctx, bad)
	if platform.KindOf(err) != platform.KindInvalid || !strings.Contains(err.Error(), "Procfile line 2") {
		t.Fatalf("bad Procfile: %v", err)
	}
	none := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\n", nil)
	_, err = e.ReadImage(ctx, none)
	if platform.KindOf(err) != platform.KindInvalid || !strings.Contains(err.Error(), "no command") {
		t.Fatalf("image without Procfile or command: %v", err)
	}
}

// Procfile lines run under /bin/sh -c: an image without a shell is refused
// at deploy time, not left crash-looping.
func TestProcfileNeedsAShell(t *testing.T) {
	e := dockertest.Engine(t)
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY Procfile /Procfile\n",
		map[string]string{"Procfile": "web: /bin/busybox httpd -f -p $PORT\n"})
	_, err := e.ReadImage(context.Background(), img)
	if platform.KindOf(err) != platform.KindInvalid || !strings.Contains(err.Error(), "no /bin/sh") {
		t.Fatalf("err = %v", err)
	}
}
