package dynos_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
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

// A web dyno whose server dies while its container runs on leaves the
// routes, and after ReplaceUnhealthyAfter a new web.1 takes its place; the
// sick container is stopped once the new one serves.
func TestSickWebDynoReplaced(t *testing.T) {
	h := newHarness(t)
	h.replaceAfter = 2 * time.Second
	ctx := context.Background()
	app, err := h.store.CreateApp(ctx, h.user, "sickly")
	if err != nil {
		t.Fatal(err)
	}
	img := webImage(t, "fine")
	// httpd without -f goes to the background; sleep keeps the container up.
	slug := platform.Slug{Image: img, ProcessTypes: map[string]string{
		"web": "/bin/busybox httpd -p $PORT -h /app/www; exec /bin/busybox sleep 3600"}}
	if _, err := h.store.Deploy(ctx, h.user, app, slug, "Deploy"); err != nil {
		t.Fatal(err)
	}
	l, _ := h.start()
	h.eventually("web.1 serving", func() bool { return serving(l, app, 1, "fine") })
	sick := l.Snapshot().Serving(app.ID.String())[0].ID
	// Busybox names every applet's process "busybox": find httpd in ps.
	for _, line := range strings.Split(h.exec(sick, "/bin/busybox", "ps"), "\n") {
		// PID USER /bin/busybox httpd -p 5000 ...
		if f := strings.Fields(line); len(f) > 3 && f[3] == "httpd" {
			h.exec(sick, "/bin/busybox", "kill", f[0])
		}
	}
	h.eventually("web.1 out of the routes", func() bool { return len(l.Snapshot().Serving(app.ID.String())) == 0 })
	h.eventually("a new web.1 serving, the sick one gone", func() bool {
		web := l.Snapshot().Serving(app.ID.String())
		if len(web) != 1 || web[0].ID == sick || !serving(l, app, 1, "fine") {
			return false
		}
		for _, c := range h.containers() {
			if c.ID == sick {
				return false
			}
		}
		return true
	})
}

// exec runs a command in a container and returns its output.
func (h *harness) exec(id string, cmd ...string) string {
	h.t.Helper()
	ctx := context.Background()
	x, err := h.api.ContainerExecCreate(ctx, id, container.ExecOptions{Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		h.t.Fatal(err)
	}
	att, err := h.api.ContainerExecAttach(ctx, x.ID, container.ExecAttachOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	defer att.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, att.Reader); err != nil {
		h.t.Fatal(err)
	}
	return out.String()
}
