package builder

import (
	"context"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/platform"
)

// exitError is a release command that ran and exited non-zero.
type exitError struct{ code int }

func (e *exitError) Error() string {
	return fmt.Sprintf("release command exited with status %d", e.code)
}

// releasePhase runs the release process type once, in the new image with
// the app's config, before the release is made (Heroku's release phase:
// migrations and the like). Its output joins the build's.
func (b *Builder) releasePhase(ctx context.Context, app platform.App, build platform.Build, image, command string, out io.Writer) error {
	vars, err := b.Store.ConfigVars(ctx, app)
	if err != nil {
		return err
	}
	env := maps.Clone(vars)
	if env == nil {
		env = map[string]string{}
	}
	env["DYNO"], env["PS"] = "release.1", "release.1"
	fmt.Fprintf(out, "-----> Running release command: %s\n", command)
	s, err := b.Engine.RunAttached(ctx, docker.RunSpec{
		Name: "pier-release-" + build.ID.String(), Image: image, Command: command, Env: env,
		Labels:   b.labels(app, docker.LabelType, "release", docker.LabelBuild, build.ID.String()),
		MemoryMB: 512, CPUs: 1, StopTimeout: 10 * time.Second,
	})
	if err != nil {
		return err
	}
	_ = s.CloseStdin() // the command reads no input: give it EOF
	// A build stopped or timed out kills the command; its output then ends.
	stop := context.AfterFunc(ctx, func() { s.Kill(context.WithoutCancel(ctx)) })
	defer stop()
	w := newIndent(out)
	_ = s.Output(w, w) // until the command exits
	code, err := s.Wait(context.WithoutCancel(ctx))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return err
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}
