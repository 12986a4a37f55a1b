package web

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// events streams server-sent events to an open page: "change" whenever
// Changes says so (a deploy, a scale, a config change, a crash), so the
// page fetches itself again. A ping every 25 s keeps
// proxies from closing the stream.
func (d *Dashboard) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming is not supported here", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n\n")
	flusher.Flush()

	changed := make(chan struct{}, 1)
	notify := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	ctx := r.Context()
	if d.Changes != nil {
		stop := d.Changes(notify)
		defer stop()
	}
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.Done:
			return
		case <-changed:
			fmt.Fprint(w, "event: change\ndata: {}\n\n")
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		}
		flusher.Flush()
	}
}

// untilShutdown is ctx, also ended when the server shuts down (Done), for
// streams that would otherwise hold a graceful shutdown up.
func (d *Dashboard) untilShutdown(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-d.Done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
