package docker_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
)

type logLine struct {
	stream int
	t      time.Time
	text   string
}

// runLogged starts a container running a shell script and removes it when
// the test ends.
func runLogged(t *testing.T, e *docker.Engine, script string, tty bool) string {
	t.Helper()
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\n", nil)
	api, err := client.NewClientWithOpts(client.WithHost(e.Endpoint), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	ctx := context.Background()
	c, err := api.ContainerCreate(ctx, &container.Config{Image: img, Tty: tty, Cmd: []string{"/bin/busybox", "sh", "-c", script}},
		&container.HostConfig{NetworkMode: "none"}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true}) })
	if err := api.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// follow collects a container's lines until FollowLogs returns, which it
// must do by itself when the container exits.
func follow(t *testing.T, e *docker.Engine, id string, since time.Time) []logLine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got []logLine
	err := e.FollowLogs(ctx, id, since, func(stream int, at time.Time, line string) {
		got = append(got, logLine{stream, at, line})
	})
	if ctx.Err() != nil {
		t.Fatalf("FollowLogs did not return when the container exited (%v); got %d lines", err, len(got))
	}
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestFollowLogs(t *testing.T) {
	e := dockertest.Engine(t)
	started := time.Now()
	// 20000 bytes is more than the engine's 16 KiB message buffer, so that
	// line arrives as two stamped messages; 100000 is cut at 64 KiB.
	id := runLogged(t, e, `echo out1; echo err1 >&2; sleep 1; echo out2; echo "  spaced  "; echo; `+
		`head -c 20000 /dev/zero | tr '\0' x; echo; head -c 100000 /dev/zero | tr '\0' y; echo; printf 'no newline' >&2`, false)
	got := follow(t, e, id, time.Time{})

	want := []logLine{{1, time.Time{}, "out1"}, {2, time.Time{}, "err1"}, {1, time.Time{}, "out2"},
		{1, time.Time{}, "  spaced  "}, {1, time.Time{}, ""}, {1, time.Time{}, strings.Repeat("x", 20000)},
		{1, time.Time{}, strings.Repeat("y", docker.MaxLogLine)}, {2, time.Time{}, "no newline"}}
	// stdout and stderr are separate pipes: only each one's order is certain.
	for _, stream := range []int{1, 2} {
		var g, w []string
		for _, l := range got {
			if l.stream == stream {
				g = append(g, short(l.text))
			}
		}
		for _, l := range want {
			if l.stream == stream {
				w = append(w, short(l.text))
			}
		}
		if strings.Join(g, "|") != strings.Join(w, "|") {
			t.Fatalf("stream %d: got %q, want %q", stream, g, w)
		}
	}
	// The engine stamps each stream as it reads it: in order within one.
	var prev [3]time.Time
	for i, l := range got {
		if l.t.Before(started.Add(-time.Minute)) || l.t.After(time.Now().Add(time.Minute)) {
			t.Fatalf("line %d %q stamped %v", i, short(l.text), l.t)
		}
		if l.t.Before(prev[l.stream]) {
			t.Fatalf("line %d %q stamped %v, before the previous of its stream %v", i, short(l.text), l.t, prev[l.stream])
		}
		prev[l.stream] = l.t
	}
	var out1, out2 time.Time
	for _, l := range got {
		switch l.text {
		case "out1":
			out1 = l.t
		case "out2":
			out2 = l.t
		}
	}
	if out2.Sub(out1) < 900*time.Millisecond {
		t.Fatalf("out1 at %v, out2 at %v: not the engine's times", out1, out2)
	}

	// Resuming from a line's time starts with that line.
	again := follow(t, e, id, out2)
	if len(again) != len(got)-2 || again[0].text != "out2" {
		t.Fatalf("since out2: %d lines, want %d from out2", len(again), len(got)-2)
	}
}

// A container with a TTY has one raw stream: it is all stdout.
func TestFollowLogsTTY(t *testing.T) {
	e := dockertest.Engine(t)
	id := runLogged(t, e, `echo one; echo two >&2`, true)
	got := follow(t, e, id, time.Time{})
	if len(got) != 2 || strings.TrimSuffix(got[0].text, "\r") != "one" || strings.TrimSuffix(got[1].text, "\r") != "two" ||
		got[0].stream != 1 || got[1].stream != 1 || got[0].t.IsZero() {
		t.Fatalf("got %+v", got)
	}
}

// Following a container that keeps running ends with the context.
func TestFollowLogsCancel(t *testing.T) {
	e := dockertest.Engine(t)
	id := runLogged(t, e, `echo started; sleep 60`, false)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var got []string
	done := make(chan error, 1)
	go func() {
		done <- e.FollowLogs(ctx, id, time.Time{}, func(_ int, _ time.Time, line string) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, line)
		})
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no line from a running container")
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("FollowLogs returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("FollowLogs did not return when its context ended")
	}
	if got[0] != "started" {
		t.Fatalf("got %q", got)
	}

	if err := e.FollowLogs(context.Background(), "no-such-container", time.Time{}, func(int, time.Time, string) {}); err == nil {
		t.Fatal("following a missing container succeeded")
	}
}

func short(s string) string {
	if len(s) > 20 {
		return s[:10] + "…" + s[len(s)-10:] + "(" + strconv.Itoa(len(s)) + ")"
	}
	return s
}
