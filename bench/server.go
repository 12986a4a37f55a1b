package main

import (
	"context"
	"time"

	"github.com/pier-paas/pier/bench/pierserver"
)

// startup is one start's timing.
type startup struct {
	wall     time.Duration // exec to /healthz answering 200
	loggedMS int64         // startup_ms the server logged, -1 if absent
}

// startServer starts srv and times it.
func startServer(ctx context.Context, srv *pierserver.Proc) (startup, error) {
	wall, err := srv.Start(ctx)
	if err != nil {
		return startup{}, err
	}
	return startup{wall: wall, loggedMS: srv.LoggedStartupMS()}, nil
}
