package dynos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/scheduler"
)

// apply performs a plan and reports whether it did anything. Stops and
// starts both run in the background, so a slow engine never holds up the
// next round: a stop may wait out the stop timeout, a start may first copy
// an image. A step that fails is logged and left for a later round, which
// plans again from what really runs.
func (l *Loop) apply(ctx context.Context, w world, observed []scheduler.Instance, plan scheduler.Plan) (acted bool) {
	byID := make(map[string]*scheduler.Instance, len(observed))
	for i := range observed {
		byID[observed[i].ID] = &observed[i]
	}
	var started []scheduler.Instance
	l.mu.Lock()
	for _, s := range plan.Stop {
		in := byID[s.InstanceID]
		if in == nil || l.stopping[in.ID] || isStarting(in.ID) {
			continue // a start in progress is stopped once its container shows
		}
		e := l.engines[in.Host]
		if e == nil {
			// Its host is lost: forget it. If the host comes back, the
			// container is observed again and stopped as a duplicate.
			l.forget(in.Host, in.ID)
			continue
		}
		l.stopping[in.ID] = true
		started = append(started, *in)
		l.Logger.Info("stopping dyno", "app", appName(w, in.App), "dyno", Name(in.Type, in.Index),
			"release", in.Release, "host", w.hosts[in.Host].Name, "reason", s.Reason)
		l.wg.Add(1)
		go l.stop(ctx, e.engine, *in)
	}
	l.mu.Unlock()
	if len(started) > 0 {
		l.publish(w, observed) // the router lets go of them before SIGTERM
	}

	tried := l.startAll(ctx, w, plan.Place)
	for _, p := range plan.Pending {
		l.Logger.Info("dyno pending", "app", appName(w, p.App), "dyno", Name(p.Type, p.Index), "reason", p.Reason)
	}
	return tried > 0 || len(started) > 0
}

// log writes a heroku[web.1] line about a dyno.
func (l *Loop) log(appID, dyno, text string) {
	if l.Log != nil {
		l.Log(appID, "heroku", dyno, l.Now(), text)
	}
}

// forget drops an instance from an unreachable host's last known list.
func (l *Loop) forget(hostID, id string) {
	seen := l.lastSeen[hostID]
	for i := range seen {
		if seen[i].ID == id {
			l.lastSeen[hostID] = append(seen[:i:i], seen[i+1:]...)
			return
		}
	}
}

// stop drains a web dyno, then stops and removes its container.
func (l *Loop) stop(ctx context.Context, e Engine, in scheduler.Instance) {
	defer l.wg.Done()
	defer func() {
		l.mu.Lock()
		delete(l.stopping, in.ID)
		l.stopped[in.ID] = time.Now()
		l.mu.Unlock()
		l.Wake()
	}()
	if l.Drain != nil && in.Addr != "" && in.State == scheduler.Up {
		// In-flight requests get until the stop timeout, as they would
		// after SIGTERM.
		dctx, cancel := context.WithTimeout(ctx, l.StopTimeout)
		l.Drain(dctx, in.Addr)
		cancel()
	}
	if in.State == scheduler.Up || in.State == scheduler.Starting {
		l.log(in.App, Name(in.Type, in.Index), "Stopping all processes with SIGTERM")
	}
	if err := e.Stop(ctx, in.ID, l.StopTimeout); err != nil && ctx.Err() == nil {
		l.Logger.Warn("could not stop dyno", "container", in.ID[:min(12, len(in.ID))], "err", err)
	}
}

// dynoSpec is what every dyno container of an app's release gets, one-offs
// included: Heroku's environment (config vars plus PORT, DYNO and
// PIER_RELEASE, then extra) and the size's limits, CPUs capped at the host's.
func (l *Loop) dynoSpec(a *platform.Workload, h platform.Host, name string, release int, size platform.DynoSize, extra map[string]string) docker.RunSpec {
	env := make(map[string]string, len(a.Env)+len(extra)+3)
	for k, v := range a.Env {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	env["PORT"] = strconv.Itoa(docker.WebPort)
	env["DYNO"] = name
	env["PIER_RELEASE"] = "v" + strconv.Itoa(release)
	cpus := size.CPUs
	if h.CPUs > 0 && cpus > float64(h.CPUs) {
		cpus = float64(h.CPUs)
	}
	return docker.RunSpec{
		Name:        fmt.Sprintf("%s.%s.v%d.%s", a.App.Name, name, release, randomSuffix()),
		Image:       a.Image,
		Env:         env,
		MemoryMB:    size.MemoryMB,
		CPUs:        cpus,
		StopTimeout: l.StopTimeout,
	}
}

// runSpec is the container for one placement: dynoSpec, its Procfile
// command, the labels observation reads back, and web's published port.
func (l *Loop) runSpec(a *platform.Workload, h platform.Host, p scheduler.Placement, size platform.DynoSize) docker.RunSpec {
	name := Name(p.Type, p.Index)
	s := l.dynoSpec(a, h, name, p.Release, size, nil)
	s.Command = a.Commands[p.Type]
	s.Labels = map[string]string{
		docker.LabelInstance: name, docker.LabelCluster: l.Cluster, docker.LabelGeneration: strconv.Itoa(p.Generation), docker.LabelApp: p.App, docker.LabelAppName: a.App.Name,
		docker.LabelType: p.Type, docker.LabelIndex: strconv.Itoa(p.Index), docker.LabelRelease: strconv.Itoa(p.Release),
		docker.LabelRestarts: strconv.Itoa(p.Restarts), docker.LabelMemoryMB: strconv.Itoa(p.MemoryMB),
	}
	s.Publish, s.HostIP = p.Type == "web", HostIP(h.Endpoint)
	return s
}

// HostIP is the address a host's published ports are bound to and reached
// at: loopback for a local socket, the engine's own address for TCP.
func HostIP(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "unix" || u.Scheme == "npipe" {
		return "127.0.0.1"
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		return ip.String()
	}
	if ips, err := net.LookupIP(host); err == nil && len(ips) > 0 {
		return ips[0].String()
	}
	return "127.0.0.1"
}

// slot names one wanted dyno; failed starts back off per slot.
type slot struct {
	app, typ string
	index    int
}

type failure struct {
	n     int
	until time.Time
}

func slotOf(p scheduler.Placement) slot { return slot{p.App, p.Type, p.Index} }

// nextRetry is how long until the earliest failed start may be retried.
func (l *Loop) nextRetry() time.Duration {
	var next time.Duration
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, f := range l.failed {
		d := f.until.Sub(now)
		if d < -time.Hour {
			delete(l.failed, k) // long forgotten
			continue
		}
		if d > 0 && (next == 0 || d < next) {
			next = d
		}
	}
	return next
}

// Name is a dyno's name: web.1.
func Name(typ string, index int) string { return typ + "." + strconv.Itoa(index) }

func appName(w world, id string) string {
	if a := w.apps[id]; a != nil {
		return a.App.Name
	}
	return id
}

func randomSuffix() string {
	var b [3]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
