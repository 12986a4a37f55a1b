// Package docker is the Docker adapter: it talks to Docker engines through
// their API. This first part reads what an image runs; the scheduler's
// applier (starting and stopping containers) builds on the same Engine.
package docker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/docker/docker/client"
)

// Engine is one Docker engine.
type Engine struct {
	api      *client.Client
	Endpoint string
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
	return &Engine{api: c, Endpoint: endpoint}, nil
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
