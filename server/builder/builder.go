// Package builder turns a source tarball into a release: it fetches and
// checks the source, builds an image from it on the local Docker engine
// (its Dockerfile, else Heroku classic buildpacks in a builder container),
// reads its process types and releases it, writing Heroku-style output
// (`-----> Step` lines) that a git push shows live and output_stream_url
// replays. One build per app runs at a time; a build whose server dies is
// failed by the next server that looks.
package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/buildpack"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

// Store is the state a build reads and settles.
type Store interface {
	OutputStore
	CreateBuild(ctx context.Context, actor platform.User, a platform.App, b platform.Build) (*postgres.BuildSlot, error)
	SucceedBuild(ctx context.Context, actor platform.User, a platform.App, buildID uuid.UUID, x platform.Slug, desc string, ref *platform.RefUpdate) (platform.Release, error)
	FailReleasePhase(ctx context.Context, actor platform.User, a platform.App, buildID uuid.UUID, x platform.Slug, desc, reason string) (platform.Release, error)
	FailBuild(ctx context.Context, app platform.Ref, buildID uuid.UUID, reason string) error
	ConfigVars(ctx context.Context, a platform.App) (map[string]string, error)
	BuildSettings(ctx context.Context, a platform.App) (platform.BuildSettings, error)
	FailAbandonedBuilds(ctx context.Context) (int, error)
	PendingBuilds(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]bool, error)
	ExistingApps(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]bool, error)
}

// Engine builds images and reads what they run: the local Docker engine.
type Engine interface {
	Build(ctx context.Context, buildContext io.Reader, tag string, labels map[string]string, out io.Writer) (string, error)
	ReadImage(ctx context.Context, image string) (platform.Image, error)
	// RunAttached runs a container and hands over its output and exit
	// status: the release phase.
	RunAttached(ctx context.Context, s docker.RunSpec) (*docker.Session, error)
	// CreateJob and RemoveVolumes run buildpacks: a builder container
	// and the app's build cache volumes.
	CreateJob(ctx context.Context, s docker.JobSpec, pullOut io.Writer) (*docker.Job, error)
	RemoveVolumes(ctx context.Context, labels map[string]string, keep string) error
	// PushImage sends a built image to the registry.
	PushImage(ctx context.Context, id, ref string, reg *docker.Registry) error
	// BuildContainers and RemoveContainer find and remove the containers
	// of builds that ended without removing them (their server died).
	BuildContainers(ctx context.Context, cluster string) (map[string][]string, error)
	RemoveContainer(ctx context.Context, id string) error
	VolumeLabelValues(ctx context.Context, key, cluster string) ([]string, error)
}

// DefaultTimeout bounds a build, Heroku's 15 minutes.
const DefaultTimeout = 15 * time.Minute

// Builder runs builds. Set its fields, then call Run once for its
// lifetime; Start may be called before Run.
type Builder struct {
	Store  Store
	Engine Engine
	Logger *slog.Logger
	// AppURL is where an app answers, shown when a build is released.
	AppURL func(name string) string
	// Timeout bounds a build; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxSourceBytes bounds a fetched source and what it unpacks to.
	MaxSourceBytes int64
	// TempDir holds sources while they build; "" is the system's.
	TempDir string
	// Cluster is the installation's id. It labels the containers and the
	// build caches builds make, so that sweeping the leftovers of crashed
	// builds and destroyed apps touches only this installation's; empty
	// sweeps nothing.
	Cluster string
	// Buildpacks fetches the buildpacks that build apps without a
	// Dockerfile; nil builds only Dockerfiles.
	Buildpacks *buildpack.Resolver
	// BuildStack is the image buildpacks compile in, RunStack the one
	// their result runs on; "" are Heroku's (DefaultBuildStack,
	// DefaultRunStack).
	BuildStack, RunStack string
	// BuildMemoryMB bounds a builder container; zero is
	// DefaultBuildMemoryMB.
	BuildMemoryMB int
	// Registry, when set, receives every built image, and releases name
	// it there so that hosts pull it (PIER_REGISTRY); nil leaves images on
	// this engine, for the scheduler to stream to the hosts that need them.
	Registry *docker.Registry
	// MaxSlugBytes bounds a compiled app; zero is DefaultMaxSlugBytes.
	MaxSlugBytes int64
	// SweepEvery is how often pending builds whose server died are
	// failed; zero means 30 s.
	SweepEvery time.Duration

	once     sync.Once
	stopping chan struct{}
	running  sync.WaitGroup
}

