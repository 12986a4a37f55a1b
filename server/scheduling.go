package server

import (
	"context"

	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/dynos"
)

// newLoop builds the scheduler loop over the store and the Docker pool.
func (s *Server) newLoop() *dynos.Loop {
	return &dynos.Loop{
		Store:   s.store,
		Cluster: s.cluster,
		Logger:  s.Logger.With("component", "scheduler"),
		Connect: func(ctx context.Context, endpoint string) (dynos.Engine, error) {
			e, err := docker.Connect(ctx, endpoint)
			if err != nil {
				return nil, err
			}
			return e, nil
		},
		Lead: func(ctx context.Context) (dynos.Lease, error) {
			l, err := s.store.TryLeadScheduler(ctx)
			if l == nil {
				return nil, err
			}
			return l, nil
		},
		Options: s.Config.Scheduler,
	}
}
