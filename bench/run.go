package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pier-paas/pier/bench/machine"
	"github.com/pier-paas/pier/bench/pierserver"
)

const (
	adminEmail    = "bench@example.com"
	adminPassword = "bench-password-not-secret"
	pageSize      = 200 // releases per page in the latency figure
)

// run is the whole benchmark: every phase in order, with the server stopped
// and its directory removed on the way out, whatever happened.
func run(ctx context.Context, o options) (err error) {
	bin, err := pierserver.Binary(ctx, o.bin)
	if err != nil {
		return err
	}
	dir, err := pierserver.TempDataDir("pierbench-")
	if err != nil {
		return err
	}
	defer func() {
		if o.keep {
			progress("kept %s (start it with PIER_DATA_DIR=%s %s server)", dir, dir, bin)
			return
		}
		os.RemoveAll(dir)
	}()
	addr, err := machine.FreeAddr()
	if err != nil {
		return err
	}
	srv := &pierserver.Proc{Bin: bin, DataDir: dir, APIAddr: addr, RouterAddr: "127.0.0.1:0", Email: adminEmail, Password: adminPassword}
	defer func() {
		if serr := srv.Stop(); serr != nil && err == nil {
			err = serr
		}
	}()

	rep := &report{}
	loadStart := machine.LoadAvg()
	describe(rep, bin, dir, addr)

	progress("starting %s server (fresh embedded database in %s, API on %s)", bin, dir, addr)
	first, err := startServer(ctx, srv)
	if err != nil {
		return err
	}
	progress("server ready in %.0f ms (first start, runs initdb)", ms(first.wall))
	if v, err := os.ReadFile(filepath.Join(dir, "postgres", "PG_VERSION")); err == nil {
		rep.setting("postgresql", "%s (embedded, %s)", strings.TrimSpace(string(v)), filepath.Join(dir, "postgres"))
	}

	c := newClient(addr, max(o.clients, o.seedWorkers))
	if err := c.login(ctx, adminEmail, adminPassword); err != nil {
		return err
	}
	seeded, err := seedPhase(ctx, c, o, rep)
	if err != nil {
		return err
	}
	if err := statsPhase(ctx, c, dir, seeded, o, rep); err != nil {
		return err
	}
	if err := memoryPhase(ctx, srv, o, rep, "after seeding", true); err != nil {
		return err
	}
	if err := latencyPhase(ctx, c, srv, o, rep); err != nil {
		return err
	}
	if err := throughputPhase(ctx, c, srv, o, rep); err != nil {
		return err
	}
	if o.pgBaseline {
		if err := baselinePhase(ctx, dir, o, rep); err != nil {
			return err
		}
	}
	if err := memoryPhase(ctx, srv, o, rep, "after the load", false); err != nil {
		return err
	}
	if err := restartPhase(ctx, srv, o, rep, first); err != nil {
		return err
	}
	rep.setting("load average", "%s at start, %s at end (other work on the machine skews figures)", loadStart, machine.LoadAvg())
	rep.print(os.Stdout)
	return nil
}

// describe records how the run was made, so the table can be reproduced.
func describe(rep *report, bin, dir, addr string) {
	rep.setting("command", "go run ./bench %s", strings.Join(os.Args[1:], " "))
	var flags []string
	flag.VisitAll(func(f *flag.Flag) {
		if f.Name != "bin" {
			flags = append(flags, "-"+f.Name+"="+f.Value.String())
		}
	})
	rep.setting("flags", "%s", strings.Join(flags, " "))
	rep.setting("binary", "%s", bin)
	rep.setting("server env", "PIER_DATA_DIR=%s PIER_API_ADDR=%s PIER_RATE_LIMIT=0 PIER_LOG_LEVEL=info (no DATABASE_URL: embedded PostgreSQL)", dir, addr)
	rep.setting("machine", "%s/%s, %d CPUs, %s; load generator runs on the same machine", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), machine.MemTotal())
	rep.setting("bench built with", "%s", runtime.Version())
}
