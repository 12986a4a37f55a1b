package herokuapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/docker/dockertest"
	"github.com/pier-paas/pier/server/herokuapi"
)

func TestDeployAnImage(t *testing.T) {
	engine := dockertest.Engine(t)
	e := newEnv(t, func(a *herokuapi.API) { a.Images = engine })
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY Procfile /app/Procfile\nWORKDIR /app\n",
		map[string]string{"Procfile": "web: /bin/busybox httpd -f -p $PORT\nworker: /bin/busybox sleep 3600\n"})
	e.createApp(e.admin, "shipit")
	e.must(200, e.admin, "PATCH", "/apps/shipit/config-vars", map[string]any{"A": "1"})
	r := e.must(201, e.admin, "POST", "/apps/shipit/deploys", map[string]any{"image": img}).Map(t)
	if r["version"] != 3.0 || r["description"] != "Deploy "+img || r["slug"] == nil || r["current"] != true {
		t.Fatal(r)
	}
	// The config carries over; the formation follows the Procfile (web=1 on the first deploy).
	if m := e.must(200, e.admin, "GET", "/apps/shipit/releases/3/config-vars", nil).Map(t); m["A"] != "1" {
		t.Fatal(m)
	}
	var fs []map[string]any
	e.must(200, e.admin, "GET", "/apps/shipit/formation", nil).JSON(t, &fs)
	if len(fs) != 2 || fs[0]["type"] != "web" || fs[0]["quantity"] != 1.0 || fs[1]["quantity"] != 0.0 ||
		fs[0]["command"] != "/bin/busybox httpd -f -p $PORT" {
		t.Fatalf("formation: %v", fs)
	}
	slug := e.must(200, e.admin, "GET", "/apps/shipit/slugs/"+r["slug"].(map[string]any)["id"].(string), nil).Map(t)
	// The slug pins the image's id: a tag moved later can't change the release.
	if slug["image"] != img || !strings.HasPrefix(fmt.Sprint(slug["checksum"]), "sha256:") {
		t.Fatal(slug)
	}

	// Bad images change nothing.
	for _, ref := range []string{"", "UPPER/case", "has space", "x:" + strings.Repeat("t", 200)} {
		e.mustError(422, "invalid_params", e.admin, "POST", "/apps/shipit/deploys", map[string]any{"image": ref})
	}
	msg := e.mustError(422, "invalid_params", e.admin, "POST", "/apps/shipit/deploys", map[string]any{"image": "pier-test/missing:1"})
	if !strings.Contains(msg, "not on the Docker host") {
		t.Fatal(msg)
	}
	bad := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY Procfile /Procfile\n", map[string]string{"Procfile": "web ./x\n"})
	if msg := e.mustError(422, "invalid_params", e.admin, "POST", "/apps/shipit/deploys", map[string]any{"image": bad}); !strings.Contains(msg, "Procfile line 1") {
		t.Fatal(msg)
	}
	var rels []map[string]any
	e.must(200, e.admin, "GET", "/apps/shipit/releases", nil).JSON(t, &rels)
	if len(rels) != 3 {
		t.Fatalf("%d releases after failed deploys", len(rels))
	}
}

func TestDeployWithoutDocker(t *testing.T) {
	e := newEnv(t)
	e.createApp(e.admin, "nodocker")
	e.mustError(503, "unavailable", e.admin, "POST", "/apps/nodocker/deploys", map[string]any{"image": "example/web:1"})
}
