package dynos_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
	"github.com/pier-paas/pier/server/dynos"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
	"github.com/pier-paas/pier/server/postgres/pgtest"
	"github.com/pier-paas/pier/server/scheduler"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// webImage is a FROM-scratch image whose Procfile serves body over HTTP on
// $PORT and runs a worker that just sleeps.
func webImage(t testing.TB, body string) string {
	return dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY Procfile /app/Procfile\nCOPY index.html /app/www/index.html\nWORKDIR /app\n",
		map[string]string{
			"Procfile":   "web: /bin/busybox httpd -f -p $PORT -h /app/www\nworker: /bin/busybox sleep 3600\n",
			"index.html": body,
		})
}

// harness is a real store, the machine's Docker engine in the pool, and a
// loop over both with its own cluster id.
type harness struct {
	t       testing.TB
	store   *postgres.Store
	user    platform.User
	cluster string
	api     *client.Client
	grace   time.Duration // lost-host grace; 0 is the default
	// releaseTimeout is how long a release's web has to become healthy.
	releaseTimeout time.Duration
	// replaceAfter is how long a sick web dyno waits for a replacement.
	replaceAfter time.Duration
	registry     *docker.Registry // PIER_REGISTRY; nil streams images
}

func newHarness(t testing.TB) *harness {
	e := dockertest.Engine(t)
	h := &harness{t: t, store: pgtest.Store(t), cluster: "test-" + uuid.NewString()}
	ctx := context.Background()
	var err error
	if h.user, err = h.store.CreateUser(ctx, "test", "ops@example.com", "password123", true); err != nil {
		t.Fatal(err)
	}
	info, err := e.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.AddHost(ctx, h.user, platform.HostSpec{Endpoint: e.Endpoint, Name: "local"}, info); err != nil {
		t.Fatal(err)
	}
	if h.api, err = client.NewClientWithOpts(client.WithHost(e.Endpoint), client.WithAPIVersionNegotiation()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, c := range h.containers() {
			h.api.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true})
		}
		h.api.Close()
	})
	return h
}

