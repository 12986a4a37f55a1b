package buildpack_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/buildpack"
)

func tgz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(content))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// resolve resolves ref and returns the buildpack and its bin/compile.
func resolve(t *testing.T, r *buildpack.Resolver, ref string) (buildpack.Buildpack, string, string, error) {
	t.Helper()
	var log bytes.Buffer
	var got buildpack.Buildpack
	var compile []byte
	err := r.Resolve(context.Background(), ref, &log, func(bp buildpack.Buildpack) error {
		got = bp
		var err error
		compile, err = os.ReadFile(filepath.Join(bp.Dir, "bin", "compile"))
		return err
	})
	return got, string(compile), log.String(), err
}

// A tarball buildpack is fetched once, unpacked from inside its top
// folder, reused until its TTL passes, then fetched again.
func TestTarballBuildpack(t *testing.T) {
	var hits atomic.Int32
	body := tgz(t, map[string]string{"bp-main/bin/compile": "#!/bin/sh\necho v1\n", "bp-main/bin/detect": "#!/bin/sh\n"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(body)
	}))
	defer srv.Close()
	now := time.Now()
	r := &buildpack.Resolver{Dir: t.TempDir(), Now: func() time.Time { return now }}
	ref := srv.URL + "/bp.tgz"
	bp, compile, log, err := resolve(t, r, ref)
	if err != nil || !strings.Contains(compile, "echo v1") || bp.Name != "bp" || !strings.Contains(log, "Fetching buildpack") {
		t.Fatalf("first: %+v %q %q %v", bp, compile, log, err)
	}
	if _, _, log, err = resolve(t, r, ref); err != nil || log != "" || hits.Load() != 1 {
		t.Errorf("second: fetched again (%d hits, %q, %v)", hits.Load(), log, err)
	}
	now = now.Add(buildpack.DefaultTTL + time.Second)
	if _, _, _, err = resolve(t, r, ref); err != nil || hits.Load() != 2 {
		t.Errorf("after the TTL: %d hits, %v", hits.Load(), err)
	}
	// A server that fails later leaves the copy fetched before in use.
	srv.Config.Handler = http.NotFoundHandler()
	now = now.Add(buildpack.DefaultTTL + time.Second)
	if _, compile, log, err = resolve(t, r, ref); err != nil || !strings.Contains(compile, "echo v1") || !strings.Contains(log, "using the copy fetched before") {
		t.Errorf("with the server failing: %q %q %v", compile, log, err)
	}
}

// Bad buildpacks are refused with what is wrong, and nothing escapes the
// buildpack's folder.
func TestBadBuildpacks(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "escaped")
	bodies := map[string][]byte{
		"/traversal.tgz": tgz(t, map[string]string{"../../../../../../" + outside: "x"}),
		"/plain.tgz":     []byte("this is not a tarball"),
		"/nocompile.tgz": tgz(t, map[string]string{"README": "x"}),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := bodies[r.URL.Path]; ok {
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	r := &buildpack.Resolver{Dir: t.TempDir()}
	for ref, want := range map[string]string{
		srv.URL + "/traversal.tgz":              "points outside the buildpack",
		srv.URL + "/plain.tgz":                  "not a tarball",
		srv.URL + "/nocompile.tgz":              "has no bin/compile",
		srv.URL + "/missing.tgz":                "404 Not Found",
		"https://user:tok3n@127.0.0.1:1/bp.tgz": "Could not fetch buildpack https://user:xxxxx@127.0.0.1:1/bp.tgz",
		"cobol":                                 "is not one Pier knows",
		"file://relative/path":                  "file:///absolute/path",
		"ftp://example.com/bp.tgz":              "over http, https, git and ssh",
	} {
		_, _, _, err := resolve(t, r, ref)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", ref, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "tok3n") {
			t.Errorf("%s: the error shows the token: %v", ref, err)
		}
	}
	if _, err := os.Stat(outside); err == nil {
		t.Error("a tarball entry was written outside the buildpack")
	}
}

// A git buildpack is cloned, at a branch or tag after #, from a real git
// server (git http-backend).
func TestGitBuildpack(t *testing.T) {
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	root := t.TempDir()
	work := filepath.Join(root, "work")
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command(gitBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	os.MkdirAll(filepath.Join(work, "bin"), 0o755)
	os.WriteFile(filepath.Join(work, "bin", "compile"), []byte("#!/bin/sh\necho main\n"), 0o755)
	run(root, "init", "-q", "-b", "main", work)
	run(work, "add", ".")
	run(work, "commit", "-q", "-m", "one")
	run(work, "tag", "v1")
	os.WriteFile(filepath.Join(work, "bin", "compile"), []byte("#!/bin/sh\necho two\n"), 0o755)
	run(work, "commit", "-q", "-am", "two")
	run(root, "clone", "-q", "--bare", work, filepath.Join(root, "bp.git"))

	backend := &cgi.Handler{Path: gitBin, Args: []string{"http-backend"},
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}
	srv := httptest.NewServer(backend)
	defer srv.Close()
	r := &buildpack.Resolver{Dir: t.TempDir()}
	for ref, want := range map[string]string{
		srv.URL + "/bp.git":         "echo two",
		srv.URL + "/bp.git#v1":      "echo main",
		srv.URL + "/bp.git#main":    "echo two",
		srv.URL + "/bp.git#nothere": "",
	} {
		bp, compile, _, err := resolve(t, r, ref)
		if want == "" {
			if err == nil || !strings.Contains(err.Error(), `no branch or tag "nothere"`) {
				t.Errorf("%s: %v", ref, err)
			}
			continue
		}
		if err != nil || !strings.Contains(compile, want) || bp.Name != "bp" {
			t.Errorf("%s: %+v %q %v, want %q", ref, bp, compile, err, want)
		}
		if _, err := os.Stat(filepath.Join(bp.Dir, ".git")); err != nil {
			t.Errorf("%s: %v", ref, err)
		}
	}
}

// Bundled buildpacks are written out with their scripts executable and
// the shared helpers in lib/.
func TestBundledBuildpack(t *testing.T) {
	r := &buildpack.Resolver{Dir: t.TempDir()}
	for _, ref := range []string{"go", "heroku/nodejs", "python", "heroku-community/static"} {
		var dir string
		err := r.Resolve(context.Background(), ref, io.Discard, func(bp buildpack.Buildpack) error {
			dir = bp.Dir
			for _, f := range []string{"bin/detect", "bin/compile", "bin/release"} {
				fi, err := os.Stat(filepath.Join(bp.Dir, f))
				if err != nil || fi.Mode()&0o111 == 0 {
					t.Errorf("%s %s: %v %v", ref, f, fi, err)
				}
			}
			_, err := os.Stat(filepath.Join(bp.Dir, "lib", "common.sh"))
			return err
		})
		if err != nil || dir == "" {
			t.Errorf("%s: %v", ref, err)
		}
	}
}
