package docker

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/errdefs"
	"github.com/pier-paas/pier/server/scheduler"
)

// Labels Pier puts on every container it runs. The scheduler's observed
// state is read back from them, so after a restart Pier adopts what is
// running instead of keeping a record of its own that could drift.
const (
	LabelInstance = "pier.instance"  // marks Pier's containers
	LabelApp      = "pier.app"       // the app's id: names change, ids don't
	LabelAppName  = "pier.app-name"  // for people reading `docker ps`
	LabelType     = "pier.type"      // process type
	LabelIndex    = "pier.index"     // 1 in web.1
	LabelRelease  = "pier.release"   // release version
	LabelRestarts = "pier.restarts"  // crash restarts so far, for backoff
	LabelMemoryMB = "pier.memory-mb" // the memory limit it was given
	// LabelCluster is the Pier installation's id: installations sharing an
	// engine never see each other's containers.
	LabelCluster    = "pier.cluster"
	LabelGeneration = "pier.generation" // the process type's restart generation
)

// Observe lists this engine's containers of the Pier installation cluster
// as the reconciler sees them, on the host with the given id. Labels that don't parse become zero values,
// which the reconciler treats as instances to stop.
func (e *Engine) Observe(ctx context.Context, cluster, hostID string) ([]scheduler.Instance, error) {
	cs, err := e.api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", LabelInstance), filters.Arg("label", LabelCluster+"="+cluster))})
	if err != nil {
		return nil, fmt.Errorf("docker %s: list containers: %w", e.Endpoint, err)
	}
	out := make([]scheduler.Instance, 0, len(cs))
	for _, c := range cs {
		in := scheduler.Instance{
			ID: c.ID, App: c.Labels[LabelApp], Type: c.Labels[LabelType], Host: hostID,
			Index: atoi(c.Labels[LabelIndex]), Release: atoi(c.Labels[LabelRelease]),
			Restarts: atoi(c.Labels[LabelRestarts]), Generation: atoi(c.Labels[LabelGeneration]), MemoryMB: atoi(c.Labels[LabelMemoryMB]),
			StartedAt: time.Unix(c.Created, 0).UTC(),
		}
		in.Addr = e.webAddr(c)
		switch c.State {
		case "created":
			in.State = scheduler.Starting
		case "running":
			in.State = scheduler.Up
			// Docker's own health check, when the image has one; the applier's
			// TCP/HTTP check refines this for web.
			in.Healthy = !strings.Contains(c.Status, "(unhealthy)") && !strings.Contains(c.Status, "(health: starting)")
		case "restarting":
			in.State = scheduler.Crashed
		default: // exited, dead, removing, paused
			if err := e.finished(ctx, c.ID, &in); errdefs.IsNotFound(err) {
				continue // removed since the list: gone is what it is
			} else if err != nil {
				return nil, err
			}
		}
		out = append(out, in)
	}
	return out, nil
}

// webAddr is where the router reaches a container's web port: its own
// address on Pier's network when this process can reach it, else the port
// published on the host. Only web dynos publish it, so others get "".
func (e *Engine) webAddr(c container.Summary) string {
	published := ""
	for _, p := range c.Ports {
		if p.PrivatePort == WebPort && p.Type == "tcp" && p.PublicPort != 0 && p.IP != "" && !strings.Contains(p.IP, ":") {
			published = net.JoinHostPort(p.IP, strconv.Itoa(int(p.PublicPort)))
		}
	}
	if published == "" || !e.bridged || c.NetworkSettings == nil {
		return published
	}
	// Only on Pier's own network: on Docker's default bridge a dead dyno's
	// address goes straight to the next container started.
	if n := c.NetworkSettings.Networks[NetworkName]; n != nil && n.IPAddress != "" {
		return net.JoinHostPort(n.IPAddress, strconv.Itoa(WebPort))
	}
	return published
}

// finished fills in how and when a stopped container ended.
func (e *Engine) finished(ctx context.Context, id string, in *scheduler.Instance) error {
	info, err := e.api.ContainerInspect(ctx, id)
	if err != nil {
		return fmt.Errorf("docker %s: inspect %s: %w", e.Endpoint, id, err)
	}
	in.State = scheduler.Crashed
	if info.State == nil {
		return nil
	}
	if info.State.ExitCode == 0 && !info.State.OOMKilled {
		in.State = scheduler.Exited
	}
	if t, err := time.Parse(time.RFC3339Nano, info.State.FinishedAt); err == nil {
		in.ExitedAt = t.UTC()
	}
	return nil
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}
