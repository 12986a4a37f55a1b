package dockertest

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// CopyImage copies images from the engine at from to the engine at to, as
// `docker save | docker load` would (nothing can be pulled here, so this is
// how a SecondEngine gets images built with Build). Tags are kept. Images
// that to did not have before are removed from it when the test ends.
func CopyImage(t testing.TB, from, to string, refs ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	src, err := client.NewClientWithOpts(client.WithHost(from), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := client.NewClientWithOpts(client.WithHost(to), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()

	var added []string
	for _, ref := range refs {
		if _, err := dst.ImageInspect(ctx, ref); client.IsErrNotFound(err) {
			added = append(added, ref)
		}
	}
	rc, err := src.ImageSave(ctx, refs)
	if err != nil {
		t.Fatalf("copy %v: save on %s: %v", refs, from, err)
	}
	defer rc.Close()
	res, err := dst.ImageLoad(ctx, rc, client.ImageLoadWithQuiet(true))
	if err != nil {
		t.Fatalf("copy %v: load on %s: %v", refs, to, err)
	}
	defer res.Body.Close()
	// Like a build, a load reports failure in its JSON message stream.
	dec := json.NewDecoder(res.Body)
	for res.JSON {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("copy %v: load on %s: %v", refs, to, err)
		}
		if msg.Error != "" {
			t.Fatalf("copy %v: load on %s: %s", refs, to, msg.Error)
		}
	}
	if !res.JSON {
		io.Copy(io.Discard, res.Body)
	}
	for _, ref := range refs {
		if _, err := dst.ImageInspect(ctx, ref); err != nil {
			t.Fatalf("copy %s to %s: %v", ref, to, err)
		}
	}
	if len(added) > 0 {
		t.Cleanup(func() {
			c, err := client.NewClientWithOpts(client.WithHost(to), client.WithAPIVersionNegotiation())
			if err != nil {
				return
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for _, ref := range added {
				c.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true})
			}
		})
	}
}
