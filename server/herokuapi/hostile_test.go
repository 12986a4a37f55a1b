package herokuapi_test

import (
	"strings"
	"testing"
)

// Bad input never earns a 5xx: every request below gets a 4xx with Heroku's
// error JSON.
func TestHostileInputGetsClientErrors(t *testing.T) {
	e := newEnv(t)
	e.createApp(e.admin, "target")
	e.deploySlug(e.admin, "target", map[string]string{"web": "./web"})
	bodies := []string{`{`, `}`, `null`, `"x"`, `123`, `[]`, `{"a":`, "\xff\xfe\xfd", `{"name":{"$ne":1}}`,
		`{"updates":[{"type":"web","quantity":{"x":1}}]}`, `{"updates":[null]}`, `{"release":{"id":1}}`,
		`{"hostname":["a"]}`, `{"user":42}`, `{"quantity":"9999999999999999999999"}`, strings.Repeat(`[`, 100000),
		`{"process_types":{"web":7}}`, `{"expires_in":"soon"}`, `{"email":null,"admin":"yes"}`,
		`{"name":"a\u0000b"}`, `{"description":"\u0000","email":"a\u0000@b.c","password":"12345678"}`, `{"A":"x\u0000"}`,
		`{"hostname":"a\u0000.com","user":"\u0000@x.y"}`, `{"process_types":{"web":"\u0000"},"image":"\u0000"}`}
	paths := []struct{ method, path string }{
		{"POST", "/apps"}, {"PATCH", "/apps/target"}, {"PATCH", "/apps/target/config-vars"},
		{"POST", "/apps/target/releases"}, {"PATCH", "/apps/target/formation"}, {"PATCH", "/apps/target/formation/web"},
		{"POST", "/apps/target/domains"}, {"POST", "/apps/target/collaborators"}, {"POST", "/apps/target/slugs"},
		{"POST", "/oauth/authorizations"}, {"POST", "/users"},
	}
	for _, p := range paths {
		for _, b := range bodies {
			r := e.do(e.admin, p.method, p.path, b)
			if r.StatusCode < 400 || r.StatusCode >= 500 {
				if r.StatusCode < 300 {
					continue // some bodies are valid for some routes (e.g. {} on /apps)
				}
				t.Fatalf("%s %s %.40q: %d %s", p.method, p.path, b, r.StatusCode, r.body)
			}
			var eb struct{ ID, Message string }
			r.JSON(t, &eb)
			if eb.ID == "" || eb.Message == "" {
				t.Fatalf("%s %s %.40q: %s", p.method, p.path, b, r.body)
			}
		}
	}
	for _, path := range []string{"/apps/%00", "/apps/" + strings.Repeat("a", 5000), "/apps/target/releases/%ff",
		"/apps/target/releases/-1", "/apps/target/formation/%2e%2e", "/apps/target/domains/%20", "/apps/'%20OR%201=1--",
		"/oauth/authorizations/not-a-uuid", "/dyno-sizes/%00", "/audit?app=%00", "/apps?x=%ff"} {
		if r := e.do(e.admin, "GET", path, nil); r.StatusCode >= 500 || (r.StatusCode < 400 && !strings.Contains(path, "?")) {
			t.Fatalf("GET %s: %d %s", path, r.StatusCode, r.body)
		}
	}
}
