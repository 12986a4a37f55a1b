package dynos

import (
	"strings"

	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/scheduler"
)

// world is one round's view: what should run and where it can.
type world struct {
	apps  map[string]*platform.Workload // by app id
	hosts map[string]platform.Host      // by host id
}

func newWorld(ws []platform.Workload, hosts []platform.Host) world {
	w := world{apps: make(map[string]*platform.Workload, len(ws)), hosts: make(map[string]platform.Host, len(hosts))}
	for i := range ws {
		w.apps[ws[i].App.ID.String()] = &ws[i]
	}
	for _, h := range hosts {
		w.hosts[h.ID.String()] = h
	}
	return w
}

// desired turns the workloads and the pool into the reconciler's input.
func (w world) desired(strategy scheduler.Strategy) scheduler.Desired {
	d := scheduler.Desired{Release: make(map[string]*scheduler.ReleaseRef, len(w.apps)), Strategy: strategy}
	for id, a := range w.apps {
		if a.Release == nil {
			continue
		}
		d.Release[id] = &scheduler.ReleaseRef{ID: a.Release.ID.String(), Version: a.Release.Version}
		for _, f := range a.Formation {
			if _, ok := a.Commands[f.Type]; !ok {
				continue // the release has no such process type
			}
			size, err := platform.LookupSize(f.Size)
			if err != nil {
				size, _ = platform.LookupSize(platform.DefaultSize)
			}
			d.Processes = append(d.Processes, scheduler.ProcessSpec{
				App: id, Type: f.Type, Quantity: f.Quantity, MemoryMB: size.MemoryMB, Web: f.Type == "web", Generation: f.Generation,
			})
		}
	}
	for _, h := range w.hosts {
		sh := scheduler.Host{ID: h.ID.String(), Healthy: h.Healthy, Draining: h.Draining, Labels: h.Labels, MemoryMB: h.MemoryMB}
		if h.UnhealthySince != nil {
			sh.UnhealthySince = *h.UnhealthySince
		}
		d.Hosts = append(d.Hosts, sh)
	}
	return d
}

// healthPaths are the apps' HTTP health check paths, where configured.
func (w world) healthPaths() map[string]string {
	out := map[string]string{}
	for id, a := range w.apps {
		if p := a.Env[HealthPathVar]; strings.HasPrefix(p, "/") {
			out[id] = p
		}
	}
	return out
}

// size is the dyno size of an app's process type.
func (w world) size(appID, typ string) platform.DynoSize {
	if a := w.apps[appID]; a != nil {
		for _, f := range a.Formation {
			if f.Type == typ {
				if s, err := platform.LookupSize(f.Size); err == nil {
					return s
				}
			}
		}
	}
	s, _ := platform.LookupSize(platform.DefaultSize)
	return s
}

// wantsWeb reports whether a formation runs any web dyno.
func wantsWeb(fs []platform.Formation) bool {
	for _, f := range fs {
		if f.Type == "web" && f.Quantity > 0 {
			return true
		}
	}
	return false
}
