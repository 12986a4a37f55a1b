package dynos_test

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/pier-paas/pier/server/docker/dockertest"
	"github.com/pier-paas/pier/server/platform"
)

// hostLoss runs two engines with web=4 spread over them, powers the second
// off and returns how long until its dynos served from the first.
func hostLoss(t testing.TB, grace time.Duration) time.Duration {
	h := newHarness(t)
	second := dockertest.SecondEngine(t)
	ctx := context.Background()
	e2 := second.Engine(t)
	info, err := e2.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	host2, err := h.store.AddHost(ctx, h.user, platform.HostSpec{Endpoint: second.Endpoint, Name: "second"}, info)
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
