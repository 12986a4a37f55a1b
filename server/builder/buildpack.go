package builder

import (
	"archive/tar"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/pier-paas/pier/buildpacks"
	"github.com/pier-paas/pier/server/buildpack"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/source"
	"go.yaml.in/yaml/v3"
)

//go:embed driver.sh
var driver []byte

// Default stacks: Heroku's, which a Pier with internet access pulls.
const (
	DefaultBuildStack = "heroku/heroku:24-build"
	DefaultRunStack   = "heroku/heroku:24"
)

// DefaultBuildMemoryMB bounds a builder container's memory.
const DefaultBuildMemoryMB = 4096

// compiled is what the buildpacks made of an app.
type compiled struct {
	tag, id string
	// defaults are the process types the buildpacks name, for an app
	// without a Procfile.
	defaults map[string]string
}

// compile builds a source without a Dockerfile with Heroku classic
// buildpacks: in a container from the build stack it runs them over the
// source, then layers the result onto the run stack.
func (b *Builder) compile(ctx context.Context, app platform.App, build platform.Build, req Request, src io.ReadSeeker, root string, out io.Writer) (compiled, error) {
	if b.Buildpacks == nil {
		return compiled{}, platform.Invalid("No Dockerfile at the top of the source, and this Pier builds no buildpack apps: add a Dockerfile.")
	}
	settings, err := b.Store.BuildSettings(ctx, app)
	if err != nil {
		return compiled{}, err
	}
	vars, err := b.Store.ConfigVars(ctx, app)
	if err != nil {
		return compiled{}, err
	}
	refs, detect := req.Buildpacks, false
	switch {
	case len(refs) > 0:
	case len(settings.Buildpacks) > 0:
		refs = settings.Buildpacks
	case vars["BUILDPACK_URL"] != "":
		refs = []string{vars["BUILDPACK_URL"]}
	default:
		refs, detect = buildpacks.Order, true
	}
	for _, ref := range refs {
		if err := buildpack.Validate(ref); err != nil {
			return compiled{}, err
		}
	}

	cache := fmt.Sprintf("pier-cache-%s-%d", app.ID, settings.CacheGeneration)
	cacheLabels := map[string]string{LabelBuildCache: app.ID.String()}
	if err := b.Engine.RemoveVolumes(ctx, cacheLabels, cache); err != nil {
		b.Logger.Warn("could not remove an app's old build caches", "app", app.Name, "err", err)
	}
	env := map[string]string{"STACK": b.buildStack(), "PIER_DETECT": "0"}
	if detect {
		env["PIER_DETECT"] = "1"
	}
	if req.Version != nil {
		env["SOURCE_VERSION"] = *req.Version
	}
	job, err := b.Engine.CreateJob(ctx, docker.JobSpec{
		Name: "pier-build-" + build.ID.String(), Image: b.buildStack(), User: "root",
		Cmd: []string{"/bin/bash", "/tmp/pier/driver.sh"}, Env: env,
		Labels:   b.labels(app, docker.LabelType, "build", docker.LabelBuild, build.ID.String()),
		MemoryMB: b.buildMemory(), PidsLimit: 4096,
		Volumes: map[string]string{cache: "/tmp/cache"}, VolumeLabels: b.labels(app, LabelBuildCache, app.ID.String()),
	}, newIndent(out))
	if err != nil {
		return compiled{}, err
	}
	defer job.Remove(ctx)

	names, err := b.copyIn(ctx, job, refs, vars, src, root, out)
	if err != nil {
		return compiled{}, err
	}
	code, err := job.Run(ctx, out)
	if err != nil {
		return compiled{}, err
	}
	if code != 0 {
		return compiled{}, fmt.Errorf("the buildpack driver exited with status %d", code)
	}
	rel, err := b.readOutcome(ctx, job, refs, names, detect)
	if err != nil {
		return compiled{}, err
	}
	tag := imageTag(app, build)
	id, err := b.layer(ctx, app, job, tag, rel.ConfigVars, out)
	if err != nil {
		return compiled{}, err
	}
	return compiled{tag: tag, id: id, defaults: rel.DefaultProcessTypes}, nil
}

// LabelBuildCache marks an app's build cache volumes with its id.
const LabelBuildCache = "io.pier.build-cache"

