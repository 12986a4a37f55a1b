package docker_test

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/nat"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
	"github.com/pier-paas/pier/server/scheduler"
)

// Containers carrying Pier's labels are read back as the reconciler's
// observed instances, whatever state they are in; others are ignored.
func TestObserve(t *testing.T) {
	e := dockertest.Engine(t)
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\n", nil)
	ctx := context.Background()
	api, err := client.NewClientWithOpts(client.WithHost(e.Endpoint), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	run := func(cmd []string, labels map[string]string, start bool) string {
		t.Helper()
		c, err := api.ContainerCreate(ctx, &container.Config{Image: img, Cmd: cmd, Labels: labels},
			&container.HostConfig{NetworkMode: "none"}, nil, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { api.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true}) })
		if start {
			if err := api.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		return c.ID
	}
	labels := func(typ, index, release string) map[string]string {
		return map[string]string{docker.LabelInstance: "x", docker.LabelCluster: "c1", docker.LabelGeneration: "3", docker.LabelApp: "app-id-1", docker.LabelAppName: "demo", docker.LabelType: typ,
			docker.LabelIndex: index, docker.LabelRelease: release, docker.LabelRestarts: "2", docker.LabelMemoryMB: "512"}
	}
	up := run([]string{"/bin/busybox", "sleep", "60"}, labels("web", "1", "7"), true)
	crashed := run([]string{"/bin/busybox", "false"}, labels("worker", "1", "7"), true)
	done := run([]string{"/bin/busybox", "true"}, labels("clock", "1", "6"), true)
	created := run([]string{"/bin/busybox", "sleep", "60"}, labels("web", "2", "7"), false)
	garbage := run([]string{"/bin/busybox", "sleep", "60"}, map[string]string{docker.LabelInstance: "x", docker.LabelCluster: "c1", docker.LabelIndex: "not-a-number"}, true)
	notOurs := run([]string{"/bin/busybox", "sleep", "60"}, map[string]string{"other": "thing"}, true)
	otherCluster := run([]string{"/bin/busybox", "sleep", "60"}, map[string]string{docker.LabelInstance: "x", docker.LabelCluster: "c2"}, true)
	// Let the short-lived ones finish.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		a, _ := api.ContainerInspect(ctx, crashed)
		b, _ := api.ContainerInspect(ctx, done)
		if !a.State.Running && !b.State.Running {
			break
		}
	}

	got, err := e.Observe(ctx, "c1", "host-1")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]scheduler.Instance{}
	for _, in := range got {
		byID[in.ID] = in
	}
	check := func(id string, want scheduler.Instance) {
		t.Helper()
		in, ok := byID[id]
		if !ok {
			t.Fatalf("%s not observed", id[:12])
		}
		if in.State != want.State || in.App != want.App || in.Type != want.Type || in.Index != want.Index ||
			in.Release != want.Release || in.Host != "host-1" || in.Healthy != want.Healthy {
			t.Fatalf("%s observed as %+v, want %+v", id[:12], in, want)
		}
	}
	check(up, scheduler.Instance{State: scheduler.Up, Healthy: true, App: "app-id-1", Type: "web", Index: 1, Release: 7})
	check(crashed, scheduler.Instance{State: scheduler.Crashed, App: "app-id-1", Type: "worker", Index: 1, Release: 7})
	check(done, scheduler.Instance{State: scheduler.Exited, App: "app-id-1", Type: "clock", Index: 1, Release: 6})
	check(created, scheduler.Instance{State: scheduler.Starting, App: "app-id-1", Type: "web", Index: 2, Release: 7})
	check(garbage, scheduler.Instance{State: scheduler.Up, Healthy: true})
	if in := byID[up]; in.Restarts != 2 || in.Generation != 3 || in.MemoryMB != 512 || in.StartedAt.IsZero() {
		t.Fatalf("labels not read: %+v", in)
	}
	if in := byID[crashed]; in.ExitedAt.IsZero() {
		t.Fatalf("no exit time: %+v", in)
	}
	if _, seen := byID[otherCluster]; seen {
		t.Error("observed another installation's container")
	}
	if _, seen := byID[notOurs]; seen {
		t.Fatal("a container without Pier's labels was observed")
	}
}

