package docker

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/stdcopy"
)

// JobSpec is a container that runs once to completion, with files copied
// in before it starts and out after it ends: a buildpack compile.
type JobSpec struct {
	Name   string
	Image  string
	Cmd    []string
	Env    map[string]string
	Labels map[string]string
	// User runs the command; "" is the image's.
	User      string
	MemoryMB  int
	CPUs      float64 // 0: no limit
	PidsLimit int64
	// Volumes mounts named volumes at paths (name → path). A missing
	// volume is made, with VolumeLabels.
	Volumes      map[string]string
	VolumeLabels map[string]string
}

// Job is a created job container. Remove it when done.
type Job struct {
	e  *Engine
	ID string
}

// CreateJob creates a job container without starting it, pulling its
// image first when the engine lacks it.
func (e *Engine) CreateJob(ctx context.Context, s JobSpec, pullOut io.Writer) (*Job, error) {
	for name := range s.Volumes {
		if _, err := e.api.VolumeInspect(ctx, name); errdefs.IsNotFound(err) {
			if _, err := e.api.VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: s.VolumeLabels}); err != nil {
				return nil, fmt.Errorf("docker %s: create volume %s: %w", e.Endpoint, name, err)
			}
		} else if err != nil {
			return nil, fmt.Errorf("docker %s: volume %s: %w", e.Endpoint, name, err)
		}
	}
	init := true
	host := &container.HostConfig{
		Init: &init,
		Resources: container.Resources{
			Memory:    int64(s.MemoryMB) << 20,
			NanoCPUs:  int64(s.CPUs * 1e9),
			PidsLimit: &s.PidsLimit,
		},
	}
	if s.MemoryMB > 0 {
		host.Resources.MemorySwap = host.Resources.Memory
	}
	if s.PidsLimit <= 0 {
		host.Resources.PidsLimit = nil
	}
	for name, target := range s.Volumes {
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeVolume, Source: name, Target: target})
	}
	cfg := &container.Config{Image: s.Image, Cmd: s.Cmd, Env: envList(s.Env), Labels: s.Labels, User: s.User,
		AttachStdout: true, AttachStderr: true}
	create := func() (string, error) {
		created, err := e.api.ContainerCreate(ctx, cfg, host, nil, nil, s.Name)
		return created.ID, err
	}
	id, err := create()
	if errdefs.IsNotFound(err) {
		if perr := e.pull(ctx, s.Image, pullOut); perr != nil {
			return nil, perr
		}
		id, err = create()
	}
	if err != nil {
		return nil, fmt.Errorf("docker %s: create %s: %w", e.Endpoint, s.Name, err)
	}
	return &Job{e: e, ID: id}, nil
}

// pull fetches an image from its registry, saying so to out.
func (e *Engine) pull(ctx context.Context, ref string, out io.Writer) error {
	fmt.Fprintf(out, "Pulling %s\n", ref)
	if err := e.PullImage(ctx, ref, nil); err != nil {
		return &MissingImageError{Image: ref, Endpoint: e.Endpoint, Err: err}
	}
	return nil
}

// MissingImageError is an image the engine neither has nor could pull.
type MissingImageError struct {
	Image, Endpoint string
	Err             error
}

func (e *MissingImageError) Error() string {
	return fmt.Sprintf("image %s is not on the Docker host %s and could not be pulled: %v", e.Image, e.Endpoint, e.Err)
}

func (e *MissingImageError) Unwrap() error { return e.Err }

// CopyIn unpacks a tar stream at the root of the job's filesystem.
func (j *Job) CopyIn(ctx context.Context, tarStream io.Reader) error {
	if err := j.e.api.CopyToContainer(ctx, j.ID, "/", tarStream, container.CopyToContainerOptions{}); err != nil {
		return fmt.Errorf("docker %s: copy into %.12s: %w", j.e.Endpoint, j.ID, err)
	}
	return nil
}

// CopyOut reads a path of the job's filesystem as a tar stream whose
// entries are named from the path's last element.
func (j *Job) CopyOut(ctx context.Context, path string) (io.ReadCloser, error) {
	rc, _, err := j.e.api.CopyFromContainer(ctx, j.ID, path)
	if err != nil {
		return nil, fmt.Errorf("docker %s: copy %s out of %.12s: %w", j.e.Endpoint, path, j.ID, err)
	}
	return rc, nil
}

