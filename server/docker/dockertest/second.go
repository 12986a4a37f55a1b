//go:build linux

package dockertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/pier-paas/pier/server/docker"
)

// A second engine is a dockerd of its own beside the machine's, for tests
// that need two Docker hosts. Everything it owns is named after the test
// process and a counter, <pid>-<n>:
//
//	/tmp/pier-d2-<pid>-<n>/      data-root (root/), exec-root (exec/), the API
//	                             socket, pidfile, daemon.json, dockerd.log
//	pd2-<pid>-<n>                its bridge, 172.31.X.1/24 with X in 128..254
//	/pier-d2-<pid>-<n>           its containers' cgroup parent, and its
//	                             containerd namespace
//
// The directory is not t.TempDir(): a unix socket path must fit in 108
// bytes. Bridges, subnets and leftovers of dead test processes are dealt
// with under an flock on /tmp/pier-d2.lock, so test binaries running in
// parallel neither collide nor clean up each other's live engines.
const (
	d2Base   = "/tmp"
	d2Prefix = "pier-d2-"
	brPrefix = "pd2-"
	d2Lock   = "/tmp/pier-d2.lock"

	// stopGrace is how long dockerd gets to exit on SIGTERM before SIGKILL.
	stopGrace = 15 * time.Second
)

var d2Seq atomic.Int64

// Daemon is a second Docker engine started by SecondEngine.
//
// Its dockerd runs with live-restore off, as the machine's does, so taking
// it down does to its containers what it does on a real host:
//
//   - Stop is `systemctl stop docker`: dockerd stops every container (their
//     stop signal, then SIGKILL after their stop timeout, 10 s by default —
//     busybox as PID 1 ignores SIGTERM, so that is the usual wait), then
//     exits. After Start they are there, exited.
//   - Kill is dockerd crashing (SIGKILL). The API is gone, and with it its
//     containerd and the userland proxies (they die with dockerd): published
//     ports stop answering. The containers themselves keep running under
//     their shims and still answer on their bridge addresses. On Start,
//     dockerd (live-restore off) stops them like Stop would — which can take
//     their stop timeout — and they are there, exited (137 after SIGKILL).
//   - PowerOff is the host losing power: dockerd, containerd, shims and
//     every container process are SIGKILLed at once. After Start the
//     containers are there, exited (255), and those with a restart policy
//     (always, unless-stopped) are started again, as after a reboot.
//
// Start brings the engine back on the same directories, bridge and
// subnet: images, containers and volumes are kept.
type Daemon struct {
	// Endpoint is the engine's API, unix:///tmp/pier-d2-<pid>-<n>/docker.sock.
	Endpoint string
	// Dir holds all the engine's state; dockerd's log is Dir/dockerd.log.
	Dir string
	// Bridge is the engine's default bridge; Gateway, the host's address on
	// it, is reachable from its containers, and its containers' addresses
	// (in Subnet) from the host.
	Bridge  string
	Subnet  *net.IPNet
	Gateway net.IP

	name    string // pier-d2-<pid>-<n>
	dockerd string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// SecondEngine starts a second, independent Docker engine and stops and
// removes it, with everything on it, when the test ends. Nothing can be
// pulled: give it images with CopyImage or BuildOn.
//
// It needs root, dockerd and ip (iproute2); without them the test is skipped
// on a laptop and fails in CI, like Engine.
//
// The engine shares the machine's kernel, so it is a separate host only as
// far as Docker is concerned: ports published on either engine share the
// machine's port space, and both report the same Name in docker info
// (their IDs differ).
//
// Without iptables rules of its own, its published ports are served by
// docker-proxy (so 127.0.0.1:<port> answers), the host reaches its
// containers on their bridge addresses and they reach the host on Gateway;
// but where the machine's engine has set the FORWARD policy to DROP with
// bridge netfilter on (as Docker does), packets between two containers on
// this bridge are dropped: have them talk through published ports.
func SecondEngine(t testing.TB) *Daemon {
	t.Helper()
	dockerd, err := exec.LookPath("dockerd")
	if err == nil {
		_, err = exec.LookPath("ip")
	}
	if err == nil && os.Geteuid() != 0 {
		err = errors.New("not running as root")
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no second Docker engine (it needs root, dockerd and ip): %v", err)
		}
		t.Skipf("no second Docker engine (run as root with dockerd and iproute2 installed): %v", err)
	}
	d, err := create(t, dockerd)
	if d != nil {
		t.Cleanup(func() { d.destroy(t) })
	}
	if err != nil {
		t.Fatalf("second engine: %v", err)
	}
	if err := d.start(); err != nil {
		t.Fatalf("second engine: %v", err)
	}
	return d
}

