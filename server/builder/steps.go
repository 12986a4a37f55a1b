package builder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/pier-paas/pier/procfile"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/source"
)

// build runs a build's steps, writing their output to out, and releases
// what it built.
func (b *Builder) build(ctx context.Context, actor platform.User, app platform.App, build platform.Build, req Request, out io.Writer) (platform.Release, error) {
	if req.Check != nil {
		if err := req.Check(ctx); err != nil {
			return platform.Release{}, err
		}
	}
	src, size, err := b.fetch(ctx, req)
	if err != nil {
		return platform.Release{}, err
	}
	defer os.Remove(src.Name())
	defer src.Close()
	fmt.Fprintf(out, "-----> Fetched the source (%s)\n", humanBytes(size))
	info, err := source.Inspect(src, b.maxSource())
	if err != nil {
		return platform.Release{}, err
	}
	var types map[string]string
	if info.Procfile != nil {
		p, err := procfile.Parse(info.Procfile)
		if err != nil {
			return platform.Release{}, platform.Invalid("The Procfile is not valid:\n%s", err)
		}
		types = p.Map()
	}
	var image, id string
	var defaults map[string]string
	if info.Dockerfile {
		image, id, err = b.dockerfile(ctx, app, build, src, info.Root, out)
	} else {
		var c compiled
		c, err = b.compile(ctx, app, build, req, src, info.Root, out)
		image, id, defaults = c.tag, c.id, c.defaults
	}
	if err != nil {
		return platform.Release{}, err
	}
	fmt.Fprintln(out, "-----> Discovering process types")
	switch {
	case types != nil:
		fmt.Fprintf(out, "       Procfile declares types -> %s\n", strings.Join(slices.Sorted(maps.Keys(types)), ", "))
		for k, v := range defaults { // as on Heroku, the Procfile's types win
			if _, ok := types[k]; !ok {
				types[k] = v
				fmt.Fprintf(out, "       Default types for buildpack -> %s\n", k)
			}
		}
	case !info.Dockerfile:
		if len(defaults) == 0 {
			return platform.Release{}, platform.Invalid("No Procfile, and the buildpacks name no process type to run: add a Procfile, e.g. web: ./start-server")
		}
		types = defaults
		fmt.Fprintf(out, "       Default types for buildpack -> %s\n", strings.Join(slices.Sorted(maps.Keys(types)), ", "))
	default:
		img, err := b.Engine.ReadImage(ctx, id)
		if err != nil {
			return platform.Release{}, err
		}
		types = img.ProcessTypes
		fmt.Fprintf(out, "       No Procfile; the image's command runs as -> %s\n", strings.Join(slices.Sorted(maps.Keys(types)), ", "))
	}
	if b.Registry != nil {
		ref := b.Registry.Ref(app.Name, build.ID.String()[:8])
		fmt.Fprintf(out, "-----> Pushing the image to %s\n", b.Registry.Host)
		if err := b.Engine.PushImage(ctx, id, ref, b.Registry); err != nil {
			return platform.Release{}, err
		}
		image = ref
	}
	slug := platform.Slug{Image: image, ProcessTypes: types, Checksum: &id, Commit: req.Version}
	if command, ok := types["release"]; ok {
		if err := b.releasePhase(ctx, app, build, id, command, out); err != nil {
			var exit *exitError
			if !errors.As(err, &exit) {
				return platform.Release{}, err
			}
			rel, serr := b.Store.FailReleasePhase(ctx, actor, app, build.ID, slug, "", exit.Error())
			if serr != nil {
				return rel, serr
			}
			return rel, platform.Invalid("The release command exited with status %d: v%d is marked failed and the release before it keeps serving.", exit.code, rel.Version)
		}
	}
	fmt.Fprint(out, "-----> Launching...")
	rel, err := b.Store.SucceedBuild(ctx, actor, app, build.ID, slug, "", req.Ref)
	if err != nil {
		fmt.Fprintln(out)
		return rel, err
	}
	fmt.Fprintf(out, " done, v%d\n", rel.Version)
	if b.AppURL != nil {
		fmt.Fprintf(out, "       %s deployed to Pier\n", b.AppURL(app.Name))
	}
	return rel, nil
}

// dockerfile builds the source's Dockerfile on the engine, whose layer
// cache carries over from the app's earlier builds, and returns the
// image's tag and id.
func (b *Builder) dockerfile(ctx context.Context, app platform.App, build platform.Build, src io.ReadSeeker, root string, out io.Writer) (tag, id string, err error) {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return "", "", err
	}
	fmt.Fprintln(out, "-----> Building the Dockerfile")
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(source.Repack(src, root, pw)) }()
	defer pr.Close()
	tag = imageTag(app, build)
	id, err = b.Engine.Build(ctx, pr, tag, b.labels(app), newIndent(out))
	return tag, id, err
}

// imageTag names a build's image on the engine that built it.
func imageTag(app platform.App, build platform.Build) string {
	return "pier-build/" + app.Name + ":" + build.ID.String()[:8]
}

// fetch copies the source to a temporary file, checking its size and,
// when the request gives one, its checksum.
func (b *Builder) fetch(ctx context.Context, req Request) (*os.File, int64, error) {
	rc, err := req.Open(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer rc.Close()
	f, err := os.CreateTemp(b.TempDir, "pier-source-*.tar")
	if err != nil {
		return nil, 0, fmt.Errorf("spool source: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(rc, b.maxSource()+1))
	if err == nil && n > b.maxSource() {
		err = &platform.SourceTooLarge{Limit: b.maxSource()}
	}
	if err == nil && req.Checksum != nil && *req.Checksum != "" {
		want, _ := platform.SourceChecksum(*req.Checksum)
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			err = platform.Invalid("The source's SHA256 checksum is %s, not %s as source_blob.checksum says: upload it again.", got, want)
		}
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		var pe *platform.Error
		var big *platform.SourceTooLarge
		if errors.As(err, &pe) || errors.As(err, &big) {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("could not fetch the source: %w", err)
	}
	return f, n, nil
}

func (b *Builder) maxSource() int64 {
	if b.MaxSourceBytes > 0 {
		return b.MaxSourceBytes
	}
	return platform.DefaultMaxSourceBytes
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
