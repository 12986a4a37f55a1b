// Package dynos keeps every app's formation running. Its Loop observes the
// Docker hosts, asks scheduler.Reconcile for a plan and applies it, and
// publishes what runs where for the router and the API.
//
// Every server runs the loop's observing half, so each server's router and
// API see the dynos; only the server holding the scheduler lease (a
// Postgres advisory lock) writes host health and starts or stops
// containers.
package dynos

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/scheduler"
)

// Store is the state the loop reads, and the host health it writes.
type Store interface {
	Workloads(ctx context.Context) ([]platform.Workload, error)
	Hosts(ctx context.Context) ([]platform.Host, error)
	SetHostHealth(ctx context.Context, h platform.Host, healthy bool, reason string) error
	FailRelease(ctx context.Context, app platform.Ref, r platform.Release, reason string) error
	FollowFromNow(ctx context.Context, fn func(platform.Event), live func(bool)) error
}

// Engine is one Docker host as the loop uses it.
type Engine interface {
	Observe(ctx context.Context, cluster, hostID string) ([]scheduler.Instance, error)
	Run(ctx context.Context, s docker.RunSpec) (string, error)
	RunAttached(ctx context.Context, s docker.RunSpec) (*docker.Session, error)
	Stop(ctx context.Context, id string, timeout time.Duration) error
	Watch(ctx context.Context, cluster string, changed func()) error
	HasImage(ctx context.Context, ref string) (bool, error)
	ExportImage(ctx context.Context, ref string) (io.ReadCloser, error)
	ImportImage(ctx context.Context, r io.Reader) error
	PullImage(ctx context.Context, ref string, reg *docker.Registry) error
	ListImages(ctx context.Context, cluster string, prefixes []string) ([]docker.ImageInfo, error)
	Stats(ctx context.Context, id string) (docker.Stats, error)
	RemoveImage(ctx context.Context, ref string) error
	FollowLogs(ctx context.Context, id string, since time.Time, fn func(stream int, t time.Time, line string)) error
	Close() error
}

// Lease is the scheduler lock; see postgres.Lease.
type Lease interface {
	Check(ctx context.Context) error
	Release()
}

// Loop is the scheduler loop. Set the fields, then call Run.
type Loop struct {
	Store Store
	// Cluster is this installation's id; only containers labelled with it
	// are Pier's to adopt or stop.
	Cluster string
	// Registry, when set, is where built images are (PIER_REGISTRY): a
	// host that lacks one pulls it from there rather than have it streamed
	// from a host that has it.
	Registry *docker.Registry
	// Images, when set, says which images the newest KeepReleases releases
	// of every app run (DefaultKeepReleases); every PruneEvery the leader
	// removes Pier's other images, older than PruneMinAge (negative: any
	// age), from the hosts. Nil keeps every image.
	Images       ImageStore
	KeepReleases int
	PruneEvery   time.Duration
	PruneMinAge  time.Duration
	// Metrics, when set, receives the running dynos' resource use every
	// MetricsEvery (DefaultMetricsEvery), read by the leader.
	Metrics      MetricsStore
	MetricsEvery time.Duration
	// Connect reaches a host's engine (its endpoint, with its TLS files).
	Connect func(ctx context.Context, h platform.Host) (Engine, error)
	// Lead tries to take the scheduler lease; (nil, nil) means another
	// server holds it. A nil Lead makes this loop observe only.
	Lead   func(ctx context.Context) (Lease, error)
	Logger *slog.Logger
	Now    func() time.Time
	// Options tune the reconciler.
	Options  scheduler.Options
	Strategy scheduler.Strategy
	// Resync bounds how long the loop sleeps with nothing to wake it (10s).
	Resync time.Duration
	// StopTimeout is the grace between SIGTERM and SIGKILL (30s).
	StopTimeout time.Duration
	// ReleaseTimeout is how long a new release's web dynos have to become
	// healthy before the release is failed and the previous one kept (60s,
	// Heroku's boot timeout).
	ReleaseTimeout time.Duration
	// Drain, when set, is called after a web dyno leaves the routes and
	// before it is sent SIGTERM; it returns once its requests are done.
	Drain func(ctx context.Context, addr string)
	// Published is called with each new snapshot.
	Published func(*Snapshot)
	// Log, when set, receives the dynos' output (source "app") and the
	// platform's lines about them (source "heroku"), by app id.
	Log func(appID, source, dyno string, t time.Time, text string)

	wakec    chan struct{}
	snap     atomic.Pointer[Snapshot]
	pending  atomic.Pointer[[]scheduler.Pending] // from the last plan this server made
	engines  map[string]*hostConn                // host id → connection
	lastSeen map[string][]scheduler.Instance
	health   *healthChecks
	lease    Lease
	leadTry  time.Time

	pruning   atomic.Bool
	lastPrune time.Time // guarded by pruning

	sampling   atomic.Bool
	lastSample time.Time          // guarded by sampling
	readings   map[string]reading // container id → last CPU reading, guarded by sampling

	failed map[slot]failure // placements that failed lately, guarded by mu
	starts *starts
	tails  *logTails

	mu       sync.Mutex
	stopping map[string]bool // container ids being stopped
	// stopped: container ids stopped at the time given, kept out of the
	// routes until a round that began observing after that time is
	// published; a round that observed before the stop would otherwise
	// route to a container that is gone.
	stopped map[string]time.Time
	wg      sync.WaitGroup
}

// Snapshot returns what the loop last saw; never nil after Run started.
func (l *Loop) Snapshot() *Snapshot {
	if s := l.snap.Load(); s != nil {
		return s
	}
	return &Snapshot{}
}

// Wake makes the loop run a round now.
func (l *Loop) Wake() {
	select {
	case l.wakec <- struct{}{}:
	default:
	}
}

func (l *Loop) init() {
	if l.Now == nil {
		l.Now = time.Now
	}
	if l.Logger == nil {
		l.Logger = slog.New(slog.DiscardHandler)
	}
	if l.Resync <= 0 {
		l.Resync = 10 * time.Second
	}
	if l.StopTimeout <= 0 {
		l.StopTimeout = 30 * time.Second
	}
	if l.ReleaseTimeout <= 0 {
		l.ReleaseTimeout = time.Minute
	}
	l.wakec = make(chan struct{}, 1)
	l.engines = map[string]*hostConn{}
	l.lastSeen = map[string][]scheduler.Instance{}
	l.stopping = map[string]bool{}
	l.stopped = map[string]time.Time{}
	l.failed = map[slot]failure{}
	l.starts = newStarts()
	l.tails = newLogTails(l.Now())
	l.health = newHealthChecks(l.Now)
}

// Run loops until ctx ends, then waits for stops in flight and gives up the
// lease. Containers keep running: the next server adopts them.
func (l *Loop) Run(ctx context.Context) error {
	l.init()
	defer func() {
		l.wg.Wait()
		for id, c := range l.engines {
			c.close()
			delete(l.engines, id)
		}
		if l.lease != nil {
			l.lease.Release()
		}
	}()
	go l.follow(ctx)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-l.wakec:
		}
		began := time.Now()
		next := l.round(ctx)
		l.Logger.Debug("scheduler round", "took", time.Since(began), "next", next)
		timer.Reset(next)
	}
}

// follow wakes the loop on every event-log entry (a release, a scale, a
// host change), and whenever the follower (re)connects, until ctx ends.
func (l *Loop) follow(ctx context.Context) {
	connected := false
	l.Store.FollowFromNow(ctx, func(platform.Event) { l.Wake() }, func(live bool) {
		if live && !connected {
			l.Wake()
		}
		connected = live
	})
}
