package dockertest

import (
	"context"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
	"github.com/pier-paas/pier/server/docker"
)

// RemoveCluster force-removes the containers a Pier installation (by its
// cluster id) left on the local engine, for tests that run a whole server.
func RemoveCluster(cluster string) error {
	c, err := client.NewClientWithOpts(client.WithHost(docker.DefaultEndpoint()), client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	defer c.Close()
	ctx := context.Background()
	cs, err := c.ContainerList(ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", docker.LabelCluster+"="+cluster))})
	if err != nil {
		return err
	}
	for _, x := range cs {
		// Pier may be removing it too (a stop, a one-off's auto-removal).
		err := c.ContainerRemove(ctx, x.ID, container.RemoveOptions{Force: true})
		if err != nil && !errdefs.IsNotFound(err) && !errdefs.IsConflict(err) {
			return err
		}
	}
	return nil
}

// RemoveImages removes the images whose references match pattern (as
// `docker images --filter reference=PATTERN`), such as the ones a test's
// builds tagged. Images still used by a container are left.
func RemoveImages(pattern string) error {
	c, err := client.NewClientWithOpts(client.WithHost(docker.DefaultEndpoint()), client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	defer c.Close()
	ctx := context.Background()
	imgs, err := c.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("reference", pattern))})
	if err != nil {
		return err
	}
	for _, img := range imgs {
		for _, tag := range img.RepoTags {
			_, err := c.ImageRemove(ctx, tag, image.RemoveOptions{PruneChildren: true})
			if err != nil && !errdefs.IsNotFound(err) && !errdefs.IsConflict(err) {
				return err
			}
		}
	}
	return nil
}
