package docker_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
)

// BenchmarkImageTransfer streams a 100 MB image (random bytes, so nothing
// compresses) from the local engine to a second engine the way the
// scheduler copies images to hosts that lack them: docker save piped into
// docker load, no registry. ns/op is one copy; MB/s its rate.
//
//	go test -run - -bench ImageTransfer -benchtime 3x ./server/docker/
func BenchmarkImageTransfer(b *testing.B) {
	const size = 100 << 20
	src := dockertest.Engine(b)
	second := dockertest.SecondEngine(b)
	dst := second.Engine(b)
	data := make([]byte, size)
	rand.Read(data)
	tag := fmt.Sprintf("pier-test/transfer-%d:latest", os.Getpid())
	ctx := context.Background()
	if _, err := src.Build(ctx, tarOf(b, map[string]string{"Dockerfile": "FROM scratch\nCOPY blob /blob\n", "blob": string(data)}), tag, nil, nil); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		dockertest.RemoveImages(tag)
	})
	dstAPI := second.Client(b)
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dstAPI.ImageRemove(ctx, tag, image.RemoveOptions{Force: true, PruneChildren: true})
		b.StartTimer()
		rc, err := src.ExportImage(ctx, tag)
		if err != nil {
			b.Fatal(err)
		}
		err = dst.ImportImage(ctx, rc)
		rc.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	if ok, err := dst.HasImage(ctx, tag); err != nil || !ok {
		b.Fatalf("the second engine lacks the image after the copy: %v", err)
	}
}

// BenchmarkRegistryTransfer moves the same 100 MB image to a second
// engine through a registry (Debian's docker-registry on loopback): a
// push from the engine that built it, then a pull by the second. ns/op is
// one push plus one pull; the push after the first finds the layer there.
//
//	go test -run - -bench RegistryTransfer -benchtime 3x ./server/docker/
func BenchmarkRegistryTransfer(b *testing.B) {
	const size = 100 << 20
	reg, err := docker.ParseRegistry(dockertest.Registry(b), "", "")
	if err != nil {
		b.Fatal(err)
	}
	src := dockertest.Engine(b)
	second := dockertest.SecondEngine(b)
	dst := second.Engine(b)
	data := make([]byte, size)
	rand.Read(data)
	tag := fmt.Sprintf("pier-test/regtransfer-%d:latest", os.Getpid())
	ctx := context.Background()
	id, err := src.Build(ctx, tarOf(b, map[string]string{"Dockerfile": "FROM scratch\nCOPY blob /blob\n", "blob": string(data)}), tag, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	ref := reg.Ref("transfer", "v1")
	b.Cleanup(func() { dockertest.RemoveImages(tag); dockertest.RemoveImages(reg.Host + "/transfer") })
	dstAPI := second.Client(b)
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dstAPI.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true})
		b.StartTimer()
		if err := src.PushImage(ctx, id, ref, reg); err != nil {
			b.Fatal(err)
		}
		if err := dst.PullImage(ctx, ref, reg); err != nil {
			b.Fatal(err)
		}
	}
	if ok, err := dst.HasImage(ctx, id); err != nil || !ok {
		b.Fatalf("the second engine lacks the image after the pull: %v", err)
	}
}
