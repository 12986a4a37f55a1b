package herokuapi_test

import (
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
	"github.com/pier-paas/pier/server/herokuapi"
)

func TestHostPool(t *testing.T) {
	engine := dockertest.Engine(t)
	e := newEnv(t, func(a *herokuapi.API) { a.Hosts = docker.Prober{} })
	h := e.must(201, e.admin, "POST", "/hosts", map[string]any{"endpoint": engine.Endpoint, "name": "local", "labels": map[string]string{"region": "eu"}}).Map(t)
	if h["name"] != "local" || h["healthy"] != true || h["draining"] != false || h["cpus"].(float64) < 1 ||
		h["memory_mb"].(float64) < 100 || h["labels"].(map[string]any)["region"] != "eu" || h["engine_version"] == "" {
		t.Fatal(h)
	}
	var hs []map[string]any
	e.must(200, e.admin, "GET", "/hosts", nil).JSON(t, &hs)
	if len(hs) != 1 {
		t.Fatal(hs)
	}
	e.must(200, e.admin, "GET", "/hosts/"+h["id"].(string), nil)
	if d := e.must(200, e.admin, "PATCH", "/hosts/local", map[string]any{"draining": true}).Map(t); d["draining"] != true {
		t.Fatal(d)
	}
	// Bad input.
	e.mustError(422, "invalid_params", e.admin, "POST", "/hosts", map[string]any{"endpoint": engine.Endpoint})
	msg := e.mustError(422, "invalid_params", e.admin, "POST", "/hosts", map[string]any{"endpoint": "tcp://127.0.0.1:1"})
	if !strings.Contains(msg, "Can't reach a Docker engine at tcp://127.0.0.1:1") {
		t.Fatal(msg)
	}
	for _, ep := range []string{"", "docker.sock", "unix://relative/path", "unix:///a/../b", "tcp://nohost", "http://x:1"} {
		e.mustError(422, "invalid_params", e.admin, "POST", "/hosts", map[string]any{"endpoint": ep})
	}
	e.mustError(422, "invalid_params", e.admin, "POST", "/hosts", map[string]any{"endpoint": "unix:///var/run/other.sock", "labels": map[string]string{"bad label": "x"}})
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/hosts/local", map[string]any{})
	// TLS files go with tcp:// engines, from an absolute directory on the server.
	for _, bad := range []map[string]any{
		{"endpoint": "unix:///var/run/docker.sock", "tls_dir": "/etc/pier/tls"},
		{"endpoint": "tcp://127.0.0.1:2376", "tls_dir": "relative/dir"},
		{"endpoint": "tcp://127.0.0.1:2376", "tls_dir": "/etc/../tls"},
	} {
		e.mustError(422, "invalid_params", e.admin, "POST", "/hosts", bad)
	}
	msg = e.mustError(422, "invalid_params", e.admin, "POST", "/hosts", map[string]any{"endpoint": "tcp://127.0.0.1:1", "tls_dir": "/nonexistent/tls"})
	if !strings.Contains(msg, "ca.pem") {
		t.Errorf("missing TLS files: %s", msg)
	}
	e.mustError(404, "not_found", e.admin, "GET", "/hosts/nope", nil)
	// Admins only.
	ann := e.user("ann@example.com", false)
	e.mustError(403, "forbidden", ann, "GET", "/hosts", nil)
	e.mustError(403, "forbidden", ann, "POST", "/hosts", map[string]any{"endpoint": engine.Endpoint})
	e.mustError(403, "forbidden", ann, "DELETE", "/hosts/local", nil)
	e.must(200, e.admin, "DELETE", "/hosts/local", nil)
	e.mustError(404, "not_found", e.admin, "GET", "/hosts/local", nil)
}
