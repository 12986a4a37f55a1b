package builder_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/builder"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
	"github.com/pier-paas/pier/server/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// world is a builder on a real database and the real Docker engine, with
// one app.
type world struct {
	t     *testing.T
	store *postgres.Store
	b     *builder.Builder
	user  platform.User
	app   platform.App
}

func newWorld(t *testing.T, tune ...func(*builder.Builder)) *world {
	t.Helper()
	engine := dockertest.Engine(t)
	store := pgtest.Store(t)
	ctx := context.Background()
	u, err := store.CreateUser(ctx, "Ann", "ann@example.com", "ann-password-1", false)
	if err != nil {
		t.Fatal(err)
	}
	app, err := store.CreateApp(ctx, u, fmt.Sprintf("app-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := dockertest.RemoveImages("pier-build/" + app.Name); err != nil {
			t.Logf("remove the build's images: %v", err)
		}
	})
	b := &builder.Builder{Store: store, Engine: engine, Logger: slog.New(slog.DiscardHandler),
		AppURL: func(name string) string { return "http://" + name + ".localhost/" }, TempDir: t.TempDir(), Cluster: "test-" + uuid.NewString()}
	for _, f := range tune {
		f(b)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	return &world{t: t, store: store, b: b, user: u, app: app}
}

// source is a gzipped tarball of files, with the host's busybox as
// "busybox" when withBusybox.
func source(t *testing.T, files map[string]string, withBusybox bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(name string, data []byte, mode int64) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	if withBusybox {
		bb, err := os.ReadFile(dockertest.Busybox)
		if err != nil {
			t.Fatalf("test images need Debian's busybox-static: %v", err)
		}
		add("busybox", bb, 0o755)
	}
	for name, content := range files {
		add(name, []byte(content), 0o644)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// build runs a build of tarball to its end and returns its result and
// what it wrote live.
func (w *world) build(tarball []byte) (builder.Result, string) {
	w.t.Helper()
	var live syncBuffer
	version := "0123456789abcdef"
	_, done, err := w.b.Start(context.Background(), w.user, w.app, builder.Request{
		Open:      func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(tarball)), nil },
		SourceURL: "http://example.com/source.tgz", Version: &version, Live: &live,
	})
	if err != nil {
		w.t.Fatal(err)
	}
	select {
	case res := <-done:
		return res, live.String()
	case <-time.After(3 * time.Minute):
		w.t.Fatal("the build did not end")
		return builder.Result{}, ""
	}
}

// stored is the build's output as output_stream_url replays it.
func (w *world) stored(b platform.Build) string {
	chunks, status, err := w.store.BuildOutput(context.Background(), b.ID, 0)
	if err != nil || status == platform.BuildPending {
		w.t.Fatalf("output of a settled build: %s, %v", status, err)
	}
	return string(bytes.Join(chunks, nil))
}

func (w *world) releases() int {
	rs, _, err := w.store.Releases(context.Background(), w.app, platform.Page{Field: "version", Max: 100})
	if err != nil {
		w.t.Fatal(err)
	}
	return len(rs)
}

const webApp = "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY index.html /www/index.html\nCMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"5000\", \"-h\", \"/www\"]\n"

