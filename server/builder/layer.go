package builder

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/platform"
)

// DefaultMaxSlugBytes bounds a compiled app, twice Heroku's 500 MB.
const DefaultMaxSlugBytes = 1 << 30

// layer copies the compiled app (/app) out of the builder container and
// builds the slug image: the run stack with the app at /app and the
// launcher that starts each dyno's command.
func (b *Builder) layer(ctx context.Context, app platform.App, job *docker.Job, tag string, configVars map[string]string, out io.Writer) (string, error) {
	rc, err := job.CopyOut(ctx, "/app")
	if err != nil {
		return "", err
	}
	defer rc.Close()
	fmt.Fprintf(out, "-----> Layering the app onto %s\n", b.runStack())
	dockerfile := fmt.Sprintf(`FROM %s
COPY app /app
COPY launch /pier/launch
WORKDIR /app
ENV HOME=/app
LABEL %s=/pier/launch
ENTRYPOINT ["/pier/launch"]
CMD []
`, b.runStack(), docker.LabelLauncher)
	var size int64
	var id string
	err = stream(func(w io.Writer) error {
		tw := tar.NewWriter(w)
		if err := addFile(tw, "Dockerfile", []byte(dockerfile), 0o644); err != nil {
			return err
		}
		if err := addFile(tw, "launch", launcher(configVars), 0o755); err != nil {
			return err
		}
		var err error
		if size, err = copySlug(tw, rc, b.maxSlug()); err != nil {
			return err
		}
		return tw.Close()
	}, func(r io.Reader) error {
		var err error
		// The engine's step-by-step output says nothing a user needs here.
		id, err = b.Engine.Build(ctx, r, tag, b.labels(app), io.Discard)
		return err
	})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(out, "       Done: %s\n", humanBytes(size))
	return id, nil
}

// copySlug copies the compiled app's entries into the build context,
// counting its size against limit.
func copySlug(tw *tar.Writer, r io.Reader, limit int64) (int64, error) {
	tr := tar.NewReader(r)
	var size int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return size, nil
		}
		if err != nil {
			return size, fmt.Errorf("read the compiled app: %w", err)
		}
		size += h.Size
		if size > limit {
			return size, platform.Invalid("The compiled app is over %s, the limit for a slug: list what it does not need to run in .slugignore.", humanBytes(limit))
		}
		if err := tw.WriteHeader(h); err != nil {
			return size, err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return size, err
		}
	}
}

func (b *Builder) maxSlug() int64 {
	if b.MaxSlugBytes > 0 {
		return b.MaxSlugBytes
	}
	return DefaultMaxSlugBytes
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// launcher is the program each dyno's command starts through: Heroku's
// start-up, which sets HOME, gives the buildpacks' config vars to a dyno
// whose app does not set them, sources .profile.d/*.sh and .profile, and
// runs the command with bash.
func launcher(configVars map[string]string) []byte {
	var b strings.Builder
	b.WriteString(`#!/bin/bash
# Written by Pier: each dyno's command starts here, as on Heroku.
cd /app || exit 1
export HOME=/app
`)
	for _, k := range slices.Sorted(maps.Keys(configVars)) {
		if envName.MatchString(k) {
			fmt.Fprintf(&b, "[ -n \"${%s+set}\" ] || export %s=%s\n", k, k, shellQuote(configVars[k]))
		}
	}
	b.WriteString(`for f in /app/.profile.d/*.sh; do
  if [ -r "$f" ]; then . "$f"; fi
done
unset f
if [ -r /app/.profile ]; then . /app/.profile; fi
if [ $# -eq 0 ]; then exec /bin/bash; fi
exec /bin/bash -c "$1"
`)
	return []byte(b.String())
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// addFile writes one file entry.
func addFile(tw *tar.Writer, name string, data []byte, mode int64) error {
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data))}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// addDir writes a folder of the Pier host (a buildpack) under prefix,
// leaving out .git and Pier's own marks; files under bin/ are made
// executable, as a buildpack's scripts must be.
func addDir(tw *tar.Writer, dir, prefix string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.Name() == ".git" && d.IsDir() {
			return filepath.SkipDir
		}
		if strings.HasPrefix(d.Name(), ".pier-") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		h.Name = path.Join(prefix, rel)
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
		if d.IsDir() {
			h.Name += "/"
		}
		if h.Typeflag == tar.TypeReg && path.Dir(rel) == "bin" {
			h.Mode |= 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
}

// stream runs write into a pipe that consume reads. The writer's error
// comes first: a stream it cut short (a buildpack not fetched, a slug over
// its limit) is better explained by it than by the reader's complaint.
func stream(write func(io.Writer) error, consume func(io.Reader) error) error {
	pr, pw := io.Pipe()
	werr := make(chan error, 1)
	go func() {
		err := write(pw)
		pw.CloseWithError(err)
		werr <- err
	}()
	cerr := consume(pr)
	pr.CloseWithError(errReaderDone)
	if err := <-werr; err != nil && !errors.Is(err, errReaderDone) {
		return err
	}
	return cerr
}

var errReaderDone = errors.New("the reader stopped")
