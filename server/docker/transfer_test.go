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
	src, second, tag, _ := bigImage(b, "transfer")
	dst := second.Engine(b)
	ctx := context.Background()
	dstAPI := second.Client(b)
	b.SetBytes(imageSize)
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
	reg, err := docker.ParseRegistry(dockertest.Registry(b), "", "")
	if err != nil {
		b.Fatal(err)
	}
	src, second, _, id := bigImage(b, "regtransfer")
	dst := second.Engine(b)
	ctx := context.Background()
	ref := reg.Ref("transfer", "v1")
	b.Cleanup(func() { dockertest.RemoveImages(reg.Host + "/transfer") })
	dstAPI := second.Client(b)
	b.SetBytes(imageSize)
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

// imageSize is the transfer benchmarks' image: random bytes, so nothing
// compresses.
const imageSize = 100 << 20

// bigImage builds the transfer benchmarks' image on the local engine and
// starts a second engine; it returns both, and the image's tag and id.
func bigImage(b *testing.B, name string) (*docker.Engine, *dockertest.Daemon, string, string) {
	src := dockertest.Engine(b)
	second := dockertest.SecondEngine(b)
	data := make([]byte, imageSize)
	rand.Read(data)
	tag := fmt.Sprintf("pier-test/%s-%d:latest", name, os.Getpid())
	id, err := src.Build(context.Background(), tarOf(b, map[string]string{"Dockerfile": "FROM scratch\nCOPY blob /blob\n", "blob": string(data)}), tag, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { dockertest.RemoveImages(tag) })
	return src, second, tag, id
}
