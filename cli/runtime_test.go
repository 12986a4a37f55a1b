package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	dockerclient "github.com/docker/docker/client"
	"github.com/pier-paas/pier/server"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
)

// runtimeImage serves body on $PORT and has a worker that logs.
func runtimeImage(t *testing.T, body string) string {
	return dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY Procfile /app/Procfile\nCOPY index.html /app/www/index.html\nWORKDIR /app\n",
		map[string]string{
			"Procfile":   "web: /bin/busybox httpd -f -p $PORT -h /app/www\nworker: while true; do echo tick from $DYNO; sleep 1; done\n",
			"index.html": body,
		})
}

// get fetches the app through the router, by Host.
func (e *env) get(host string) (int, string, error) {
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:"+e.web+"/", nil)
	req.Host = host
	res, err := routerClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(b)), err
}

var routerClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// until polls cond for up to 30 s.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// load sends requests through the router from a few goroutines until
// stopped, and counts the ones that didn't answer 200.
type load struct {
	ok, failed atomic.Int64
	stop       chan struct{}
	wg         sync.WaitGroup
	mu         sync.Mutex
	failures   []string
}

func (e *env) startLoad(host string, workers int) *load {
	l := &load{stop: make(chan struct{})}
	for i := 0; i < workers; i++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				code, body, err := e.get(host)
				if err == nil && code == 200 {
					l.ok.Add(1)
					continue
				}
				l.failed.Add(1)
				l.mu.Lock()
				if len(l.failures) < 5 {
					l.failures = append(l.failures, fmt.Sprintf("%d %v %.80s", code, err, body))
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

// finish stops the load; at most allowed requests may have failed.
func (l *load) finish(t *testing.T, what string, allowed int64) {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	t.Logf("%s: %d requests, %d failed", what, l.ok.Load()+l.failed.Load(), l.failed.Load())
	if l.failed.Load() > allowed || l.ok.Load() == 0 {
		t.Errorf("%s: %d of %d requests failed: %v", what, l.failed.Load(), l.ok.Load()+l.failed.Load(), l.failures)
	}
}

// The runtime end to end, as a user drives it: deploy, reach the app at
// its URL, scale, lose a dyno, deploy and restart under load, roll back,
// read the logs.
func testRuntime(t *testing.T, e *env) {
	dockertest.Engine(t)
	v1, v2 := runtimeImage(t, "hello v1"), runtimeImage(t, "hello v2")
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	u.ok("apps:create", "shop")
	host := "shop.localhost"

	until(t, "the no-web page before a deploy", func() bool {
		code, body, _ := e.get(host)
		return code == http.StatusServiceUnavailable && strings.Contains(body, "No web processes")
	})
	u.ok("deploy", v1, "-a", "shop")
	until(t, "v1 answering", func() bool { c, b, _ := e.get(host); return c == 200 && b == "hello v1" })

	u.ok("ps:scale", "web=3", "worker=1", "-a", "shop")
	until(t, "3 web dynos up", func() bool { return strings.Count(u.ok("ps", "-a", "shop"), " up ") == 4 })
	contains(t, "early logs", u.ok("logs", "-a", "shop", "-n", "1500"), "app[api]: Deploy "+v1+" by user admin@example.com",
		"app[api]: Release v2 created by user admin@example.com", "app[api]: Scaled to web@3:Standard-1X worker@1:Standard-1X by user admin@example.com",
		"heroku[web.1]: Starting process with command `/bin/busybox httpd")
	until(t, "router lines for each dyno", func() bool {
		for i := 0; i < 6; i++ {
			e.get(host)
		}
		out := u.ok("logs", "-a", "shop", "-d", "router", "-n", "200")
		return strings.Contains(out, "dyno=web.1") && strings.Contains(out, "dyno=web.2") && strings.Contains(out, "dyno=web.3")
	})

	// A killed dyno is replaced, and the app never stops answering.
	api, err := dockerclient.NewClientWithOpts(dockerclient.WithHost(docker.DefaultEndpoint()), dockerclient.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	// The one running web.2 container: kill it (retrying if the scheduler
	// happens to be replacing it right then).
	var victim string
	l := e.startLoad(host, 4)
	killed := time.Now()
	until(t, "a running web.2 to kill", func() bool {
		cs, err := api.ContainerList(context.Background(), container.ListOptions{Filters: filters.NewArgs(
			filters.Arg("label", docker.LabelAppName+"=shop"), filters.Arg("label", docker.LabelInstance+"=web.2"))})
		if err != nil || len(cs) != 1 {
			return false
		}
		killed = time.Now()
		if err := api.ContainerKill(context.Background(), cs[0].ID, "KILL"); err != nil {
			t.Logf("kill web.2: %v", err)
			return false
		}
		victim = cs[0].ID
		return true
	})
	until(t, "web.2 replaced", func() bool {
		now, err := api.ContainerList(context.Background(), container.ListOptions{Filters: filters.NewArgs(
			filters.Arg("label", docker.LabelAppName+"=shop"), filters.Arg("label", docker.LabelInstance+"=web.2"))})
		return err == nil && len(now) == 1 && now[0].ID != victim && strings.Count(u.ok("ps", "-a", "shop"), " up ") == 4
	})
	t.Logf("killed dyno replaced and up in %v", time.Since(killed).Round(10*time.Millisecond))
	// A request the dyno was answering when it was SIGKILLed fails (with
	// H13 or H18): at most one per load worker. New ones go elsewhere.
	l.finish(t, "while a dyno was killed", 4)

	// A deploy and a restart under load fail no request.
	l = e.startLoad(host, 4)
	u.ok("deploy", v2, "-a", "shop")
	until(t, "v2 everywhere", func() bool {
		out := u.ok("ps", "-a", "shop")
		return strings.Count(out, " up ") == 4 && !strings.Contains(out, " v2 ") && strings.Count(out, " v3 ") == 4
	})
	u.ok("ps:restart", "web", "-a", "shop")
	time.Sleep(500 * time.Millisecond)
	until(t, "restarted", func() bool { return strings.Count(u.ok("ps", "-a", "shop"), " up ") == 4 })
	l.finish(t, "during a deploy and a restart", 0)
	if _, b, _ := e.get(host); b != "hello v2" {
		t.Errorf("after the deploy: %q", b)
	}

	// Rolling back runs the old image again.
	u.ok("releases:rollback", "v2", "-a", "shop")
	until(t, "v1 again", func() bool {
		for i := 0; i < 6; i++ {
			if _, b, _ := e.get(host); b != "hello v1" {
				return false
			}
		}
		return true
	})

	// One-off dynos: attached, the remote exit status is pier's; detached,
	// the output goes to the log.
	r := u.run("run", "-a", "shop", "--", "echo out from $DYNO; echo oops >&2; exit 3")
	if r.code != 3 || !strings.Contains(r.stdout, "out from run.") || !strings.Contains(r.stderr, "oops") {
		t.Errorf("pier run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = u.run("run", "-a", "shop", "/bin/busybox", "cat", "/app/www/index.html")
	if r.code != 0 || r.stdout != "hello v1" {
		t.Errorf("pier run cat: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	testHerokuRun(t, e, u)
	out := u.ok("run", "--detached", "-a", "shop", "--", "echo in the background")
	contains(t, "run --detached", out, "done, run.")
	until(t, "the detached one-off's output in the log", func() bool {
		return strings.Contains(u.ok("logs", "-a", "shop", "-d", "run"), "]: in the background")
	})

	// Maintenance mode answers 503 without reaching the dynos.
	u.ok("maintenance:on", "-a", "shop")
	until(t, "maintenance page", func() bool { c, _, _ := e.get(host); return c == http.StatusServiceUnavailable })
	u.ok("maintenance:off", "-a", "shop")
	until(t, "back from maintenance", func() bool { c, _, _ := e.get(host); return c == 200 })

	// The log keeps the last 1500 lines, as Heroku's does: the load above
	// pushed the early ones out.
	contains(t, "logs", u.ok("logs", "-a", "shop", "-n", "1500"), "heroku[router]: at=info method=GET", "app[worker.1]: tick from worker.1",
		"app[api]: Rollback to v2 by user admin@example.com", "app[api]: Release v4 created by user admin@example.com")
	if strings.Contains(u.ok("logs", "-a", "shop", "-s", "app", "-d", "worker"), "heroku[") {
		t.Error("logs -s app -d worker shows heroku lines")
	}
}

// testHerokuRun attaches the official heroku CLI to one-off dynos through
// Heroku's rendezvous protocol, over TLS with the server's own
// certificate: output, the exit status (--exit-code) and piped stdin.
func testHerokuRun(t *testing.T, e *env, u *user) {
	bin := os.Getenv("PIER_TEST_HEROKU_CLI")
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("PIER_TEST_HEROKU_CLI is not set: .ci/run installs the heroku CLI")
		}
		t.Log("heroku run not tested: set PIER_TEST_HEROKU_CLI to a heroku CLI binary (npm install heroku)")
		return
	}
	token := strings.TrimSpace(u.ok("auth:token"))
	heroku := func(stdin string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "HEROKU_HOST=http://localhost:"+e.port, "HEROKU_API_KEY="+token,
			"NODE_EXTRA_CA_CERTS="+filepath.Join(e.data, server.RendezvousCertFile),
			"HEROKU_SKIP_NEW_VERSION_CHECK=1", "HEROKU_DISABLE_AUTOUPDATE=1", "NO_COLOR=1", "HEROKU_UPDATE_INSTRUCTIONS=none")
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("heroku %s: %v", strings.Join(args, " "), err)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}
	// The CLI appends an echo of $? to the command, so the status is the
	// last command's, not an exit's (as on Heroku).
	out, code := heroku("", "run", "-a", "shop", "--exit-code", "--", "echo hello from $DYNO; /bin/sh -c 'exit 3'")
	if code != 3 || !strings.Contains(out, "hello from run.") {
		t.Errorf("heroku run --exit-code: exit %d, output:\n%s", code, out)
	}
	out, code = heroku("piped through\n", "run", "-a", "shop", "--no-tty", "--", "/bin/busybox", "cat")
	if code != 0 || !strings.Contains(out, "piped through") {
		t.Errorf("heroku run --no-tty cat: exit %d, output:\n%s", code, out)
	}
}
