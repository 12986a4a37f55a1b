package gitpush

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/platform"
)

// Requests that are not a well-formed push get a 4xx with a message git
// shows, before anything is stored or built.
func TestMalformedPushes(t *testing.T) {
	h := &Handler{
		Authenticate: func(_ *http.Request, secret string) (platform.User, error) {
			if secret != "good" {
				return platform.User{}, platform.Unauthorized("no")
			}
			return platform.User{Email: "ann@example.com"}, nil
		},
		FindApp: func(_ context.Context, _ platform.User, name string) (platform.App, error) {
			if name != "shop" {
				return platform.App{}, platform.ErrAppNotFound
			}
			return platform.App{Name: name}, nil
		},
		Logger: slog.New(slog.DiscardHandler),
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, tc := range []struct {
		name, method, path, password, body string
		status                             int
		want                               string
	}{
		{"no credentials", "GET", "/shop.git/info/refs?service=git-receive-pack", "", "", 401, "pier login"},
		{"bad token", "GET", "/shop.git/info/refs?service=git-receive-pack", "bad", "", 401, "Invalid credentials"},
		{"unknown app", "GET", "/nope.git/info/refs?service=git-receive-pack", "good", "", 404, "pier apps:create nope"},
		{"fetch", "GET", "/shop.git/info/refs?service=git-upload-pack", "good", "", 403, "only receives pushes"},
		{"dumb http", "GET", "/shop.git/info/refs", "good", "", 403, "smart HTTP"},
		{"GET the pack", "GET", "/shop.git/git-receive-pack", "good", "", 405, "git push"},
		{"garbage", "POST", "/shop.git/git-receive-pack", "good", "hello, world", 400, "Malformed push"},
		{"bad command", "POST", "/shop.git/git-receive-pack", "good", "0010abc def ghi\n0000", 400, "bad command"},
		{"short length", "POST", "/shop.git/git-receive-pack", "good", "0002", 400, "Malformed push"},
		{"cut short", "POST", "/shop.git/git-receive-pack", "good", "00ff" + strings.Repeat("0", 40), 400, "Malformed push"},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		if tc.password != "" {
			req.SetBasicAuth("anyone", tc.password)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status || !strings.Contains(string(b), tc.want) || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("%s: %d %q, want %d with %q", tc.name, res.StatusCode, b, tc.status, tc.want)
		}
	}
}

func FuzzReadCommands(f *testing.F) {
	f.Add([]byte("0000"))
	f.Add([]byte("00940000000000000000000000000000000000000000 1111111111111111111111111111111111111111 refs/heads/main\x00report-status side-band-64k\n0000PACK"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cmds, _, err := readCommands(strings.NewReader(string(b)))
		if err == nil {
			for _, c := range cmds {
				if !strings.HasPrefix(c.ref, "refs/") {
					t.Fatalf("accepted ref %q", c.ref)
				}
			}
		}
	})
}
