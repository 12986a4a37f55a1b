package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pier-paas/pier/bench/machine"
)

// clockTicks is USER_HZ, the unit of /proc CPU times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// cpuSample is CPU time consumed so far, in clock ticks: by the proxy under
// test, by this load generator, by the backends (their containers'
// processes and the docker-proxy in front of each), and by the whole
// machine. Its few cores are shared by all of them, so where the CPU went
// explains the throughput figures, and what is left ("other": dockerd,
// Pier's idle database, and whatever else runs here) says how disturbed a
// run was.
type cpuSample struct {
	at                      time.Time
	proxy, self, backends   int64
	machineBusy, machineAll int64 // busy: user, nice, system, steal
	ours                    map[int]bool
	procs                   map[int]procTime // every process, to name the others
}

type procTime struct {
	name  string
	ticks int64
}

// cpuUse is a window's average use, in cores.
type cpuUse struct {
	proxy, self, backends, other float64
	ok                           bool
	topOthers                    string // the other processes that used most (those alive at both ends of the window)
}

// pidSet lists the processes of one role, read at each sample because
// nginx's workers are found as its master's children.
type pidSet func() []int

func sampleCPU(proxy, backends pidSet) cpuSample {
	s := cpuSample{at: time.Now(), self: machine.ProcTicks(os.Getpid(), false), ours: map[int]bool{os.Getpid(): true}, procs: map[int]procTime{}}
	sum := func(set pidSet) (t int64) {
		if set != nil {
			for _, pid := range set() {
				t += machine.ProcTicks(pid, false)
				s.ours[pid] = true
			}
		}
		return t
	}
	s.proxy, s.backends = sum(proxy), sum(backends)
	eachProc(func(pid int, name string, stat []string, _ string) {
		s.procs[pid] = procTime{name, machine.StatTicks(stat)}
	})
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		// cpu user nice system idle iowait irq softirq steal
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		for i, v := range f[1:min(9, len(f))] {
			n, _ := strconv.ParseInt(v, 10, 64)
			s.machineAll += n
			// Process time only: idle and iowait are not busy, and irq and
			// softirq time (much of the loopback TCP stack) is charged to
			// no process, so it would show up as "other" for a busy proxy.
			if i != 3 && i != 4 && i != 5 && i != 6 {
				s.machineBusy += n
			}
		}
	}
	return s
}

func (s cpuSample) since(before cpuSample) cpuUse {
	secs := s.at.Sub(before.at).Seconds()
	if secs <= 0 {
		return cpuUse{}
	}
	cores := func(ticks int64) float64 { return float64(ticks) / clockTicks / secs }
	u := cpuUse{proxy: cores(s.proxy - before.proxy), self: cores(s.self - before.self),
		backends: cores(s.backends - before.backends), ok: true}
	u.other = max(cores(s.machineBusy-before.machineBusy)-u.proxy-u.self-u.backends, 0)
	type use struct {
		name  string
		ticks int64
	}
	var others []use
	for pid, p := range s.procs {
		if b, ok := before.procs[pid]; ok && !s.ours[pid] && p.ticks > b.ticks {
			others = append(others, use{fmt.Sprintf("%s[%d]", p.name, pid), p.ticks - b.ticks})
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].ticks > others[j].ticks })
	var parts []string
	for _, o := range others[:min(4, len(others))] {
		parts = append(parts, fmt.Sprintf("%s %.2f", o.name, cores(o.ticks)))
	}
	u.topOthers = strings.Join(parts, ", ")
	return u
}

func (u cpuUse) String() string {
	if !u.ok {
		return "-"
	}
	return fmt.Sprintf("%.2f / %.2f / %.2f / %.2f", u.proxy, u.self, u.backends, u.other)
}

// withChildren is each pid and its direct children: nginx's master and
// workers, a dyno's tini and its command.
func withChildren(pids ...int) []int {
	out := append([]int(nil), pids...)
	parent := map[string]bool{}
	for _, p := range pids {
		parent[strconv.Itoa(p)] = true
	}
	eachProc(func(pid int, _ string, stat []string, _ string) {
		if len(stat) > 1 && parent[stat[1]] {
			out = append(out, pid)
		}
	})
	return out
}

// dockerProxies are the docker-proxy processes publishing the given host
// ports: the userland proxy each published port's loopback traffic crosses.
func dockerProxies(ports ...string) []int {
	var out []int
	eachProc(func(pid int, _ string, _ []string, cmdline string) {
		if !strings.Contains(cmdline, "docker-proxy") {
			return
		}
		for _, p := range ports {
			if strings.Contains(cmdline, " -host-port "+p+" ") {
				out = append(out, pid)
			}
		}
	})
	return out
}

// eachProc calls fn with every process's pid, its name, its /proc stat
// fields after the name, and its command line (arguments joined by spaces).
func eachProc(fn func(pid int, name string, stat []string, cmdline string)) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		open, end := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
		if open < 0 || end < open {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		fn(pid, string(b[open+1:end]), strings.Fields(string(b[end+1:])), strings.ReplaceAll(string(cmd), "\x00", " "))
	}
}
