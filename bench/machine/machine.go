// Package machine reads what the benchmarks report about the machine they
// run on and the processes they measure, from /proc. Both `make bench` and
// `make bench-runtime` use it.
package machine

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// LoadAvg is the 1, 5 and 15 minute load averages.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// MemTotal is the machine's RAM from /proc/meminfo.
func MemTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "RAM unknown"
	}
	var kib int64
	for _, line := range strings.Split(string(b), "\n") {
		if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kib); err == nil {
			break
		}
	}
	return fmt.Sprintf("%.1f GiB RAM", float64(kib)/(1<<20))
}

// FreeAddr returns a loopback address with a port nobody listens on now.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// ProcTicks is utime+stime of pid, all its threads (plus its reaped
// children's when asked); a process that is gone counts 0.
func ProcTicks(pid int, withChildren bool) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	t := StatTicks(f)
	if withChildren && len(f) >= 15 {
		cu, _ := strconv.ParseInt(f[13], 10, 64)
		cs, _ := strconv.ParseInt(f[14], 10, 64)
		t += cu + cs
	}
	return t
}

// StatTicks is utime+stime from a /proc/PID/stat line's fields after the
// command name: state(0) ppid(1) ... utime(11) stime(12).
func StatTicks(f []string) int64 {
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// Tail is the end of a log file, for error messages.
func Tail(path string) string {
	b, _ := os.ReadFile(path)
	b = bytes.TrimSpace(b)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return fmt.Sprintf("log %s:\n%s", path, b)
}