// create makes the engine's directory and bridge, after removing what dead
// test processes left behind.
func create(t testing.TB, dockerd string) (*Daemon, error) {
	unlock, err := lockD2()
	if err != nil {
		return nil, err
	}
	defer unlock()
	cleanStale(t)

	pid := os.Getpid()
	n := d2Seq.Add(1)
	key := fmt.Sprintf("%d-%d", pid, n)
	d := &Daemon{name: d2Prefix + key, Bridge: brPrefix + key, dockerd: dockerd}
	d.Dir = filepath.Join(d2Base, d.name)
	d.Endpoint = "unix://" + filepath.Join(d.Dir, "docker.sock")
	if err := os.Mkdir(d.Dir, 0o700); err != nil {
		return nil, err
	}
	// The owner file tells a later run whether this directory's process is
	// still alive (the pid alone could have been reused).
	if err := os.WriteFile(filepath.Join(d.Dir, "owner"), fmt.Appendf(nil, "%d %s\n", pid, startTime(pid)), 0o600); err != nil {
		return d, err
	}
	// A config file of its own keeps /etc/docker/daemon.json out, and gives
	// the engine its own identity key (docker info's ID; by default it is
	// /etc/docker/key.json, shared with the machine's engine).
	conf := fmt.Appendf(nil, "{\"deprecated-key-path\": %q}\n", filepath.Join(d.Dir, "key.json"))
	if err := os.WriteFile(filepath.Join(d.Dir, "daemon.json"), conf, 0o600); err != nil {
		return d, err
	}
	if d.Subnet, err = freeSubnet(pid + int(n)); err != nil {
		return d, err
	}
	d.Gateway = make(net.IP, 4)
	copy(d.Gateway, d.Subnet.IP)
	d.Gateway[3] = 1
	gw := &net.IPNet{IP: d.Gateway, Mask: d.Subnet.Mask}
	for _, args := range [][]string{
		{"link", "add", d.Bridge, "type", "bridge"},
		{"addr", "add", gw.String(), "dev", d.Bridge},
		{"link", "set", d.Bridge, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return d, fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
		}
	}
	return d, nil
}

// flags are dockerd's. Everything it keeps is under Dir; it leaves the
// machine's engine, docker0, iptables and sysctls alone.
func (d *Daemon) flags() []string {
	return []string{
		"--config-file", filepath.Join(d.Dir, "daemon.json"),
		"--data-root", filepath.Join(d.Dir, "root"),
		// The exec-root holds the containerd dockerd starts for itself (its
		// socket, state and pidfile), network namespaces and runc state.
		"--exec-root", filepath.Join(d.Dir, "exec"),
		"--pidfile", filepath.Join(d.Dir, "docker.pid"),
		"--host", d.Endpoint,
		// Its own bridge, never --bridge=none: that makes dockerd delete
		// docker0, the machine engine's bridge.
		"--bridge", d.Bridge,
		// No iptables rules, masquerading or ip_forward: those are the
		// machine's. Published ports are served by docker-proxy alone.
		"--iptables=false", "--ip6tables=false", "--ip-masq=false", "--ip-forward=false",
		"--userland-proxy=true",
		"--live-restore=false",
		// Without --containerd, dockerd starts a containerd of its own with
		// its socket, state and pidfile under the exec-root and its root
		// under the data-root (the machine's is under /var/run/docker and
		// /var/lib/docker) — unless a system containerd answers at
		// /run/containerd/containerd.sock, which dockerd then shares; its
		// own namespaces keep it apart there.
		"--containerd-namespace", d.name,
		"--containerd-plugins-namespace", d.name + "-plugins",
		// A cgroup parent of its own tells its containers' processes apart,
		// for PowerOff and for cleaning up after a dead test.
		"--exec-opt", "native.cgroupdriver=cgroupfs",
		"--cgroup-parent", "/" + d.name,
	}
}