// A Dockerfile app builds and is released with the source's Procfile; its
// output reaches the live writer and the store alike, ending with the
// release and the app's URL. The same source again builds from the layer
// cache.
func TestDockerfileBuild(t *testing.T) {
	w := newWorld(t)
	src := source(t, map[string]string{"Dockerfile": webApp, "index.html": fmt.Sprintf("hello %d\n", time.Now().UnixNano()),
		"Procfile": "web: /bin/busybox httpd -f -p $PORT -h /www\nworker: /bin/busybox sleep 1000\n"}, true)
	res, live := w.build(src)
	if res.Err != nil {
		t.Fatalf("build failed: %v\n%s", res.Err, live)
	}
	if res.Build.Status != platform.BuildSucceeded || res.Release == nil || res.Release.Version != 2 {
		t.Fatalf("result: %+v", res)
	}
	for _, want := range []string{"-----> Building the Dockerfile", "       Step 1/", "Procfile declares types -> web, worker",
		"-----> Launching... done, v2", "http://" + w.app.Name + ".localhost/ deployed to Pier"} {
		if !strings.Contains(live, want) {
			t.Errorf("output lacks %q:\n%s", want, live)
		}
	}
	if stored := w.stored(res.Build); stored != live {
		t.Errorf("stored output differs from the live one:\n%s\n---\n%s", stored, live)
	}
	b, err := w.store.Build(context.Background(), w.app, res.Build.ID.String())
	if err != nil || b.ReleaseID == nil || *b.ReleaseID != res.Release.ID || b.SlugID == nil {
		t.Fatalf("stored build: %+v, %v", b, err)
	}
	slug, err := w.store.Slug(context.Background(), w.app, b.SlugID.String())
	if err != nil || slug.ProcessTypes["worker"] != "/bin/busybox sleep 1000" || slug.Checksum == nil || !strings.HasPrefix(*slug.Checksum, "sha256:") ||
		slug.Commit == nil || *slug.Commit != "0123456789abcdef" {
		t.Fatalf("slug: %+v, %v", slug, err)
	}
	if res.Release.Description != "Deploy 0123456" {
		t.Errorf("release description %q", res.Release.Description)
	}
	// The image carries the installation's id: pruning removes only its own.
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	if img, err := api.ImageInspect(context.Background(), *slug.Checksum); err != nil || img.Config.Labels[docker.LabelCluster] != w.b.Cluster {
		t.Errorf("image labels %v, %v; want %s=%s", img.Config.Labels, err, docker.LabelCluster, w.b.Cluster)
	}

	res, live = w.build(src)
	if res.Err != nil || !strings.Contains(live, "Using cache") || res.Release.Version != 3 {
		t.Fatalf("second build: %v, v%v\n%s", res.Err, res.Release, live)
	}
}

// Without a Procfile, the image's command runs as web.
func TestDockerfileBuildWithoutProcfile(t *testing.T) {
	w := newWorld(t)
	res, live := w.build(source(t, map[string]string{"Dockerfile": webApp, "index.html": "hi\n"}, true))
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, live)
	}
	if !strings.Contains(live, "the image's command runs as -> web") {
		t.Errorf("output:\n%s", live)
	}
}