// start runs a loop until the test ends (or the returned stop is called).
func (h *harness) start(tune ...func(*dynos.Loop)) (*dynos.Loop, func()) {
	l := &dynos.Loop{
		Store: h.store, Cluster: h.cluster, Resync: time.Second, StopTimeout: 5 * time.Second,
		Logger:  slog.New(slog.NewTextHandler(testLog{h.t}, nil)),
		Options: scheduler.Options{LostHostGrace: h.grace, ReplaceUnhealthyAfter: h.replaceAfter}, ReleaseTimeout: h.releaseTimeout,
		Connect: dynos.ConnectDocker, Registry: h.registry,
		Lead: func(ctx context.Context) (dynos.Lease, error) {
			l, err := h.store.TryLeadScheduler(ctx)
			if l == nil {
				return nil, err
			}
			return l, nil
		},
	}
	for _, f := range tune {
		f(l)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()
	stop := func() { cancel(); <-done }
	h.t.Cleanup(stop)
	return l, stop
}

func (h *harness) containers() []container.Summary {
	cs, err := h.api.ContainerList(context.Background(), container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", docker.LabelCluster+"="+h.cluster))})
	if err != nil {
		h.t.Fatal(err)
	}
	return cs
}

// eventually polls cond for up to 30 s.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	h.t.Fatalf("timed out waiting for %s", what)
}

// serving reports whether exactly n web dynos serve and every one answers
// body.
func serving(l *dynos.Loop, app platform.App, n int, body string) bool {
	web := l.Snapshot().Serving(app.ID.String())
	if len(web) != n {
		return false
	}
	for _, in := range web {
		resp, err := http.Get("http://" + in.Addr + "/")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.TrimSpace(string(b)) != body {
			return false
		}
	}
	return true
}

func scale(t testing.TB, h *harness, app platform.App, typ string, n int) {
	t.Helper()
	if _, err := h.store.UpdateFormation(context.Background(), h.user, app, []platform.FormationUpdate{{Type: typ, Quantity: &n}}); err != nil {
		t.Fatal(err)
	}
}

func deploy(t testing.TB, h *harness, app platform.App, img string) {
	t.Helper()
	slug := platform.Slug{Image: img, ProcessTypes: map[string]string{
		"web": "/bin/busybox httpd -f -p $PORT -h /app/www", "worker": "/bin/busybox sleep 3600"}}
	if _, err := h.store.Deploy(context.Background(), h.user, app, slug, "Deploy "+img); err != nil {
		t.Fatal(err)
	}
}

// The loop runs a deployed app, scales it, replaces a killed dyno, rolls a
// new release and a restart out, adopts its dynos after a restart of its
// own, and scales to zero.
func TestLoopRunsTheFormation(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	app, err := h.store.CreateApp(ctx, h.user, "runner")
	if err != nil {
		t.Fatal(err)
	}
	v1, v2 := webImage(t, "hello v1"), webImage(t, "hello v2")
	l, stop := h.start()

	deploy(t, h, app, v1)
	h.eventually("web.1 serving v1", func() bool { return serving(l, app, 1, "hello v1") })
	c := h.containers()[0]
	env := inspectEnv(t, h, c.ID)
	if env["PORT"] != "5000" || env["DYNO"] != "web.1" || env["PIER_RELEASE"] != "v2" {
		t.Errorf("env = %v", env)
	}

	scale(t, h, app, "web", 3)
	scale(t, h, app, "worker", 1)
	h.eventually("3 web serving", func() bool { return serving(l, app, 3, "hello v1") })
	h.eventually("worker up, and 4 dynos listed", func() bool { return len(h.containers()) == 4 && len(l.Dynos(app.ID)) == 4 })

	// A killed dyno is replaced.
	victim := l.Snapshot().Serving(app.ID.String())[1]
	if err := h.api.ContainerKill(ctx, victim.ID, "KILL"); err != nil {
		t.Fatal(err)
	}
	h.eventually("killed dyno replaced", func() bool {
		web := l.Snapshot().Serving(app.ID.String())
		for _, in := range web {
			if in.ID == victim.ID {
				return false
			}
		}
		return serving(l, app, 3, "hello v1")
	})

	// A new release replaces every dyno; web never drops to zero.
	deploy(t, h, app, v2)
	h.eventually("v2 serving everywhere", func() bool {
		return serving(l, app, 3, "hello v2") && len(h.containers()) == 4
	})

	// A restart replaces the dynos of a type.
	before := ids(l.Snapshot().Serving(app.ID.String()))
	if err := h.store.Restart(ctx, h.user, app, "web"); err != nil {
		t.Fatal(err)
	}
	h.eventually("web restarted", func() bool {
		web := l.Snapshot().Serving(app.ID.String())
		for _, in := range web {
			if before[in.ID] || in.Generation != 1 {
				return false
			}
		}
		return serving(l, app, 3, "hello v2") && len(h.containers()) == 4
	})

	// A new loop (a restarted server) adopts what runs.
	stop()
	running := ids(l.Snapshot().Serving(app.ID.String()))
	l2, _ := h.start()
	h.eventually("adopted", func() bool { return serving(l2, app, 3, "hello v2") })
	time.Sleep(2 * time.Second) // a few rounds
	for _, in := range l2.Snapshot().Serving(app.ID.String()) {
		if !running[in.ID] {
			t.Errorf("after restart dyno %s.%d is a new container", in.Type, in.Index)
		}
	}
	if n := len(h.containers()); n != 4 {
		t.Errorf("%d containers after adoption, want 4", n)
	}

	scale(t, h, app, "web", 0)
	scale(t, h, app, "worker", 0)
	h.eventually("scaled to zero", func() bool { return len(h.containers()) == 0 })
}

// testLog sends the loop's log to the test's.
type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func ids(insts []scheduler.Instance) map[string]bool {
	out := map[string]bool{}
	for _, in := range insts {
		out[in.ID] = true
	}
	return out
}

func inspectEnv(t *testing.T, h *harness, id string) map[string]string {
	t.Helper()
	info, err := h.api.ContainerInspect(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, kv := range info.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}