// daemonEnv is the test's environment without what would make dockerd
// think it is the machine's (systemd notification and socket activation)
// or change its TLS settings (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH).
func daemonEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DOCKER_") || strings.HasPrefix(kv, "NOTIFY_SOCKET=") || strings.HasPrefix(kv, "LISTEN_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// Start starts the engine again after Stop, Kill or PowerOff, on the same
// directories, and waits until its API answers.
func (d *Daemon) Start(t testing.TB) {
	t.Helper()
	if err := d.start(); err != nil {
		t.Fatalf("second engine: %v", err)
	}
}

func (d *Daemon) start() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running() {
		return fmt.Errorf("%s is already running", d.name)
	}
	// A killed dockerd leaves its pidfile, and its containerd's. dockerd
	// refuses to start while the pid in its own names a process, and waits
	// for (then gives up on) a containerd whose pid names one — even a
	// zombie, which is what they are where init does not reap orphans
	// promptly. Stop, Kill and PowerOff have seen both processes exit.
	os.Remove(filepath.Join(d.Dir, "docker.pid"))
	os.Remove(filepath.Join(d.Dir, "exec", "containerd", "containerd.pid"))
	log, err := os.OpenFile(filepath.Join(d.Dir, "dockerd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(d.dockerd, d.flags()...)
	cmd.Dir = d.Dir
	cmd.Env = daemonEnv()
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group keeps a ^C meant for go test from reaching it;
	// if the test process dies, dockerd is killed with it (and its
	// containerd and proxies with dockerd) instead of running on.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	log.Close()
	if err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	d.cmd, d.exited = cmd, exited

	c, err := client.NewClientWithOpts(client.WithHost(d.Endpoint), client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	defer c.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		info, err := c.Info(ctx)
		cancel()
		if err == nil {
			// Pier's network bridge is named after the engine's ID; teardown
			// deletes it even if the engine is gone by then.
			return os.WriteFile(filepath.Join(d.Dir, engineIDFile), []byte(info.ID), 0o644)
		}
		select {
		case <-exited:
			return fmt.Errorf("dockerd exited (%v) before answering on %s; its log:\n%s", cmd.ProcessState, d.Endpoint, d.logTail())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("dockerd did not answer on %s within 30s (%v); its log:\n%s", d.Endpoint, err, d.logTail())
		}
	}
}

// running says whether dockerd is up; d.mu is held.
func (d *Daemon) running() bool {
	if d.cmd == nil {
		return false
	}
	select {
	case <-d.exited:
		return false
	default:
		return true
	}
}

// halt signals dockerd and waits for it to exit, SIGKILLing it after
// grace; d.mu is held.
func (d *Daemon) halt(sig syscall.Signal, grace time.Duration) {
	if !d.running() {
		return
	}
	d.cmd.Process.Signal(sig)
	select {
	case <-d.exited:
	case <-time.After(grace):
		d.cmd.Process.Kill()
		<-d.exited
	}
}

// Stop shuts the engine down as `systemctl stop docker` does (SIGTERM,
// SIGKILL after 15 s): its containers are stopped first. The endpoint stops
// answering. Nothing happens if it is already down.
func (d *Daemon) Stop(t testing.TB) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.halt(syscall.SIGTERM, stopGrace)
	if err := d.waitContainerd(); err != nil {
		t.Fatalf("second engine: %v", err)
	}
}

// Kill SIGKILLs dockerd alone, as if it crashed: the endpoint stops
// answering and published ports close, but containers keep running.
func (d *Daemon) Kill(t testing.TB) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.halt(syscall.SIGKILL, 0)
	if err := d.waitContainerd(); err != nil {
		t.Fatalf("second engine: %v", err)
	}
}

