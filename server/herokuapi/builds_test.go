package herokuapi_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/builder"
	"github.com/pier-paas/pier/server/docker/dockertest"
	"github.com/pier-paas/pier/server/herokuapi"
	"github.com/pier-paas/pier/server/platform"
)

// neverBuilds is a BuildStarter for requests that must be refused before
// any build starts.
type neverBuilds struct{ t *testing.T }

func (n neverBuilds) Start(context.Context, platform.User, platform.App, builder.Request) (platform.Build, <-chan builder.Result, error) {
	n.t.Error("a build started")
	return platform.Build{}, nil, platform.Invalid("no")
}

// A build's source_blob is checked before anything is built.
func TestCreateBuildBadInput(t *testing.T) {
	e := newEnv(t, withSealer(t), func(a *herokuapi.API) { a.Builds = neverBuilds{t} })
	e.createApp(e.admin, "shop")
	for body, want := range map[string]string{
		`{}`: "source_blob.url must be",
		`{"source_blob":{"url":"ftp://example.com/a.tgz"}}`:                                               "source_blob.url must be",
		`{"source_blob":{"url":"/relative.tgz"}}`:                                                         "source_blob.url must be",
		`{"source_blob":{"url":"http://example.com/a.tgz","checksum":"md5:abc"}}`:                         "source_blob.checksum",
		`{"source_blob":{"url":"http://example.com/a.tgz","version":"` + strings.Repeat("v", 300) + `"}}`: "source_blob.version",
	} {
		msg := e.mustError(422, "invalid_params", e.admin, "POST", "/apps/shop/builds", body, "Content-Type: application/json")
		if !strings.Contains(msg, want) {
			t.Errorf("%s: %q, want %q", body, msg, want)
		}
	}
	// A source of this server's that was never uploaded, or is unknown.
	src := e.must(201, e.admin, "POST", "/sources", nil).Map(t)["source_blob"].(map[string]any)
	e.mustError(404, "not_found", e.admin, "POST", "/apps/shop/builds", map[string]any{"source_blob": map[string]any{"url": src["get_url"]}})
	bad := strings.TrimSuffix(src["get_url"].(string), "0") + "1"
	bad = bad[:len(bad)-2] + "zz"
	e.mustError(404, "not_found", e.admin, "POST", "/apps/shop/builds", map[string]any{"source_blob": map[string]any{"url": bad}})
	// Someone else's app, and a server without Docker.
	other := e.user("bob@example.com", false)
	e.mustError(403, "forbidden", other, "POST", "/apps/shop/builds", map[string]any{"source_blob": map[string]any{"url": "http://example.com/a.tgz"}})
	e.mustError(404, "not_found", e.admin, "GET", "/apps/shop/builds/"+strings.Repeat("0", 8)+"-0000-0000-0000-000000000000", nil)
	plain := newEnv(t)
	plain.createApp(plain.admin, "shop")
	plain.mustError(503, "unavailable", plain.admin, "POST", "/apps/shop/builds", map[string]any{"source_blob": map[string]any{"url": "http://example.com/a.tgz"}})
}

// The builds API end to end on the real Docker engine: upload a source,
// build it, follow output_stream_url to the end, and find the build
// succeeded with its release.
func TestBuildsAPI(t *testing.T) {
	engine := dockertest.Engine(t)
	var b *builder.Builder
	e := newEnv(t, withSealer(t), func(a *herokuapi.API) {
		b = &builder.Builder{Store: a.Store, Engine: engine, Logger: slog.New(slog.DiscardHandler), TempDir: t.TempDir()}
		a.Builds = b
	})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	app := "built-" + strings.ReplaceAll(time.Now().Format("150405.000"), ".", "")
	e.createApp(e.admin, app)
	t.Cleanup(func() { dockertest.RemoveImages("pier-build/" + app) })

	src := e.must(201, e.admin, "POST", "/sources", nil).Map(t)["source_blob"].(map[string]any)
	if code, body := put(t, src["put_url"].(string), bytes.NewReader(appTarball(t))); code != 200 {
		t.Fatalf("upload: %d %s", code, body)
	}
	created := e.must(201, e.admin, "POST", "/apps/"+app+"/builds", map[string]any{
		"source_blob": map[string]any{"url": src["get_url"], "version": "v1.0"}}).Map(t)
	if created["status"] != "pending" || created["release"] != nil {
		t.Fatalf("created: %v", created)
	}
	if u := created["source_blob"].(map[string]any)["url"].(string); strings.Contains(src["get_url"].(string), u+"/") == false || strings.Count(u, "/") != 4 {
		t.Errorf("the build shows its source URL %q with the secret", u)
	}
	stream := created["output_stream_url"].(string)
	code, out := get(t, stream)
	if code != 200 || !strings.Contains(string(out), "-----> Launching... done, v2") {
		t.Fatalf("output stream: %d\n%s", code, out)
	}
	id := created["id"].(string)
	got := e.must(200, e.admin, "GET", "/apps/"+app+"/builds/"+id, nil).Map(t)
	if got["status"] != "succeeded" || got["release"] == nil || got["slug"] == nil {
		t.Fatalf("build after its output ended: %v", got)
	}
	release := e.must(200, e.admin, "GET", "/apps/"+app+"/releases/2", nil).Map(t)
	if release["id"] != got["release"].(map[string]any)["id"] || release["description"] != "Deploy v1.0" {
		t.Errorf("release: %v", release)
	}
	var list []map[string]any
	e.must(200, e.admin, "GET", "/apps/"+app+"/builds", nil).JSON(t, &list)
	if len(list) != 1 || list[0]["id"] != id {
		t.Errorf("list: %v", list)
	}
	// The stream replays a settled build; a forged URL is refused.
	if code, again := get(t, stream); code != 200 || !bytes.Equal(again, out) {
		t.Errorf("replay: %d, %d bytes vs %d", code, len(again), len(out))
	}
	if code, _ := get(t, stream[:len(stream)-4]+"0000"); code != 404 {
		t.Errorf("forged output URL: %d", code)
	}
}

// appTarball is a small Dockerfile app, gzipped.
func appTarball(t *testing.T) []byte {
	t.Helper()
	bb, err := os.ReadFile(dockertest.Busybox)
	if err != nil {
		t.Fatalf("test images need Debian's busybox-static: %v", err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, data := range map[string][]byte{
		"busybox":    bb,
		"Dockerfile": []byte("FROM scratch\nCOPY busybox /bin/busybox\nCMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"5000\"]\n"),
	} {
		tw.WriteHeader(&tar.Header{Name: "app/" + name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}
