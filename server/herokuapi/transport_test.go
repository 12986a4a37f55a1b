package herokuapi_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/herokuapi"
)

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func TestAuthenticationFailures(t *testing.T) {
	e := newEnv(t)
	for _, h := range []string{"", "Bearer ", "Bearer nope", "Bearer pier_0000", "Basic !!!", basic("a", "pier_bad"),
		"Bearer " + strings.Repeat("x", 5000), "Token abc"} {
		var hdrs []string
		if h != "" {
			hdrs = append(hdrs, "Authorization: "+h)
		}
		e.mustError(401, "unauthorized", "", "GET", "/apps", nil, hdrs...)
	}
	// Password Basic auth works only for logging in.
	e.mustError(401, "unauthorized", "", "GET", "/apps", nil, "Authorization: "+basic("admin@example.com", "password123"))
	e.must(200, "", "GET", "/healthz", nil)
}

func TestHerokuTransportConventions(t *testing.T) {
	e := newEnv(t)
	e.createApp(e.admin, "conv")
	// Request-Id: generated, or the first of the client's list kept.
	r := e.must(200, e.admin, "GET", "/apps/conv", nil)
	if len(r.Header.Get("Request-Id")) != 36 {
		t.Fatalf("Request-Id %q", r.Header.Get("Request-Id"))
	}
	r = e.must(200, e.admin, "GET", "/apps/conv", nil, "Request-Id: abc-123,def-456,ghi")
	if r.Header.Get("Request-Id") != "abc-123" {
		t.Fatalf("Request-Id %q", r.Header.Get("Request-Id"))
	}
	r = e.must(200, e.admin, "GET", "/apps/conv", nil, "Request-Id: <script>")
	if r.Header.Get("Request-Id") == "<script>" {
		t.Fatal("hostile request id echoed")
	}
	if r := e.do(e.admin, "GET", "/nowhere", nil); r.StatusCode != 404 || r.Header.Get("Request-Id") == "" {
		t.Fatalf("errors carry a Request-Id too: %d %v", r.StatusCode, r.Header)
	}
	// Versions: 3 and 3.* are accepted, others refused; no Accept is fine.
	for _, acc := range []string{"application/vnd.heroku+json; version=3.sdk", "application/vnd.heroku+json; version=3.account-quotas", "*/*", "application/json"} {
		e.must(200, e.admin, "GET", "/apps/conv", nil, "Accept: "+acc)
	}
	e.mustError(406, "not_acceptable", e.admin, "GET", "/apps/conv", nil, "Accept: application/vnd.heroku+json; version=2")
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatal(ct)
	}
	// ETag and If-None-Match.
	r = e.must(200, e.admin, "GET", "/apps/conv", nil)
	tag := r.Header.Get("ETag")
	if tag == "" {
		t.Fatal("no ETag")
	}
	nm := e.must(304, e.admin, "GET", "/apps/conv", nil, "If-None-Match: "+tag)
	if len(nm.body) != 0 {
		t.Fatalf("304 with a body: %s", nm.body)
	}
	e.must(200, e.admin, "GET", "/apps/conv", nil, `If-None-Match: "other"`)
	e.must(200, e.admin, "PATCH", "/apps/conv", map[string]any{"maintenance": true})
	if r2 := e.must(200, e.admin, "GET", "/apps/conv", nil, "If-None-Match: "+tag); r2.Header.Get("ETag") == tag {
		t.Fatal("ETag unchanged after a change")
	}
	// Create is 201, RateLimit-Remaining is on every authenticated response.
	if r := e.must(201, e.admin, "POST", "/apps", nil); r.Header.Get("RateLimit-Remaining") != "" {
		t.Log("rate limiting is off in this env")
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(a *herokuapi.API) { a.RateLimit = 5 })
	last := ""
	for i := 0; i < 5; i++ {
		r := e.must(200, e.admin, "GET", "/account", nil)
		last = r.Header.Get("RateLimit-Remaining")
	}
	if last != "0" {
		t.Fatalf("RateLimit-Remaining %q after 5 of 5", last)
	}
	e.mustError(429, "rate_limit", e.admin, "GET", "/account", nil)
	// Another user has their own budget.
	e.must(200, e.user("other@example.com", false), "GET", "/account", nil)
}
