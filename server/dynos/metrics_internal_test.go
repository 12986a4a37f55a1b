package dynos

import (
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/scheduler"
)

// Two rounds of stats: the first has no CPU rate (one reading each), the
// second rates each dyno's CPU from its previous reading and averages per
// process type; memory is the mean and the largest dyno's; a dyno with no
// stats (gone meanwhile) counts for nothing.
func TestProcessSamples(t *testing.T) {
	app := uuid.New()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	running := []scheduler.Instance{
		{ID: "w1", App: app.String(), Type: "web", MemoryMB: 512},
		{ID: "w2", App: app.String(), Type: "web", MemoryMB: 512},
		{ID: "k1", App: app.String(), Type: "worker"},
		{ID: "gone", App: app.String(), Type: "worker"},
	}
	first := map[string]docker.Stats{
		"w1": {Read: t0, CPUNanos: 1e9, MemoryBytes: 100 << 20},
		"w2": {Read: t0, CPUNanos: 5e9, MemoryBytes: 300 << 20},
		"k1": {Read: t0, CPUNanos: 0, MemoryBytes: 50 << 20, MemoryLimit: 1 << 30},
	}
	got, readings := processSamples(t0, running, first, nil)
	if len(got) != 2 || got[0].Type != "web" || got[1].Type != "worker" {
		t.Fatalf("samples: %+v", got)
	}
	web, worker := got[0], got[1]
	if web.Dynos != 2 || web.MemoryMB != 200 || web.MemoryMaxMB != 300 || web.MemoryQuotaMB != 512 || web.CPUPercent != nil {
		t.Errorf("web, first round: %+v", web)
	}
	if worker.Dynos != 1 || worker.MemoryQuotaMB != 1024 || worker.App != app {
		t.Errorf("worker, first round: %+v", worker)
	}
	t1 := t0.Add(20 * time.Second)
	second := map[string]docker.Stats{
		"w1": {Read: t1, CPUNanos: 1e9 + 10e9, MemoryBytes: 100 << 20}, // half a core
		"w2": {Read: t1, CPUNanos: 5e9 + 30e9, MemoryBytes: 300 << 20}, // one and a half
		"k1": {Read: t1, CPUNanos: 0, MemoryBytes: 50 << 20},
	}
	got, _ = processSamples(t1, running, second, readings)
	if c := got[0].CPUPercent; c == nil || math.Abs(*c-100) > 1e-9 {
		t.Errorf("web CPU, second round: %v", c)
	}
	if c := got[1].CPUPercent; c == nil || *c != 0 {
		t.Errorf("idle worker CPU: %v", c)
	}
}