// copyIn fetches the buildpacks and copies them, the source, the config
// (ENV_DIR) and the driver into the builder container. It returns the
// buildpacks' names, in order.
func (b *Builder) copyIn(ctx context.Context, job *docker.Job, refs []string, vars map[string]string, src io.ReadSeeker, root string, out io.Writer) ([]string, error) {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var names []string
	var fill func(i int, tw *tar.Writer) error
	fill = func(i int, tw *tar.Writer) error {
		if i == len(refs) {
			return nil
		}
		return b.Buildpacks.Resolve(ctx, refs[i], out, func(bp buildpack.Buildpack) error {
			names = append(names, bp.Name)
			if err := addDir(tw, bp.Dir, fmt.Sprintf("tmp/buildpacks/%02d", i+1)); err != nil {
				return fmt.Errorf("buildpack %s: %w", bp.Name, err)
			}
			return fill(i+1, tw)
		})
	}
	err := stream(func(w io.Writer) error {
		tw := tar.NewWriter(w)
		if err := addSource(tw, src, root); err != nil {
			return err
		}
		for _, d := range []string{"tmp/env", "tmp/pier", "tmp/buildpacks"} {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755}); err != nil {
				return err
			}
		}
		for _, k := range slices.Sorted(maps.Keys(vars)) {
			if strings.ContainsAny(k, "/\x00") || k == "." || k == ".." {
				continue
			}
			if err := addFile(tw, "tmp/env/"+k, []byte(vars[k]), 0o600); err != nil {
				return err
			}
		}
		if err := addFile(tw, "tmp/pier/driver.sh", driver, 0o755); err != nil {
			return err
		}
		if err := fill(0, tw); err != nil {
			return err
		}
		return tw.Close()
	}, func(r io.Reader) error { return job.CopyIn(ctx, r) })
	if err != nil {
		return nil, err
	}
	return names, nil
}

// addSource writes the source tarball's files under app/.
func addSource(tw *tar.Writer, src io.Reader, root string) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(source.Repack(src, root, pw)) }()
	defer pr.Close()
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "app/", Mode: 0o755}); err != nil {
		return err
	}
	tr := tar.NewReader(pr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		h.Name = path.Join("app", h.Name)
		if h.Typeflag == tar.TypeDir {
			h.Name += "/"
		}
		if h.Typeflag == tar.TypeLink {
			h.Linkname = path.Join("app", h.Linkname)
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}

// release is what a buildpack's bin/release says.
type release struct {
	ConfigVars          map[string]string `yaml:"config_vars"`
	DefaultProcessTypes map[string]string `yaml:"default_process_types"`
}

// readOutcome reads how the driver ended and, when the buildpacks
// compiled the app, what their bin/release said, later buildpacks' words
// over earlier ones'.
func (b *Builder) readOutcome(ctx context.Context, job *docker.Job, refs, names []string, detect bool) (release, error) {
	rc, err := job.CopyOut(ctx, "/tmp/pier")
	if err != nil {
		return release{}, err
	}
	defer rc.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return release{}, fmt.Errorf("read the build's outcome: %w", err)
		}
		if h.Typeflag == tar.TypeReg && h.Size < 1<<20 {
			data, err := io.ReadAll(tr)
			if err != nil {
				return release{}, fmt.Errorf("read the build's outcome: %w", err)
			}
			files[path.Base(h.Name)] = data
		}
	}
	status := strings.Fields(string(files["status"]))
	if len(status) == 0 {
		return release{}, fmt.Errorf("the buildpack driver ended without saying how")
	}
	name := func(n string) string {
		var i int
		if _, err := fmt.Sscanf(n, "%d", &i); err == nil && i >= 1 && i <= len(names) {
			if refs[i-1] != names[i-1] {
				return fmt.Sprintf("%s (%s)", names[i-1], refs[i-1])
			}
			return names[i-1]
		}
		return n
	}
	switch status[0] {
	case "ok":
	case "none":
		return release{}, platform.Invalid("No Dockerfile, and none of the buildpacks tried recognises the app: %s. Add a Dockerfile, or the file a buildpack looks for (go.mod, package.json, requirements.txt, index.html), or set a buildpack with pier buildpacks:set.",
			strings.Join(names, ", "))
	case "undetected":
		return release{}, platform.Invalid("The app is not one buildpack %s can build: its bin/detect refused it.", name(status[1]))
	case "compile", "release":
		code := "?"
		if len(status) > 2 {
			code = status[2]
		}
		step := "compile the app"
		if status[0] == "release" {
			step = "describe the app (bin/release)"
		}
		return release{}, platform.Invalid("Buildpack %s failed to %s (exit status %s).", name(status[1]), step, code)
	default:
		return release{}, fmt.Errorf("the buildpack driver ended with %q", files["status"])
	}
	var out release
	for i := range names {
		data := files[fmt.Sprintf("release-%02d.yml", i+1)]
		if len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		var r release
		if err := yaml.Unmarshal(data, &r); err != nil {
			return release{}, platform.Invalid("Buildpack %s's bin/release printed something that is not YAML: %v", name(fmt.Sprint(i+1)), err)
		}
		if out.ConfigVars == nil {
			out.ConfigVars = map[string]string{}
		}
		if out.DefaultProcessTypes == nil {
			out.DefaultProcessTypes = map[string]string{}
		}
		maps.Copy(out.ConfigVars, r.ConfigVars)
		maps.Copy(out.DefaultProcessTypes, r.DefaultProcessTypes)
	}
	return out, nil
}

func (b *Builder) buildStack() string {
	if b.BuildStack != "" {
		return b.BuildStack
	}
	return DefaultBuildStack
}

func (b *Builder) runStack() string {
	if b.RunStack != "" {
		return b.RunStack
	}
	return DefaultRunStack
}

func (b *Builder) buildMemory() int {
	if b.BuildMemoryMB > 0 {
		return b.BuildMemoryMB
	}
	return DefaultBuildMemoryMB
}
