package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/platform"
)

// MetricsStore reads the dynos' resource use, which the scheduler samples
// from Docker's stats.
type MetricsStore interface {
	ProcessMetrics(ctx context.Context, app uuid.UUID, since time.Time) ([]platform.ProcessMetrics, error)
}

// chartSpan is how far back the charts look; chartWidth and chartHeight
// are their drawing's size in SVG units.
const (
	chartSpan   = time.Hour
	chartWidth  = 240
	chartHeight = 48
)

// processCharts is one process type's charts.
type processCharts struct {
	Type     string
	CPU, Mem chart
}

// chart is one small line chart: its polyline and what it says in words.
type chart struct {
	Points string // "x,y x,y ..." in a chartWidth × chartHeight box
	// LastX and LastY place the last reading's dot.
	LastX, LastY string
	Now          string // the last reading
	Peak         string // the highest reading
	Label        string // the whole chart, for screen readers
}

// charts draws each process type's CPU and memory over the last hour.
func charts(now time.Time, samples []platform.ProcessMetrics) []processCharts {
	var out []processCharts
	for i := 0; i < len(samples); {
		j := i
		for j < len(samples) && samples[j].Type == samples[i].Type {
			j++
		}
		out = append(out, typeCharts(now, samples[i:j]))
		i = j
	}
	return out
}

func typeCharts(now time.Time, ms []platform.ProcessMetrics) processCharts {
	typ := ms[0].Type
	var cpu, mem []point
	cpuTop, memTop := 100.0, 0.0 // CPU's scale is at least one core; memory's the quota
	largest := 0.0               // the largest dyno's memory, which the mean hides
	for _, m := range ms {
		if m.CPUPercent != nil {
			cpu = append(cpu, point{m.At, *m.CPUPercent})
			cpuTop = max(cpuTop, *m.CPUPercent)
		}
		mem = append(mem, point{m.At, m.MemoryMB})
		memTop = max(memTop, float64(m.MemoryQuotaMB), m.MemoryMB)
		largest = max(largest, m.MemoryMaxMB)
	}
	pc := processCharts{Type: typ}
	pc.CPU = draw(now, cpu, cpuTop, func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" })
	pc.CPU.Label = fmt.Sprintf("%s CPU over the last hour, per dyno: now %s, peak %s", typ, pc.CPU.Now, pc.CPU.Peak)
	last := ms[len(ms)-1]
	pc.Mem = draw(now, mem, memTop, func(v float64) string { return strconv.Itoa(int(v+0.5)) + " MB" })
	if last.MemoryQuotaMB > 0 {
		pc.Mem.Now += " of " + strconv.Itoa(last.MemoryQuotaMB) + " MB"
	}
	if last.Dynos > 1 && largest > 0 {
		pc.Mem.Peak = strconv.Itoa(int(largest+0.5)) + " MB (largest dyno)"
	}
	pc.Mem.Label = fmt.Sprintf("%s memory over the last hour, per dyno: now %s, peak %s", typ, pc.Mem.Now, pc.Mem.Peak)
	return pc
}

type point struct {
	at time.Time
	v  float64
}

// draw places the points on the last hour (x) and 0..top (y, upwards).
func draw(now time.Time, ps []point, top float64, format func(float64) string) chart {
	if len(ps) == 0 {
		return chart{Now: "no reading yet", Peak: "none"}
	}
	var b strings.Builder
	start := now.Add(-chartSpan)
	peak := 0.0
	for i, p := range ps {
		x := float64(p.at.Sub(start)) / float64(chartSpan) * chartWidth
		y := chartHeight - p.v/top*(chartHeight-2) - 1
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(min(max(x, 0), chartWidth), 'f', 1, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(y, 'f', 1, 64))
		peak = max(peak, p.v)
	}
	c := chart{Points: b.String(), Now: format(ps[len(ps)-1].v), Peak: format(peak)}
	last := b.String()[strings.LastIndexByte(b.String(), ' ')+1:]
	c.LastX, c.LastY, _ = strings.Cut(last, ",")
	return c
}
