// Command runtime measures Pier's data plane against its runtime goals: the
// router's throughput and latency next to direct access and next to nginx,
// failed requests during a deploy and during scaling under steady load, and
// how long a SIGKILLed web dyno takes to be replaced and serving again.
//
// It builds a tiny static Go HTTP server into two FROM-scratch images on the
// local Docker engine, starts bin/pier server on a fresh embedded database in
// a temporary directory, drives it through the Platform API, and prints a
// table of figures (progress goes to stderr). Everything it created is
// removed on the way out, also after an error or Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// options are the benchmark's knobs; the defaults are the full run.
type options struct {
	bin         string
	nginx       string
	out         string
	serverLog   string
	conns       int
	duration    time.Duration
	warmup      time.Duration
	rounds      int
	steadyConns int
	kills       int
	freshKills  int
	size        string
	maxScale    int
	phases      string
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "pier binary (default: bin/pier under the module root, built if missing)")
	flag.StringVar(&o.nginx, "nginx", "nginx", "nginx binary for the comparison (apt-get install nginx); \"\" skips it")
	flag.StringVar(&o.out, "out", "", "also write the table as markdown to this file")
	flag.StringVar(&o.serverLog, "server-log", "", "copy pier server's log to this file at the end (the data dir is removed)")
	flag.IntVar(&o.conns, "conns", 32, "concurrent keep-alive connections in the throughput runs")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured length of each throughput run")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured warm-up before each throughput run")
	flag.IntVar(&o.rounds, "rounds", 2, "times the direct/pier/nginx set is run, in rotated order")
	flag.IntVar(&o.steadyConns, "steady-conns", 8, "connections of the steady load during the deploy and the scaling")
	flag.IntVar(&o.kills, "kills", 7, "SIGKILLs timed, alternating web.1 and web.2, as they come (crash backoff grows)")
	flag.IntVar(&o.freshKills, "fresh-kills", 7, "SIGKILLs timed after a new release each (first crash of a dyno); 0 skips")
	flag.StringVar(&o.size, "size", "Performance-M", "dyno size of web: its CPU limit must not throttle the backends")
	flag.IntVar(&o.maxScale, "scale", 6, "web quantity of the scale-up under load (1→N→1)")
	flag.StringVar(&o.phases, "phases", "throughput,deploy,scale,kills", "comma-separated phases to run; they always run in the order throughput,deploy,scale,kills, and each later one expects throughput's deploy")
	flag.Parse()
	if o.conns < 1 || o.rounds < 1 || o.steadyConns < 1 || o.kills < 1 || o.freshKills < 0 || o.maxScale < 2 ||
		o.duration <= 0 || o.warmup < 0 {
		fmt.Fprintln(os.Stderr, "runtime: -conns, -rounds, -steady-conns and -kills must be at least 1, -scale at least 2, -duration positive")
		os.Exit(2)
	}
	for _, p := range strings.Split(o.phases, ",") {
		if !slices.Contains([]string{"throughput", "deploy", "scale", "kills"}, p) {
			fmt.Fprintf(os.Stderr, "runtime: unknown phase %q in -phases\n", p)
			os.Exit(2)
		}
	}

	// Ctrl-C or SIGTERM cancels the run; run's deferred cleanup still stops
	// nginx and the server and removes containers, images and files.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		fmt.Fprintln(os.Stderr, "runtime:", err)
		os.Exit(1)
	}
}

// progress prints a timestamped line to stderr, keeping stdout for the table.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
