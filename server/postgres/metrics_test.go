package postgres_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres/pgtest"
)

// Samples are kept two hours and read back by process type and time; a
// sample of an app destroyed meanwhile is dropped, not an error.
func TestProcessMetrics(t *testing.T) {
	s := pgtest.Store(t)
	ctx := t.Context()
	u, err := s.CreateUser(ctx, "Ann", "ann@example.com", "ann-password-1", false)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateApp(ctx, u, "charted")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	cpu := 12.5
	round := func(at time.Time, samples ...platform.ProcessMetrics) {
		t.Helper()
		if err := s.RecordMetrics(ctx, at, samples); err != nil {
			t.Fatal(err)
		}
	}
	round(t0, platform.ProcessMetrics{App: a.ID, Type: "web", At: t0, Dynos: 2, MemoryMB: 100, MemoryMaxMB: 120, MemoryQuotaMB: 512})
	round(t0.Add(time.Hour),
		platform.ProcessMetrics{App: a.ID, Type: "worker", At: t0.Add(time.Hour), Dynos: 1, CPUPercent: &cpu, MemoryMB: 30, MemoryMaxMB: 30, MemoryQuotaMB: 512},
		platform.ProcessMetrics{App: a.ID, Type: "web", At: t0.Add(time.Hour), Dynos: 2, CPUPercent: &cpu, MemoryMB: 110, MemoryMaxMB: 130, MemoryQuotaMB: 512},
		platform.ProcessMetrics{App: uuid.New(), Type: "web", At: t0.Add(time.Hour), Dynos: 1, MemoryMB: 1})
	got, err := s.ProcessMetrics(ctx, a.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Type != "web" || got[1].Type != "web" || got[2].Type != "worker" || !got[0].At.Equal(t0) {
		t.Fatalf("samples: %+v", got)
	}
	if got[0].CPUPercent != nil || got[1].CPUPercent == nil || *got[1].CPUPercent != 12.5 || got[1].MemoryMaxMB != 130 || got[1].Dynos != 2 {
		t.Errorf("web samples: %+v %+v", got[0], got[1])
	}
	// Two hours on, the first round is forgotten.
	round(t0.Add(2*time.Hour + time.Second))
	if got, err = s.ProcessMetrics(ctx, a.ID, t0); err != nil || len(got) != 2 {
		t.Errorf("after two hours: %+v, %v", got, err)
	}
}
