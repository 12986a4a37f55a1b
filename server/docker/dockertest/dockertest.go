// Package dockertest gives tests the machine's real Docker engine and images
// built locally (nothing can be pulled here): FROM scratch plus Debian's
// static busybox.
package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/pier-paas/pier/server/docker"
)

// Engine connects to the local engine. Without one the test is skipped on a
// laptop and fails in CI, which starts dockerd itself.
func Engine(t testing.TB) *docker.Engine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := docker.Connect(ctx, docker.DefaultEndpoint())
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Docker engine: %v", err)
		}
		t.Skipf("no Docker engine (start dockerd to run this test): %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// Busybox is Debian's busybox-static, the one binary test images carry.
const Busybox = "/bin/busybox"

var seq atomic.Int64

// Build builds an image from a Dockerfile and extra files (path → content;
// "busybox" is added from the host) and removes it when the test ends.
func Build(t testing.TB, dockerfile string, files map[string]string) string {
	t.Helper()
	return BuildOn(t, docker.DefaultEndpoint(), dockerfile, files)
}

// BuildOn is Build on the engine at endpoint, e.g. a SecondEngine's.
func BuildOn(t testing.TB, endpoint, dockerfile string, files map[string]string) string {
	t.Helper()
	bb, err := os.ReadFile(Busybox)
	if err != nil {
		t.Fatalf("test images need Debian's busybox-static (%v): apt-get install busybox-static", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, data []byte, mode int64) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	add("Dockerfile", []byte(dockerfile), 0o644)
	add("busybox", bb, 0o755)
	for name, content := range files {
		add(name, []byte(content), 0o644)
	}
	tw.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e, err := docker.Connect(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	tag := fmt.Sprintf("pier-test/%d-%d:latest", os.Getpid(), seq.Add(1))
	if _, err := e.Build(ctx, &buf, tag, nil, nil); err != nil {
		t.Fatalf("build %s: %v", tag, err)
	}
	t.Cleanup(func() {
		c, err := client.NewClientWithOpts(client.WithHost(endpoint), client.WithAPIVersionNegotiation())
		if err == nil {
			c.ImageRemove(context.Background(), tag, image.RemoveOptions{Force: true, PruneChildren: true})
			c.Close()
		}
	})
	return tag
}
