package docker_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
)

// An image built on one engine is pushed to a real registry and pulled by
// a second engine as the same image (the same id), which can then remove
// it.
func TestRegistryPushPull(t *testing.T) {
	reg, err := docker.ParseRegistry(dockertest.Registry(t)+"/pier", "", "")
	if err != nil {
		t.Fatal(err)
	}
	src := dockertest.Engine(t)
	second := dockertest.SecondEngine(t)
	dst := second.Engine(t)
	ctx := context.Background()
	tag := fmt.Sprintf("pier-test/pushed-%d:latest", os.Getpid())
	id, err := src.Build(ctx, tarOf(t, map[string]string{"Dockerfile": "FROM scratch\nCOPY hello /hello\n", "hello": tag}), tag, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.Ref("shop", "1a2b3c4d")
	t.Cleanup(func() { dockertest.RemoveImages(tag); dockertest.RemoveImages(reg.Host + "/shop") })
	if err := src.PushImage(ctx, id, ref, reg); err != nil {
		t.Fatal(err)
	}
	if err := dst.PullImage(ctx, ref, reg); err != nil {
		t.Fatal(err)
	}
	if ok, err := dst.HasImage(ctx, id); err != nil || !ok {
		t.Fatalf("the second engine pulled %s but lacks %s: %v", ref, id, err)
	}
	if err := dst.RemoveImage(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if ok, _ := dst.HasImage(ctx, id); ok {
		t.Error("the image is still on the second engine after its removal")
	}
	if err := dst.PullImage(ctx, reg.Ref("shop", "nothere"), reg); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("pulling a missing tag: %v", err)
	}
}

func TestParseRegistry(t *testing.T) {
	for in, want := range map[string]string{
		"":                             "",
		"registry.example.com":         "registry.example.com",
		"127.0.0.1:5005/pier/":         "127.0.0.1:5005/pier",
		"https://registry.example.com": "without a scheme",
		"registry.example.com/Pier":    "lower case",
		"user@registry.example.com":    "is not host",
	} {
		r, err := docker.ParseRegistry(in, "", "")
		got := ""
		if err != nil {
			got = err.Error()
		} else if r != nil {
			got = r.Host
		}
		if !strings.Contains(got, want) || (want == "" && got != "") {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