// Bad sources and failing builds fail clearly, with their reason in the
// output, and release nothing.
func TestBuildFailures(t *testing.T) {
	w := newWorld(t, func(b *builder.Builder) { b.Timeout = 4 * time.Second })
	var escape bytes.Buffer
	tw := tar.NewWriter(&escape)
	tw.WriteHeader(&tar.Header{Name: "../../etc/cron.d/evil", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
	tw.Write([]byte("x\n"))
	tw.Close()
	for _, tc := range []struct {
		name, want string
		src        []byte
	}{
		{"failing step", `returned a non-zero code: 3`,
			source(t, map[string]string{"Dockerfile": "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo compiling; exit 3\"]\n"}, true)},
		{"malformed Procfile", "Procfile line 2: expected `type: command`",
			source(t, map[string]string{"Dockerfile": webApp, "index.html": "x", "Procfile": "web: serve\nthis is not a process\n"}, true)},
		{"no Dockerfile", "No Dockerfile", source(t, map[string]string{"index.html": "x"}, false)},
		{"not a tarball", "not a tarball", []byte("<html>404 not found</html>")},
		{"path traversal", "outside its own directory", escape.Bytes()},
		{"hangs", "took longer than 4s",
			source(t, map[string]string{"Dockerfile": "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"sleep\", \"600\"]\n"}, true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := w.releases()
			res, live := w.build(tc.src)
			if res.Err == nil || res.Build.Status != platform.BuildFailed {
				t.Fatalf("built: %+v\n%s", res, live)
			}
			if !strings.Contains(res.Err.Error(), tc.want) || !strings.Contains(live, " !     ") {
				t.Errorf("error %q, want %q; output:\n%s", res.Err, tc.want, live)
			}
			if tc.name == "failing step" && !strings.Contains(live, "compiling") {
				t.Errorf("the step's own output is missing:\n%s", live)
			}
			b, err := w.store.Build(context.Background(), w.app, res.Build.ID.String())
			if err != nil || b.Status != platform.BuildFailed || b.Failure == nil || b.ReleaseID != nil {
				t.Errorf("stored: %+v, %v", b, err)
			}
			if after := w.releases(); after != before {
				t.Errorf("%d releases before, %d after a failed build", before, after)
			}
		})
	}
}

// A second build of an app waits for the first, and says so.
func TestBuildsOfAnAppTakeTurns(t *testing.T) {
	w := newWorld(t)
	slow := source(t, map[string]string{"Dockerfile": "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"sleep\", \"2\"]\n" +
		"ARG N\nRUN [\"/bin/busybox\", \"true\"]\nCMD [\"/bin/busybox\", \"sleep\", \"1000\"]\n", "n": fmt.Sprint(time.Now().UnixNano())}, true)
	var wg sync.WaitGroup
	outs := make([]string, 2)
	ends := make([]time.Time, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, live := w.build(slow)
			if res.Err != nil {
				t.Errorf("build %d: %v\n%s", i, res.Err, live)
			}
			outs[i], ends[i] = live, time.Now()
		}()
		time.Sleep(200 * time.Millisecond)
	}
	wg.Wait()
	if !strings.Contains(outs[1], "Waiting for the build already running") || strings.Contains(outs[0], "Waiting") {
		t.Errorf("outputs:\n%s\n---\n%s", outs[0], outs[1])
	}
	if ends[1].Before(ends[0]) {
		t.Error("the second build ended first")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// A release process type runs once, in the new image with the app's
// config, before the release is made, its output in the build's; it is
// not a dyno type. When it fails, the release is recorded failed and the
// one before it stays current.
func TestReleasePhase(t *testing.T) {
	w := newWorld(t)
	greeting := "hello from config"
	if _, err := w.store.UpdateConfigVars(context.Background(), w.user, w.app, map[string]*string{"GREETING": &greeting}); err != nil {
		t.Fatal(err)
	}
	procfile := "web: /bin/busybox httpd -f -p $PORT -h /www\nrelease: /bin/busybox sh -c 'echo migrating: $GREETING on $DYNO'\n"
	res, live := w.build(source(t, map[string]string{"Dockerfile": webApp, "index.html": "x", "Procfile": procfile}, true))
	if res.Err != nil || res.Release == nil || res.Release.Version != 3 {
		t.Fatalf("build: %+v\n%s", res, live)
	}
	contains := func(s string, wants ...string) {
		t.Helper()
		for _, want := range wants {
			if !strings.Contains(s, want) {
				t.Errorf("output lacks %q:\n%s", want, s)
			}
		}
	}
	contains(live, "-----> Running release command: /bin/busybox sh -c", "       migrating: hello from config on release.1", "-----> Launching... done, v3")
	fs, err := w.store.Formation(context.Background(), w.app)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Type == "release" {
			t.Errorf("release became a dyno type: %+v", f)
		}
	}

	procfile = "web: /bin/busybox httpd -f -p $PORT -h /www\nrelease: /bin/busybox sh -c 'echo migration failed >&2; exit 3'\n"
	res, live = w.build(source(t, map[string]string{"Dockerfile": webApp, "index.html": "y", "Procfile": procfile}, true))
	if res.Err == nil || !strings.Contains(res.Err.Error(), "exited with status 3: v4 is marked failed") {
		t.Fatalf("failing release phase: %v\n%s", res.Err, live)
	}
	contains(live, "       migration failed")
	r4, err := w.store.Release(context.Background(), w.app, "4")
	if err != nil || r4.Status != platform.ReleaseFailed || r4.Current {
		t.Errorf("v4: %+v, %v", r4, err)
	}
	r3, err := w.store.Release(context.Background(), w.app, "3")
	if err != nil || !r3.Current {
		t.Errorf("v3 should still be current: %+v, %v", r3, err)
	}
	b, err := w.store.Build(context.Background(), w.app, res.Build.ID.String())
	if err != nil || b.Status != platform.BuildFailed || b.ReleaseID == nil || *b.ReleaseID != r4.ID {
		t.Errorf("build of a failed release phase: %+v, %v", b, err)
	}
}

// With a registry, a built image is pushed there and the release names it
// there, for hosts to pull.
func TestBuildPushesToRegistry(t *testing.T) {
	reg, err := docker.ParseRegistry(dockertest.Registry(t), "", "")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, func(b *builder.Builder) { b.Registry = reg })
	t.Cleanup(func() { dockertest.RemoveImages(reg.Host + "/" + w.app.Name) })
	res, live := w.build(source(t, map[string]string{"Dockerfile": webApp, "index.html": "x"}, true))
	if res.Err != nil || !strings.Contains(live, "-----> Pushing the image to "+reg.Host) {
		t.Fatalf("build: %v\n%s", res.Err, live)
	}
	slug, err := w.store.Slug(context.Background(), w.app, res.Release.SlugID.String())
	if err != nil || slug.Image != reg.Ref(w.app.Name, res.Build.ID.String()[:8]) {
		t.Fatalf("slug image %q, %v", slug.Image, err)
	}
	resp, err := http.Get("http://" + reg.Host + "/v2/" + w.app.Name + "/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), res.Build.ID.String()[:8]) {
		t.Errorf("the registry's tags: %s", body)
	}
}

// Containers of builds that settled (their server died mid-build, or
// never cleaned up) are removed by the sweeper, and so are the build
// caches of destroyed apps; a pending build's containers and a live app's
// cache stay.
func TestLeftoverBuildContainersRemoved(t *testing.T) {
	w := newWorld(t, func(b *builder.Builder) { b.SweepEvery = 100 * time.Millisecond })
	ctx := context.Background()
	res, live := w.build(source(t, map[string]string{"Dockerfile": webApp, "index.html": "x"}, true))
	if res.Err != nil {
		t.Fatalf("build: %v\n%s", res.Err, live)
	}
	slot, err := w.store.CreateBuild(ctx, w.user, w.app, platform.Build{SourceURL: "http://example.com/pending.tgz"})
	if err != nil {
		t.Fatal(err)
	}
	defer slot.Close()
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\n", nil)
	made := map[string]string{}
	for what, build := range map[string]string{"settled": res.Build.ID.String(), "unknown": uuid.NewString(), "pending": slot.Build.ID.String()} {
		c, err := api.ContainerCreate(ctx, &container.Config{Image: img, Cmd: []string{"/bin/busybox", "sleep", "60"},
			Labels: map[string]string{docker.LabelBuild: build, docker.LabelCluster: w.b.Cluster}}, nil, nil, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		made[what] = c.ID
		t.Cleanup(func() { api.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true}) })
	}
	// Build caches: one of an app that was destroyed, one of a live app.
	for _, app := range []string{uuid.NewString(), w.app.ID.String()} {
		v, err := api.VolumeCreate(ctx, volume.CreateOptions{Name: "pier-cache-" + app + "-0",
			Labels: map[string]string{builder.LabelBuildCache: app, docker.LabelCluster: w.b.Cluster}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { api.VolumeRemove(context.Background(), v.Name, true) })
		made["cache of "+app] = v.Name
	}
	exists := func(id string) bool { _, err := api.ContainerInspect(ctx, id); return err == nil }
	orphan := func() bool {
		vals, _ := dockertest.Engine(t).VolumeLabelValues(ctx, builder.LabelBuildCache, w.b.Cluster)
		return len(vals) > 1
	}
	for deadline := time.Now().Add(10 * time.Second); exists(made["settled"]) || exists(made["unknown"]) || orphan(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the containers of settled and unknown builds, or a destroyed app's cache, were not removed")
		}
	}
	if !exists(made["pending"]) {
		t.Error("the container of a pending build was removed")
	}
	for what, name := range made {
		if !strings.HasPrefix(what, "cache of ") {
			continue
		}
		_, err := api.VolumeInspect(ctx, name)
		if live := strings.HasSuffix(what, w.app.ID.String()); live != (err == nil) {
			t.Errorf("%s: live app %v, volume there: %v", what, live, err == nil)
		}
	}
}
