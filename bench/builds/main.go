// Command builds measures git push to serving for a small Dockerfile app:
// a first push, then pushes of a one-line change with the engine's layer
// cache warm, each split into receive (the push sent and unpacked), build
// (the Dockerfile built), release (the release committed) and healthy (the
// router serves the new version).
//
// With -buildpack the app is a Go module with one dependency and no
// Dockerfile (buildpacks/testdata/go-hello), built by the bundled Go
// buildpack on the test stack (made with debootstrap, as the tests do):
// the first push is a cold build (Go and the module fetched), the others
// warm (both from the app's build cache).
//
// It starts bin/pier server on a fresh embedded database in a temporary
// directory, pushes with the machine's git as a user would, times the
// remote: lines as they arrive, and prints a table (progress on stderr).
// The app's containers and images are removed on the way out.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/pier-paas/pier/bench/machine"
	"github.com/pier-paas/pier/bench/pierserver"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
)

const (
	adminEmail    = "bench@example.com"
	adminPassword = "bench-password-1"
	app           = "pushbench"
)

func main() {
	bin := flag.String("bin", "", "pier binary (default: bin/pier under the module root, built if missing)")
	pushes := flag.Int("pushes", 7, "warm pushes timed after the first")
	bp := flag.Bool("buildpack", false, "push a Go app built by the bundled Go buildpack instead of a Dockerfile app")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, *bin, *pushes, *bp)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "builds:", err)
		os.Exit(1)
	}
}

func progress(format string, a ...any) { fmt.Fprintf(os.Stderr, "· "+format+"\n", a...) }

// timing is one push's phases.
type timing struct{ receive, build, release, healthy time.Duration }

func (t timing) total() time.Duration { return t.receive + t.build + t.release + t.healthy }

func run(ctx context.Context, binFlag string, pushes int, buildpack bool) (err error) {
	bin, err := pierserver.Binary(ctx, binFlag)
	if err != nil {
		return err
	}
	a, err := newApp(ctx, buildpack)
	if err != nil {
		return err
	}
	dir, err := pierserver.TempDataDir("pierbb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	apiAddr, err := machine.FreeAddr()
	if err != nil {
		return err
	}
	routerAddr, err := machine.FreeAddr()
	if err != nil {
		return err
	}
	srv := &pierserver.Proc{Bin: bin, DataDir: filepath.Join(dir, "data"), APIAddr: apiAddr, RouterAddr: routerAddr, Email: adminEmail, Password: adminPassword,
		Env: []string{"PIER_BUILD_STACK=" + dockertest.Stack, "PIER_RUN_STACK=" + dockertest.Stack}}
	if err := os.MkdirAll(srv.DataDir, 0o755); err != nil {
		return err
	}
	progress("starting pier server")
	if _, err := srv.Start(ctx); err != nil {
		return err
	}
	defer cleanup(srv)

	home, repo := filepath.Join(dir, "home"), filepath.Join(dir, "repo")
	os.MkdirAll(home, 0o755)
	os.MkdirAll(repo, 0o755)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "PIER_API_URL=http://" + apiAddr, "GIT_TERMINAL_PROMPT=0", "LANG=C"}
	sh := func(name string, args ...string) error {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir, cmd.Env = repo, env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return nil
	}
	for name, data := range a.files {
		if err := os.WriteFile(filepath.Join(repo, name), []byte(data), 0o755); err != nil {
			return err
		}
	}
	git := func(args ...string) error {
		return sh("git", append([]string{"-c", "user.name=Bench", "-c", "user.email=bench@example.com"}, args...)...)
	}
	if err := sh(bin, "login", "--email", adminEmail, "--password", adminPassword); err != nil {
		return err
	}
	if err := git("init", "-q", "-b", "main"); err != nil {
		return err
	}
	if err := sh(bin, "apps:create", app); err != nil {
		return err
	}
	if err := git("add", "-A"); err != nil {
		return err
	}
	var first timing
	var warm []timing
	for i := 0; i <= pushes; i++ {
		body := a.change(repo, i)
		if err := git("commit", "-qam", body); err != nil {
			return err
		}
		t, err := push(ctx, repo, env, "http://"+routerAddr, app+".localhost", body)
		if err != nil {
			return fmt.Errorf("push %d: %w", i, err)
		}
		progress("push %d: receive %v, build %v, release %v, healthy %v", i, ms(t.receive), ms(t.build), ms(t.release), ms(t.healthy))
		if i == 0 {
			first = t
		} else {
			warm = append(warm, t)
		}
	}
	report(a.name, first, warm)
	return nil
}

// push runs git push, timestamps its remote: lines, then polls the router
// until it serves want.
func push(ctx context.Context, repo string, env []string, router, host, want string) (timing, error) {
	cmd := exec.CommandContext(ctx, "git", "push", "-q", "pier", "main")
	cmd.Dir, cmd.Env = repo, env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return timing{}, err
	}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return timing{}, err
	}
	var received, built, released time.Time
	var out strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		now := time.Now()
		switch {
		case strings.Contains(line, "Building source:"):
			received = now
		case strings.Contains(line, "-----> Discovering process types"):
			built = now
		case strings.Contains(line, "Launching... done"):
			released = now
		}
	}
	if err := cmd.Wait(); err != nil {
		return timing{}, fmt.Errorf("git push: %v\n%s", err, out.String())
	}
	if received.IsZero() || built.IsZero() || released.IsZero() {
		return timing{}, fmt.Errorf("git push printed no build steps:\n%s", out.String())
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, router+"/", nil)
		req.Host = host
		if res, err := hc.Do(req); err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if strings.TrimSpace(string(b)) == want {
				break
			}
		}
		if time.Now().After(deadline) {
			return timing{}, fmt.Errorf("the router did not serve %q within a minute of the push", want)
		}
	}
	serving := time.Now()
	return timing{receive: received.Sub(began), build: built.Sub(received), release: released.Sub(built), healthy: serving.Sub(released)}, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

