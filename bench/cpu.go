package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pier-paas/pier/bench/machine"
)

// clockTicks is USER_HZ, the unit of /proc CPU times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// cpuSample is a reading of CPU time consumed so far, in clock ticks: by
// pier, by its PostgreSQL processes, by this load generator, and by the whole
// machine (busy and total), so a run can say where its CPU went.
type cpuSample struct {
	at                                    time.Time
	pier, pg, self                        int64
	machineBusy, machineSteal, machineAll int64
}

func sampleCPU(pierPID int) cpuSample {
	s := cpuSample{at: time.Now(), pier: machine.ProcTicks(pierPID, false), self: machine.ProcTicks(os.Getpid(), false)}
	// Backends are the postmaster's children; once reaped their time moves to
	// its cutime, so the postmaster is read with its children's.
	for _, d := range descendants(pierPID) {
		s.pg += machine.ProcTicks(d, true)
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		// cpu user nice system idle iowait irq softirq steal [guest guest_nice,
		// already counted in user and nice].
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		for i, f := range f[1:min(9, len(f))] {
			n, _ := strconv.ParseInt(f, 10, 64)
			s.machineAll += n
			switch i {
			case 3, 4: // idle, iowait
			case 7:
				s.machineSteal += n
			default:
				s.machineBusy += n
			}
		}
	}
	return s
}

// cpuUse is CPU consumed between two samples, in CPU-seconds.
type cpuUse struct {
	wall                  time.Duration
	pier, pg, self, other float64
	busy, steal           float64 // fractions of all CPUs' time: busy here, taken by the hypervisor
}

func cpuBetween(a, b cpuSample) cpuUse {
	sec := func(t int64) float64 { return float64(t) / clockTicks }
	u := cpuUse{wall: b.at.Sub(a.at), pier: sec(b.pier - a.pier), pg: sec(b.pg - a.pg), self: sec(b.self - a.self)}
	busy := sec(b.machineBusy - a.machineBusy)
	u.other = max(busy-u.pier-u.pg-u.self, 0)
	if t := b.machineAll - a.machineAll; t > 0 {
		u.busy = float64(b.machineBusy-a.machineBusy) / float64(t)
		u.steal = float64(b.machineSteal-a.machineSteal) / float64(t)
	}
	return u
}

// perRequest describes the CPU a run used per request, and what else ran.
func (u cpuUse) perRequest(requests int) string {
	us := func(s float64) float64 { return s / float64(requests) * 1e6 }
	return fmt.Sprintf("pier %.0f µs, postgres %.0f µs, load generator %.0f µs; CPUs %.0f%% busy, %.0f%% stolen by the hypervisor; other processes %.1f CPU-s in %.0f s",
		us(u.pier), us(u.pg), us(u.self), u.busy*100, u.steal*100, u.other, u.wall.Seconds())
}
