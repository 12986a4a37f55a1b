package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/docker/dockertest"
	"github.com/pier-paas/pier/server/postgres/pgtest"
)

// These tests drive the real `pier` binary against a real `pier server` on a
// real PostgreSQL database: the CLI's commands, its ~/.netrc and its errors
// are checked as a user would meet them.

func TestMain(m *testing.M) { pgtest.Main(m) }

const adminPassword = "admin-password-1"

// TestCLI builds the binary once; each subtest gets its own server and database.
func TestCLI(t *testing.T) {
	bin := buildPier(t)
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *env)
	}{
		{"login and logout", testLoginLogout},
		{"apps", testApps},
		{"config", testConfig},
		{"releases", testReleases},
		{"ps", testPs},
		{"domains", testDomains},
		{"users and access", testUsersAndAccess},
		{"audit", testAudit},
		{"authorizations", testAuthorizations},
		{"deploy an image", testDeploy},
		{"builds", testBuilds},
		{"git push", testGitPush},
		{"buildpack push", testBuildpackPush},
		{"hosts", testHosts},
		{"runtime", testRuntime},
		{"app from git remote", testGitRemote},
		{"json", testJSON},
		{"lists longer than a page", testPagination},
		{"bad token", testBadToken},
		{"server down", testServerDown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, &env{t: t, bin: bin})
		})
	}
}

// buildPier builds ./cmd/pier into a directory removed when t ends.
func buildPier(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" {
		t.Fatalf("find the module root: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "pier")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/pier")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// env is one subtest's world: the binary and (once started) a server.
type env struct {
	t    *testing.T
	bin  string
	url  string // the API, http://127.0.0.1:PORT
	port string
	// web is the router's port as app URLs show it (localhost:PORT).
	web string
	// data is the server's PIER_DATA_DIR.
	data string
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// syncBuffer collects a subprocess's output from its copying goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startServer runs `pier server` on a fresh database until the test ends.
func (e *env) startServer() {
	t := e.t
	t.Helper()
	dbURL := pgtest.URL(t)
	// The free port may be taken before the server binds it: then try another.
	for attempt := 1; ; attempt++ {
		logs, err := e.tryServer(dbURL)
		if err == nil {
			return
		}
		if attempt == 3 || !strings.Contains(logs, "address already in use") {
			t.Fatalf("pier server: %v\n%s", err, logs)
		}
	}
}

// removeDynos removes the containers a test server started.
func removeDynos(t *testing.T, dbURL string) {
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Errorf("read the cluster id: %v", err)
		return
	}
	defer conn.Close(context.Background())
	var cluster string
	if err := conn.QueryRow(context.Background(), `SELECT id::text FROM cluster`).Scan(&cluster); err != nil {
		t.Errorf("read the cluster id: %v", err)
		return
	}
	if err := dockertest.RemoveCluster(cluster); err != nil && os.Getenv("CI") != "" {
		t.Errorf("remove the test's containers: %v", err)
	}
}

func (e *env) tryServer(dbURL string) (string, error) {
	t := e.t
	e.port, e.web = freePort(t), freePort(t)
	e.url = "http://127.0.0.1:" + e.port
	data := t.TempDir()
	e.data = data
	cmd := exec.Command(e.bin, "server")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + data, "DATABASE_URL=" + dbURL,
		"PIER_API_ADDR=127.0.0.1:" + e.port, "PIER_ADMIN_EMAIL=admin@example.com",
		"PIER_ADMIN_PASSWORD=" + adminPassword, "PIER_RATE_LIMIT=0", "PIER_DATA_DIR=" + data,
		"PIER_LOG_LEVEL=info", "PIER_ROUTER_ADDR=127.0.0.1:" + e.web, // printed only when a test fails
		"PIER_RENDEZVOUS_ADDR=127.0.0.1:0",
		"PIER_BUILD_STACK=" + dockertest.Stack, "PIER_RUN_STACK=" + dockertest.Stack,
	}
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("pier server output:\n%s", logs.String())
		}
		removeDynos(t, dbURL)
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(e.url + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return logs.String(), nil
			}
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			return logs.String(), fmt.Errorf("exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			return logs.String(), fmt.Errorf("no answer from /healthz: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// user runs pier commands as one person: their own HOME (and so ~/.netrc),
// working directory and environment.
type user struct {
	e     *env
	home  string
	dir   string
	env   []string // extra VAR=value
	stdin string
}

func (e *env) newUser() *user {
	return &user{e: e, home: e.t.TempDir(), dir: e.t.TempDir()}
}

// login makes a user and logs them in with `pier login`.
func (e *env) login(email, password string) *user {
	u := e.newUser()
	if out := u.ok("login", "--email", email, "--password", password); out != "Logged in as "+email+"\n" {
		e.t.Fatalf("login output: %q", out)
	}
	return u
}

// with returns a copy of u that adds environment variables.
func (u *user) with(vars ...string) *user {
	c := *u
	c.env = append(append([]string{}, u.env...), vars...)
	return &c
}

// in returns a copy of u working in dir.
func (u *user) in(dir string) *user {
	c := *u
	c.dir = dir
	return &c
}

type result struct {
	stdout, stderr string
	code           int
}

func (u *user) run(args ...string) result {
	t := u.e.t
	t.Helper()
	cmd := exec.Command(u.e.bin, args...)
	cmd.Dir = u.dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + u.home, "PIER_API_URL=" + u.e.url}, u.env...)
	cmd.Stdin = strings.NewReader(u.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("pier %s: %v", strings.Join(args, " "), err)
		}
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		t.Fatalf("pier %s: timed out", strings.Join(args, " "))
	}
	return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// ok runs a command that must succeed silently on stderr; it returns stdout.
func (u *user) ok(args ...string) string {
	t := u.e.t
	t.Helper()
	r := u.run(args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("pier %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fails runs a command that must fail with exit 1 and exactly one error
// line; it returns that line's message.
func (u *user) fails(args ...string) string {
	t := u.e.t
	t.Helper()
	r := u.run(args...)
	if r.code != 1 {
		t.Fatalf("pier %s: exit %d, want 1\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	msg, ok := strings.CutPrefix(r.stderr, " ▸    ")
	if !ok || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Fatalf("pier %s: stderr is not one error line: %q", strings.Join(args, " "), r.stderr)
	}
	return strings.TrimSuffix(msg, "\n")
}

// api calls the API directly, for what the CLI has no command for yet.
func (e *env) api(token, method, path string, body any, out any) {
	t := e.t
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, e.url+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

func want(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got: %q\nwant: %q", what, got, want)
	}
}

func contains(t *testing.T, what, got string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(got, s) {
			t.Errorf("%s: %q not in\n%s", what, s, got)
		}
	}
}

func lacks(t *testing.T, what, got string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(got, s) {
			t.Errorf("%s: %q should not be in\n%s", what, s, got)
		}
	}
}

// tableRows returns a table's data rows (after the header and its rule),
// each split into its whitespace-separated words.
func tableRows(t *testing.T, out string) [][]string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, " "), "─") {
			var rows [][]string
			for _, r := range lines[i+1:] {
				rows = append(rows, strings.Fields(r))
			}
			return rows
		}
	}
	t.Fatalf("no table in:\n%s", out)
	return nil
}

func hasRow(rows [][]string, cells ...string) bool {
	for _, r := range rows {
		if len(r) >= len(cells) && strings.Join(r[:len(cells)], " ") == strings.Join(cells, " ") {
			return true
		}
	}
	return false
}