// Run starts the job, copies its output (stdout and stderr) to out until
// it exits and returns its exit status. Ending ctx kills it.
func (j *Job) Run(ctx context.Context, out io.Writer) (int, error) {
	api := j.e.api
	hj, err := api.ContainerAttach(ctx, j.ID, container.AttachOptions{Stream: true, Stdout: true, Stderr: true})
	if err != nil {
		return -1, fmt.Errorf("docker %s: attach %.12s: %w", j.e.Endpoint, j.ID, err)
	}
	defer hj.Close()
	exit, errc := api.ContainerWait(context.WithoutCancel(ctx), j.ID, container.WaitConditionNextExit)
	if err := api.ContainerStart(ctx, j.ID, container.StartOptions{}); err != nil {
		return -1, fmt.Errorf("docker %s: start %.12s: %w", j.e.Endpoint, j.ID, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = api.ContainerKill(context.WithoutCancel(ctx), j.ID, "KILL") })
	defer stop()
	if _, err := stdcopy.StdCopy(out, out, hj.Reader); err != nil && !errors.Is(err, io.EOF) && ctx.Err() == nil {
		return -1, fmt.Errorf("docker %s: output of %.12s: %w", j.e.Endpoint, j.ID, err)
	}
	select {
	case r := <-exit:
		if ctx.Err() != nil {
			return -1, context.Cause(ctx)
		}
		if r.Error != nil {
			return -1, fmt.Errorf("docker %s: wait %.12s: %s", j.e.Endpoint, j.ID, r.Error.Message)
		}
		return int(r.StatusCode), nil
	case err := <-errc:
		return -1, fmt.Errorf("docker %s: wait %.12s: %w", j.e.Endpoint, j.ID, err)
	}
}

// Remove removes the job's container.
func (j *Job) Remove(ctx context.Context) {
	_ = j.e.api.ContainerRemove(context.WithoutCancel(ctx), j.ID, container.RemoveOptions{Force: true})
}

// RemoveVolumes removes the volumes that carry all of labels, but keep.
// A volume still in use (a build running on it) is left.
func (e *Engine) RemoveVolumes(ctx context.Context, labels map[string]string, keep string) error {
	args := filters.NewArgs()
	for k, v := range labels {
		args.Add("label", k+"="+v)
	}
	vols, err := e.api.VolumeList(ctx, volume.ListOptions{Filters: args})
	if err != nil {
		return fmt.Errorf("docker %s: list volumes: %w", e.Endpoint, err)
	}
	for _, v := range vols.Volumes {
		if v.Name == keep {
			continue
		}
		if err := e.api.VolumeRemove(ctx, v.Name, false); err != nil && !errdefs.IsNotFound(err) && !errdefs.IsConflict(err) {
			return fmt.Errorf("docker %s: remove volume %s: %w", e.Endpoint, v.Name, err)
		}
	}
	return nil
}

// LabelBuild marks the containers a build runs (the builder container,
// the release phase) with the build's id, so that those a crashed server
// left behind can be found.
const LabelBuild = "io.pier.build"

// BuildContainers lists the installation's containers labelled with a
// build id, by id: build id → container ids.
func (e *Engine) BuildContainers(ctx context.Context, cluster string) (map[string][]string, error) {
	list, err := e.api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", LabelBuild), filters.Arg("label", LabelCluster+"="+cluster))})
	if err != nil {
		return nil, fmt.Errorf("docker %s: list build containers: %w", e.Endpoint, err)
	}
	out := map[string][]string{}
	for _, c := range list {
		out[c.Labels[LabelBuild]] = append(out[c.Labels[LabelBuild]], c.ID)
	}
	return out, nil
}

// RemoveContainer removes a container, running or not.
func (e *Engine) RemoveContainer(ctx context.Context, id string) error {
	err := e.api.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("docker %s: remove %.12s: %w", e.Endpoint, id, err)
	}
	return nil
}

// VolumeLabelValues lists the values of label key on the installation's
// volumes: the apps that have build caches here.
func (e *Engine) VolumeLabelValues(ctx context.Context, key, cluster string) ([]string, error) {
	vols, err := e.api.VolumeList(ctx, volume.ListOptions{Filters: filters.NewArgs(
		filters.Arg("label", key), filters.Arg("label", LabelCluster+"="+cluster))})
	if err != nil {
		return nil, fmt.Errorf("docker %s: list volumes: %w", e.Endpoint, err)
	}
	seen := map[string]bool{}
	var out []string
	for _, v := range vols.Volumes {
		if val := v.Labels[key]; !seen[val] {
			seen[val] = true
			out = append(out, val)
		}
	}
	return out, nil
}
