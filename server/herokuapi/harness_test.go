package herokuapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/herokuapi"
	"github.com/pier-paas/pier/server/postgres"
	"github.com/pier-paas/pier/server/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var httpClient = http.DefaultClient

// env is a real API server on a real, fresh PostgreSQL database.
type env struct {
	t     *testing.T
	store *postgres.Store
	api   *herokuapi.API
	srv   *httptest.Server
	admin string // an admin's token
}

func newEnv(t *testing.T, tune ...func(*herokuapi.API)) *env {
	t.Helper()
	store := pgtest.Store(t)
	api := herokuapi.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.RateLimit = 0
	for _, f := range tune {
		f(api)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, store: store, api: api, srv: srv}
	e.admin = e.user("admin@example.com", true)
	return e
}

// user creates a user and returns a token for them.
func (e *env) user(email string, admin bool) string {
	e.t.Helper()
	u, err := e.store.CreateUser(context.Background(), "test", email, "password123", admin)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := e.store.CreateToken(context.Background(), u, "test", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok.Secret
}

type response struct {
	*http.Response
	body []byte
}

// JSON decodes the body into v, failing the test if it isn't JSON.
func (r response) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%d body is not JSON: %v: %s", r.StatusCode, err, r.body)
	}
}

func (r response) Map(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// do sends a request with token (empty: none); body may be a string (sent
// as is) or a value (sent as JSON). Headers come as "Name: value" strings.
func (e *env) do(token, method, path string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	res, err := httpClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res, b}
}

// must asserts the status and returns the response.
func (e *env) must(status int, token, method, path string, body any, headers ...string) response {
	e.t.Helper()
	r := e.do(token, method, path, body, headers...)
	if r.StatusCode != status {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.StatusCode, status, r.body)
	}
	return r
}

// mustError asserts a Heroku error JSON with the status and id.
func (e *env) mustError(status int, id, token, method, path string, body any, headers ...string) string {
	e.t.Helper()
	r := e.must(status, token, method, path, body, headers...)
	var errBody struct{ ID, Message string }
	r.JSON(e.t, &errBody)
	if errBody.ID != id || errBody.Message == "" {
		e.t.Fatalf("%s %s: error %+v, want id %q and a message", method, path, errBody, id)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		e.t.Fatalf("error Content-Type %q", ct)
	}
	return errBody.Message
}

// createApp makes an app owned by token's user.
func (e *env) createApp(token, name string) map[string]any {
	e.t.Helper()
	return e.must(201, token, "POST", "/apps", map[string]any{"name": name}).Map(e.t)
}

// deploySlug gives an app process types the way Heroku's slug API does.
func (e *env) deploySlug(token, app string, types map[string]string) map[string]any {
	e.t.Helper()
	slug := e.must(201, token, "POST", "/apps/"+app+"/slugs", map[string]any{"process_types": types, "image": "example/app:1"}).Map(e.t)
	return e.must(201, token, "POST", "/apps/"+app+"/releases", map[string]any{"slug": slug["id"]}).Map(e.t)
}
