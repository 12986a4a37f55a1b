package logs_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/logs"
)

func texts(lines []logs.Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}

func add(h *logs.Hub, app, dyno string, texts ...string) {
	source := "app"
	if dyno == "router" {
		source = "heroku"
	}
	for _, s := range texts {
		h.Add(logs.Line{Time: time.Now(), App: app, Source: source, Dyno: dyno, Text: s})
	}
}

// The backlog is the last lines of each app, however many were written.
func TestHubKeepsLastLines(t *testing.T) {
	h := logs.NewHub(10)
	for i := range 25 {
		add(h, "a", "web."+strconv.Itoa(i%2+1), strconv.Itoa(i))
	}
	add(h, "b", "web.1", "other app")
	if got := strings.Join(texts(h.Recent("a", 100, logs.Filter{})), ","); got != "15,16,17,18,19,20,21,22,23,24" {
		t.Fatalf("backlog = %s", got)
	}
	if got := strings.Join(texts(h.Recent("a", 3, logs.Filter{})), ","); got != "22,23,24" {
		t.Fatalf("last 3 = %s", got)
	}
	if got := strings.Join(texts(h.Recent("a", 3, logs.Filter{Dyno: "web.2"})), ","); got != "19,21,23" {
		t.Fatalf("last 3 of web.2 = %s", got)
	}
	if got := h.Recent("a", 0, logs.Filter{}); len(got) != 0 {
		t.Fatalf("0 lines gave %d", len(got))
	}
	if got := h.Recent("nobody", 10, logs.Filter{}); len(got) != 0 {
		t.Fatalf("unknown app has %d lines", len(got))
	}
	h.Forget("a")
	if got := h.Recent("a", 10, logs.Filter{}); len(got) != 0 {
		t.Fatalf("forgotten app has %d lines", len(got))
	}
	if got := texts(h.Recent("b", 10, logs.Filter{})); len(got) != 1 {
		t.Fatalf("forgetting a touched b: %q", got)
	}
}

// A follower sees the new lines its filter matches, in order, until its
// context ends or the app is forgotten.
func TestHubFollow(t *testing.T) {
	h := logs.NewHub(10)
	add(h, "a", "web.1", "before")
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 100)
	done := make(chan struct{})
	go func() {
		h.Follow(ctx, "a", logs.Filter{Dyno: "web"}, func(l logs.Line) { got <- l.Text })
		close(done)
	}()
	// Follow registers asynchronously: write until the first line arrives.
	waitFor(t, func() bool {
		add(h, "a", "web.1", "ping")
		select {
		case <-got:
			return true
		case <-time.After(10 * time.Millisecond):
			return false
		}
	})
	for len(got) > 0 {
		<-got
	}
	add(h, "a", "router", "not mine")
	add(h, "b", "web.1", "other app")
	add(h, "a", "web.2", "one\ntwo")
	add(h, "a", "web.1", "three")
	for _, want := range []string{"one", "two", "three"} {
		select {
		case l := <-got:
			if l != want {
				t.Fatalf("followed %q, want %q", l, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %q", want)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Follow did not return when its context ended")
	}

	// Forgetting the app ends its followers.
	done = make(chan struct{})
	go func() {
		h.Follow(context.Background(), "a", logs.Filter{}, func(logs.Line) {})
		close(done)
	}()
	waitFor(t, func() bool {
		h.Forget("a")
		select {
		case <-done:
			return true
		case <-time.After(10 * time.Millisecond):
			add(h, "a", "web.1", "recreate") // in case Forget ran before Follow
			return false
		}
	})
}

// A follower that never reads does not slow writers down: its lines are
// dropped and counted, and it is told with logplex's L10 error once it
// catches up.
func TestHubSlowFollower(t *testing.T) {
	h := logs.NewHub(1500)
	block := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(block) }) }
	defer unblock()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var delivered []logs.Line
	followed := make(chan struct{}, 1)
	go h.Follow(ctx, "a", logs.Filter{}, func(l logs.Line) {
		mu.Lock()
		delivered = append(delivered, l)
		mu.Unlock()
		select {
		case followed <- struct{}{}:
		default:
		}
		<-block // stuck until the end of the flood
	})
	waitFor(t, func() bool {
		add(h, "a", "web.1", "ping")
		select {
		case <-followed:
			return true
		case <-time.After(10 * time.Millisecond):
			return false
		}
	})

	start := time.Now()
	const n = 100_000
	for i := range n {
		h.Add(logs.Line{Time: time.Now(), App: "a", Source: "app", Dyno: "web.1", Text: "line " + strconv.Itoa(i)})
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("adding %d lines with a stuck follower took %v", n, d)
	}
	if h.Dropped() == 0 {
		t.Fatal("no line counted as dropped")
	}
	unblock()
	// The follower may still be draining its buffer: what it cannot take
	// is dropped too.
	afters := 0
	waitFor(t, func() bool {
		add(h, "a", "web.1", "after")
		afters++
		time.Sleep(time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		return len(delivered) > 0 && delivered[len(delivered)-1].Text == "after"
	})
	mu.Lock()
	defer mu.Unlock()
	seen, dropped, l10s := 0, 0, 0
	for _, l := range delivered[:len(delivered)-1] {
		if l.Source == "heroku" && l.Dyno == "logplex" {
			var d int
			if _, err := fmt.Sscanf(l.Text, "Error L10 (output buffer overflow): %d messages dropped since", &d); err != nil {
				t.Fatalf("bad L10 line %q: %v", l.Text, err)
			}
			dropped += d
			l10s++
		} else if strings.HasPrefix(l.Text, "line ") || l.Text == "after" {
			seen++
		}
	}
	if l10s == 0 {
		t.Fatal("the follower was not told it lost lines")
	}
	if seen+dropped != n+afters-1 || int64(dropped) != h.Dropped() {
		t.Fatalf("follower saw %d lines and was told of %d dropped (hub counted %d); %d were written", seen, dropped, h.Dropped(), n+afters-1)
	}
}

