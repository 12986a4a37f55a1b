package dynos

import (
	"context"
	"fmt"
	"time"

	"github.com/pier-paas/pier/server/scheduler"
)

// checkReleases fails a current release none of whose web dynos became
// healthy within ReleaseTimeout while an older release's web dynos still
// serve: the older release becomes current again and keeps serving, and
// the new dynos are stopped. It returns when to look again (0: no need)
// and whether it failed one (then this round's view is stale).
func (l *Loop) checkReleases(ctx context.Context, w world, observed []scheduler.Instance) (time.Duration, bool) {
	now := l.Now()
	type seen struct{ newHealthy, oldServing bool }
	apps := map[string]*seen{}
	for _, in := range observed {
		a := w.apps[in.App]
		if a == nil || a.Release == nil || in.Type != "web" || in.State != scheduler.Up || !in.Healthy {
			continue
		}
		s := apps[in.App]
		if s == nil {
			s = &seen{}
			apps[in.App] = s
		}
		if in.Release == a.Release.Version {
			s.newHealthy = true
		} else if in.Release < a.Release.Version {
			s.oldServing = true
		}
	}
	var next time.Duration
	failed := false
	for id, a := range w.apps {
		s := apps[id]
		if a.Release == nil || s == nil || s.newHealthy || !s.oldServing || !wantsWeb(a.Formation) {
			continue
		}
		deadline := a.Release.CreatedAt.Add(l.ReleaseTimeout)
		if now.Before(deadline) {
			if d := deadline.Sub(now); next == 0 || d < next {
				next = d
			}
			continue
		}
		reason := fmt.Sprintf("no web dyno became healthy within %v", l.ReleaseTimeout)
		if err := l.Store.FailRelease(ctx, a.App, *a.Release, reason); err != nil {
			l.Logger.Warn("could not mark a release failed", "app", a.App.Name, "release", a.Release.Version, "err", err)
			continue
		}
		l.Logger.Warn("release failed; the previous one keeps serving", "app", a.App.Name, "release", a.Release.Version, "reason", reason)
		failed = true
	}
	return next, failed
}
