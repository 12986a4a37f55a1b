package dynos_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
	"github.com/pier-paas/pier/server/dynos"
	"github.com/pier-paas/pier/server/platform"
)

// addSecondHost starts a second engine and adds it to the pool; its
// containers are removed when the test ends.
func addSecondHost(t testing.TB, h *harness) (*dockertest.Daemon, platform.Host) {
	t.Helper()
	second := dockertest.SecondEngine(t)
	ctx := context.Background()
	info, err := second.Engine(t).Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	host, err := h.store.AddHost(ctx, h.user, platform.HostSpec{Endpoint: second.Endpoint, Name: "second"}, info)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c := second.Client(t)
		cs, _ := c.ContainerList(context.Background(), container.ListOptions{All: true})
		for _, x := range cs {
			c.ContainerRemove(context.Background(), x.ID, container.RemoveOptions{Force: true})
		}
	})
	return second, host
}

// hostLoss runs two engines with web=4 spread over them, powers the second
// off and returns how long until its dynos served from the first.
func hostLoss(t testing.TB, grace time.Duration) time.Duration {
	h := newHarness(t)
	second, host2 := addSecondHost(t, h)
	ctx := context.Background()
	app, err := h.store.CreateApp(ctx, h.user, "spread")
	if err != nil {
		t.Fatal(err)
	}
	img := webImage(t, "spread out") // built on the main engine only
	h.grace = grace
	l, _ := h.start()
	deploy(t, h, app, img)
	scale(t, h, app, "web", 4)
	h.eventually("4 web serving", func() bool { return serving(l, app, 4, "spread out") })
	perHost := map[string]int{}
	for _, in := range l.Snapshot().Serving(app.ID.String()) {
		perHost[in.Host]++
	}
	if len(perHost) != 2 || perHost[host2.ID.String()] != 2 {
		t.Fatalf("web per host = %v, want 2 and 2", perHost)
	}

	// The second host loses power: after the grace period its dynos serve
	// from the first.
	second.PowerOff(t)
	stopped := time.Now()
	h.eventually("dynos moved off the stopped host", func() bool {
		web := l.Snapshot().Serving(app.ID.String())
		for _, in := range web {
			if in.Host == host2.ID.String() {
				return false
			}
		}
		return serving(l, app, 4, "spread out")
	})
	took := time.Since(stopped)
	hs, _ := h.store.Hosts(ctx)
	for _, x := range hs {
		if x.ID == host2.ID && (x.Healthy || x.UnhealthySince == nil) {
			t.Errorf("stopped host recorded as %+v", x)
		}
	}
	return took
}

// Two real engines: spread placement uses both (copying the image to the
// one that lacks it), and when one stops its dynos move to the other once
// the grace period has passed.
func TestTwoHosts(t *testing.T) {
	took := hostLoss(t, 3*time.Second)
	t.Logf("host powered off → its dynos serving elsewhere in %v (grace 3s)", took.Round(100*time.Millisecond))
}

// BenchmarkHostLoss measures, with the default 15 s grace, the time from a
// host losing power to its dynos serving elsewhere (goal: under 20 s).
// go test -run - -bench HostLoss -benchtime 1x ./server/dynos/
func BenchmarkHostLoss(b *testing.B) {
	for i := 0; i < b.N; i++ {
		took := hostLoss(b, 0)
		b.ReportMetric(took.Seconds(), "s/host-loss")
	}
}

// With a registry, a host that lacks a release's image pulls it from
// there instead of having it streamed.
func TestTwoHostsThroughRegistry(t *testing.T) {
	h := newHarness(t)
	reg, err := docker.ParseRegistry(dockertest.Registry(t), "", "")
	if err != nil {
		t.Fatal(err)
	}
	h.registry = reg
	second, _ := addSecondHost(t, h)
	ctx := context.Background()
	app, err := h.store.CreateApp(ctx, h.user, "pulled")
	if err != nil {
		t.Fatal(err)
	}
	img := webImage(t, "pulled from the registry")
	ref := reg.Ref("pulled", "v1")
	t.Cleanup(func() { dockertest.RemoveImages(reg.Host + "/pulled") })
	if err := dockertest.Engine(t).PushImage(ctx, img, ref, reg); err != nil {
		t.Fatal(err)
	}
	l, _ := h.start()
	deploy(t, h, app, ref)
	scale(t, h, app, "web", 2)
	h.eventually("2 web serving", func() bool { return serving(l, app, 2, "pulled from the registry") })
	got, err := second.Client(t).ImageInspect(ctx, ref)
	if err != nil || len(got.RepoDigests) == 0 {
		t.Errorf("the second host's copy of %s has no registry digest (it was not pulled): %v, %v", ref, got.RepoDigests, err)
	}
}

// The leader removes the images of all but each app's newest releases
// from the hosts, and leaves other images alone: those Pier did not build,
// and those another installation sharing the engine built.
func TestOldImagesPruned(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	app, err := h.store.CreateApp(ctx, h.user, "pruned")
	if err != nil {
		t.Fatal(err)
	}
	// Images a build of this installation made carry its cluster id.
	built := func(body string) string {
		return dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY index.html /app/www/index.html\nLABEL "+
			docker.LabelCluster+"="+h.cluster+"\n", map[string]string{"index.html": body})
	}
	var refs []string
	for i := 1; i <= 4; i++ {
		img := built(fmt.Sprintf("release %d", i))
		ref := fmt.Sprintf("pier-build/pruned-%d:v%d", os.Getpid(), i)
		if err := h.api.ImageTag(ctx, img, ref); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
		deploy(t, h, app, ref)
	}
	t.Cleanup(func() { dockertest.RemoveImages(fmt.Sprintf("pier-build/pruned-%d", os.Getpid())) })
	other := webImage(t, "not Pier's")
	// Another installation's build, on the same engine.
	foreign := fmt.Sprintf("pier-build/pruned-%d:foreign", os.Getpid())
	if err := h.api.ImageTag(ctx, webImage(t, "another Pier's"), foreign); err != nil {
		t.Fatal(err)
	}
	h.start(func(l *dynos.Loop) { l.Images, l.KeepReleases, l.PruneMinAge = h.store, 2, -1 })
	has := func(ref string) bool { _, err := h.api.ImageInspect(ctx, ref); return err == nil }
	h.eventually("the two oldest releases' images removed", func() bool { return !has(refs[0]) && !has(refs[1]) })
	for _, ref := range append(refs[2:], other, foreign) {
		if !has(ref) {
			t.Errorf("%s was removed", ref)
		}
	}
}