// PowerOff SIGKILLs dockerd, its containerd, shims and all its containers'
// processes at once, as if the host lost power.
func (d *Daemon) PowerOff(t testing.TB) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.halt(syscall.SIGKILL, 0)
	if err := sweep(d.name); err != nil {
		t.Fatalf("second engine: %v", err)
	}
}

// waitContainerd waits for the containerd dockerd started to exit, as it
// does when dockerd stops or dies (it is killed when its parent dies), and
// kills it if it does not, so that a later Start gets a new one.
func (d *Daemon) waitContainerd() error {
	conf := filepath.Join(d.Dir, "exec", "containerd") + "/"
	isContainerd := func(p proc) bool {
		return len(p.args) > 0 && filepath.Base(p.args[0]) == "containerd" && strings.Contains(strings.Join(p.args, " "), conf)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if len(procs(isContainerd)) == 0 {
			return nil
		}
	}
	for _, p := range procs(isContainerd) {
		syscall.Kill(p.pid, syscall.SIGKILL)
	}
	return nil
}

// Engine connects to the second engine.
func (d *Daemon) Engine(t testing.TB) *docker.Engine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := docker.Connect(ctx, d.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// Client is a Docker API client for the second engine.
func (d *Daemon) Client(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.NewClientWithOpts(client.WithHost(d.Endpoint), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// destroy removes the engine's containers, stops it and removes all it
// left: processes, mounts, bridge, cgroups and directory.
func (d *Daemon) destroy(t testing.TB) {
	if t.Failed() {
		t.Logf("second engine %s, end of dockerd.log:\n%s", d.name, d.logTail())
	}
	d.mu.Lock()
	if d.running() {
		d.removeContainers()
		d.halt(syscall.SIGTERM, stopGrace)
	}
	d.mu.Unlock()
	unlock, err := lockD2()
	if err != nil {
		t.Errorf("second engine %s cleanup: %v", d.name, err)
	} else {
		defer unlock()
	}
	for _, err := range teardown(d.name) {
		t.Errorf("second engine %s cleanup: %v", d.name, err)
	}
}

// engineIDFile, in an engine's directory, holds its ID.
const engineIDFile = "engine-id"

// removeContainers removes all the engine's containers, so that stopping
// it does not wait for them to stop, and then its own networks (Pier's),
// whose bridges would otherwise stay on the machine.
func (d *Daemon) removeContainers() {
	c, err := client.NewClientWithOpts(client.WithHost(d.Endpoint), client.WithAPIVersionNegotiation())
	if err != nil {
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := c.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		return
	}
	var wg sync.WaitGroup
	for _, ctr := range list {
		wg.Go(func() {
			c.ContainerRemove(ctx, ctr.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
		})
	}
	wg.Wait()
	nets, err := c.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return
	}
	for _, n := range nets {
		if n.Name != "bridge" && n.Name != "host" && n.Name != "none" {
			c.NetworkRemove(ctx, n.ID)
		}
	}
}

// logTail is the end of dockerd's log.
func (d *Daemon) logTail() string {
	b, err := os.ReadFile(filepath.Join(d.Dir, "dockerd.log"))
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// teardown removes what the engine name (pier-d2-<pid>-<n>) left: its
// processes, mounts, bridge, cgroups and, last, its directory, whose owner
// file marks it as in use until then. Held under the lock.
func teardown(name string) []error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	dir := filepath.Join(d2Base, name)
	add(sweep(name))
	add(unmountUnder(dir))
	add(deleteLink(brPrefix + strings.TrimPrefix(name, d2Prefix)))
	if id, err := os.ReadFile(filepath.Join(dir, engineIDFile)); err == nil && len(id) > 0 {
		add(deleteLink(docker.BridgeName(string(id))))
	}
	add(removeCgroups(name))
	if err := unmountUnder(dir); err == nil {
		add(os.RemoveAll(dir))
	} else {
		add(err)
	}
	return errs
}

// cleanStale tears down engines whose test process is gone: killed
// (dockerd dies with it, but its containers, mounts, bridge and directory
// stay) or exited without cleaning up. Held under the lock.
func cleanStale(t testing.TB) {
	keys := map[string]bool{}
	if ents, err := os.ReadDir(d2Base); err == nil {
		for _, e := range ents {
			if k, ok := strings.CutPrefix(e.Name(), d2Prefix); ok && validKey(k) {
				keys[k] = true
			}
		}
	}
	if ifs, err := net.Interfaces(); err == nil {
		for _, i := range ifs {
			if k, ok := strings.CutPrefix(i.Name, brPrefix); ok && validKey(k) {
				keys[k] = true
			}
		}
	}
	for _, mp := range cgroupMounts() {
		if ents, err := os.ReadDir(mp); err == nil {
			for _, e := range ents {
				if k, ok := strings.CutPrefix(e.Name(), d2Prefix); ok && e.IsDir() && validKey(k) {
					keys[k] = true
				}
			}
		}
	}
	for k := range keys {
		if ownerAlive(k) {
			continue
		}
		t.Logf("removing the leftovers of a dead test process's second engine: %s%s", d2Prefix, k)
		for _, err := range teardown(d2Prefix + k) {
			t.Logf("%s%s: %v", d2Prefix, k, err)
		}
	}
}

// validKey says whether k is <pid>-<n>.
func validKey(k string) bool {
	a, b, ok := strings.Cut(k, "-")
	if !ok {
		return false
	}
	for _, s := range []string{a, b} {
		if n, err := strconv.Atoi(s); err != nil || n <= 0 || strconv.Itoa(n) != s {
			return false
		}
	}
	return true
}

// ownerAlive says whether the process that made engine k is still alive.
func ownerAlive(k string) bool {
	pidStr, _, _ := strings.Cut(k, "-")
	pid, _ := strconv.Atoi(pidStr)
	st := startTime(pid)
	if b, err := os.ReadFile(filepath.Join(d2Base, d2Prefix+k, "owner")); err == nil {
		f := strings.Fields(string(b))
		return len(f) == 2 && st != "" && f[1] == st
	}
	// No owner file: a directory never made or already removed. This
	// process's own engines always have one until the very end.
	return st != "" && pid != os.Getpid()
}

// startTime is the start time of process pid (field 22 of its stat), or ""
// if there is no such process or it is a zombie.
func startTime(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3, the state
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return ""
	}
	return f[19]
}

// lockD2 takes the machine-wide lock on second engines' names, bridges and
// subnets.
func lockD2() (unlock func(), err error) {
	return lockFile(d2Lock, 2*time.Minute)
}

// freeSubnet picks a 172.31.X.0/24, X in 128..254, that overlaps no address
// or route on the machine. (AWS default VPCs use 172.31.0.0–172.31.95.255.)
func freeSubnet(seed int) (*net.IPNet, error) {
	var used []*net.IPNet
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
				used = append(used, n)
			}
		}
	}
	used = append(used, routes()...)
	for i := range 127 {
		x := 128 + (seed+i)%127
		n := &net.IPNet{IP: net.IPv4(172, 31, byte(x), 0).To4(), Mask: net.CIDRMask(24, 32)}
		free := true
		for _, u := range used {
			if u.Contains(n.IP) || n.Contains(u.IP) {
				free = false
				break
			}
		}
		if free {
			return n, nil
		}
	}
	return nil, errors.New("no free subnet in 172.31.128.0/17")
}

