package docker

import (
	"context"
	"fmt"

	"github.com/pier-paas/pier/server/platform"
)

// Info reads the engine's name, capacity and version.
func (e *Engine) Info(ctx context.Context) (platform.HostInfo, error) {
	info, err := e.api.Info(ctx)
	if err != nil {
		return platform.HostInfo{}, fmt.Errorf("docker %s: %w", e.Endpoint, err)
	}
	return platform.HostInfo{Name: info.Name, CPUs: info.NCPU, MemoryMB: int(info.MemTotal >> 20), EngineVersion: info.ServerVersion}, nil
}

// Prober reaches engines by endpoint to read their info; the API uses it
// to check a host before adding it to the pool.
type Prober struct{}

// Probe connects to endpoint (with the TLS files in tlsDir, if any), reads
// its info and disconnects.
func (Prober) Probe(ctx context.Context, endpoint, tlsDir string) (platform.HostInfo, error) {
	e, err := Connect(ctx, endpoint, tlsDir)
	if err != nil {
		return platform.HostInfo{}, err
	}
	defer e.Close()
	return e.Info(ctx)
}
