package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pier-paas/pier/bench/machine"
)

const (
	adminEmail    = "bench@example.com"
	adminPassword = "bench-password-not-secret"
)

// moduleRoot is the directory holding go.mod, found upwards from here.
func moduleRoot() (string, error) {
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

// pierBinary resolves the pier binary: the flag, else bin/pier under the
// module root, built with `go build` when it is missing.
func pierBinary(ctx context.Context, flagValue string) (string, error) {
	if flagValue != "" {
		if fi, err := os.Stat(flagValue); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("-bin %s is missing or not executable", flagValue)
		}
		return filepath.Abs(flagValue)
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "bin", "pier")
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return p, nil
	}
	progress("%s is missing: go build -o bin/pier ./cmd/pier", p)
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", p, "./cmd/pier")
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build pier: %w", err)
	}
	return p, nil
}

// goTool is the go command: from PATH, else where the official tarball
// installs it (as the Makefile looks for it).
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

// serverProc runs `pier server` as a child process on a fresh data dir.
type serverProc struct {
	bin        string
	dataDir    string // PIER_DATA_DIR; the server's log goes here too
	apiAddr    string
	routerAddr string
	logPath    string

	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd has been waited for
}

// environ is ours without Pier's own settings, so the developer's
// environment can't point the benchmark at a real database or router port.
func (s *serverProc) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIER_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			env = append(env, kv)
		}
	}
	return append(env,
		"PIER_DATA_DIR="+s.dataDir,
		"PIER_API_ADDR="+s.apiAddr,
		"PIER_ROUTER_ADDR="+s.routerAddr,
		"PIER_RENDEZVOUS_ADDR=127.0.0.1:0",
		"PIER_ADMIN_EMAIL="+adminEmail,
		"PIER_ADMIN_PASSWORD="+adminPassword,
		"PIER_RATE_LIMIT=0",   // the benchmark polls the API far above any sane limit
		"PIER_LOG_LEVEL=info", // debug would log in the router's hot path
	)
}

// start execs the server and returns once /healthz answers 200.
func (s *serverProc) start(ctx context.Context) error {
	s.logPath = filepath.Join(s.dataDir, "server.log")
	logf, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "server")
	cmd.Env = s.environ()
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group keeps a terminal's Ctrl-C away from the server,
	// so that we stop it in order (it first, then its containers);
	// Pdeathsig takes it down if we are killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(3 * time.Minute) // a first start runs initdb
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.apiAddr+"/healthz", nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("pier server exited during start-up: %s", machine.Tail(s.logPath))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pier server did not answer /healthz within 3 minutes: %s", machine.Tail(s.logPath))
		}
	}
}

// stop sends SIGTERM (the server stops serving and its database; by design
// it leaves the dynos' containers running) and waits, killing after 30 s.
// Stopping a stopped server is a no-op, so it is safe in deferred cleanup.
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
		return errors.New("pier server ignored SIGTERM for 30 s and was killed")
	}
	return nil
}

func (s *serverProc) pid() int { return s.cmd.Process.Pid }

// api talks to the Platform API as the logged-in admin. Polling happens on a
// small keep-alive pool so it costs little next to the load being measured.
type api struct {
	base  string
	hc    *http.Client
	token string
}

func newAPI(addr string) *api {
	return &api{base: "http://" + addr, hc: &http.Client{Timeout: 60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 4, Proxy: nil}}}
}

// call sends one request (body, when not nil, as JSON) and decodes a JSON
// answer into out when the status is one of want.
func (a *api) call(ctx context.Context, method, path string, body, out any, want ...int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	} else {
		req.SetBasicAuth(adminEmail, adminPassword)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	for _, w := range want {
		if resp.StatusCode == w {
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(b, out); err != nil {
				return fmt.Errorf("%s %s: decode: %w", method, path, err)
			}
			return nil
		}
	}
	return fmt.Errorf("%s %s: HTTP %d: %.300s", method, path, resp.StatusCode, bytes.TrimSpace(b))
}

// login trades the admin's email and password (Basic auth) for a token.
func (a *api) login(ctx context.Context) error {
	var out struct {
		AccessToken struct {
			Token string `json:"token"`
		} `json:"access_token"`
	}
	if err := a.call(ctx, http.MethodPost, "/oauth/authorizations", map[string]string{"description": "runtime bench"}, &out,
		http.StatusCreated, http.StatusOK); err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	if out.AccessToken.Token == "" {
		return errors.New("log in: the answer has no access_token.token")
	}
	a.token = out.AccessToken.Token
	return nil
}

func (a *api) createApp(ctx context.Context, name string) error {
	return a.call(ctx, http.MethodPost, "/apps", map[string]string{"name": name}, nil, http.StatusCreated)
}

// deploy releases an image and returns the new release's version.
func (a *api) deploy(ctx context.Context, app, image string) (int, error) {
	var r struct {
		Version int `json:"version"`
	}
	err := a.call(ctx, http.MethodPost, "/apps/"+app+"/deploys", map[string]string{"image": image}, &r, http.StatusCreated)
	return r.Version, err
}

// scale sets the web quantity (and the size, when not empty).
func (a *api) scale(ctx context.Context, app string, quantity int, size string) error {
	up := map[string]any{"type": "web", "quantity": quantity}
	if size != "" {
		up["size"] = size
	}
	return a.call(ctx, http.MethodPatch, "/apps/"+app+"/formation", map[string]any{"updates": []any{up}}, nil, http.StatusOK)
}

// setConfig sets config vars, which makes a new release.
func (a *api) setConfig(ctx context.Context, app string, vars map[string]string) error {
	return a.call(ctx, http.MethodPatch, "/apps/"+app+"/config-vars", vars, nil, http.StatusOK)
}

// newestRelease is the app's highest release version.
func (a *api) newestRelease(ctx context.Context, app string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/apps/"+app+"/releases", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Range", "version ..; max=1, order=desc")
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var rs []struct {
		Version int `json:"version"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rs); err != nil || len(rs) == 0 {
		return 0, fmt.Errorf("GET /apps/%s/releases: HTTP %d, no release (%v)", app, resp.StatusCode, err)
	}
	return rs[0].Version, nil
}

// dyno is the part of GET /apps/{app}/dynos the benchmark reads.
type dyno struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	State   string `json:"state"`
	Release struct {
		Version int `json:"version"`
	} `json:"release"`
}

func (a *api) dynos(ctx context.Context, app string) ([]dyno, error) {
	var ds []dyno
	err := a.call(ctx, http.MethodGet, "/apps/"+app+"/dynos", nil, &ds, http.StatusOK)
	return ds, err
}

// waitWeb polls the dyno list every 50 ms until exactly n web dynos are
// listed, all up and (when release > 0) all of that release: nothing old,
// crashed or still stopping remains. It returns how long that took.
func (a *api) waitWeb(ctx context.Context, app string, n, release int, limit time.Duration) (time.Duration, error) {
	began := time.Now()
	var last []dyno
	for time.Since(began) < limit {
		ds, err := a.dynos(ctx, app)
		if err != nil {
			return 0, err
		}
		last = ds
		web, settled := 0, true
		for _, d := range ds {
			if d.Type != "web" {
				continue
			}
			web++
			if d.State != "up" || (release > 0 && d.Release.Version != release) {
				settled = false
			}
		}
		if settled && web == n {
			return time.Since(began), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("%s: %d web dynos of release v%d not all up after %v; last seen: %s", app, n, release, limit, describeDynos(last))
}

func describeDynos(ds []dyno) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%s v%d %s", d.Name, d.Release.Version, d.State))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
