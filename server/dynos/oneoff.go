package dynos

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/platform"
)

// Attached is an attached one-off as the API drives it.
type Attached struct {
	*docker.Session
	engine Engine
}

// Close releases the engine connection once the session is over.
func (a *Attached) Close() { a.engine.Close() }

// RunOneOff starts a one-off dyno of the app's current release on a
// healthy host, copying the image there if needed. Attached, it is created
// and attached but its output waits for the caller; detached, it runs to
// completion on its own, its output going to the app's log, and is
// removed afterwards.
func (l *Loop) RunOneOff(ctx context.Context, req platform.OneOff) (platform.Dyno, *Attached, error) {
	snap := l.Snapshot()
	w := snap.workload(req.App)
	if w == nil || w.Release == nil {
		return platform.Dyno{}, nil, platform.Invalid("The app has no release to run a command in: deploy first.")
	}
	e, h, err := l.oneOffHost(ctx, snap, w.Image)
	if err != nil {
		return platform.Dyno{}, nil, err
	}
	name := "run." + strconv.Itoa(1000+rand.IntN(9000))
	spec := l.dynoSpec(w, h, name, w.Release.Version, req.Size, req.Env)
	spec.Command = req.Command
	// No instance label: the scheduler neither adopts nor stops it.
	spec.Labels = map[string]string{
		docker.LabelCluster: l.Cluster, docker.LabelApp: req.App.String(), docker.LabelAppName: w.App.Name,
		docker.LabelType: "run", LabelOneOff: name, docker.LabelRelease: strconv.Itoa(w.Release.Version),
	}
	// A detached one-off is removed once its output is read, not
	// auto-removed: a command that exits at once would take its output with
	// it before anyone read it.
	spec.TTY = req.TTY
	now := l.Now()
	d := platform.Dyno{Name: name, Type: "run", State: "starting", Command: req.Command, Size: req.Size.Name,
		Release: platform.ReleaseRef{ID: w.Release.ID, Version: w.Release.Version}, Host: h.Name, CreatedAt: now, UpdatedAt: now}
	l.log(req.App.String(), name, "Starting process with command `"+req.Command+"`")
	if req.Attach {
		s, err := e.RunAttached(ctx, spec)
		if err != nil {
			e.Close()
			return d, nil, err
		}
		d.ID = s.ID
		return d, &Attached{Session: s, engine: e}, nil
	}
	id, err := e.Run(ctx, spec)
	if err != nil {
		e.Close()
		return d, nil, err
	}
	d.ID = id
	go func() {
		defer e.Close()
		lctx, cancel := context.WithTimeout(context.Background(), 24*time.Hour)
		defer cancel()
		err := e.FollowLogs(lctx, id, time.Time{}, func(_ int, at time.Time, line string) {
			if l.Log != nil {
				l.Log(req.App.String(), "app", name, at, line)
			}
		})
		if err != nil {
			l.Logger.Warn("lost a one-off dyno's output", "dyno", name, "err", err)
		}
		l.log(req.App.String(), name, "Process exited")
		if err := e.Stop(context.Background(), id, l.StopTimeout); err != nil {
			l.Logger.Warn("could not remove a one-off dyno", "dyno", name, "err", err)
		}
	}()
	return d, nil, nil
}

// LabelOneOff marks one-off containers with their dyno name.
const LabelOneOff = "pier.one-off"

// oneOffHost picks the first healthy, non-draining host (by name) that
// has the image: the scheduler has copied it to the hosts running the app.
func (l *Loop) oneOffHost(ctx context.Context, snap *Snapshot, image string) (Engine, platform.Host, error) {
	hosts := slices.Collect(maps.Values(snap.hosts))
	sort.Slice(hosts, func(i, j int) bool { return hosts[i].Name < hosts[j].Name })
	usable := false
	for _, h := range hosts {
		if !h.Healthy || h.Draining {
			continue
		}
		e, err := l.connect(ctx, h)
		if err != nil {
			continue
		}
		usable = true
		if ok, _ := e.HasImage(ctx, image); ok {
			return e, h, nil
		}
		e.Close()
	}
	if !usable {
		return nil, platform.Host{}, platform.Invalid("No healthy Docker host can run a one-off dyno right now.")
	}
	return nil, platform.Host{}, fmt.Errorf("image %s is on no reachable host: build or load it on one", image)
}
