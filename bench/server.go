package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pier-paas/pier/bench/machine"
)

// serverProc runs `pier server` as a child process on one data directory; it
// can be stopped and started again on the same directory.
type serverProc struct {
	bin      string
	dataDir  string // PIER_DATA_DIR; the server's logs go here too
	addr     string // 127.0.0.1:PORT
	email    string
	password string

	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
	logs   string        // log file of the current run
	runs   int
}

// startup is one start's timing.
type startup struct {
	wall     time.Duration // exec to /healthz answering 200
	loggedMS int64         // startup_ms the server logged, -1 if absent
}

// findBinary resolves the pier binary: the flag, or bin/pier under the
// module root (the directory holding go.mod, found upwards from here).
func findBinary(flagValue string) (string, error) {
	p := flagValue
	if p == "" {
		dir, err := os.Getwd()
		if err != nil {
			return "", err
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return "", errors.New("no go.mod found above the current directory: run from the Pier module (make bench) or pass -bin")
			}
			dir = parent
		}
		p = filepath.Join(dir, "bin", "pier")
	}
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return "", fmt.Errorf("pier binary %s is missing or not executable: run `make build` first (make bench does)", p)
	}
	return filepath.Abs(p)
}

// environ is ours without Pier's own settings, so the developer's
// environment can't point the benchmark at a real database.
func (s *serverProc) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIER_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			env = append(env, kv)
		}
	}
	return append(env,
		"PIER_DATA_DIR="+s.dataDir,
		"PIER_API_ADDR="+s.addr,
		"PIER_ROUTER_ADDR=127.0.0.1:0", // this benchmark measures the API
		"PIER_RENDEZVOUS_ADDR=127.0.0.1:0",
		"PIER_ADMIN_EMAIL="+s.email,
		"PIER_ADMIN_PASSWORD="+s.password,
		"PIER_RATE_LIMIT=0",   // the benchmark is one user far above any sane limit
		"PIER_LOG_LEVEL=info", // debug logs every request, which is not what we measure
	)
}

// start execs the server and returns once /healthz answers 200.
func (s *serverProc) start(ctx context.Context) (startup, error) {
	if s.cmd != nil {
		return startup{}, errors.New("server already running")
	}
	s.runs++
	s.logs = filepath.Join(s.dataDir, fmt.Sprintf("server-%d.log", s.runs))
	logf, err := os.Create(s.logs)
	if err != nil {
		return startup{}, err
	}
	cmd := exec.Command(s.bin, "server")
	cmd.Env = s.environ()
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group keeps a terminal's Ctrl-C away from the server, so
	// that we stop it in order; Pdeathsig takes it down if we are killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return startup{}, fmt.Errorf("start %s: %w", s.bin, err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	wall, err := s.waitHealthy(ctx, began)
	if err != nil {
		return startup{}, err
	}
	return startup{wall: wall, loggedMS: s.loggedStartup()}, nil
}

// waitHealthy polls /healthz every 2 ms (the resolution of the start-up
// figure) on fresh connections, so no pooled connection outlives a restart.
func (s *serverProc) waitHealthy(ctx context.Context, began time.Time) (time.Duration, error) {
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(3 * time.Minute) // a first start runs initdb
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addr+"/healthz", nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(began), nil
			}
		}
		select {
		case <-s.exited:
			return 0, fmt.Errorf("pier server exited during start-up: %s", machine.Tail(s.logs))
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("pier server did not answer /healthz within 3 minutes: %s", machine.Tail(s.logs))
		}
	}
}

var startupRe = regexp.MustCompile(`msg="pier server ready".*\bstartup_ms=(\d+)`)

func (s *serverProc) loggedStartup() int64 {
	b, _ := os.ReadFile(s.logs)
	m := startupRe.FindSubmatch(b)
	if m == nil {
		return -1
	}
	ms, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return ms
}

// stop sends SIGTERM (the server finishes requests, then stops its database)
// and waits for the exit; it kills after 30 s. Stopping a stopped server is a
// no-op, so it is safe in deferred cleanup.
func (s *serverProc) stop() error {
	if s.cmd == nil {
		return nil
	}
	defer func() { s.cmd = nil }()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("pier server ignored SIGTERM for 30 s and was killed")
	}
	if st := s.cmd.ProcessState; st != nil && !st.Success() {
		return fmt.Errorf("pier server exited with %s: %s", st, machine.Tail(s.logs))
	}
	return nil
}

func (s *serverProc) pid() int { return s.cmd.Process.Pid }
