package web

import (
	"testing"
	"time"

	"github.com/pier-paas/pier/server/platform"
)

// The charts place an hour of readings left to right and 0..top bottom to
// top, CPU scaled to at least one core and memory to the quota; a reading
// older than the hour is pinned to the left edge; a type's CPU without a
// rate yet says so; with several dynos, the memory's peak is the largest
// dyno's, which the mean hides.
func TestCharts(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	pct := func(v float64) *float64 { return &v }
	got := charts(now, []platform.ProcessMetrics{
		{Type: "web", At: now.Add(-90 * time.Minute), CPUPercent: pct(50), MemoryMB: 128, MemoryQuotaMB: 512},
		{Type: "web", At: now.Add(-30 * time.Minute), CPUPercent: pct(200), MemoryMB: 256, MemoryMaxMB: 510, MemoryQuotaMB: 512, Dynos: 2},
		{Type: "web", At: now, CPUPercent: pct(100), MemoryMB: 400, MemoryMaxMB: 450, MemoryQuotaMB: 512, Dynos: 2},
		{Type: "worker", At: now, MemoryMB: 64, MemoryQuotaMB: 1024},
	})
	if len(got) != 2 || got[0].Type != "web" || got[1].Type != "worker" {
		t.Fatalf("charts: %+v", got)
	}
	web := got[0]
	if web.CPU.Points != "0.0,35.5 120.0,1.0 240.0,24.0" || web.CPU.Now != "100.0%" || web.CPU.Peak != "200.0%" {
		t.Errorf("web CPU: %+v", web.CPU)
	}
	if web.Mem.Points != "0.0,35.5 120.0,24.0 240.0,11.1" || web.Mem.Now != "400 MB of 512 MB" || web.Mem.LastX != "240.0" || web.Mem.LastY != "11.1" {
		t.Errorf("web memory: %+v", web.Mem)
	}
	if web.Mem.Label != "web memory over the last hour, per dyno: now 400 MB of 512 MB, peak 510 MB (largest dyno)" {
		t.Errorf("label: %q", web.Mem.Label)
	}
	if w := got[1]; w.CPU.Points != "" || w.CPU.Now != "no reading yet" || w.Mem.Points != "240.0,44.1" {
		t.Errorf("worker: %+v", w)
	}
}
