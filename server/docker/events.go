package docker

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

// Watch calls changed whenever one of Pier's containers on this engine
// starts, dies or goes away, until ctx ends or the stream breaks (the
// engine went down). The scheduler wakes on it instead of polling.
func (e *Engine) Watch(ctx context.Context, cluster string, changed func()) error {
	f := filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)),
		filters.Arg("label", LabelCluster+"="+cluster),
		filters.Arg("event", "start"), filters.Arg("event", "die"), filters.Arg("event", "destroy"),
		filters.Arg("event", "oom"), filters.Arg("event", "health_status"),
	)
	msgs, errs := e.api.Events(ctx, events.ListOptions{Filters: f})
	for {
		select {
		case <-msgs:
			changed()
		case err := <-errs:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("docker %s: event stream: %w", e.Endpoint, err)
		}
	}
}
