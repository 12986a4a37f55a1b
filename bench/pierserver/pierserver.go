// Package pierserver runs `pier server` as a child process for the
// benchmarks (bench and bench/runtime): found or built, started on a data
// directory of its own with the benchmarks' settings, waited for, stopped.
package pierserver

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

// Proc is one `pier server` on one data directory; it can be stopped and
// started again on the same directory.
type Proc struct {
	Bin        string
	DataDir    string // PIER_DATA_DIR; the server's logs go here too
	APIAddr    string // 127.0.0.1:PORT
	RouterAddr string // 127.0.0.1:PORT; 127.0.0.1:0 when the router is not measured
	Email      string // the first admin
	Password   string
	// Env adds settings (KEY=value), e.g. PIER_BUILD_STACK.
	Env []string

	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd has been waited for
	log    string        // log file of the current run
	runs   int
}

// Binary resolves the pier binary: flagValue when set, else bin/pier under
// the module root, built with `go build` when it is missing.
func Binary(ctx context.Context, flagValue string) (string, error) {
	if flagValue != "" {
		if fi, err := os.Stat(flagValue); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("-bin %s is missing or not executable", flagValue)
		}
		return filepath.Abs(flagValue)
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "bin", "pier")
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return p, nil
	}
	fmt.Fprintf(os.Stderr, "%s is missing: go build -o bin/pier ./cmd/pier\n", p)
	cmd := exec.CommandContext(ctx, GoTool(), "build", "-o", p, "./cmd/pier")
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build pier: %w", err)
	}
	return p, nil
}

// ModuleRoot is the directory holding go.mod, found upwards from here.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found above the current directory: run from the Pier module or pass -bin")
		}
		dir = parent
	}
}

// GoTool is the go command: from PATH, else where the official tarball
// installs it (as the Makefile looks for it).
func GoTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

// environ is ours without Pier's own settings, so the developer's
// environment can't point a benchmark at a real database or port.
func (p *Proc) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIER_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			env = append(env, kv)
		}
	}
	return append(append(env,
		"PIER_DATA_DIR="+p.DataDir,
		"PIER_API_ADDR="+p.APIAddr,
		"PIER_ROUTER_ADDR="+p.RouterAddr,
		"PIER_RENDEZVOUS_ADDR=127.0.0.1:0",
		"PIER_ADMIN_EMAIL="+p.Email,
		"PIER_ADMIN_PASSWORD="+p.Password,
		"PIER_RATE_LIMIT=0",   // a benchmark is one user far above any sane limit
		"PIER_LOG_LEVEL=info", // debug logs every request, and the router's hot path
	), p.Env...)
}

// Start execs the server and returns once /healthz answers 200, with the
// time that took.
func (p *Proc) Start(ctx context.Context) (time.Duration, error) {
	if p.cmd != nil {
		return 0, errors.New("pier server already running")
	}
	p.runs++
	p.log = filepath.Join(p.DataDir, fmt.Sprintf("server-%d.log", p.runs))
	logf, err := os.Create(p.log)
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(p.Bin, "server")
	cmd.Env = p.environ()
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group keeps a terminal's Ctrl-C away from the server,
	// so that the benchmark stops it in order (it first, then its
	// containers); Pdeathsig takes it down if the benchmark is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return 0, fmt.Errorf("start %s: %w", p.Bin, err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(p.exited)
	}()
	return p.waitHealthy(ctx, began)
}

// waitHealthy polls /healthz every 2 ms (the resolution of the start-up
// figure) on fresh connections, so no pooled connection outlives a restart.
func (p *Proc) waitHealthy(ctx context.Context, began time.Time) (time.Duration, error) {
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(3 * time.Minute) // a first start runs initdb
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.APIAddr+"/healthz", nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(began), nil
			}
		}
		select {
		case <-p.exited:
			return 0, fmt.Errorf("pier server exited during start-up: %s", machine.Tail(p.log))
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("pier server did not answer /healthz within 3 minutes: %s", machine.Tail(p.log))
		}
	}
}

var startupRe = regexp.MustCompile(`msg="pier server ready".*\bstartup_ms=(\d+)`)

// LoggedStartupMS is the startup_ms the current run logged, -1 if absent.
func (p *Proc) LoggedStartupMS() int64 {
	b, _ := os.ReadFile(p.log)
	m := startupRe.FindSubmatch(b)
	if m == nil {
		return -1
	}
	ms, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return ms
}

// Stop sends SIGTERM (the server finishes its requests and stops its
// database; by design it leaves dynos' containers running) and waits,
// killing after 30 s. Stopping a stopped server is a no-op, so it is safe
// in deferred cleanup.
func (p *Proc) Stop() error {
	if p.cmd == nil {
		return nil
	}
	defer func() { p.cmd = nil }()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return errors.New("pier server ignored SIGTERM for 30 s and was killed")
	}
	if st := p.cmd.ProcessState; st != nil && !st.Success() {
		return fmt.Errorf("pier server exited with %s: %s", st, machine.Tail(p.log))
	}
	return nil
}

// PID is the running server's process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// LogPath is the current (or last) run's log file.
func (p *Proc) LogPath() string { return p.log }

// TempDataDir makes a data directory for a server under /tmp: a short path
// keeps the embedded database's unix socket path within 107 bytes, and
// 0711 lets the postgres user, which runs the database for a root Pier,
// through. The caller removes it.
func TempDataDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("/tmp", prefix)
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}
