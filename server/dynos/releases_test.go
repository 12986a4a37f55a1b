package dynos_test

import (
	"context"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/platform"
)

// A release whose web dynos never become healthy fails, the previous
// release keeps serving throughout, and the new dynos are stopped.
func TestFailedReleaseKeepsThePreviousServing(t *testing.T) {
	h := newHarness(t)
	h.releaseTimeout = 3 * time.Second
	ctx := context.Background()
	app, err := h.store.CreateApp(ctx, h.user, "unlucky")
	if err != nil {
		t.Fatal(err)
	}
	good := webImage(t, "still here")
	l, _ := h.start()
	deploy(t, h, app, good)
	h.eventually("v2 serving", func() bool { return serving(l, app, 1, "still here") })

	// The new release's web runs but never listens on $PORT.
	broken := platform.Slug{Image: good, ProcessTypes: map[string]string{"web": "/bin/busybox sleep 3600", "worker": "/bin/busybox sleep 3600"}}
	if _, err := h.store.Deploy(ctx, h.user, app, broken, "Deploy a broken web"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if !serving(l, app, 1, "still here") {
			t.Fatalf("the previous release stopped serving: %+v", l.Snapshot().Serving(app.ID.String()))
		}
		r, err := h.store.Release(ctx, app, "3")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == platform.ReleaseFailed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("release v3 is %s, want failed", r.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cur, err := h.store.Release(ctx, app, "2")
	if err != nil || !cur.Current {
		t.Fatalf("v2 current = %v (%v)", cur.Current, err)
	}
	h.eventually("the failed release's dynos stopped", func() bool {
		for _, c := range h.containers() {
			if c.Labels["pier.release"] == "3" {
				return false
			}
		}
		return serving(l, app, 1, "still here")
	})
}
