package dynos

import (
	"slices"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/docker"
)

func TestPrunable(t *testing.T) {
	now := time.Now()
	old, young := now.Add(-2*time.Hour), now.Add(-time.Minute)
	images := []docker.ImageInfo{
		{ID: "sha256:kept-by-id", Refs: []string{"pier-build/a:1"}, Created: old},
		{ID: "sha256:kept-by-ref", Refs: []string{"pier-build/a:2", "pier-build/a:2b"}, Created: old},
		{ID: "sha256:gone", Refs: []string{"pier-build/a:3", "reg/a:3"}, Created: old},
		{ID: "sha256:young", Refs: []string{"pier-build/a:4"}, Created: young},
	}
	keep := map[string]bool{"sha256:kept-by-id": true, "pier-build/a:2b": true}
	got := prunable(images, keep, now, time.Hour)
	if want := []string{"pier-build/a:3", "reg/a:3"}; !slices.Equal(got, want) {
		t.Errorf("prunable = %v, want %v", got, want)
	}
	if got := prunable(images, keep, now, 0); !slices.Contains(got, "pier-build/a:4") {
		t.Errorf("with no minimum age a young image stays: %v", got)
	}
}
