package herokuapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/herokuapi"
)

// Two API servers share one database, each caching tokens. A token revoked
// through one stops working on the other as soon as the revocation's event
// arrives, and on the revoking server at once.
func TestRevocationReachesEveryServersTokenCache(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.api.Watch(ctx)
	other := herokuapi.New(e.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	other.RateLimit = 0
	otherSrv := httptest.NewServer(other.Handler())
	defer otherSrv.Close()
	go other.Watch(ctx)
	time.Sleep(200 * time.Millisecond) // let both followers catch up

	tok := e.user("ann@example.com", false)
	victim := e.must(201, tok, "POST", "/oauth/authorizations", map[string]any{"description": "victim"}).Map(t)
	secret := victim["access_token"].(map[string]any)["token"].(string)
	// Warm both caches.
	for i := 0; i < 3; i++ {
		e.must(200, secret, "GET", "/account", nil)
		onOther(t, e, otherSrv.URL, secret, 200)
	}
	// Revoke through the other server: this one learns it from the event log.
	onOtherDelete(t, otherSrv.URL, tok, "/oauth/authorizations/"+victim["id"].(string))
	deadline := time.Now().Add(10 * time.Second)
	for e.do(secret, "GET", "/account", nil).StatusCode != 401 {
		if time.Now().After(deadline) {
			t.Fatal("a token revoked on another server still works here")
		}
		time.Sleep(10 * time.Millisecond)
	}
	onOther(t, e, otherSrv.URL, secret, 401) // and at once where it was revoked
}

func onOther(t *testing.T, e *env, base, token string, status int) {
	t.Helper()
	saved := e.srv.URL
	e.srv.URL = base
	defer func() { e.srv.URL = saved }()
	e.must(status, token, "GET", "/account", nil)
}

func onOtherDelete(t *testing.T, base, token, path string) {
	t.Helper()
	req := httptest.NewRequest("DELETE", base+path, nil)
	req.RequestURI = ""
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := httpClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("revoke on the other server: %v %v", res, err)
	}
	res.Body.Close()
}
