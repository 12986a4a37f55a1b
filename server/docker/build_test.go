package docker_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
)

// tarOf packs files into a build context.
func tarOf(t testing.TB, files map[string]string) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(content))
	}
	tw.Close()
	return &buf
}

// A Dockerfile builds into a tagged image, its steps reaching out as they
// run; the same context again comes from the layer cache; a failing step
// and a context without a Dockerfile are build errors, fit to show to the
// user.
func TestBuild(t *testing.T) {
	e := dockertest.Engine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tag := fmt.Sprintf("pier-test/build-%d:v1", os.Getpid())
	api, err := client.NewClientWithOpts(client.WithHost(e.Endpoint), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	t.Cleanup(func() {
		api.ImageRemove(context.Background(), tag, image.RemoveOptions{Force: true, PruneChildren: true})
	})

	files := map[string]string{
		"Dockerfile": "FROM scratch\nCOPY hello.txt /hello.txt\nCMD [\"/nothing\"]\n",
		"hello.txt":  fmt.Sprintf("hello %d\n", time.Now().UnixNano()), // a first build, uncached
	}
	var out bytes.Buffer
	id, err := e.Build(ctx, tarOf(t, files), tag, nil, &out)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out.String())
	}
	if !strings.HasPrefix(id, "sha256:") || !strings.Contains(out.String(), "Step 2/3 : COPY hello.txt /hello.txt") {
		t.Fatalf("id %q, output:\n%s", id, out.String())
	}
	if got, err := api.ImageInspect(ctx, tag); err != nil || got.ID != id {
		t.Fatalf("tag %s is %v (%v), want %s", tag, got.ID, err, id)
	}
	out.Reset()
	again, err := e.Build(ctx, tarOf(t, files), tag, nil, &out)
	if err != nil || again != id || !strings.Contains(out.String(), "Using cache") {
		t.Errorf("second build: %q (%v), want %q from the cache; output:\n%s", again, err, id, out.String())
	}

	for name, context := range map[string]*bytes.Buffer{
		"failing step":  tarOf(t, map[string]string{"Dockerfile": "FROM scratch\nCOPY missing.txt /\n"}),
		"no Dockerfile": tarOf(t, map[string]string{"hello.txt": "hi"}),
	} {
		_, err := e.Build(ctx, context, tag+"-bad", nil, nil)
		var be *docker.BuildError
		if !errors.As(err, &be) || be.Message == "" || strings.Contains(be.Message, "daemon") {
			t.Errorf("%s: %v, want a *BuildError fit to show", name, err)
		}
	}
}
