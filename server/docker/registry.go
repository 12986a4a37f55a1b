package docker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/errdefs"
)

// Registry is where built images are pushed, so that hosts pull them
// rather than have Pier stream them (PIER_REGISTRY).
type Registry struct {
	// Host is the registry's address, with a path prefix if any:
	// registry.example.com:5000 or registry.example.com/pier.
	Host string
	// Username and Password log in to it; empty for an open registry.
	Username, Password string
}

// ParseRegistry checks a PIER_REGISTRY value; "" is no registry (nil).
func ParseRegistry(host, username, password string) (*Registry, error) {
	host = strings.TrimSuffix(strings.TrimSpace(host), "/")
	if host == "" {
		return nil, nil
	}
	if strings.Contains(host, "://") {
		return nil, fmt.Errorf("PIER_REGISTRY=%q: give the registry's host[:port][/path], without a scheme", host)
	}
	addr, path, _ := strings.Cut(host, "/")
	if addr == "" || strings.ContainsAny(host, " @#?") || path != strings.ToLower(path) {
		return nil, fmt.Errorf("PIER_REGISTRY=%q is not host[:port][/path] (paths are lower case)", host)
	}
	return &Registry{Host: host, Username: username, Password: password}, nil
}

// Ref names an image of app in the registry.
func (r *Registry) Ref(app, tag string) string { return r.Host + "/" + app + ":" + tag }

// Holds reports whether ref names an image in this registry.
func (r *Registry) Holds(ref string) bool { return r != nil && strings.HasPrefix(ref, r.Host+"/") }

// auth is the X-Registry-Auth value the engine wants.
func (r *Registry) auth() string {
	cfg := registry.AuthConfig{}
	if r != nil && r.Username != "" {
		addr, _, _ := strings.Cut(r.Host, "/")
		cfg = registry.AuthConfig{Username: r.Username, Password: r.Password, ServerAddress: addr}
	}
	b, _ := json.Marshal(cfg)
	return base64.URLEncoding.EncodeToString(b)
}

// PushImage tags the image id as ref and pushes it to the registry.
func (e *Engine) PushImage(ctx context.Context, id, ref string, reg *Registry) error {
	if err := e.api.ImageTag(ctx, id, ref); err != nil {
		return fmt.Errorf("docker %s: tag %s: %w", e.Endpoint, ref, err)
	}
	rc, err := e.api.ImagePush(ctx, ref, image.PushOptions{RegistryAuth: reg.auth()})
	if err != nil {
		return fmt.Errorf("docker %s: push %s: %w", e.Endpoint, ref, err)
	}
	defer rc.Close()
	if err := drainProgress(rc); err != nil {
		return fmt.Errorf("docker %s: push %s: %w", e.Endpoint, ref, err)
	}
	return nil
}

// PullImage pulls ref from its registry.
func (e *Engine) PullImage(ctx context.Context, ref string, reg *Registry) error {
	rc, err := e.api.ImagePull(ctx, ref, image.PullOptions{RegistryAuth: reg.auth()})
	if err != nil {
		return fmt.Errorf("docker %s: pull %s: %w", e.Endpoint, ref, err)
	}
	defer rc.Close()
	if err := drainProgress(rc); err != nil {
		return fmt.Errorf("docker %s: pull %s: %w", e.Endpoint, ref, err)
	}
	return nil
}

// RemoveImage removes an image reference (a tag or an id) and the layers
// only it used. One that is gone is not an error; one a container uses is
// left, and says so.
func (e *Engine) RemoveImage(ctx context.Context, ref string) error {
	_, err := e.api.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true})
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("docker %s: remove image %s: %w", e.Endpoint, ref, err)
	}
	return nil
}

// drainProgress reads a pull or push's JSON progress to its end and
// returns the error it reports.
func drainProgress(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if msg.Error != "" {
			return errors.New(msg.Error)
		}
	}
}

// ImageInfo is an image on an engine, as pruning sees it.
type ImageInfo struct {
	ID      string
	Refs    []string // its tags that the listing asked for
	Created time.Time
}

// ListImages lists the images the installation cluster built (by their
// label) with a tag under one of prefixes (e.g. "pier-build/"), with those
// tags.
func (e *Engine) ListImages(ctx context.Context, cluster string, prefixes []string) ([]ImageInfo, error) {
	list, err := e.api.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("label", LabelCluster+"="+cluster))})
	if err != nil {
		return nil, fmt.Errorf("docker %s: list images: %w", e.Endpoint, err)
	}
	var out []ImageInfo
	for _, img := range list {
		info := ImageInfo{ID: img.ID, Created: time.Unix(img.Created, 0)}
		for _, tag := range img.RepoTags {
			for _, p := range prefixes {
				if strings.HasPrefix(tag, p) {
					info.Refs = append(info.Refs, tag)
					break
				}
			}
		}
		if len(info.Refs) > 0 {
			out = append(out, info)
		}
	}
	return out, nil
}