// routes are the IPv4 routes but the default one, from /proc/net/route.
func routes() []*net.IPNet {
	b, err := os.ReadFile("/proc/net/route")
	if err != nil {
		return nil
	}
	var nets []*net.IPNet
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		dst, err1 := strconv.ParseUint(f[1], 16, 32)
		mask, err2 := strconv.ParseUint(f[7], 16, 32)
		if err1 != nil || err2 != nil || mask == 0 {
			continue
		}
		// Host byte order (little-endian) of the address in network order.
		le := func(v uint64) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
		nets = append(nets, &net.IPNet{IP: net.IP(le(dst)), Mask: net.IPMask(le(mask))})
	}
	return nets
}

// deleteLink deletes a network interface, if there is one.
func deleteLink(name string) error {
	if _, err := net.InterfaceByName(name); err != nil {
		return nil
	}
	if out, err := exec.Command("ip", "link", "del", name).CombinedOutput(); err != nil {
		if _, gone := net.InterfaceByName(name); gone != nil {
			return nil
		}
		return fmt.Errorf("ip link del %s: %v: %s", name, err, bytes.TrimSpace(out))
	}
	return nil
}

// proc is a process on the machine.
type proc struct {
	pid     int
	args    []string
	cgroups []string // paths, one per hierarchy
}

