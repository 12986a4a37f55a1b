package dynos

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/scheduler"
)

// Metrics: every MetricsEvery the leader reads Docker's stats of every
// running dyno and stores, per app and process type, the mean CPU and
// memory per dyno, for the dashboard's charts of the last hour.
const (
	// DefaultMetricsEvery is how often the dynos' resource use is read:
	// 180 points an hour.
	DefaultMetricsEvery = 20 * time.Second
	// statsReaders bounds the stats requests in flight at once.
	statsReaders = 8
)

// MetricsStore keeps the samples.
type MetricsStore interface {
	RecordMetrics(ctx context.Context, now time.Time, samples []platform.ProcessMetrics) error
}

// reading is a container's last CPU counter, to make a rate of the next.
type reading struct {
	at  time.Time
	cpu uint64
}

// maybeSample starts reading the running dynos' stats when a sample is due
// and none is being taken. It returns how long until the next is due.
func (l *Loop) maybeSample(ctx context.Context, observed []scheduler.Instance) time.Duration {
	if l.Metrics == nil {
		return 0
	}
	now := l.Now()
	every := l.MetricsEvery
	if every <= 0 {
		every = DefaultMetricsEvery
	}
	if !l.sampling.CompareAndSwap(false, true) {
		return every
	}
	if due := l.lastSample.Add(every).Sub(now); !l.lastSample.IsZero() && due > 0 {
		l.sampling.Store(false)
		return due
	}
	l.lastSample = now
	engines := make(map[string]Engine, len(l.engines))
	for id, c := range l.engines {
		engines[id] = c.engine
	}
	var running []scheduler.Instance
	for _, in := range observed {
		if in.State == scheduler.Up && in.ID != "" && engines[in.Host] != nil {
			running = append(running, in)
		}
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer l.sampling.Store(false)
		l.sample(ctx, engines, running, now)
	}()
	return every
}

// sample reads the stats of the running dynos and records them.
func (l *Loop) sample(ctx context.Context, engines map[string]Engine, running []scheduler.Instance, now time.Time) {
	stats := make(map[string]docker.Stats, len(running))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, statsReaders)
	for _, in := range running {
		wg.Add(1)
		sem <- struct{}{}
		go func(in scheduler.Instance) {
			defer wg.Done()
			defer func() { <-sem }()
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			s, err := engines[in.Host].Stats(sctx, in.ID)
			if err != nil {
				return // gone meanwhile, or the host is slow: a gap in the chart
			}
			mu.Lock()
			stats[in.ID] = s
			mu.Unlock()
		}(in)
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	samples, next := processSamples(now, running, stats, l.readings)
	l.readings = next
	if err := l.Metrics.RecordMetrics(ctx, now, samples); err != nil && ctx.Err() == nil {
		l.Logger.Warn("could not record the dynos' resource use", "err", err)
	}
}

// processSamples sums a round of stats up by app and process type: the
// mean CPU (from each dyno's previous reading) and memory per dyno, and
// the largest dyno's memory. It returns the readings to rate the next
// round's CPU by.
func processSamples(now time.Time, running []scheduler.Instance, stats map[string]docker.Stats, prev map[string]reading) ([]platform.ProcessMetrics, map[string]reading) {
	type key struct{ app, typ string }
	type sum struct {
		m           platform.ProcessMetrics
		cpu         float64
		cpuReadings int
		mem         float64
	}
	sums := map[key]*sum{}
	next := make(map[string]reading, len(stats))
	for _, in := range running {
		s, ok := stats[in.ID]
		if !ok {
			continue
		}
		app, err := uuid.Parse(in.App)
		if err != nil {
			continue
		}
		at := s.Read
		if at.IsZero() {
			at = now
		}
		next[in.ID] = reading{at: at, cpu: s.CPUNanos}
		k := key{in.App, in.Type}
		x := sums[k]
		if x == nil {
			x = &sum{m: platform.ProcessMetrics{App: app, Type: in.Type, At: now}}
			sums[k] = x
		}
		x.m.Dynos++
		mb := float64(s.MemoryBytes) / (1 << 20)
		x.mem += mb
		x.m.MemoryMaxMB = max(x.m.MemoryMaxMB, mb)
		quota := in.MemoryMB
		if quota <= 0 {
			quota = int(s.MemoryLimit >> 20)
		}
		x.m.MemoryQuotaMB = max(x.m.MemoryQuotaMB, quota)
		if p, ok := prev[in.ID]; ok && at.After(p.at) && s.CPUNanos >= p.cpu {
			x.cpu += float64(s.CPUNanos-p.cpu) / float64(at.Sub(p.at)) * 100
			x.cpuReadings++
		}
	}
	out := make([]platform.ProcessMetrics, 0, len(sums))
	byName := func(a, b key) int { return cmp.Or(strings.Compare(a.app, b.app), strings.Compare(a.typ, b.typ)) }
	for _, k := range slices.SortedFunc(maps.Keys(sums), byName) {
		x := sums[k]
		x.m.MemoryMB = x.mem / float64(x.m.Dynos)
		if x.cpuReadings > 0 {
			c := x.cpu / float64(x.cpuReadings)
			x.m.CPUPercent = &c
		}
		out = append(out, x.m)
	}
	return out, next
}
