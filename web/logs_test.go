package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pier-paas/pier/server/docker/dockertest"
)

// An app's log in Chromium: a real dyno's lines arrive live, filtered to
// its process; another filter shows the platform's lines (a release made
// by another client) as they happen, and not the dyno's.
func TestLiveLogsInChromium(t *testing.T) {
	dockertest.Engine(t)
	img := dockertest.Build(t, "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY Procfile /app/Procfile\nWORKDIR /app\n",
		map[string]string{"Procfile": "web: /bin/busybox httpd -f -p $PORT\nworker: while true; do echo tick from $DYNO; sleep 1; done\n" +
			"crasher: echo about to fail; exit 3\n"})
	base := startServer(t)
	ctx := browser(t)
	api := newAPIClient(t, base, "the other client")
	signIn(t, ctx, base)

	api.do("POST", "/apps", map[string]any{"name": "log-app"})
	api.do("POST", "/apps/log-app/deploys", map[string]any{"image": img})
	run(t, ctx, "the app's page links to its logs", chromedp.Navigate(base+"/dashboard/apps/log-app"),
		chromedp.Click(`#view-logs`, chromedp.ByQuery), chromedp.WaitVisible(`#process`, chromedp.ByQuery))
	// Scaled once the page is open: the dyno's first lines come live.
	run(t, ctx, "filter to the worker", chromedp.SetValue(`#process`, "worker", chromedp.ByQuery),
		chromedp.Click(`#filter-logs`, chromedp.ByQuery), chromedp.WaitReady(`#process option[value="worker"][selected]`, chromedp.ByQuery))
	api.do("PATCH", "/apps/log-app/formation/worker", map[string]any{"quantity": 1})
	var text string
	run(t, ctx, "the worker's lines arrive", chromedp.WaitVisible(`//pre[@id="log"][contains(., "tick from worker.1")]`, chromedp.BySearch),
		chromedp.Text(`#log`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "app[worker.1]: tick from worker.1") {
		t.Errorf("the worker's lines: %q", text)
	}
	if strings.Contains(text, "[api]") || strings.Contains(text, "[web.1]") {
		t.Errorf("the worker filter shows other processes' lines: %q", text)
	}
	screenshot(t, ctx, "10-logs-worker")

	run(t, ctx, "filter to the api", chromedp.SetValue(`#process`, "api", chromedp.ByQuery),
		chromedp.Click(`#filter-logs`, chromedp.ByQuery), chromedp.WaitReady(`#process option[value="api"][selected]`, chromedp.ByQuery),
		chromedp.WaitVisible(`//pre[@id="log"][contains(., "Scaled to worker@1")]`, chromedp.BySearch))
	api.do("PATCH", "/apps/log-app/config-vars", map[string]any{"COLOR": "teal"})
	run(t, ctx, "another client's release arrives", chromedp.WaitVisible(`//pre[@id="log"][contains(., "Set COLOR config vars")]`, chromedp.BySearch),
		chromedp.Text(`#log`, &text, chromedp.ByQuery))
	if strings.Contains(text, "tick from") || strings.Contains(text, "teal") {
		t.Errorf("the api filter: %q", text)
	}
	screenshot(t, ctx, "11-logs-api")

	// The worker's CPU and memory, read from Docker's stats, on the app's
	// page (the server reads them every second here).
	var cpu, mem string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Second) {
		run(t, ctx, "the app's charts", chromedp.Navigate(base+"/dashboard/apps/log-app"), chromedp.WaitVisible(`#metrics`, chromedp.ByQuery),
			chromedp.Text(`#metrics ~ *`, &text, chromedp.ByQuery))
		if strings.Contains(text, "worker CPU") && !strings.Contains(text, "no reading yet") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no CPU and memory readings of the worker: %q", text)
		}
	}
	run(t, ctx, "read the charts", chromedp.AttributeValue(`figure[data-chart="worker-cpu"] svg`, "aria-label", &cpu, nil, chromedp.ByQuery),
		chromedp.AttributeValue(`figure[data-chart="worker-memory"] svg`, "aria-label", &mem, nil, chromedp.ByQuery),
		chromedp.AttributeValue(`figure[data-chart="worker-memory"] polyline`, "points", &text, nil, chromedp.ByQuery))
	if !strings.Contains(cpu, "worker CPU over the last hour, per dyno: now ") || !strings.Contains(cpu, "%") {
		t.Errorf("the CPU chart: %q", cpu)
	}
	if !strings.Contains(mem, " MB of 512 MB") || !strings.Contains(text, ",") {
		t.Errorf("the memory chart: %q, points %q", mem, text)
	}
	screenshot(t, ctx, "18-metrics")

	// The host pool lists the dynos on the local engine.
	run(t, ctx, "the hosts", chromedp.Navigate(base+"/dashboard/admin/hosts"), chromedp.WaitVisible(`table.hosts`, chromedp.ByQuery),
		chromedp.Click(`table.hosts summary`, chromedp.ByQuery), chromedp.WaitVisible(`ul.containers`, chromedp.ByQuery),
		chromedp.Text(`table.hosts tbody`, &text, chromedp.ByQuery))
	for _, want := range []string{"log-app web.1 (up)", "log-app worker.1 (up)", "2 dynos", "1024 MB reserved"} {
		if !strings.Contains(text, want) {
			t.Errorf("the host's row lacks %q: %q", want, text)
		}
	}
	screenshot(t, ctx, "19-hosts-dynos")
	// A redraw (another dyno) keeps the list open.
	api.do("PATCH", "/apps/log-app/formation/worker", map[string]any{"quantity": 2})
	var open bool
	run(t, ctx, "the new dyno in the list", chromedp.WaitReady(`//ul[contains(@class, "containers")]/li[contains(., "log-app worker.2")]`, chromedp.BySearch),
		chromedp.Evaluate(`document.querySelector("table.hosts details").open`, &open))
	if !open {
		t.Error("the page's redraw closed the list of containers")
	}
	// A dyno that crashes stands out on the open overview.
	run(t, ctx, "the apps", chromedp.Navigate(base+"/dashboard/apps"), chromedp.WaitVisible(`tr[data-app="log-app"]`, chromedp.ByQuery))
	api.do("PATCH", "/apps/log-app/formation/crasher", map[string]any{"quantity": 1})
	// One query finds and checks the row: the page may redraw between two.
	run(t, ctx, "the crash appears", chromedp.WaitReady(
		`//tr[@data-app="log-app"][contains(@class, "crashed")]//span[contains(@class, "danger")][normalize-space(.)="1 crashed"]`, chromedp.BySearch))
	screenshot(t, ctx, "19b-apps-crashed")
}
