package dynos

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/scheduler"
)

// Snapshot is what one round saw: the workloads and every observed dyno,
// with web health checked. It is immutable once published.
type Snapshot struct {
	Taken     time.Time
	Workloads []platform.Workload
	// Instances by app id, sorted by type and index.
	Instances map[string][]scheduler.Instance
	hosts     map[string]platform.Host // by id
	stopping  map[string]bool
}

// publish builds and stores this round's snapshot.
func (l *Loop) publish(w world, observed []scheduler.Instance) {
	// The round goes on to record host health in w.hosts: copy it.
	s := &Snapshot{Taken: l.Now(), Instances: map[string][]scheduler.Instance{}, hosts: maps.Clone(w.hosts)}
	for _, a := range w.apps {
		s.Workloads = append(s.Workloads, *a)
	}
	sort.Slice(s.Workloads, func(i, j int) bool { return s.Workloads[i].App.Name < s.Workloads[j].App.Name })
	for _, in := range observed {
		s.Instances[in.App] = append(s.Instances[in.App], in)
	}
	for _, list := range s.Instances {
		sort.Slice(list, func(i, j int) bool {
			if list[i].Type != list[j].Type {
				return list[i].Type < list[j].Type
			}
			if list[i].Index != list[j].Index {
				return list[i].Index < list[j].Index
			}
			return list[i].Release > list[j].Release
		})
	}
	l.mu.Lock()
	s.stopping = make(map[string]bool, len(l.stopping)+len(l.stopped))
	for id := range l.stopping {
		s.stopping[id] = true
	}
	for id := range l.stopped {
		s.stopping[id] = true
	}
	l.mu.Unlock()
	l.snap.Store(s)
	if l.Published != nil {
		l.Published(s)
	}
}

// Serving lists an app's web dynos that may take requests: up, healthy and
// not being stopped.
func (s *Snapshot) Serving(appID string) []scheduler.Instance {
	var out []scheduler.Instance
	for _, in := range s.Instances[appID] {
		if in.Type == "web" && in.State == scheduler.Up && in.Healthy && in.Addr != "" && !s.stopping[in.ID] {
			out = append(out, in)
		}
	}
	return out
}

// Dynos lists an app's dynos as the API shows them.
func (s *Snapshot) Dynos(appID uuid.UUID) []platform.Dyno {
	w := s.workload(appID)
	var out []platform.Dyno
	for _, in := range s.Instances[appID.String()] {
		d := platform.Dyno{
			ID: in.ID, Name: Name(in.Type, in.Index), Type: in.Type, State: dynoState(in, s.stopping[in.ID]),
			Release: platform.ReleaseRef{Version: in.Release}, Host: s.hosts[in.Host].Name, CreatedAt: in.StartedAt, UpdatedAt: in.StartedAt,
		}
		if !in.ExitedAt.IsZero() {
			d.UpdatedAt = in.ExitedAt
		}
		if isStarting(in.ID) {
			d.ID = "" // no container yet
		}
		if w != nil {
			d.App = w.App
			d.Command = w.Commands[in.Type]
			d.Size = platform.DefaultSize
			for _, f := range w.Formation {
				if f.Type == in.Type {
					d.Size = f.Size
				}
			}
			if w.Release != nil && w.Release.Version == in.Release {
				d.Release.ID = w.Release.ID
			}
		}
		out = append(out, d)
	}
	return out
}

// OnHost lists the dynos the last snapshot saw on a host, by app name,
// then type and number.
func (l *Loop) OnHost(hostID uuid.UUID) []platform.Dyno {
	s := l.Snapshot()
	h, ok := s.hosts[hostID.String()]
	if !ok {
		return nil
	}
	var out []platform.Dyno
	for _, w := range s.Workloads {
		for _, d := range s.Dynos(w.App.ID) {
			if d.Host == h.Name {
				out = append(out, d)
			}
		}
	}
	return out
}

// dynoState words an instance's state as Heroku does.
func dynoState(in scheduler.Instance, stopping bool) string {
	switch {
	case stopping:
		return "down"
	case in.State == scheduler.Up && (in.Healthy || in.Type != "web"):
		return "up"
	case in.State == scheduler.Up, in.State == scheduler.Starting:
		return "starting"
	case in.State == scheduler.Crashed:
		return "crashed"
	}
	return "down"
}

