package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// memory is the resident memory of the pier process and, separately, of the
// embedded PostgreSQL processes it runs (postmaster and backends).
type memory struct {
	pierRSS, pierHWM int64 // KiB: VmRSS and its peak VmHWM
	pgRSS, pgPSS     int64 // KiB summed over pgProcs; RSS counts shared buffers once per process, PSS splits them
	pgProcs          int
}

// readMemory reads /proc for pid and every process descended from it.
func readMemory(pid int) (memory, error) {
	var m memory
	st, err := procStatus(pid)
	if err != nil {
		return m, fmt.Errorf("read memory of pier (pid %d): %w", pid, err)
	}
	m.pierRSS, m.pierHWM = st["VmRSS"], st["VmHWM"]
	for _, d := range descendants(pid) {
		st, err := procStatus(d)
		if err != nil {
			continue // exited meanwhile
		}
		m.pgRSS += st["VmRSS"]
		m.pgPSS += pss(d)
		m.pgProcs++
	}
	return m, nil
}

// procStatus returns the kB fields of /proc/PID/status.
func procStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if f := strings.Fields(v); ok && len(f) == 2 && f[1] == "kB" {
			out[k], _ = strconv.ParseInt(f[0], 10, 64)
		}
	}
	return out, nil
}

// pss is the proportional set size in KiB, 0 if unreadable.
func pss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// descendants lists every process below root. PostgreSQL runs in its own
// process group, so the parent links in /proc/PID/stat are what tie it to pier.
func descendants(root int) []int {
	children := map[int][]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// The command name may hold spaces and parentheses; fields resume after the last ")".
		i := bytes.LastIndexByte(b, ')')
		f := strings.Fields(string(b[i+1:]))
		if i < 0 || len(f) < 2 {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	var out []int
	queue := children[root]
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, p)
		queue = append(queue, children[p]...)
	}
	return out
}

func mib(kib int64) float64 { return float64(kib) / 1024 }