// Request is one build to run.
type Request struct {
	// Open opens the source tarball; the build closes it.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// SourceURL is shown as the build's source_blob.url.
	SourceURL string
	// Version is the source's version (a commit), shown and used in the
	// release's description; Checksum ("SHA256:hex"), when set, is checked.
	Version, Checksum *string
	Buildpacks        []string
	// Live, when set, gets the build's output as it is written (a git
	// push's remote: lines).
	Live io.Writer
	// Ref, for a push, is the branch the build moves when it is released.
	Ref *platform.RefUpdate
	// Check, when set, runs once the app's earlier builds have ended and
	// before this one fetches its source: an error fails the build (a
	// push whose branch moved while it waited).
	Check func(ctx context.Context) error
}

// Result is how a build ended.
type Result struct {
	Build   platform.Build
	Release *platform.Release
	Err     error // why it failed (its message is the build's failure); nil when it succeeded
}

func (b *Builder) init() {
	b.once.Do(func() { b.stopping = make(chan struct{}) })
}

// Start records a pending build and runs it in the background. The
// returned channel yields its result once it has settled.
func (b *Builder) Start(ctx context.Context, actor platform.User, app platform.App, req Request) (platform.Build, <-chan Result, error) {
	b.init()
	select {
	case <-b.stopping:
		return platform.Build{}, nil, errors.New("the server is shutting down")
	default:
	}
	slot, err := b.Store.CreateBuild(ctx, actor, app, platform.Build{SourceURL: req.SourceURL, SourceVersion: req.Version,
		SourceChecksum: req.Checksum, Buildpacks: req.Buildpacks})
	if err != nil {
		return platform.Build{}, nil, err
	}
	done := make(chan Result, 1)
	b.running.Add(1)
	go func() {
		defer b.running.Done()
		done <- b.run(actor, app, slot, req)
	}()
	return slot.Build, done, nil
}

// Run fails the builds other servers abandoned, now and every SweepEvery,
// until ctx ends; then it stops the builds running here (they fail, and
// say why) and returns once they have settled.
func (b *Builder) Run(ctx context.Context) {
	b.init()
	every := b.SweepEvery
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := b.Store.FailAbandonedBuilds(ctx); err != nil && ctx.Err() == nil {
			b.Logger.Warn("could not look for abandoned builds", "err", err)
		} else if n > 0 {
			b.Logger.Info("failed builds whose server stopped", "builds", n)
		}
		b.removeLeftovers(ctx)
		b.removeOrphanCaches(ctx)
		select {
		case <-ctx.Done():
			close(b.stopping)
			b.running.Wait()
			return
		case <-t.C:
		}
	}
}

