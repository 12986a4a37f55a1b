package builder_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/builder"
	"github.com/pier-paas/pier/server/buildpack"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
)

// withStack builds apps without a Dockerfile with buildpacks on the test
// stack (debootstrap'd Debian: no Go, no Node).
func withStack(t *testing.T) func(*builder.Builder) {
	stack := dockertest.StackImage(t)
	return func(b *builder.Builder) {
		b.Buildpacks = &buildpack.Resolver{Dir: t.TempDir()}
		b.BuildStack, b.RunStack = stack, stack
	}
}

func newBuildpackWorld(t *testing.T) *world {
	w := newWorld(t, withStack(t))
	t.Cleanup(func() {
		if err := dockertest.Engine(t).RemoveVolumes(context.Background(), map[string]string{builder.LabelBuildCache: w.app.ID.String()}, ""); err != nil {
			t.Logf("remove the app's build caches: %v", err)
		}
	})
	return w
}

// run runs command in the image a build released, through its launcher,
// as a dyno would, and returns its output.
func (w *world) run(res builder.Result, command string) string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	slug, err := w.store.Slug(ctx, w.app, res.Release.SlugID.String())
	if err != nil {
		w.t.Fatal(err)
	}
	s, err := dockertest.Engine(w.t).RunAttached(ctx, docker.RunSpec{Name: "pier-test-run-" + res.Build.ID.String()[:8],
		Image: *slug.Checksum, Command: command, Env: map[string]string{"PORT": "5000"}})
	if err != nil {
		w.t.Fatal(err)
	}
	_ = s.CloseStdin()
	var out syncBuffer
	_ = s.Output(&out, &out)
	if code, err := s.Wait(ctx); err != nil || code != 0 {
		w.t.Fatalf("%s: exit %d, %v:\n%s", command, code, err, out.String())
	}
	return out.String()
}

// GoApp is a Go module with one real dependency, fetched from the Go
// module proxy by the bundled Go buildpack.
func GoApp(t *testing.T) map[string]string {
	files := map[string]string{}
	for _, name := range []string{"go.mod", "go.sum", "main.go"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "buildpacks", "testdata", "go-hello", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(data)
	}
	return files
}

// The bundled Go buildpack detects a Go module on a stack without Go:
// it installs Go from the module proxy, downloads the module's
// dependency, builds it, and the dyno finds the command on its PATH
// through .profile.d. The second build finds Go and the modules in the
// app's cache.
func TestGoBuildpackColdThenWarm(t *testing.T) {
	w := newBuildpackWorld(t)
	res, live := w.build(source(t, GoApp(t), false))
	if res.Err != nil {
		t.Fatalf("cold build failed: %v\n%s", res.Err, live)
	}
	for _, want := range []string{"-----> Go app detected", "-----> Installing Go 1.22.", "go mod download",
		"github.com/google/uuid v1.6.0", "Built: hello", "-----> Layering the app onto " + dockertest.Stack,
		"Default types for buildpack -> web", "-----> Launching... done, v"} {
		if !strings.Contains(live, want) {
			t.Errorf("output lacks %q:\n%s", want, live)
		}
	}
	if got := w.run(res, "hello pier"); !strings.Contains(got, "id ") {
		t.Errorf("hello pier printed %q", got)
	}
	slug, err := w.store.Slug(context.Background(), w.app, res.Release.SlugID.String())
	if err != nil || slug.ProcessTypes["web"] != "bin/hello" {
		t.Errorf("process types %v, %v; want web: bin/hello", slug.ProcessTypes, err)
	}

	res, live = w.build(source(t, GoApp(t), false))
	if res.Err != nil {
		t.Fatalf("warm build failed: %v\n%s", res.Err, live)
	}
	if !strings.Contains(live, "(cached)") || strings.Contains(live, "Installing Go") {
		t.Errorf("the second build fetched Go again:\n%s", live)
	}

	// A module that does not compile fails the build with the compiler's
	// words, and the release before keeps its place.
	before := w.releases()
	res, live = w.build(source(t, map[string]string{"go.mod": "module x\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() { undefined() }\n"}, false))
	if res.Err == nil || !strings.Contains(live, "undefined: undefined") || !strings.Contains(live, "Buildpack go failed to compile the app") {
		t.Errorf("a broken module: %v\n%s", res.Err, live)
	}
	if w.releases() != before {
		t.Error("a failed build made a release")
	}

}

