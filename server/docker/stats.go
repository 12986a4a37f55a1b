package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/docker/docker/api/types/container"
)

// Stats is one reading of a running container's resource use.
type Stats struct {
	Read time.Time
	// CPUNanos is the CPU time the container used since it started: its
	// use over a span is the difference of two readings.
	CPUNanos uint64
	// MemoryBytes is what the container uses, less the page cache the
	// kernel can take back (as `docker stats` shows it).
	MemoryBytes uint64
	// MemoryLimit is its limit (the host's memory when it has none).
	MemoryLimit uint64
}

// Stats reads a container's resource use once, without the second's wait
// a streamed reading takes.
func (e *Engine) Stats(ctx context.Context, id string) (Stats, error) {
	res, err := e.api.ContainerStatsOneShot(ctx, id)
	if err != nil {
		return Stats{}, fmt.Errorf("docker %s: stats of %.12s: %w", e.Endpoint, id, err)
	}
	defer res.Body.Close()
	var s container.StatsResponse
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		return Stats{}, fmt.Errorf("docker %s: stats of %.12s: %w", e.Endpoint, id, err)
	}
	mem := s.MemoryStats.Usage
	// cgroup v2 names it inactive_file, v1 total_inactive_file.
	cache, ok := s.MemoryStats.Stats["inactive_file"]
	if !ok {
		cache = s.MemoryStats.Stats["total_inactive_file"]
	}
	if cache < mem {
		mem -= cache
	}
	return Stats{Read: s.Read, CPUNanos: s.CPUStats.CPUUsage.TotalUsage, MemoryBytes: mem, MemoryLimit: s.MemoryStats.Limit}, nil
}
