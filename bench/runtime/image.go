package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/image"
	"github.com/pier-paas/pier/bench/pierserver"
)

// backendSource is the app the dynos run: the least a Go web app can be, so
// that the figures measure the proxies, not the backend. Keep-alive is
// net/http's default. On SIGTERM it finishes its requests before exiting,
// as Heroku asks of apps; the deploy and scale phases rely on that.
const backendSource = `package main

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

// The image sets BODY; each tag answers its own.
var body = []byte(os.Getenv("BODY") + "\n")

func main() {
	srv := &http.Server{Addr: ":" + os.Getenv("PORT"), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		panic(err)
	}
}
`

// backendImages builds the backend once and wraps it in one FROM-scratch
// image per body (tags repo:v1, repo:v2, ...): the bodies tell which release
// answered. No Procfile, so Pier runs the image's own CMD as web, no shell.
func backendImages(ctx context.Context, dk *dockerAPI, dir, repo string, bodies []string) ([]string, error) {
	src := filepath.Join(dir, "backend")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module backend\n\ngo 1.26\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(backendSource), 0o644); err != nil {
		return nil, err
	}
	out := filepath.Join(src, "server")
	cmd := exec.CommandContext(ctx, pierserver.GoTool(), "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir, cmd.Stdout, cmd.Stderr = src, os.Stderr, os.Stderr
	// Static, for an image with nothing else in it; outside any workspace.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOWORK=off", "GOFLAGS=")
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build the backend: %w", err)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var tags []string
	for i, body := range bodies {
		tag := fmt.Sprintf("%s:v%d", repo, i+1)
		// The body is baked in as an ENV so each tag is a distinct image
		// (deploys pin image ids) over the same binary layer.
		dockerfile := fmt.Sprintf("FROM scratch\nCOPY server /server\nENV BODY=%q\nCMD [\"/server\"]\n", body)
		if err := dk.build(ctx, tag, dockerfile, map[string][]byte{"server": bin}); err != nil {
			return tags, err
		}
		tags = append(tags, tag)
	}
	return tags, nil
}

// build runs an image build with a tar context of the Dockerfile and files.
func (d *dockerAPI) build(ctx context.Context, tag, dockerfile string, files map[string][]byte) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, data []byte, mode int64) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("Dockerfile", []byte(dockerfile), 0o644); err != nil {
		return err
	}
	for name, data := range files {
		if err := add(name, data, 0o755); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	res, err := d.c.ImageBuild(ctx, &buf, build.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true})
	if err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	defer res.Body.Close()
	// The build's outcome is in its JSON message stream.
	dec := json.NewDecoder(res.Body)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("build %s: %w", tag, err)
		}
		if msg.Error != "" {
			return fmt.Errorf("build %s: %s", tag, msg.Error)
		}
	}
}

// removeImages deletes the tags built, best effort.
func (d *dockerAPI) removeImages(tags []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, t := range tags {
		if _, err := d.c.ImageRemove(ctx, t, image.RemoveOptions{Force: true, PruneChildren: true}); err != nil {
			progress("remove image %s: %v", t, err)
		}
	}
}