// writeBuildpack writes a buildpack into a folder of the test's.
func writeBuildpack(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Several buildpacks run in order: the first's export reaches the
// second's compile, config vars arrive in ENV_DIR, bin/release's
// config_vars and process types reach the dyno, .profile.d runs when it
// starts, and what .slugignore lists is gone before any buildpack runs.
func TestBuildpacksInOrder(t *testing.T) {
	w := newBuildpackWorld(t)
	first := writeBuildpack(t, map[string]string{
		"bin/detect": "#!/bin/sh\necho First\n",
		"bin/compile": "#!/bin/bash\nset -e\necho '-----> first compiling'\n" +
			"echo 'export GREETING=hello-from-first' > \"$(dirname \"$0\")/../export\"\n" +
			"mkdir -p \"$1/.profile.d\"\necho 'export FROM_PROFILE=profiled' > \"$1/.profile.d/first.sh\"\n" +
			"cp \"$3/SECRET_NAME\" \"$1/seen-secret\"\n" +
			"if [ -f \"$2/marker\" ]; then echo '-----> cache: warm'; else echo '-----> cache: cold'; fi\ntouch \"$2/marker\"\n",
		"bin/release": "#!/bin/sh\nprintf -- '---\\nconfig_vars:\\n  RELEASE_VAR: from-release\\ndefault_process_types:\\n  worker: sleep 1\\n'\n",
	})
	second := writeBuildpack(t, map[string]string{
		"bin/detect":  "#!/bin/sh\necho Second\n",
		"bin/compile": "#!/bin/bash\nset -e\necho \"-----> second sees $GREETING\"\necho \"$GREETING\" > \"$1/greeting\"\n",
		"bin/release": "#!/bin/sh\nprintf -- '---\\ndefault_process_types:\\n  web: echo web\\n'\n",
	})
	secret := "s3cret"
	if _, err := w.store.UpdateConfigVars(context.Background(), w.user, w.app, map[string]*string{"SECRET_NAME": &secret}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.SetBuildpacks(context.Background(), w.user, w.app, []string{"file://" + first, "file://" + second}); err != nil {
		t.Fatal(err)
	}
	res, live := w.build(source(t, map[string]string{"README": "x", ".slugignore": "# not needed to run\n*.psd\n/docs/\n",
		"art/big.psd": "x", "art/small.png": "x", "docs/guide.md": "x"}, false))
	if res.Err != nil {
		t.Fatalf("build failed: %v\n%s", res.Err, live)
	}
	for _, want := range []string{"-----> First app detected", "-----> first compiling", "-----> Second app detected",
		"-----> second sees hello-from-first", "-----> cache: cold"} {
		if !strings.Contains(live, want) {
			t.Errorf("output lacks %q:\n%s", want, live)
		}
	}
	got := w.run(res, `echo "$FROM_PROFILE $RELEASE_VAR $(cat greeting) $(cat seen-secret) $HOME $PWD $(ls art) $(ls -d docs 2>/dev/null || echo no-docs)"`)
	if want := "profiled from-release hello-from-first s3cret /app /app small.png no-docs"; !strings.Contains(got, want) {
		t.Errorf("the dyno saw %q, want %q", got, want)
	}
	slug, err := w.store.Slug(context.Background(), w.app, res.Release.SlugID.String())
	if err != nil || slug.ProcessTypes["web"] != "echo web" || slug.ProcessTypes["worker"] != "sleep 1" {
		t.Errorf("process types %v, %v", slug.ProcessTypes, err)
	}

	// CACHE_DIR persists between the app's builds until it is purged.
	if res, live = w.build(source(t, map[string]string{"README": "y"}, false)); !strings.Contains(live, "-----> cache: warm") {
		t.Errorf("the second build's cache: %v\n%s", res.Err, live)
	}
	if err := w.store.PurgeBuildCache(context.Background(), w.user, w.app); err != nil {
		t.Fatal(err)
	}
	if res, live = w.build(source(t, map[string]string{"README": "z"}, false)); !strings.Contains(live, "-----> cache: cold") {
		t.Errorf("the build after a purge: %v\n%s", res.Err, live)
	}
}

// Each way a buildpack build goes wrong fails it with what to do, and
// releases nothing.
func TestBuildpackFailures(t *testing.T) {
	w := newBuildpackWorld(t)
	failing := writeBuildpack(t, map[string]string{
		"bin/detect":  "#!/bin/sh\necho Failing\n",
		"bin/compile": "#!/bin/sh\necho 'compiler says no'\nexit 3\n",
	})
	refusing := writeBuildpack(t, map[string]string{"bin/detect": "#!/bin/sh\nexit 1\n", "bin/compile": "#!/bin/sh\n"})
	noTypes := writeBuildpack(t, map[string]string{"bin/detect": "#!/bin/sh\necho Quiet\n", "bin/compile": "#!/bin/sh\n"})
	for _, c := range []struct {
		name       string
		buildpacks []string
		files      map[string]string
		want       []string
	}{
		{"nothing detects it", nil, map[string]string{"README": "x"},
			[]string{"none of the buildpacks tried recognises the app: go, nodejs, python, static"}},
		{"compile fails", []string{"file://" + failing}, map[string]string{"README": "x"},
			[]string{"compiler says no", "Buildpack " + filepath.Base(failing) + " (file://" + failing + ") failed to compile the app (exit status 3)"}},
		{"detect refuses", []string{"file://" + refusing}, map[string]string{"README": "x"},
			[]string{"its bin/detect refused it"}},
		{"no process types", []string{"file://" + noTypes}, map[string]string{"README": "x"},
			[]string{"No Procfile, and the buildpacks name no process type"}},
		{"an unknown buildpack", []string{"cobol"}, map[string]string{"README": "x"},
			[]string{`Buildpack "cobol" is not one Pier knows`}},
		{"a buildpack folder that is not there", []string{"file:///nowhere/at/all"}, map[string]string{"README": "x"},
			[]string{"/nowhere/at/all has no bin/compile"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := w.store.SetBuildpacks(context.Background(), w.user, w.app, c.buildpacks); err != nil {
				t.Fatal(err)
			}
			before := w.releases()
			res, live := w.build(source(t, c.files, false))
			if res.Err == nil {
				t.Fatalf("the build succeeded:\n%s", live)
			}
			for _, want := range c.want {
				if !strings.Contains(live, want) {
					t.Errorf("output lacks %q:\n%s", want, live)
				}
			}
			if w.releases() != before {
				t.Error("a failed build made a release")
			}
		})
	}
}

// The bundled Python and static buildpacks use the stack's python3.
func TestPythonAndStaticBuildpacks(t *testing.T) {
	w := newBuildpackWorld(t)
	res, live := w.build(source(t, map[string]string{"requirements.txt": "# nothing yet\n",
		"app.py": "import os\nprint('python', os.environ['PYTHONUNBUFFERED'])\n"}, false))
	if res.Err != nil {
		t.Fatalf("python build failed: %v\n%s", res.Err, live)
	}
	if !strings.Contains(live, "-----> Python app detected") || !strings.Contains(live, "Using the stack's Python 3.11") {
		t.Errorf("output:\n%s", live)
	}
	if got := w.run(res, "python3 app.py"); !strings.Contains(got, "python true") {
		t.Errorf("python3 app.py printed %q", got)
	}

	res, live = w.build(source(t, map[string]string{"public/index.html": "<h1>static</h1>\n"}, false))
	if res.Err != nil {
		t.Fatalf("static build failed: %v\n%s", res.Err, live)
	}
	slug, err := w.store.Slug(context.Background(), w.app, res.Release.SlugID.String())
	if err != nil || !strings.Contains(slug.ProcessTypes["web"], "http.server") {
		t.Errorf("static web: %v, %v\n%s", slug.ProcessTypes, err, live)
	}
}

// The bundled Node.js buildpack installs Node and npm from the npm
// registry on a stack without them, and the app's packages with npm.
func TestNodeBuildpack(t *testing.T) {
	w := newBuildpackWorld(t)
	res, live := w.build(source(t, map[string]string{
		"package.json": `{"name": "hello", "version": "1.0.0", "engines": {"node": "22.x"},
  "dependencies": {"is-number": "7.0.0"}, "scripts": {"start": "node index.js"}}`,
		"index.js": "console.log('is 5 a number?', require('is-number')(5))\n",
	}, false))
	if res.Err != nil {
		t.Fatalf("node build failed: %v\n%s", res.Err, live)
	}
	for _, want := range []string{"-----> Node.js app detected", "-----> Installing Node.js 22.", "npm install", "web"} {
		if !strings.Contains(live, want) {
			t.Errorf("output lacks %q:\n%s", want, live)
		}
	}
	if got := w.run(res, "node index.js"); !strings.Contains(got, "is 5 a number? true") {
		t.Errorf("node index.js printed %q", got)
	}
}

// A compile that hangs is killed at the build's timeout, and its builder
// container goes with it.
func TestBuildpackTimeout(t *testing.T) {
	w := newWorld(t, withStack(t), func(b *builder.Builder) { b.Timeout = 4 * time.Second })
	hang := writeBuildpack(t, map[string]string{"bin/detect": "#!/bin/sh\necho Hang\n", "bin/compile": "#!/bin/sh\necho hanging\nsleep 600\n"})
	if _, err := w.store.SetBuildpacks(context.Background(), w.user, w.app, []string{"file://" + hang}); err != nil {
		t.Fatal(err)
	}
	res, live := w.build(source(t, map[string]string{"README": "x"}, false))
	if res.Err == nil || !strings.Contains(live, "hanging") || !strings.Contains(live, "the build took longer than 4s and was stopped") {
		t.Fatalf("%v\n%s", res.Err, live)
	}
	left, err := dockertest.Engine(t).BuildContainers(context.Background(), w.b.Cluster)
	if err != nil || len(left[res.Build.ID.String()]) != 0 {
		t.Errorf("the builder container is still there: %v %v", left, err)
	}
}

// On a stack without Python, the bundled Python buildpack installs it
// from the stack's own package sources, and the dyno runs it.
func TestPythonBuildpackInstallsPython(t *testing.T) {
	noPython := dockertest.Build(t, "FROM "+dockertest.StackImage(t)+"\nRUN dpkg --purge --force-depends python3 python3-minimal "+
		"python3.11 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib && ! command -v python3\n", nil)
	w := newWorld(t, withStack(t), func(b *builder.Builder) { b.BuildStack, b.RunStack = noPython, noPython })
	t.Cleanup(func() {
		dockertest.Engine(t).RemoveVolumes(context.Background(), map[string]string{builder.LabelBuildCache: w.app.ID.String()}, "")
	})
	// The dependency step with pip, offline: a wheel the app carries.
	res, live := w.build(source(t, map[string]string{"requirements.txt": "./wheels/greet-1.0-py3-none-any.whl\n", ".python-version": "3.11\n",
		"wheels/greet-1.0-py3-none-any.whl": wheel(t, "greet", "1.0", "def hello():\n    return 'hello from a wheel'\n"),
		"app.py":                            "import json, ssl, greet\nprint('python', json.dumps([1]), ssl.OPENSSL_VERSION.split()[0], greet.hello())\n"}, false))
	if res.Err != nil {
		t.Fatalf("build failed: %v\n%s", res.Err, live)
	}
	for _, want := range []string{"-----> Installing python3.11 from the stack's package sources", "Python 3.11.",
		"-----> Installing requirements with pip", "Successfully installed greet-1.0"} {
		if !strings.Contains(live, want) {
			t.Errorf("output lacks %q:\n%s", want, live)
		}
	}
	if got := w.run(res, "python3 app.py"); !strings.Contains(got, "python [1] OpenSSL hello from a wheel") {
		t.Errorf("python3 app.py printed %q", got)
	}
}

// wheel is a pure-Python wheel of one module, as pip installs it.
func wheel(t *testing.T, name, version, module string) string {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	info := name + "-" + version + ".dist-info/"
	files := [][2]string{
		{name + ".py", module},
		{info + "METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n"},
		{info + "WHEEL", "Wheel-Version: 1.0\nGenerator: pier-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var record strings.Builder
	for _, f := range files {
		sum := sha256.Sum256([]byte(f[1]))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f[0], base64.RawURLEncoding.EncodeToString(sum[:]), len(f[1]))
	}
	record.WriteString(info + "RECORD,,\n")
	for _, f := range append(files, [2]string{info + "RECORD", record.String()}) {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
