package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// ErrNoImage means an engine lacks the image a container needs. Nothing
// can be pulled from a registry, so the scheduler copies it from a host
// that has it.
var ErrNoImage = errors.New("image not on this host")

// HasImage reports whether the image (a name or an id) is on this engine.
func (e *Engine) HasImage(ctx context.Context, ref string) (bool, error) {
	_, err := e.api.ImageInspect(ctx, ref)
	if errdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("docker %s: inspect image %s: %w", e.Endpoint, ref, err)
	}
	return true, nil
}

// ExportImage streams the image as a tarball (docker save).
func (e *Engine) ExportImage(ctx context.Context, ref string) (io.ReadCloser, error) {
	rc, err := e.api.ImageSave(ctx, []string{ref})
	if err != nil {
		return nil, fmt.Errorf("docker %s: save image %s: %w", e.Endpoint, ref, err)
	}
	return rc, nil
}

// ImportImage loads a tarball made by ExportImage (docker load).
func (e *Engine) ImportImage(ctx context.Context, r io.Reader) error {
	res, err := e.api.ImageLoad(ctx, r, client.ImageLoadWithQuiet(true))
	if err != nil {
		return fmt.Errorf("docker %s: load image: %w", e.Endpoint, err)
	}
	defer res.Body.Close()
	// The outcome is in the body: read it all so the load completes.
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("docker %s: load image: %w", e.Endpoint, err)
	}
	if bytesContain(body, `"error"`) {
		return fmt.Errorf("docker %s: load image: %s", e.Endpoint, body)
	}
	return nil
}

func bytesContain(b []byte, s string) bool {
	return bytes.Contains(b, []byte(s))
}