func report(name string, first timing, warm []timing) {
	med := func(f func(timing) time.Duration) (lo, mid, hi time.Duration) {
		ds := make([]time.Duration, len(warm))
		for i, t := range warm {
			ds[i] = f(t)
		}
		slices.Sort(ds)
		return ds[0], ds[len(ds)/2], ds[len(ds)-1]
	}
	fmt.Printf("\ngit push → serving, %s, %d warm pushes\n\n", name, len(warm))
	fmt.Printf("| phase | first push | warm: min | warm: median | warm: max |\n| --- | --- | --- | --- | --- |\n")
	for _, row := range []struct {
		name string
		f    func(timing) time.Duration
	}{
		{"receive (push sent and unpacked)", func(t timing) time.Duration { return t.receive }},
		{"build", func(t timing) time.Duration { return t.build }},
		{"release (slug, release, branch)", func(t timing) time.Duration { return t.release }},
		{"healthy (router serves it)", func(t timing) time.Duration { return t.healthy }},
		{"**total** (goal < 5 s)", timing.total},
	} {
		lo, mid, hi := med(row.f)
		fmt.Printf("| %s | %s | %s | %s | %s |\n", row.name, ms(row.f(first)), ms(lo), ms(mid), ms(hi))
	}
	_, mid, _ := med(func(t timing) time.Duration { return t.build })
	fmt.Printf("\ncold build / warm build (median): %.1f×\n", float64(first.build)/float64(mid))
	fmt.Printf("machine: %s, load average %s\n", machine.MemTotal(), machine.LoadAvg())
}

// cleanup stops the server, then removes the app's containers and images.
func cleanup(srv *pierserver.Proc) {
	progress("stopping pier server and removing the app's containers and images")
	if err := srv.Stop(); err != nil {
		progress("%v", err)
	}
	c, err := client.NewClientWithOpts(client.WithHost(docker.DefaultEndpoint()), client.WithAPIVersionNegotiation())
	if err != nil {
		progress("docker: %v", err)
		return
	}
	defer c.Close()
	ctx := context.Background()
	cs, err := c.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", docker.LabelAppName+"="+app))})
	if err == nil {
		for _, x := range cs {
			err = errors.Join(err, c.ContainerRemove(ctx, x.ID, container.RemoveOptions{Force: true}))
		}
	}
	imgs, lerr := c.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("reference", "pier-build/"+app))})
	err = errors.Join(err, lerr)
	for _, img := range imgs {
		for _, tag := range img.RepoTags {
			_, rerr := c.ImageRemove(ctx, tag, image.RemoveOptions{PruneChildren: true})
			err = errors.Join(err, rerr)
		}
	}
	if e, cerr := docker.Connect(ctx, docker.DefaultEndpoint()); cerr == nil {
		err = errors.Join(err, e.RemoveVolumes(ctx, map[string]string{docker.LabelAppName: app}, "")) // the build cache
		e.Close()
	}
	if err != nil {
		progress("cleanup: %v", err)
	}
}

// benchApp is what is pushed: its files, and a change that makes push i
// serve a new body.
type benchApp struct {
	name   string
	files  map[string]string
	change func(repo string, i int) string
}

func newApp(ctx context.Context, buildpack bool) (benchApp, error) {
	if !buildpack {
		busybox, err := os.ReadFile("/bin/busybox")
		if err != nil {
			return benchApp{}, fmt.Errorf("the app needs Debian's busybox-static (apt-get install busybox-static): %w", err)
		}
		return benchApp{
			name: "small Dockerfile app (FROM scratch + busybox)",
			files: map[string]string{
				"busybox":    string(busybox),
				"Dockerfile": "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY index.html /www/index.html\n",
				"Procfile":   "web: /bin/busybox httpd -f -p $PORT -h /www\n",
			},
			change: func(repo string, i int) string {
				body := fmt.Sprintf("v%d", i)
				os.WriteFile(filepath.Join(repo, "index.html"), []byte(body+"\n"), 0o644)
				return body
			},
		}, nil
	}
	progress("making the test stack %s (once per machine)", dockertest.Stack)
	if _, err := dockertest.EnsureStack(ctx); err != nil {
		return benchApp{}, fmt.Errorf("the buildpack benchmark needs the test stack (apt-get install debootstrap): %w", err)
	}
	src := filepath.Join("buildpacks", "testdata", "go-hello")
	files := map[string]string{}
	for _, name := range []string{"go.mod", "go.sum", "main.go"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return benchApp{}, fmt.Errorf("run it from the module root: %w", err)
		}
		files[name] = string(data)
	}
	main := files["main.go"]
	return benchApp{
		name:  "Go app (one module dependency) built by the bundled Go buildpack",
		files: files,
		change: func(repo string, i int) string {
			body := fmt.Sprintf("hello from go, version %d", 1000+i)
			os.WriteFile(filepath.Join(repo, "main.go"), []byte(strings.Replace(main, "hello from go, version 1", body, 1)), 0o644)
			return body
		},
	}, nil
}
