package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/docker/docker/api/types/build"
)

// BuildError is a build that failed on the user's side: a Dockerfile
// step that did not work. Its message is the engine's, fit to show.
type BuildError struct{ Message string }

func (e *BuildError) Error() string { return e.Message }

// Build builds the Dockerfile in buildContext (a tar stream, gzip or not)
// and tags the image tag, with labels, reusing the engine's layer cache.
// The engine's progress lines go to out as they come. It returns the
// image's id; a failing step is a *BuildError.
func (e *Engine) Build(ctx context.Context, buildContext io.Reader, tag string, labels map[string]string, out io.Writer) (string, error) {
	res, err := e.api.ImageBuild(ctx, buildContext, build.ImageBuildOptions{Tags: []string{tag}, Labels: labels, Remove: true, ForceRemove: true})
	if err != nil {
		// A context without a Dockerfile is refused before any step runs.
		// (One that is not a tarball at all is the caller's to catch: the
		// engine only says "unexpected EOF".)
		if msg := err.Error(); strings.Contains(msg, "Cannot locate specified Dockerfile") {
			return "", &BuildError{Message: strings.TrimPrefix(msg, "Error response from daemon: ")}
		}
		return "", fmt.Errorf("docker %s: build %s: %w", e.Endpoint, tag, err)
	}
	defer res.Body.Close()
	var id string
	dec := json.NewDecoder(res.Body)
	for {
		var msg struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
			Aux    *struct {
				ID string `json:"ID"`
			} `json:"aux"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", fmt.Errorf("docker %s: build %s: %w", e.Endpoint, tag, err)
		}
		switch {
		case msg.Error != "":
			return "", &BuildError{Message: strings.TrimSpace(msg.Error)}
		case msg.Aux != nil && msg.Aux.ID != "":
			id = msg.Aux.ID
		case msg.Stream != "" && out != nil:
			if _, err := io.WriteString(out, msg.Stream); err != nil {
				return "", fmt.Errorf("build %s: output: %w", tag, err)
			}
		}
	}
	if id == "" {
		return "", fmt.Errorf("docker %s: build %s: the engine named no image", e.Endpoint, tag)
	}
	return id, nil
}
