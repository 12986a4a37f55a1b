// Package docker is the Docker adapter: it talks to Docker engines through
// their API. This first part reads what an image runs; the scheduler's
// applier (starting and stopping containers) builds on the same Engine.
package docker

import (
	"context"
	"fmt"
	"os"

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
// and agrees on an API version with it.
func Connect(ctx context.Context, endpoint string) (*Engine, error) {
	c, err := client.NewClientWithOpts(client.WithHost(endpoint), client.WithAPIVersionNegotiation())
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
