package web_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pier-paas/pier/server/docker/dockertest"
)

// A build in Chromium: its page shows the output while the build runs
// (the first step's line before the second's, the build still pending),
// then how it ended; the app's activity lists it.
func TestBuildOutputInChromium(t *testing.T) {
	dockertest.Engine(t)
	base := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\n", nil)
	app := fmt.Sprintf("built-%d", time.Now().UnixNano()%1e9)
	t.Cleanup(func() { dockertest.RemoveImages("pier-build/" + app) })
	// The lines are computed by the shell, so the Dockerfile's own text,
	// which the output repeats, does not contain them.
	source := gzipTar(t, map[string]string{"Dockerfile": "FROM " + base + "\n" +
		"RUN echo \"compiling step $((1))\" && sleep 3 && echo \"compiling step $((1+1))\"\n" +
		"CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"5000\"]\n"})

	srv := startServer(t)
	ctx := browser(t)
	api := newAPIClient(t, srv, "the other client")
	signIn(t, ctx, srv)
	api.do("POST", "/apps", map[string]any{"name": app})
	blob := api.do("POST", "/sources", nil)["source_blob"].(map[string]any)
	req, _ := http.NewRequest("PUT", blob["put_url"].(string), bytes.NewReader(source))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("upload the source: %d", res.StatusCode)
	}
	run(t, ctx, "open the app", chromedp.Navigate(srv+"/dashboard/apps/"+app), chromedp.WaitVisible(`#activity`, chromedp.ByQuery))
	id := api.do("POST", "/apps/"+app+"/builds", map[string]any{"source_blob": map[string]any{"url": blob["get_url"], "version": "0123456789abcdef"}})["id"].(string)
	run(t, ctx, "the build appears in the activity", chromedp.WaitVisible(`li[data-build="`+id+`"]`, chromedp.ByQuery))
	var text, status string
	run(t, ctx, "its output, live", chromedp.Click(`li[data-build="`+id+`"] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`//pre[@id="build-output"][contains(., "compiling step 1")]`, chromedp.BySearch),
		chromedp.Text(`#build-output`, &text, chromedp.ByQuery), chromedp.Text(`#build-status`, &status, chromedp.ByQuery))
	if status != "pending" || strings.Contains(text, "compiling step 2") {
		t.Errorf("while the build runs: status %q, output %q", status, text)
	}
	screenshot(t, ctx, "16-build-running")
	run(t, ctx, "the build ends", chromedp.WaitVisible(`//span[@id="build-status"][normalize-space(.)="succeeded"]`, chromedp.BySearch),
		chromedp.Text(`#build-output`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "compiling step 2") || !strings.Contains(text, "Launching") {
		t.Errorf("the finished build's output: %q", text)
	}
	screenshot(t, ctx, "17-build-done")
	run(t, ctx, "back to the app", chromedp.Navigate(srv+"/dashboard/apps/"+app),
		chromedp.Text(`li[data-build="`+id+`"]`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "succeeded") || !strings.Contains(text, "0123456") {
		t.Errorf("the build in the activity: %q", text)
	}
}

// gzipTar is a gzipped tarball of files, under a top folder as GitHub's
// archives have.
func gzipTar(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: "src/" + name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(data))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}
