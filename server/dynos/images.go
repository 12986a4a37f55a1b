package dynos

import (
	"context"
	"fmt"
	"time"
)

// ensureImage copies an image to a host that lacks it, from a host that
// has it: nothing can be pulled from a registry, and a deploy only reads the
// image on one engine.
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