// Dynos lists an app's dynos from the last snapshot, and those the last
// plan could not place anywhere (state pending, with the reason).
func (l *Loop) Dynos(appID uuid.UUID) []platform.Dyno {
	s := l.Snapshot()
	out := s.Dynos(appID)
	p := l.pending.Load()
	if p == nil {
		return out
	}
	w := s.workload(appID)
	for _, pd := range *p {
		if pd.App != appID.String() || w == nil || w.Release == nil {
			continue
		}
		d := platform.Dyno{Name: Name(pd.Type, pd.Index), Type: pd.Type, State: "pending", Reason: pd.Reason,
			Command: w.Commands[pd.Type], Size: platform.DefaultSize, CreatedAt: s.Taken, UpdatedAt: s.Taken,
			Release: platform.ReleaseRef{ID: w.Release.ID, Version: w.Release.Version}}
		for _, f := range w.Formation {
			if f.Type == pd.Type {
				d.Size = f.Size
			}
		}
		out = append(out, d)
	}
	return out
}

// StopDyno stops every container of one dyno (web.1) of an app, in the
// background; the scheduler then starts a fresh one, as Heroku does after
// `ps:stop` or `ps:restart web.1`. It reports how many it is stopping.
func (l *Loop) StopDyno(appID uuid.UUID, name string) int {
	s := l.Snapshot()
	n := 0
	for _, in := range s.Instances[appID.String()] {
		if Name(in.Type, in.Index) != name {
			continue
		}
		host, ok := s.hosts[in.Host]
		if !ok {
			continue
		}
		n++
		go func(in scheduler.Instance) {
			ctx, cancel := context.WithTimeout(context.Background(), l.StopTimeout+10*time.Second)
			defer cancel()
			e, err := l.Connect(ctx, host)
			if err != nil {
				l.Logger.Warn("could not stop dyno", "dyno", name, "err", err)
				return
			}
			defer e.Close()
			if err := e.Stop(ctx, in.ID, l.StopTimeout); err != nil {
				l.Logger.Warn("could not stop dyno", "dyno", name, "err", err)
			}
			l.Wake()
		}(in)
	}
	return n
}

// HostDynos counts the containers of dynos, running or not, that the last
// snapshot saw on a host.
func (l *Loop) HostDynos(hostID uuid.UUID) int {
	n, _ := l.HostUse(hostID)
	return n
}

// HostUse is what the last snapshot saw on a host: its dynos' containers
// (running or not), and the memory the running ones are limited to.
func (l *Loop) HostUse(hostID uuid.UUID) (dynos, memoryMB int) {
	id := hostID.String()
	for _, list := range l.Snapshot().Instances {
		for _, in := range list {
			if in.Host != id {
				continue
			}
			dynos++
			if in.State == scheduler.Starting || in.State == scheduler.Up {
				memoryMB += in.MemoryMB
			}
		}
	}
	return dynos, memoryMB
}

// workload finds an app's workload, or nil.
func (s *Snapshot) workload(appID uuid.UUID) *platform.Workload {
	for i := range s.Workloads {
		if s.Workloads[i].App.ID == appID {
			return &s.Workloads[i]
		}
	}
	return nil
}

// forgetStopped lets go of the stops that finished before a published
// round began observing: that round saw what the stops left.
func (l *Loop) forgetStopped(observing time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, at := range l.stopped {
		if at.Before(observing) {
			delete(l.stopped, id)
		}
	}
}

// Digest sums up what a viewer of the dynos sees (each one's app, name,
// release, state and health), so that a new snapshot that changes
// nothing visible can be told apart cheaply.
func (s *Snapshot) Digest() uint64 {
	h := fnv.New64a()
	apps := slices.Sorted(maps.Keys(s.Instances))
	for _, app := range apps {
		for _, in := range s.Instances[app] {
			fmt.Fprintf(h, "%s %s.%d v%d %v %v %v\n", app, in.Type, in.Index, in.Release, in.State, in.Healthy, s.stopping[in.ID])
		}
	}
	return h.Sum64()
}
