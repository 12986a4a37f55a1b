package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
	"github.com/pier-paas/pier/server/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newUser(t *testing.T, s *postgres.Store, email string, admin bool) platform.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), "test", email, "password123", admin)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// 50 concurrent config changes with distinct keys on one app: every one
// succeeds, every key is present and the releases have consecutive versions.
func TestConcurrentConfigSetsLoseNothing(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Store(t)
	u := newUser(t, s, "ann@example.com", false)
	app, err := s.CreateApp(ctx, u, "busy-app")
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v := fmt.Sprint(i)
			_, err := s.UpdateConfigVars(ctx, u, app, map[string]*string{fmt.Sprintf("KEY_%02d", i): &v})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	vars, err := s.ConfigVars(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if vars[fmt.Sprintf("KEY_%02d", i)] != fmt.Sprint(i) {
			t.Errorf("KEY_%02d lost: %v", i, vars)
		}
	}
	rs, more, err := s.Releases(ctx, app, platform.Page{Field: "version", Max: 1000})
	if err != nil || more {
		t.Fatal(err, more)
	}
	if len(rs) != n+1 {
		t.Fatalf("want %d releases, got %d", n+1, len(rs))
	}
	for i, r := range rs {
		if r.Version != i+1 {
			t.Fatalf("release %d has version %d", i, r.Version)
		}
		if r.Current != (i == n) {
			t.Fatalf("v%d current=%v", r.Version, r.Current)
		}
	}
	// Each release's config holds exactly the keys set up to it.
	for _, r := range rs[1:] {
		c, err := s.ReleaseConfigVars(ctx, r)
		if err != nil || len(c) != r.Version-1 {
			t.Fatalf("v%d config has %d keys, want %d (%v)", r.Version, len(c), r.Version-1, err)
		}
	}
}

func TestReleasesAreImmutableAndEventsAppendOnly(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Store(t)
	u := newUser(t, s, "ann@example.com", false)
	app, _ := s.CreateApp(ctx, u, "frozen")
	if _, err := s.Pool().Exec(ctx, `UPDATE releases SET description = 'x' WHERE app_id = $1`, app.ID); err == nil {
		t.Fatal("a release was edited")
	}
	if _, err := s.Pool().Exec(ctx, `DELETE FROM events`); err == nil {
		t.Fatal("events were deleted")
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE events SET kind = 'x'`); err == nil {
		t.Fatal("an event was edited")
	}
}

func TestFollowDeliversEventsInOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := pgtest.Store(t)
	u := newUser(t, s, "ann@example.com", false)
	start, _ := s.LastEventID(ctx)
	got := make(chan platform.Event, 100)
	go s.Follow(ctx, start, func(e platform.Event) { got <- e }, nil)
	app, _ := s.CreateApp(ctx, u, "followed")
	v := "1"
	s.UpdateConfigVars(ctx, u, app, map[string]*string{"A": &v})
	want := []string{"app.create", "release.create", "release.create"}
	var last int64
	for _, k := range want {
		select {
		case e := <-got:
			if e.Kind != k || e.ID <= last {
				t.Fatalf("got event %d %s, want %s after %d", e.ID, e.Kind, k, last)
			}
			last = e.ID
		case <-ctx.Done():
			t.Fatalf("no %s event", k)
		}
	}
}

// A deploy writes its slug and release together or not at all.
func TestDeployIsAtomic(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Store(t)
	u := newUser(t, s, "ann@example.com", false)
	app, _ := s.CreateApp(ctx, u, "atomic")
	slug := platform.Slug{Image: "example/web:1", ProcessTypes: map[string]string{"web": "./web"}}
	if _, err := s.Deploy(ctx, u, app, slug, strings.Repeat("x", 2000)); platform.KindOf(err) != platform.KindInvalid {
		t.Fatalf("overlong description: %v", err)
	}
	count := func(table string) (n int) {
		s.Pool().QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE app_id = $1`, app.ID).Scan(&n)
		return n
	}
	if count("slugs") != 0 || count("releases") != 1 || count("formations") != 0 {
		t.Fatalf("a failed deploy left slugs=%d releases=%d formations=%d", count("slugs"), count("releases"), count("formations"))
	}
	r, err := s.Deploy(ctx, u, app, slug, "Deploy example/web:1")
	if err != nil || r.Version != 2 || r.SlugID == nil || count("slugs") != 1 || count("formations") != 1 {
		t.Fatalf("deploy: %+v %v", r, err)
	}
}