// run runs one build to its end and settles it.
func (b *Builder) run(actor platform.User, app platform.App, slot *postgres.BuildSlot, req Request) Result {
	defer slot.Close()
	build := slot.Build
	out := newOutput(b.Store, build.ID, req.Live, b.Logger)
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	go func() {
		select {
		case <-b.stopping:
			cancel(errStopping)
		case <-ctx.Done():
		}
	}()
	err := slot.WaitForApp(ctx, func() {
		fmt.Fprintf(out, "-----> Waiting for the build already running for %s to finish\n", app.Name)
	})
	var rel *platform.Release
	if err == nil {
		tctx, tcancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("the build took longer than %s and was stopped", timeout))
		var r platform.Release
		r, err = b.build(tctx, actor, app, build, req, out)
		if err == nil {
			rel = &r
		} else if tctx.Err() != nil {
			err = context.Cause(tctx)
		}
		tcancel()
	} else if ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		msg := err.Error()
		fmt.Fprintf(out, "\n !     %s\n !     Build failed.\n", strings.ReplaceAll(strings.TrimSpace(msg), "\n", "\n !     "))
		out.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		if ferr := b.Store.FailBuild(sctx, platform.Ref{ID: app.ID, Name: app.Name}, build.ID, msg); ferr != nil {
			b.Logger.Error("could not record a failed build", "build", build.ID, "err", ferr)
		}
		build.Status, build.Failure = platform.BuildFailed, &msg
		if platform.KindOf(err) == platform.KindInternal && !errors.Is(err, errStopping) {
			b.Logger.Warn("build failed", "app", app.Name, "build", build.ID, "err", err)
		}
		return Result{Build: build, Err: err}
	}
	out.Close()
	build.Status, build.ReleaseID = platform.BuildSucceeded, &rel.ID
	return Result{Build: build, Release: rel}
}

var errStopping = errors.New("the Pier server stopped during the build: start it again")

// removeLeftovers removes the builder and release-phase containers of
// builds that have settled: a server that died mid-build left them.
func (b *Builder) removeLeftovers(ctx context.Context) {
	if b.Cluster == "" {
		return
	}
	byBuild, err := b.Engine.BuildContainers(ctx, b.Cluster)
	if err != nil || len(byBuild) == 0 {
		if err != nil && ctx.Err() == nil {
			b.Logger.Warn("could not look for leftover build containers", "err", err)
		}
		return
	}
	ids := make([]uuid.UUID, 0, len(byBuild))
	for s := range byBuild {
		if id, err := uuid.Parse(s); err == nil {
			ids = append(ids, id)
		}
	}
	pending, err := b.Store.PendingBuilds(ctx, ids)
	if err != nil {
		return
	}
	for s, containers := range byBuild {
		if id, err := uuid.Parse(s); err == nil && pending[id] {
			continue
		}
		for _, c := range containers {
			if err := b.Engine.RemoveContainer(ctx, c); err != nil {
				b.Logger.Warn("could not remove a leftover build container", "build", s, "err", err)
			} else {
				b.Logger.Info("removed a container of a build that ended", "build", s)
			}
		}
	}
}

// removeOrphanCaches removes the build caches of apps that were
// destroyed.
func (b *Builder) removeOrphanCaches(ctx context.Context) {
	if b.Cluster == "" {
		return
	}
	vals, err := b.Engine.VolumeLabelValues(ctx, LabelBuildCache, b.Cluster)
	if err != nil || len(vals) == 0 {
		return
	}
	ids := make([]uuid.UUID, 0, len(vals))
	for _, v := range vals {
		if id, err := uuid.Parse(v); err == nil {
			ids = append(ids, id)
		}
	}
	exist, err := b.Store.ExistingApps(ctx, ids)
	if err != nil {
		return
	}
	for _, id := range ids {
		if exist[id] {
			continue
		}
		if err := b.Engine.RemoveVolumes(ctx, map[string]string{LabelBuildCache: id.String()}, ""); err != nil {
			b.Logger.Warn("could not remove a destroyed app's build cache", "app", id, "err", err)
		}
	}
}

// labels are the labels of a container or volume a build makes.
func (b *Builder) labels(app platform.App, kv ...string) map[string]string {
	l := map[string]string{docker.LabelAppName: app.Name}
	if b.Cluster != "" {
		l[docker.LabelCluster] = b.Cluster
	}
	for i := 0; i+1 < len(kv); i += 2 {
		l[kv[i]] = kv[i+1]
	}
	return l
}