// procs lists the live (not zombie) processes but this one that match.
func procs(match func(proc) bool) []proc {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var ps []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() || startTime(pid) == "" {
			continue
		}
		p := proc{pid: pid}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil {
			p.args = strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid)); err == nil {
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				if f := strings.SplitN(line, ":", 3); len(f) == 3 {
					p.cgroups = append(p.cgroups, f[2])
				}
			}
		}
		if match(p) {
			ps = append(ps, p)
		}
	}
	return ps
}

// sweep SIGKILLs every process of engine name: dockerd, containerd and
// shims (they name its directory or containerd namespace in their
// arguments) and its containers' (in its cgroup).
func sweep(name string) error {
	dir := filepath.Join(d2Base, name) + "/"
	cg := "/" + name
	ours := func(p proc) bool {
		for _, a := range p.args {
			if a == name || strings.Contains(a, dir) {
				return true
			}
		}
		for _, c := range p.cgroups {
			if c == cg || strings.HasPrefix(c, cg+"/") {
				return true
			}
		}
		return false
	}
	var left []proc
	for range 100 {
		if left = procs(ours); len(left) == 0 {
			return nil
		}
		for _, p := range left {
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var pids []int
	for _, p := range left {
		pids = append(pids, p.pid)
	}
	return fmt.Errorf("processes of %s survive SIGKILL: %v", name, pids)
}

// mounts are the mount points and filesystem types in /proc/self/mountinfo.
func mounts() (points, types []string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		left, right, ok := strings.Cut(line, " - ")
		f, r := strings.Fields(left), strings.Fields(right)
		if !ok || len(f) < 5 || len(r) < 1 {
			continue
		}
		points = append(points, unescapeMount(f[4]))
		types = append(types, r[0])
	}
	return points, types
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space...).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsUnder are the mount points at or under dir.
func mountsUnder(dir string) []string {
	points, _ := mounts()
	var under []string
	for _, p := range points {
		if p == dir || strings.HasPrefix(p, dir+"/") {
			under = append(under, p)
		}
	}
	return under
}

// unmountUnder detaches everything mounted at or under dir, deepest
// first: after a crash dockerd leaves the data-root's bind mount, overlay
// filesystems and network namespaces there, and RemoveAll cannot get
// through them.
func unmountUnder(dir string) error {
	for range 5 {
		ps := mountsUnder(dir)
		if len(ps) == 0 {
			return nil
		}
		sort.Slice(ps, func(i, j int) bool { return len(ps[i]) > len(ps[j]) })
		for _, p := range ps {
			syscall.Unmount(p, syscall.MNT_DETACH)
		}
	}
	if left := mountsUnder(dir); len(left) > 0 {
		return fmt.Errorf("still mounted: %v", left)
	}
	return nil
}

// cgroupMounts are the cgroup (v1 hierarchies and v2) mount points.
func cgroupMounts() []string {
	points, types := mounts()
	var cg []string
	for i, p := range points {
		if types[i] == "cgroup" || types[i] == "cgroup2" {
			cg = append(cg, p)
		}
	}
	return cg
}

// removeCgroups removes the engine's cgroup parent, and containers'
// cgroups left in it, from every hierarchy.
func removeCgroups(name string) error {
	var errs []error
	for _, mp := range cgroupMounts() {
		if err := rmCgroup(filepath.Join(mp, name)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func rmCgroup(path string) error {
	ents, err := os.ReadDir(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	for _, e := range ents {
		if e.IsDir() {
			if err := rmCgroup(filepath.Join(path, e.Name())); err != nil {
				return err
			}
		}
	}
	// A cgroup stays busy for a moment after its last process died.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		err := syscall.Rmdir(path)
		if err == nil || errors.Is(err, syscall.ENOENT) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
			return fmt.Errorf("rmdir %s: %w", path, err)
		}
	}
}
