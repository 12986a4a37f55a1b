package docker

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/errdefs"
	"github.com/pier-paas/pier/procfile"
	"github.com/pier-paas/pier/server/platform"
)

// ReadImage reads what an image runs, as Heroku reads a slug: the
// Procfile in the image's working directory, else the image's own command as
// `web`; and the image's id, which releases run so that a moved tag can't
// change them. The image must be on this engine already (nothing is pulled).
func (e *Engine) ReadImage(ctx context.Context, image string) (platform.Image, error) {
	types, id, err := e.processTypes(ctx, image)
	return platform.Image{ID: id, ProcessTypes: types}, err
}

func (e *Engine) processTypes(ctx context.Context, image string) (map[string]string, string, error) {
	img, err := e.api.ImageInspect(ctx, image)
	if errdefs.IsNotFound(err) {
		return nil, "", platform.Invalid("Image %s is not on the Docker host %s: build, load or pull it there first.", image, e.Endpoint)
	}
	if err != nil {
		return nil, "", fmt.Errorf("inspect image %s: %w", image, err)
	}
	workdir := "/"
	var command []string
	if img.Config != nil {
		if img.Config.WorkingDir != "" {
			workdir = img.Config.WorkingDir
		}
		command = append(append(command, img.Config.Entrypoint...), img.Config.Cmd...)
	}
	probe, err := e.probe(ctx, image)
	if err != nil {
		return nil, "", err
	}
	defer probe.remove(ctx)
	data, err := probe.readFile(ctx, path.Join(workdir, "Procfile"))
	if err != nil {
		return nil, "", err
	}
	if data != nil {
		p, err := procfile.Parse(data)
		if err != nil {
			return nil, "", platform.Invalid("The image's %s is not valid: %v", path.Join(workdir, "Procfile"), err)
		}
		if len(p) == 0 {
			return nil, "", platform.Invalid("The image's %s names no process types.", path.Join(workdir, "Procfile"))
		}
		// Procfile lines run under /bin/sh -c, as Heroku runs them with bash.
		if _, err := e.api.ContainerStatPath(ctx, probe.id, "/bin/sh"); errdefs.IsNotFound(err) {
			return nil, "", platform.Invalid("Image %s has a Procfile but no /bin/sh to run its commands with; add a shell to the image, or remove the Procfile to run the image's own command as web.", image)
		} else if err != nil {
			return nil, "", fmt.Errorf("inspect image %s: %w", image, err)
		}
		return p.Map(), img.ID, nil
	}
	if len(command) == 0 {
		return nil, "", platform.Invalid("Image %s has no Procfile in its working directory (%s) and no command to run as web.", image, workdir)
	}
	return map[string]string{"web": shellJoin(command)}, img.ID, nil
}

// probeContainer is a container created from an image but never started,
// to read the image's files through.
type probeContainer struct {
	e     *Engine
	id    string
	image string
}

func (e *Engine) probe(ctx context.Context, image string) (*probeContainer, error) {
	// A command is required to create a container from an image without one;
	// it never runs.
	created, err := e.api.ContainerCreate(ctx, &container.Config{Image: image, Cmd: []string{"/pier-probe"}, Entrypoint: []string{}},
		&container.HostConfig{NetworkMode: "none"}, nil, nil, "")
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", image, err)
	}
	return &probeContainer{e: e, id: created.ID, image: image}, nil
}

func (p *probeContainer) remove(ctx context.Context) {
	_ = p.e.api.ContainerRemove(context.WithoutCancel(ctx), p.id, container.RemoveOptions{Force: true})
}

// readFile copies one file out of the image. A missing file is (nil, nil).
func (p *probeContainer) readFile(ctx context.Context, file string) ([]byte, error) {
	image := p.image
	rc, _, err := p.e.api.CopyFromContainer(ctx, p.id, file)
	if errdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s from %s: %w", file, image, err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	hdr, err := tr.Next()
	if err != nil {
		return nil, fmt.Errorf("read %s from %s: %w", file, image, err)
	}
	if hdr.Typeflag != tar.TypeReg {
		return nil, platform.Invalid("%s in image %s is not a regular file.", file, image)
	}
	data, err := io.ReadAll(io.LimitReader(tr, procfile.MaxSize+1))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s from %s: %w", file, image, err)
	}
	return data, nil
}

// shellJoin renders an exec-form command as one shell line, quoting words
// that need it, as `docker inspect` users would write it.
func shellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		if w != "" && !strings.ContainsAny(w, " \t\n'\"\\$`;&|<>*?()[]{}#~") {
			out[i] = w
			continue
		}
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}
