package dynos

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pier-paas/pier/server/scheduler"
)

// ensureImages copies each placement's image to its host when the host
// lacks it, from a host that has it: nothing can be pulled from a
// registry, and a deploy only reads the image on one engine. Pairs that
// fail are returned so their placements wait for the next round.
func (l *Loop) ensureImages(ctx context.Context, w world, place []scheduler.Placement) map[[2]string]error {
	type pair = [2]string // host id, image
	need := map[pair]bool{}
	for _, p := range place {
		if a := w.apps[p.App]; a != nil && l.engines[p.Host] != nil {
			need[pair{p.Host, a.Image}] = true
		}
	}
	engines := make(map[string]Engine, len(l.engines))
	for id, c := range l.engines {
		engines[id] = c.engine
	}
	failed := map[pair]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for pr := range need {
		wg.Add(1)
		go func(pr pair) {
			defer wg.Done()
			if err := l.ensureImage(ctx, engines, pr[0], pr[1]); err != nil {
				mu.Lock()
				failed[pr] = err
				mu.Unlock()
			}
		}(pr)
	}
	wg.Wait()
	return failed
}

func (l *Loop) ensureImage(ctx context.Context, engines map[string]Engine, hostID, image string) error {
	dst := engines[hostID]
	if ok, err := dst.HasImage(ctx, image); err != nil || ok {
		return err
	}
	for id, src := range engines {
		if id == hostID {
			continue
		}
		if ok, err := src.HasImage(ctx, image); err != nil || !ok {
			continue
		}
		started := time.Now()
		if err := copyImage(ctx, src, dst, image); err != nil {
			return err
		}
		l.Logger.Info("copied image to host", "image", image, "from", id, "to", hostID, "ms", time.Since(started).Milliseconds())
		return nil
	}
	return fmt.Errorf("image %s is on no reachable host: build or load it on one", image)
}

func copyImage(ctx context.Context, src, dst Engine, image string) error {
	rc, err := src.ExportImage(ctx, image)
	if err != nil {
		return err
	}
	defer rc.Close()
	return dst.ImportImage(ctx, rc)
}
