// Package docker is the Docker adapter: it talks to Docker engines through
// their API. This first part reads what an image runs; the scheduler's
// applier (starting and stopping containers) builds on the same Engine.
package docker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
)

// Engine is one Docker engine.
type Engine struct {
	api      *client.Client
	Endpoint string
	// bridged: the engine runs on this machine with its containers on a
	// bridge this process can reach, so a web dyno is reached at its own
	// address rather than through its published port. On the local engine
	// a published port on 127.0.0.1 is served by Docker's userland
	// docker-proxy, one more process copying every byte, which costs about
	// as much CPU per request as the router itself.
	bridged bool
	id      string // the engine's ID, from its info; known when bridged

	netMu sync.Mutex
	addrs *addresses // Pier's network for web dynos, once made
}

// DefaultEndpoint is DOCKER_HOST, else the local engine's socket.
func DefaultEndpoint() string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return "unix:///var/run/docker.sock"
}

// Connect reaches the engine at endpoint (unix:///path or tcp://host:port)
// and agrees on an API version with it. tlsDir, when set, holds the TLS
// client certificates for a tcp:// engine (ca.pem, cert.pem, key.pem).
func Connect(ctx context.Context, endpoint string, tlsDir ...string) (*Engine, error) {
	opts := []client.Opt{client.WithHost(endpoint), client.WithAPIVersionNegotiation()}
	if len(tlsDir) > 0 && tlsDir[0] != "" {
		tlsOpt, err := withTLSDir(tlsDir[0])
		if err != nil {
			return nil, fmt.Errorf("docker %s: %w", endpoint, err)
		}
		opts = append(opts, tlsOpt)
	}
	c, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker %s: %w", endpoint, err)
	}
	if _, err := c.Ping(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("docker %s is not reachable: %w", endpoint, err)
	}
	e := &Engine{api: c, Endpoint: endpoint}
	if strings.HasPrefix(endpoint, "unix://") {
		info, err := c.Info(ctx)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("docker %s: info: %w", endpoint, err)
		}
		e.bridged, e.id = bridgeReachable(info), info.ID
	}
	return e, nil
}

// bridgeReachable reports whether a local engine's container addresses
// can be reached from the host: not when the engine runs rootless (its
// network lives in a namespace of its own) or inside Docker Desktop's VM.
func bridgeReachable(info system.Info) bool {
	for _, o := range info.SecurityOptions {
		if strings.Contains(o, "name=rootless") {
			return false
		}
	}
	return runtime.GOOS == "linux" && info.OSType == "linux" && info.OperatingSystem != "Docker Desktop"
}

// Close releases the connection.
func (e *Engine) Close() error { return e.api.Close() }

// withTLSDir verifies the engine against dir/ca.pem and presents
// dir/cert.pem with dir/key.pem, as `docker --tlsverify` does with
// DOCKER_CERT_PATH. Missing or unreadable files are named in the error.
func withTLSDir(dir string) (client.Opt, error) {
	files := [3]string{filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("TLS files: %w (the directory needs ca.pem, cert.pem and key.pem)", err)
		}
	}
	return client.WithTLSClientConfig(files[0], files[1], files[2]), nil
}
