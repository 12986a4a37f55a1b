package dynos

import (
	"context"
	"sync"
	"time"

	"github.com/pier-paas/pier/server/scheduler"
)

// logTails follows the output of every running dyno this server can reach
// and hands it to Loop.Log as app[web.1] lines. Every server tails for its
// own log buffer; only the leader changes anything.
type logTails struct {
	mu      sync.Mutex
	running map[string]context.CancelFunc // container id → stop tailing
	since   time.Time                     // output before the loop started is not replayed
	states  map[string]string             // container id → state last reported
}

func newLogTails(now time.Time) *logTails {
	return &logTails{running: map[string]context.CancelFunc{}, since: now, states: map[string]string{}}
}

// update starts tails for new running dynos, stops those of vanished ones,
// and writes heroku[web.1] lines for state changes.
func (l *Loop) updateLogs(ctx context.Context, observed []scheduler.Instance, w world) {
	if l.Log == nil {
		return
	}
	t := l.tails
	live := make(map[string]bool, len(observed))
	for _, in := range observed {
		live[in.ID] = true
		name := Name(in.Type, in.Index)
		state := dynoState(in, false)
		if prev, ok := t.states[in.ID]; ok && prev != state {
			l.Log(in.App, "heroku", name, l.Now(), "State changed from "+prev+" to "+state)
		}
		t.states[in.ID] = state
		if (in.State != scheduler.Up && in.State != scheduler.Starting) || isStarting(in.ID) {
			continue
		}
		c := l.engines[in.Host]
		t.mu.Lock()
		_, tailing := t.running[in.ID]
		t.mu.Unlock()
		if c == nil || tailing {
			continue
		}
		tctx, cancel := context.WithCancel(ctx)
		t.mu.Lock()
		t.running[in.ID] = cancel
		t.mu.Unlock()
		since := t.since
		if in.StartedAt.After(since) {
			since = time.Time{} // started while we watch: all of it
		}
		go func(e Engine, in scheduler.Instance) {
			defer func() {
				t.mu.Lock()
				delete(t.running, in.ID)
				t.mu.Unlock()
				cancel()
			}()
			err := e.FollowLogs(tctx, in.ID, since, func(_ int, at time.Time, line string) {
				l.Log(in.App, "app", name, at, line)
			})
			if err != nil && tctx.Err() == nil {
				l.Logger.Debug("log tail ended", "dyno", name, "err", err)
			}
		}(c.engine, in)
	}
	t.mu.Lock()
	for id, cancel := range t.running {
		if !live[id] {
			cancel()
		}
	}
	t.mu.Unlock()
	for id := range t.states {
		if !live[id] {
			delete(t.states, id)
		}
	}
}
