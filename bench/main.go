// Command bench measures Pier's control plane against its performance goals.
//
// It starts bin/pier server on a fresh embedded database in a temporary
// directory, seeds it through the real API (as users would), measures release
// listing latency, app-read throughput, idle memory and restart time, and
// prints each figure next to its goal. `make bench` builds the binary first.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the benchmark's knobs; defaults are the full run.
type options struct {
	bin             string
	apps            int
	releases        int
	duration        time.Duration
	warmup          time.Duration
	clients         int
	latencyRequests int
	seedWorkers     int
	idle            time.Duration
	restarts        int
	pgBaseline      bool
	keep            bool
	waitAnalyze     bool
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "pier binary (default: bin/pier under the module root)")
	flag.IntVar(&o.apps, "apps", 1000, "apps to create")
	flag.IntVar(&o.releases, "releases", 10000, "releases of the app whose release list is measured")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of the throughput run")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up before the throughput run")
	flag.IntVar(&o.clients, "clients", 32, "concurrent clients in the throughput run")
	flag.IntVar(&o.latencyRequests, "latency-requests", 2000, "sequential release-list requests measured")
	flag.IntVar(&o.seedWorkers, "seed-workers", 8, "concurrent clients while seeding")
	flag.DurationVar(&o.idle, "idle", 5*time.Second, "idle time before reading memory")
	flag.IntVar(&o.restarts, "restarts", 3, "restarts timed for the start-up figure")
	flag.BoolVar(&o.pgBaseline, "pg-baseline", true, "also measure trivial direct queries to the embedded PostgreSQL, for comparison")
	flag.BoolVar(&o.waitAnalyze, "wait-analyze", true, "wait for autovacuum to analyze the seeded releases before measuring (about a minute)")
	flag.BoolVar(&o.keep, "keep", false, "keep the data directory (server stopped) for inspection")
	flag.Parse()
	if o.apps < 1 || o.releases < 1 || o.clients < 1 || o.seedWorkers < 1 || o.restarts < 1 || o.latencyRequests < 1 {
		fmt.Fprintln(os.Stderr, "bench: -apps, -releases, -clients, -seed-workers, -restarts and -latency-requests must be at least 1")
		os.Exit(2)
	}

	// Ctrl-C or SIGTERM cancels the run; run's deferred cleanup still stops
	// the server and removes its directory.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// progress prints a timestamped line to stderr, keeping stdout for the report.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
