//go:build linux

package dockertest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/nat"
)

const page = "served by the second engine\n"

// httpdImage is a busybox image with a page to serve, built on the machine's
// engine and copied to d.
func httpdImage(t *testing.T, d *Daemon) string {
	t.Helper()
	img := Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY index.html /www/index.html\n", map[string]string{"index.html": page})
	CopyImage(t, Engine(t).Endpoint, d.Endpoint, img)
	return img
}

// runHTTPD runs busybox httpd on 8080, published on a random port of
// 127.0.0.1.
func runHTTPD(t *testing.T, api *client.Client, img string, restart container.RestartPolicyMode) string {
	t.Helper()
	ctx := context.Background()
	stop := 1 // httpd as PID 1 ignores SIGTERM: don't wait 10 s for it
	c, err := api.ContainerCreate(ctx,
		&container.Config{Image: img, Cmd: []string{Busybox, "httpd", "-f", "-p", "8080", "-h", "/www"},
			ExposedPorts: nat.PortSet{"8080/tcp": {}}, StopTimeout: &stop},
		&container.HostConfig{PortBindings: nat.PortMap{"8080/tcp": {{HostIP: "127.0.0.1"}}},
			RestartPolicy: container.RestartPolicy{Name: restart}},
		nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := api.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// addrs are a running container's published address and its address on
// the bridge.
func addrs(t *testing.T, api *client.Client, id string) (published, bridge string) {
	t.Helper()
	ctr, err := api.ContainerInspect(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	b := ctr.NetworkSettings.Ports["8080/tcp"]
	if len(b) == 0 {
		t.Fatalf("8080 is not published: %+v", ctr.NetworkSettings.Ports)
	}
	return net.JoinHostPort(b[0].HostIP, b[0].HostPort), net.JoinHostPort(ctr.NetworkSettings.IPAddress, "8080")
}

// get fetches / from addr, retrying while httpd starts.
func get(addr string, wait time.Duration) (string, error) {
	hc := http.Client{Timeout: time.Second}
	deadline := time.Now().Add(wait)
	for {
		res, err := hc.Get("http://" + addr + "/")
		if err == nil {
			b, err := io.ReadAll(res.Body)
			res.Body.Close()
			return string(b), err
		}
		if time.Now().After(deadline) {
			return "", err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustGet(t *testing.T, addr string) {
	t.Helper()
	body, err := get(addr, 10*time.Second)
	if err != nil {
		t.Fatalf("GET %s: %v", addr, err)
	}
	if body != page {
		t.Fatalf("GET %s = %q, want %q", addr, body, page)
	}
}

// mustNotGet checks addr stops answering (within a few seconds).
func mustNotGet(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, err := get(addr, 0); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still answers", addr)
		}
	}
}

func mustBeDown(t *testing.T, api *client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := api.Ping(ctx); err == nil {
		t.Fatal("the second engine still answers")
	}
}

func state(t *testing.T, api *client.Client, id string) *container.State {
	t.Helper()
	ctr, err := api.ContainerInspect(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ctr.State
}

func linkExists(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}

func TestSecondEngine(t *testing.T) {
	t.Parallel()
	main := Engine(t)
	docker0 := linkExists("docker0")
	mainAPI, err := client.NewClientWithOpts(client.WithHost(main.Endpoint), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer mainAPI.Close()
	ctx := context.Background()

	start := time.Now()
	d := SecondEngine(t)
	t.Logf("second engine up in %v: %s, bridge %s, subnet %s", time.Since(start).Round(time.Millisecond), d.Endpoint, d.Bridge, d.Subnet)
	api := d.Client(t)
	img := httpdImage(t, d)
	id := runHTTPD(t, api, img, "")
	published, _ := addrs(t, api, id)
	mustGet(t, published)

	// A separate engine: the machine's does not see the container, and
	// its identity and storage are its own.
	mainList, err := mainAPI.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range mainList {
		if c.ID == id {
			t.Fatalf("the machine's engine lists the second engine's container %s", id)
		}
	}
	list, err := api.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Fatalf("second engine's containers: %v, %v; want just %s", list, err, id)
	}
	mainInfo, err := mainAPI.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	info, err := api.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.ID == mainInfo.ID || info.DockerRootDir != filepath.Join(d.Dir, "root") {
		t.Errorf("second engine: ID %s, root %s; machine's: ID %s, root %s", info.ID, info.DockerRootDir, mainInfo.ID, mainInfo.DockerRootDir)
	}
	if docker0 && !linkExists("docker0") {
		t.Fatal("docker0 is gone")
	}

	// Host down: the endpoint stops answering, dockerd stops its
	// containers.
	d.Stop(t)
	mustBeDown(t, api)
	mustNotGet(t, published)

	// And back, on the same state.
	d.Start(t)
	if s := state(t, api, id); s.Running {
		t.Errorf("after Stop and Start the container is %s", s.Status)
	}
	if _, err := api.ImageInspect(ctx, img); err != nil {
		t.Error(err)
	}
	if !linkExists(d.Bridge) || docker0 && !linkExists("docker0") {
		t.Errorf("bridge %s: %v, docker0: %v", d.Bridge, linkExists(d.Bridge), linkExists("docker0"))
	}
	if err := api.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	published, _ = addrs(t, api, id)
	mustGet(t, published)
}

// Kill is dockerd dying alone: the API and published ports go, the
// containers stay until dockerd is back and stops them.
func TestSecondEngineKill(t *testing.T) {
	t.Parallel()
	d := SecondEngine(t)
	api := d.Client(t)
	id := runHTTPD(t, api, httpdImage(t, d), "")
	published, bridge := addrs(t, api, id)
	mustGet(t, published)

	d.Kill(t)
	mustBeDown(t, api)
	mustNotGet(t, published)
	mustGet(t, bridge)

	d.Start(t)
	s := state(t, api, id)
	if s.Running {
		t.Fatalf("after Kill and Start the container is %s (live-restore is off)", s.Status)
	}
	t.Logf("after Kill and Start the container is %s, exit code %d", s.Status, s.ExitCode)
	mustNotGet(t, bridge)
}

// PowerOff takes everything down; on Start containers with a restart
// policy come back, as after a reboot.
func TestSecondEnginePowerOff(t *testing.T) {
	t.Parallel()
	d := SecondEngine(t)
	api := d.Client(t)
	img := httpdImage(t, d)
	plain := runHTTPD(t, api, img, "")
	always := runHTTPD(t, api, img, container.RestartPolicyAlways)
	published, bridge := addrs(t, api, plain)
	mustGet(t, published)

	d.PowerOff(t)
	mustBeDown(t, api)
	mustNotGet(t, published)
	mustNotGet(t, bridge)
	if ps := procs(func(p proc) bool {
		for _, c := range p.cgroups {
			if c == "/"+d.name || strings.HasPrefix(c, "/"+d.name+"/") {
				return true
			}
		}
		return false
	}); len(ps) > 0 {
		t.Fatalf("processes left in the engine's cgroup: %v", ps)
	}

	d.Start(t)
	if s := state(t, api, plain); s.Running {
		t.Errorf("after PowerOff and Start the container without restart policy is %s", s.Status)
	} else {
		t.Logf("after PowerOff and Start the container without restart policy is %s, exit code %d", s.Status, s.ExitCode)
	}
	for deadline := time.Now().Add(10 * time.Second); !state(t, api, always).Running; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the restart=always container did not come back: %s", state(t, api, always).Status)
		}
	}
	published, _ = addrs(t, api, always)
	mustGet(t, published)
}

// Two second engines side by side: separate bridges, subnets and
// identities.
func TestTwoSecondEngines(t *testing.T) {
	t.Parallel()
	a, b := SecondEngine(t), SecondEngine(t)
	if a.Bridge == b.Bridge || a.Endpoint == b.Endpoint || a.Subnet.Contains(b.Subnet.IP) || b.Subnet.Contains(a.Subnet.IP) {
		t.Fatalf("%+v and %+v overlap", a, b)
	}
	ia, err := a.Client(t).Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ib, err := b.Client(t).Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ia.ID == ib.ID {
		t.Fatalf("both engines are %s", ia.ID)
	}
	// Engine reaches it through the adapter too.
	if _, err := a.Engine(t).Info(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Images built on one go to the other.
	img := BuildOn(t, a.Endpoint, "FROM scratch\nCOPY busybox /bin/busybox\nCMD [\"/bin/busybox\", \"true\"]\n", nil)
	CopyImage(t, a.Endpoint, b.Endpoint, img)
	mainAPI, err := client.NewClientWithOpts(client.WithHost(Engine(t).Endpoint), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer mainAPI.Close()
	if _, err := mainAPI.ImageInspect(context.Background(), img); err == nil {
		t.Errorf("%s built on a second engine is on the machine's", img)
	}
}

// What a killed test process leaves behind (its dockerd dies with it) is
// removed by the next SecondEngine: processes, mounts, bridge, cgroups,
// directory.
func TestCleanStale(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip (iproute2)")
	}
	// A pid no process has now.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	pid := gone.Process.Pid
	if startTime(pid) != "" {
		t.Skip("pid reused already")
	}
	// Under the lock, or a test binary running beside this one could clean
	// up the leftovers while they are being made.
	unlock, err := lockD2()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if unlock != nil {
			unlock()
		}
	}()
	key := fmt.Sprintf("%d-1", pid)
	name, bridge := d2Prefix+key, brPrefix+key
	dir := filepath.Join(d2Base, name)
	t.Cleanup(func() { // should there be anything left
		if unlock, err := lockD2(); err == nil {
			teardown(name)
			unlock()
		}
	})
	netns := filepath.Join(dir, "exec", "netns")
	if err := os.MkdirAll(netns, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "owner"), fmt.Appendf(nil, "%d 12345\n", pid), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", netns, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ip", "link", "add", bridge, "type", "bridge").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	// An orphaned dockerd (its directory in its arguments)...
	dockerd := &exec.Cmd{Path: sleep, Args: []string{filepath.Join(dir, "fake-dockerd"), "300"}}
	if err := dockerd.Start(); err != nil {
		t.Fatal(err)
	}
	// ... and a container's process (in its cgroup).
	ctr := exec.Command(sleep, "301")
	if err := ctr.Start(); err != nil {
		t.Fatal(err)
	}
	placed := false
	for _, mp := range cgroupMounts() {
		cg := filepath.Join(mp, name, "abc")
		if os.MkdirAll(cg, 0o755) != nil {
			continue
		}
		if os.WriteFile(filepath.Join(cg, "cgroup.procs"), []byte(strconv.Itoa(ctr.Process.Pid)), 0o644) == nil {
			placed = true
		}
	}
	if !placed {
		t.Error("could not put a process in a cgroup")
	}

	cleanStale(t)
	unlock()
	unlock = nil

	for _, c := range []*exec.Cmd{dockerd, ctr} {
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%v exited by itself", c.Args)
			}
		case <-time.After(5 * time.Second):
			c.Process.Kill()
			t.Errorf("%v was not killed", c.Args)
		}
	}
	if m := mountsUnder(dir); len(m) > 0 {
		t.Errorf("still mounted: %v", m)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s: %v", dir, err)
	}
	if linkExists(bridge) {
		t.Errorf("bridge %s is left", bridge)
	}
	for _, mp := range cgroupMounts() {
		if _, err := os.Stat(filepath.Join(mp, name)); !os.IsNotExist(err) {
			t.Errorf("cgroup %s/%s: %v", mp, name, err)
		}
	}
}
