package main

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"github.com/pier-paas/pier/server/docker"
)

// dockerAPI is the local engine, which Pier runs the dynos on: the benchmark
// reads their published ports and kills them behind Pier's back.
type dockerAPI struct{ c *client.Client }

func connectDocker(ctx context.Context) (*dockerAPI, error) {
	c, err := client.NewClientWithOpts(client.WithHost(docker.DefaultEndpoint()), client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, err
	}
	if _, err := c.Ping(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("docker %s is not reachable: %w", docker.DefaultEndpoint(), err)
	}
	return &dockerAPI{c: c}, nil
}

func (d *dockerAPI) Close() error { return d.c.Close() }

// backend is one running web container of the app.
type backend struct {
	id       string
	instance string // web.1
	restarts string // crash restarts so far (pier.restarts), for the report
	addr     string // 127.0.0.1:PORT, its published $PORT
	own      string // its own bridge address and $PORT, reached without docker-proxy
}

// webBackends lists the app's running web containers (optionally of one
// dyno, e.g. web.1), ordered by dyno name.
func (d *dockerAPI) webBackends(ctx context.Context, app, instance string) ([]backend, error) {
	f := filters.NewArgs(filters.Arg("label", docker.LabelAppName+"="+app), filters.Arg("label", docker.LabelType+"=web"),
		filters.Arg("status", "running"))
	if instance != "" {
		f.Add("label", docker.LabelInstance+"="+instance)
	}
	cs, err := d.c.ContainerList(ctx, container.ListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list %s's containers: %w", app, err)
	}
	var out []backend
	for _, c := range cs {
		b := backend{id: c.ID, instance: c.Labels[docker.LabelInstance], restarts: c.Labels[docker.LabelRestarts]}
		for _, p := range c.Ports {
			if p.PrivatePort == docker.WebPort && p.Type == "tcp" && p.PublicPort != 0 && p.IP != "" && p.IP != "::" {
				b.addr = net.JoinHostPort(p.IP, strconv.Itoa(int(p.PublicPort)))
			}
		}
		if c.NetworkSettings != nil {
			for _, n := range c.NetworkSettings.Networks {
				if n != nil && n.IPAddress != "" {
					b.own = net.JoinHostPort(n.IPAddress, strconv.Itoa(docker.WebPort))
				}
			}
		}
		if b.addr != "" {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].instance < out[j].instance })
	return out, nil
}

// processes are the backends' processes on this machine: each container's
// init and command, and the docker-proxy publishing its port.
func (d *dockerAPI) processes(ctx context.Context, bs []backend) ([]int, error) {
	var pids []int
	var ports []string
	for _, b := range bs {
		info, err := d.c.ContainerInspect(ctx, b.id)
		if err != nil {
			return nil, err
		}
		if info.State != nil && info.State.Pid > 0 {
			pids = append(pids, info.State.Pid)
		}
		_, port, _ := net.SplitHostPort(b.addr)
		ports = append(ports, port)
	}
	return append(withChildren(pids...), dockerProxies(ports...)...), nil
}

// kill sends SIGKILL, as a crash or the kernel's OOM killer would.
func (d *dockerAPI) kill(ctx context.Context, id string) error {
	return d.c.ContainerKill(ctx, id, "KILL")
}

// watchDie sends how long after began the engine reported the container's
// "die" event: the moment Pier, which wakes on that event, can learn of it.
func (d *dockerAPI) watchDie(ctx context.Context, id string, began time.Time) <-chan time.Duration {
	out := make(chan time.Duration, 1)
	msgs, _ := d.c.Events(ctx, events.ListOptions{Filters: filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)), filters.Arg("container", id), filters.Arg("event", "die"))})
	go func() {
		select {
		case <-msgs:
			out <- time.Since(began)
		case <-ctx.Done():
		}
	}()
	return out
}

// removeApp force-removes every container of the app, running or not. Pier
// leaves its dynos running when it stops (by design, so a restart of the
// control plane doesn't take apps down), so the benchmark must do it after
// stopping the server, which would otherwise replace them.
func (d *dockerAPI) removeApp(app string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := d.c.ContainerList(ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", docker.LabelAppName+"="+app))})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := d.c.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil {
			return err
		}
	}
	if len(cs) > 0 {
		progress("removed %d container(s) of %s", len(cs), app)
	}
	return nil
}
