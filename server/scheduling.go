package server

import (
	"context"

	"github.com/pier-paas/pier/server/dynos"
	"github.com/pier-paas/pier/server/herokuapi"
	"github.com/pier-paas/pier/server/platform"
)

// newLoop builds the scheduler loop over the store and the Docker pool.
func (s *Server) newLoop() *dynos.Loop {
	return &dynos.Loop{
		Store:   s.store,
		Cluster: s.cluster,
		Logger:  s.Logger.With("component", "scheduler"),
		Connect: dynos.ConnectDocker,
		Lead: func(ctx context.Context) (dynos.Lease, error) {
			l, err := s.store.TryLeadScheduler(ctx)
			if l == nil {
				return nil, err
			}
			return l, nil
		},
		Options:  s.Config.Scheduler,
		Log:      s.logLine,
		Registry: s.registry,
		Images:   s.store, KeepReleases: s.Config.KeepReleases,
		Metrics: s.store, MetricsEvery: s.Config.MetricsEvery,
	}
}

// oneOffs adapts the loop's one-off dynos to the API's interface.
type oneOffs struct{ loop *dynos.Loop }

func (o oneOffs) RunOneOff(ctx context.Context, req platform.OneOff) (platform.Dyno, herokuapi.AttachedDyno, error) {
	d, att, err := o.loop.RunOneOff(ctx, req)
	if att == nil {
		return d, nil, err
	}
	return d, att, err
}
