package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres/pgtest"
)

// One build per app runs at a time: a second build's WaitForApp returns
// only once the first's slot is closed. A build whose runner is gone (its
// slot closed without settling) is failed by the sweeper; a running one is
// left alone. A build settles once.
func TestBuildSlots(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Store(t)
	u, err := s.CreateUser(ctx, "Ann", "ann@example.com", "ann-password-1", false)
	if err != nil {
		t.Fatal(err)
	}
	app, err := s.CreateApp(ctx, u, "shop")
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.CreateBuild(ctx, u, app, platform.Build{SourceURL: "http://example.com/a.tgz"})
	if err != nil {
		t.Fatal(err)
	}
	if first.Build.Status != platform.BuildPending || first.Build.App.Name != "shop" {
		t.Fatalf("new build: %+v", first.Build)
	}
	if err := first.WaitForApp(ctx, func() { t.Error("the first build waited") }); err != nil {
		t.Fatal(err)
	}
	second, err := s.CreateBuild(ctx, u, app, platform.Build{})
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	got := make(chan error, 1)
	go func() { got <- second.WaitForApp(ctx, func() { close(waited) }) }()
	<-waited
	select {
	case err := <-got:
		t.Fatalf("the second build ran beside the first: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	// Both are running: the sweeper leaves them alone.
	if n, err := s.FailAbandonedBuilds(ctx); err != nil || n != 0 {
		t.Fatalf("swept %d running builds (%v)", n, err)
	}
	// The first build's runner dies without settling it.
	first.Close()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if n, err := s.FailAbandonedBuilds(ctx); err != nil || n != 1 {
		t.Fatalf("swept %d builds, want the abandoned one (%v)", n, err)
	}
	b, err := s.Build(ctx, app, first.Build.ID.String())
	if err != nil || b.Status != platform.BuildFailed || b.Failure == nil || !strings.Contains(*b.Failure, "stopped") {
		t.Fatalf("abandoned build: %+v, %v", b, err)
	}
	// The second settles once, with a release of its slug.
	img := "sha256:" + strings.Repeat("a", 64)
	r, err := s.SucceedBuild(ctx, u, app, second.Build.ID, platform.Slug{Image: "pier-build/shop:1", ProcessTypes: map[string]string{"web": "serve"}, Checksum: &img}, "", nil)
	if err != nil || r.Version != 2 {
		t.Fatalf("succeed: v%d, %v", r.Version, err)
	}
	if err := s.FailBuild(ctx, platform.Ref{ID: app.ID, Name: app.Name}, second.Build.ID, "late"); err != nil {
		t.Fatal(err)
	}
	b, err = s.Build(ctx, app, second.Build.ID.String())
	if err != nil || b.Status != platform.BuildSucceeded || b.ReleaseID == nil || *b.ReleaseID != r.ID || b.SlugID == nil {
		t.Fatalf("settled build: %+v, %v", b, err)
	}
	if _, err := s.SucceedBuild(ctx, u, app, first.Build.ID, platform.Slug{Image: "x"}, "", nil); platform.KindOf(err) != platform.KindConflict {
		t.Fatalf("releasing a failed build: %v", err)
	}
	second.Close()
	if bs, more, err := s.Builds(ctx, app, platform.Page{Field: "started_at", Max: 10, Desc: true}); err != nil || more || len(bs) != 2 {
		t.Fatalf("list: %d builds, more %v, %v", len(bs), more, err)
	}
	// Output comes back in order, from any chunk on.
	for i, chunk := range []string{"one\n", "two\n", "three\n"} {
		if err := s.AppendBuildOutput(ctx, second.Build.ID, i, []byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	chunks, status, err := s.BuildOutput(ctx, second.Build.ID, 1)
	if err != nil || status != platform.BuildSucceeded || len(chunks) != 2 || string(chunks[1]) != "three\n" {
		t.Fatalf("output from 1: %q, %s, %v", chunks, status, err)
	}
	// Following a settled build's output sends it all once, with how it
	// ended.
	var sends []string
	err = s.FollowBuildOutput(ctx, second.Build.ID, func(chunks [][]byte, status string) error {
		sends = append(sends, fmt.Sprintf("%d chunks, %s", len(chunks), status))
		return nil
	})
	if err != nil || len(sends) != 1 || sends[0] != "3 chunks, succeeded" {
		t.Fatalf("follow a settled build: %q, %v", sends, err)
	}
}