// A web dyno on the local engine is reached at its own address on Pier's
// network, skipping the userland proxy behind its published port; through
// a tcp:// endpoint, the same container is reached at its published port.
// A container on Docker's default bridge is reached at its published port
// too: that bridge hands a dead dyno's address to the next container.
func TestObserveWebAddr(t *testing.T) {
	e := dockertest.Engine(t)
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"5000\", \"-h\", \"/\"]\n", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := e.Run(ctx, docker.RunSpec{
		Name: "pier-test-webaddr-" + strconv.Itoa(os.Getpid()), Image: img,
		Labels:  map[string]string{docker.LabelInstance: "x", docker.LabelCluster: "addr", docker.LabelType: "web"},
		Publish: true, HostIP: "127.0.0.1", StopTimeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Stop(context.Background(), id, time.Second) })
	addrOn := func(e *docker.Engine) string {
		t.Helper()
		got, err := e.Observe(ctx, "addr", "h")
		if err != nil || len(got) != 1 {
			t.Fatalf("observed %v, %v", got, err)
		}
		return got[0].Addr
	}
	answers := func(addr string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			conn, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				conn.Close()
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", addr, err)
			}
		}
	}

	direct := addrOn(e)
	host, p, _ := net.SplitHostPort(direct)
	if ip := net.ParseIP(host); ip == nil || ip.IsLoopback() || p != "5000" {
		t.Fatalf("local engine: web addr %q, want the container's own address and port 5000", direct)
	}
	answers(direct)

	ca := newCA(t)
	cert, key := ca.issue(t, false)
	remote, err := docker.Connect(ctx, tlsFront(t, ca), writeTLSDir(t, ca, cert, key))
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	published := addrOn(remote)
	if host, p, _ := net.SplitHostPort(published); host != "127.0.0.1" || p == "5000" {
		t.Fatalf("tcp:// engine: web addr %q, want the published 127.0.0.1 port", published)
	}
	answers(published)

	api, err := client.NewClientWithOpts(client.WithHost(e.Endpoint), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	port := nat.Port("5000/tcp")
	c, err := api.ContainerCreate(ctx,
		&container.Config{Image: img, Cmd: []string{"/bin/busybox", "httpd", "-f", "-p", "5000", "-h", "/"},
			ExposedPorts: nat.PortSet{port: {}},
			Labels:       map[string]string{docker.LabelInstance: "y", docker.LabelCluster: "addr2", docker.LabelType: "web"}},
		&container.HostConfig{PortBindings: nat.PortMap{port: {{HostIP: "127.0.0.1"}}}}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true}) })
	if err := api.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := e.Observe(ctx, "addr2", "h")
	if err != nil || len(got) != 1 {
		t.Fatalf("observed %v, %v", got, err)
	}
	if host, p, _ := net.SplitHostPort(got[0].Addr); host != "127.0.0.1" || p == "5000" {
		t.Errorf("a dyno on the default bridge is reached at %q, want its published port", got[0].Addr)
	}
}

// Web dynos started one after the other never get an address that was
// just freed: the next one takes the address after it.
func TestDynoAddressesNotReused(t *testing.T) {
	e := dockertest.Engine(t)
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCMD [\"/bin/busybox\", \"sleep\", \"60\"]\n", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cluster := "reuse" + strconv.Itoa(os.Getpid())
	seen := map[string]bool{}
	for i := range 4 {
		id, err := e.Run(ctx, docker.RunSpec{
			Name: cluster + "-" + strconv.Itoa(i), Image: img,
			Labels:  map[string]string{docker.LabelInstance: strconv.Itoa(i), docker.LabelCluster: cluster, docker.LabelType: "web"},
			Publish: true, HostIP: "127.0.0.1", StopTimeout: time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Observe(ctx, cluster, "h")
		if err != nil || len(got) != 1 {
			t.Fatalf("observed %v, %v", got, err)
		}
		if host, _, _ := net.SplitHostPort(got[0].Addr); host == "127.0.0.1" || seen[got[0].Addr] {
			t.Fatalf("dyno %d at %s; addresses so far %v", i, got[0].Addr, seen)
		}
		seen[got[0].Addr] = true
		if err := e.Stop(ctx, id, 0); err != nil {
			t.Fatal(err)
		}
	}
}
