package dynos

import (
	"context"
	"fmt"
	"time"

	"github.com/pier-paas/pier/server/docker"
)

// ensureImage gets an image to a host that lacks it: pulled from the
// registry when the release names it there (PIER_REGISTRY), else (or when
// the pull fails) streamed from a host that has it, docker save | docker
// load, since a build or a deploy leaves the image on one engine only.
func (l *Loop) ensureImage(ctx context.Context, engines map[string]Engine, hostID, image, ref string) error {
	dst := engines[hostID]
	if ok, err := dst.HasImage(ctx, image); err != nil || ok {
		return err
	}
	if l.Registry.Holds(ref) {
		started := time.Now()
		err := pull(ctx, dst, image, ref, l.Registry)
		if err == nil {
			l.Logger.Info("pulled image from the registry", "image", ref, "to", hostID, "ms", time.Since(started).Milliseconds())
			return nil
		}
		l.Logger.Warn("could not pull the image from the registry; streaming it from a host that has it", "image", ref, "to", hostID, "err", err)
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

// pull pulls ref onto dst and checks that it is image.
func pull(ctx context.Context, dst Engine, image, ref string, reg *docker.Registry) error {
	if err := dst.PullImage(ctx, ref, reg); err != nil {
		return err
	}
	ok, err := dst.HasImage(ctx, image)
	if err == nil && !ok {
		err = fmt.Errorf("%s pulled, but it is not %s", ref, image)
	}
	return err
}
