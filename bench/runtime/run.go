package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/pier-paas/pier/bench/machine"
	"github.com/pier-paas/pier/bench/pierserver"
)

// bench is one run's shared state: the server, its API, the engine and the
// app every phase works on.
type bench struct {
	o      options
	srv    *pierserver.Proc
	api    *api
	dk     *dockerAPI
	app    string
	host   string   // APP.localhost, what the router routes by
	images []string // v1, v2
	rep    *report
}

// run is the whole benchmark. Cleanup is deferred in the reverse order of
// need: the server stops first (else it would replace the containers we
// remove), then the app's containers go, then the images, then the files.
func run(ctx context.Context, o options) (err error) {
	bin, err := pierserver.Binary(ctx, o.bin)
	if err != nil {
		return err
	}
	dk, err := connectDocker(ctx)
	if err != nil {
		return err
	}
	defer dk.Close()
	dir, err := pierserver.TempDataDir("pierrt-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// Names carry our pid, so runs (and other users of this engine) never
	// touch each other's apps, containers or images.
	b := &bench{o: o, dk: dk, app: fmt.Sprintf("rtbench-%d", os.Getpid()), rep: newReport()}
	b.host = b.app + ".localhost"
	describe(b.rep, o, bin)
	defer func() {
		// Whatever was measured is printed, also when a later phase failed.
		if err != nil && len(b.rep.goals.rows) > 0 {
			b.rep.note("INCOMPLETE: the run stopped with an error: %v", err)
		}
		if err == nil || len(b.rep.goals.rows) > 0 {
			b.rep.setting("load average, end", "%s", machine.LoadAvg())
			b.rep.print(os.Stdout)
			if o.out != "" {
				if werr := b.rep.writeMarkdown(o.out); werr != nil && err == nil {
					err = werr
				}
			}
		}
	}()

	progress("building the backend and its images (FROM scratch, static Go HTTP server)")
	tags, err := backendImages(ctx, dk, dir, fmt.Sprintf("pier-rtbench/%d", os.Getpid()), []string{"ok", "ok v2"})
	defer dk.removeImages(tags)
	if err != nil {
		return err
	}
	b.images = tags
	defer func() {
		if rerr := dk.removeApp(b.app); rerr != nil {
			progress("could not remove %s's containers: %v (docker ps -a --filter label=pier.app-name=%s)", b.app, rerr, b.app)
		}
	}()

	apiAddr, err := machine.FreeAddr()
	if err != nil {
		return err
	}
	routerAddr, err := machine.FreeAddr()
	if err != nil {
		return err
	}
	b.srv = &pierserver.Proc{Bin: bin, DataDir: dir, APIAddr: apiAddr, RouterAddr: routerAddr, Email: adminEmail, Password: adminPassword}
	defer func() {
		progress("stopping pier server")
		if serr := b.srv.Stop(); serr != nil && err == nil {
			err = serr
		}
		if o.serverLog != "" {
			if data, rerr := os.ReadFile(b.srv.LogPath()); rerr == nil {
				if werr := os.WriteFile(o.serverLog, data, 0o644); werr != nil {
					progress("copy the server log: %v", werr)
				}
			}
		}
	}()
	progress("starting %s server (embedded PostgreSQL in %s, API %s, router %s)", bin, dir, apiAddr, routerAddr)
	if _, err := b.srv.Start(ctx); err != nil {
		return err
	}
	b.rep.setting("pier server", "%s; PIER_DATA_DIR=%s PIER_API_ADDR=%s PIER_ROUTER_ADDR=%s PIER_RATE_LIMIT=0 PIER_LOG_LEVEL=info, embedded PostgreSQL",
		bin, dir, apiAddr, routerAddr)

	b.api = newAPI(apiAddr)
	if err := b.api.login(ctx); err != nil {
		return err
	}
	if err := b.api.createApp(ctx, b.app); err != nil {
		return err
	}
	phases := map[string]func(context.Context) error{
		"throughput": b.throughput, "deploy": b.deployUnderLoad, "scale": b.scaleUnderLoad, "kills": b.kills,
	}
	for _, name := range []string{"throughput", "deploy", "scale", "kills"} {
		if !slices.Contains(strings.Split(o.phases, ","), name) {
			continue
		}
		if err := phases[name](ctx); err != nil {
			return err
		}
	}
	return nil
}

// describe records how the run was made, so the table can be reproduced.
func describe(rep *report, o options, bin string) {
	rep.command = "go run ./bench/runtime " + strings.Join(os.Args[1:], " ")
	rep.setting("machine", "%s/%s, %d CPUs, %s: the load generator, the proxy under test, both backends and Docker's "+
		"docker-proxy for their published ports all share these cores", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), machine.MemTotal())
	rep.setting("load average, start", "%s (other work on this machine skews the figures)", machine.LoadAvg())
	rep.setting("backend", "static Go net/http server answering \"ok\\n\" (FROM scratch image, no Procfile), web size %s", o.size)
	rep.setting("load", "closed loop, %d keep-alive connections, %v warm-up + %v measured per run, %d rounds in rotated order",
		o.conns, o.warmup, o.duration, o.rounds)
	rep.setting("bench built with", "%s", runtime.Version())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