// Many writers, followers and readers at once (run with -race): each
// follower sees every writer's lines in the order written.
func TestHubConcurrent(t *testing.T) {
	h := logs.NewHub(500)
	const writers, perWriter = 8, 5000
	ctx, cancel := context.WithCancel(context.Background())
	var followers sync.WaitGroup
	for f := range 4 {
		followers.Go(func() {
			last := map[string]int{}
			h.Follow(ctx, "app"+strconv.Itoa(f%2), logs.Filter{}, func(l logs.Line) {
				if l.Dyno == "logplex" {
					return
				}
				var w, i int
				if _, err := fmt.Sscanf(l.Text, "w%d %d", &w, &i); err != nil {
					t.Errorf("garbled line %q", l.Text)
					return
				}
				key := l.Dyno
				if prev, ok := last[key]; ok && i <= prev {
					t.Errorf("%s: line %d after %d", key, i, prev)
				}
				last[key] = i
			})
		})
	}
	var writing sync.WaitGroup
	for w := range writers {
		writing.Go(func() {
			for i := range perWriter {
				h.Add(logs.Line{Time: time.Now(), App: "app" + strconv.Itoa(w%2), Source: "app",
					Dyno: "web." + strconv.Itoa(w), Text: fmt.Sprintf("w%d %d", w, i)})
				if i%500 == 0 {
					h.Recent("app"+strconv.Itoa(w%2), 100, logs.Filter{Dyno: "web"})
				}
			}
		})
	}
	writing.Go(func() {
		for i := range 200 {
			h.Forget("gone")
			add(h, "gone", "web.1", strconv.Itoa(i))
		}
	})
	writing.Wait()
	cancel()
	followers.Wait()
	if got := len(h.Recent("app0", 1000, logs.Filter{})); got != 500 {
		t.Fatalf("app0 kept %d lines, want 500", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// Add is on the path of every line every container writes.
func BenchmarkAdd(b *testing.B) {
	text := `at=info method=GET path="/assets/app.css" host=demo.example.com status=200 bytes=5120`
	run := func(b *testing.B, apps int) {
		h := logs.NewHub(1500)
		at := time.Now()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Add(logs.Line{Time: at, App: strconv.Itoa(i % apps), Source: "app", Dyno: "web.1", Text: text})
				i++
			}
		})
	}
	b.Run("apps=1", func(b *testing.B) { run(b, 1) })
	b.Run("apps=100", func(b *testing.B) { run(b, 100) })
	b.Run("apps=100/followers=2", func(b *testing.B) {
		h := logs.NewHub(1500)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for a := range 100 {
			for range 2 {
				go h.Follow(ctx, strconv.Itoa(a), logs.Filter{Dyno: "web"}, func(logs.Line) {})
			}
		}
		at := time.Now()
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Add(logs.Line{Time: at, App: strconv.Itoa(i % 100), Source: "app", Dyno: "web.1", Text: text})
				i++
			}
		})
	})
}
