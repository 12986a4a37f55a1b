package dynos

import (
	"context"
	"time"

	"github.com/pier-paas/pier/server/docker"
)

// Image pruning: the leader removes from every host the images this
// installation built (labelled with its cluster id) that none of the
// newest releases of any app runs.
const (
	// DefaultKeepReleases is how many of each app's newest releases keep
	// their images on the hosts: those rollback reaches.
	DefaultKeepReleases = 10
	// DefaultPruneEvery is how often images are pruned.
	DefaultPruneEvery = 10 * time.Minute
	// DefaultPruneMinAge spares younger images: a build's image is no
	// release's until the build ends.
	DefaultPruneMinAge = time.Hour
)

// ImageStore says which images releases still need.
type ImageStore interface {
	KeptImages(ctx context.Context, keep int) (map[string]bool, error)
}

// prunable lists the references to remove: those of images no kept
// release names (by id or by any of their references) and older than
// minAge.
func prunable(images []docker.ImageInfo, keep map[string]bool, now time.Time, minAge time.Duration) []string {
	var out []string
	for _, img := range images {
		if keep[img.ID] || now.Sub(img.Created) < minAge {
			continue
		}
		kept := false
		for _, ref := range img.Refs {
			kept = kept || keep[ref]
		}
		if !kept {
			out = append(out, img.Refs...)
		}
	}
	return out
}

// maybePrune starts a pruning pass when one is due and none is running.
func (l *Loop) maybePrune(ctx context.Context) {
	if l.Images == nil || !l.pruning.CompareAndSwap(false, true) {
		return
	}
	now := l.Now()
	every := l.PruneEvery
	if every <= 0 {
		every = DefaultPruneEvery
	}
	if !l.lastPrune.IsZero() && now.Sub(l.lastPrune) < every {
		l.pruning.Store(false)
		return
	}
	l.lastPrune = now
	engines := make(map[string]Engine, len(l.engines))
	for id, c := range l.engines {
		engines[id] = c.engine
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer l.pruning.Store(false)
		l.prune(ctx, engines, now)
	}()
}

// prune removes, from every host, Pier's images no kept release runs.
func (l *Loop) prune(ctx context.Context, engines map[string]Engine, now time.Time) {
	keepN := l.KeepReleases
	if keepN <= 0 {
		keepN = DefaultKeepReleases
	}
	minAge := l.PruneMinAge
	if minAge < 0 {
		minAge = 0
	} else if minAge == 0 {
		minAge = DefaultPruneMinAge
	}
	keep, err := l.Images.KeptImages(ctx, keepN)
	if err != nil {
		l.Logger.Warn("could not read which images releases need", "err", err)
		return
	}
	prefixes := []string{"pier-build/"}
	if l.Registry != nil {
		prefixes = append(prefixes, l.Registry.Host+"/")
	}
	for id, e := range engines {
		images, err := e.ListImages(ctx, l.Cluster, prefixes)
		if err != nil {
			l.Logger.Warn("could not list a host's images", "host", id, "err", err)
			continue
		}
		removed := 0
		for _, ref := range prunable(images, keep, now, minAge) {
			// An image a container still uses is refused by the engine and
			// tried again next time.
			if err := e.RemoveImage(ctx, ref); err != nil {
				l.Logger.Debug("could not remove an image", "host", id, "image", ref, "err", err)
				continue
			}
			removed++
		}
		if removed > 0 {
			l.Logger.Info("removed images no kept release runs", "host", id, "images", removed, "keep_releases", keepN)
		}
	}
}
