package docker

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/errdefs"
	"github.com/docker/go-connections/nat"
)

// WebPort is the port every dyno is told to listen on ($PORT). Each
// container has its own network namespace, so one fixed port is enough; the
// engine publishes it on a free port of the host.
const WebPort = 5000

// RunSpec describes one dyno container.
type RunSpec struct {
	Name  string // container name, unique on the engine
	Image string
	// Command is a Procfile line run by /bin/sh -c, as Heroku runs it with
	// bash -c; empty runs the image's own entrypoint and command.
	Command  string
	Env      map[string]string
	Labels   map[string]string
	MemoryMB int
	CPUs     float64
	// Publish exposes WebPort on HostIP at a port the engine picks.
	Publish bool
	HostIP  string
	// StopTimeout is how long `stop` waits after SIGTERM before SIGKILL.
	StopTimeout time.Duration
	// Interactive keeps stdin open for an attached one-off; TTY gives it a
	// terminal.
	Interactive, TTY bool
}

// Run creates and starts a container. A container that was created but
// failed to start is removed, so a failed Run leaves nothing behind.
func (e *Engine) Run(ctx context.Context, s RunSpec) (string, error) {
	var addrs *addresses
	if s.Publish {
		addrs = e.dynoNetwork(ctx)
	}
	for try := 1; ; try++ {
		var ip netip.Addr
		if addrs != nil {
			ip = addrs.take()
		}
		id, err := e.create(ctx, s, addrs, ip)
		if err != nil {
			return "", err
		}
		err = e.api.ContainerStart(ctx, id, container.StartOptions{})
		if err == nil {
			return id, nil
		}
		_ = e.api.ContainerRemove(context.WithoutCancel(ctx), id, container.RemoveOptions{Force: true})
		if !addressTaken(err) || try == maxAddressTries {
			return "", fmt.Errorf("docker %s: start %s: %w", e.Endpoint, s.Name, err)
		}
	}
}

// maxAddressTries bounds the addresses tried for one web dyno: taken ones
// are rare, and met in runs.
const maxAddressTries = 16

// dynoNetwork is Pier's own network on an engine whose containers it
// reaches at their addresses, made on first use; nil otherwise, or when
// it cannot be made: web dynos then join Docker's default bridge and are
// reached at their published ports.
func (e *Engine) dynoNetwork(ctx context.Context) *addresses {
	if !e.bridged {
		return nil
	}
	e.netMu.Lock()
	defer e.netMu.Unlock()
	if e.addrs == nil {
		a, err := e.ensureNetwork(ctx)
		if err != nil {
			return nil // tried again at the next start
		}
		e.addrs = a
	}
	return e.addrs
}

// create creates the container for s without starting it, on addrs'
// network at ip when addrs is set.
func (e *Engine) create(ctx context.Context, s RunSpec, addrs *addresses, ip netip.Addr) (string, error) {
	cfg := &container.Config{
		Image:  s.Image,
		Env:    envList(s.Env),
		Labels: s.Labels,
		Tty:    s.TTY,
	}
	if s.Interactive {
		cfg.OpenStdin, cfg.StdinOnce, cfg.AttachStdin, cfg.AttachStdout, cfg.AttachStderr = true, true, true, true, true
	}
	if s.Command != "" {
		own, launcher, err := e.ownCommand(ctx, s.Image)
		if err != nil {
			return "", err
		}
		switch {
		case launcher != "":
			// A buildpack-built image starts each command through its
			// launcher, which sources .profile.d first, as Heroku does.
			cfg.Entrypoint = []string{launcher}
			cfg.Cmd = []string{s.Command}
		case s.Command != own:
			// The image's own command (what deploys record as web when there
			// is no Procfile) runs as the image would, without a shell:
			// images built FROM scratch have none.
			cfg.Entrypoint = []string{"/bin/sh", "-c"}
			cfg.Cmd = []string{s.Command}
		}
	}
	if s.StopTimeout > 0 {
		secs := int(s.StopTimeout / time.Second)
		cfg.StopTimeout = &secs
	}
	init := true // tini as PID 1 passes SIGTERM to the command and reaps zombies
	host := &container.HostConfig{
		Init: &init,
		LogConfig: container.LogConfig{Type: "json-file", Config: map[string]string{
			"max-size": "10m", "max-file": "2",
		}},
		Resources: container.Resources{
			Memory:   int64(s.MemoryMB) << 20,
			NanoCPUs: int64(s.CPUs * 1e9),
		},
	}
	if s.MemoryMB > 0 {
		host.Resources.MemorySwap = host.Resources.Memory // no swap beyond the limit
	}
	if s.Publish {
		port := nat.Port(strconv.Itoa(WebPort) + "/tcp")
		cfg.ExposedPorts = nat.PortSet{port: struct{}{}}
		host.PortBindings = nat.PortMap{port: {{HostIP: s.HostIP}}}
	}
	var netCfg *network.NetworkingConfig
	if addrs != nil {
		host.NetworkMode = container.NetworkMode(addrs.network)
		netCfg = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			addrs.network: {IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: ip.String()}},
		}}
	}
	created, err := e.api.ContainerCreate(ctx, cfg, host, netCfg, nil, s.Name)
	if errdefs.IsNotFound(err) {
		return "", fmt.Errorf("docker %s: %s: %w", e.Endpoint, s.Image, ErrNoImage)
	}
	if err != nil {
		return "", fmt.Errorf("docker %s: create %s: %w", e.Endpoint, s.Name, err)
	}
	return created.ID, nil
}

// LabelLauncher on an image names the program that starts its commands
// (bin/pier's buildpack slugs): it gets the command as its one argument.
const LabelLauncher = "io.pier.launcher"

// ownCommand is the image's ENTRYPOINT and CMD as one shell line, and its
// launcher when it has one.
func (e *Engine) ownCommand(ctx context.Context, image string) (own, launcher string, err error) {
	img, err := e.api.ImageInspect(ctx, image)
	if errdefs.IsNotFound(err) {
		return "", "", fmt.Errorf("docker %s: %s: %w", e.Endpoint, image, ErrNoImage)
	}
	if err != nil {
		return "", "", fmt.Errorf("docker %s: inspect image %s: %w", e.Endpoint, image, err)
	}
	if img.Config == nil {
		return "", "", nil
	}
	return shellJoin(append(append([]string(nil), img.Config.Entrypoint...), img.Config.Cmd...)), img.Config.Labels[LabelLauncher], nil
}

// Stop stops a container (SIGTERM, then SIGKILL after timeout) and removes
// it. A container that is already gone is not an error.
func (e *Engine) Stop(ctx context.Context, id string, timeout time.Duration) error {
	secs := int(timeout / time.Second)
	err := e.api.ContainerStop(ctx, id, container.StopOptions{Timeout: &secs})
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("docker %s: stop %.12s: %w", e.Endpoint, id, err)
	}
	err = e.api.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
	if err != nil && !errdefs.IsNotFound(err) && !errdefs.IsConflict(err) {
		return fmt.Errorf("docker %s: remove %.12s: %w", e.Endpoint, id, err)
	}
	return nil
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}
