package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/postgres/embedded"
	"github.com/pier-paas/pier/server/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func serve(t *testing.T, cfg Config) (*Server, func()) {
	t.Helper()
	s := &Server{Config: cfg, Logger: quiet}
	if err := s.Start(context.Background()); err != nil {
		s.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Serve(ctx) }()
	return s, func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		s.Close()
	}
}

func TestEmbeddedDatabaseLifecycle(t *testing.T) {
	if _, err := embedded.FindBinaries(); err != nil && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	dir, _ := os.MkdirTemp("/tmp", "pier-srv")
	os.Chmod(dir, 0o755)
	defer os.RemoveAll(dir)
	cfg := Defaults()
	cfg.DataDir, cfg.APIAddr, cfg.RouterAddr, cfg.RendezvousAddr = dir, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.AdminEmail, cfg.AdminPassword = "boss@example.com", "boss-password"

	s, stop := serve(t, cfg)
	res, err := http.Get("http://" + s.APIAddr() + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	u, err := s.store.CheckPassword(context.Background(), "boss@example.com", "boss-password")
	if err != nil || !u.Admin {
		t.Fatalf("first admin: %+v %v", u, err)
	}
	// With a local Docker engine (CI starts one), it joins the empty pool.
	if s.engine != nil {
		hs, err := s.store.Hosts(context.Background())
		if err != nil || len(hs) != 1 || hs[0].Endpoint != s.engine.Endpoint || hs[0].MemoryMB == 0 || hs[0].CPUs == 0 {
			t.Fatalf("local engine in the pool: %+v %v", hs, err)
		}
	} else if os.Getenv("CI") != "" {
		t.Fatal("no Docker engine in CI")
	}
	stop()

	// Second start on the initialised database: quick, and no second admin.
	cfg.AdminEmail, cfg.AdminPassword = "other@example.com", "other-password"
	start := time.Now()
	s, stop = serve(t, cfg)
	t.Logf("second start took %v", time.Since(start))
	defer stop()
	users, err := s.store.Users(context.Background())
	if err != nil || len(users) != 1 || users[0].Email != "boss@example.com" {
		t.Fatalf("users after restart: %v %v", users, err)
	}
}

// Servers starting together against one database migrate it once and both
// serve.
func TestServersShareADatabase(t *testing.T) {
	url := pgtest.URL(t)
	cfg := Defaults()
	cfg.DatabaseURL, cfg.APIAddr, cfg.RouterAddr, cfg.DataDir = url, "127.0.0.1:0", "127.0.0.1:0", t.TempDir()
	cfg.RendezvousAddr = "127.0.0.1:0"
	cfg.AdminEmail, cfg.AdminPassword = "boss@example.com", "boss-password"
	var wg sync.WaitGroup
	servers := make([]*Server, 3)
	for i := range servers {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			servers[i] = &Server{Config: cfg, Logger: quiet}
			if err := servers[i].Start(context.Background()); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	for _, s := range servers {
		defer s.Close()
	}
	if t.Failed() {
		return
	}
	users, _ := servers[0].store.Users(context.Background())
	if len(users) != 1 {
		t.Fatalf("%d admins after concurrent first starts", len(users))
	}
}

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.APIAddr = "5000" }, "PIER_API_ADDR"},
		{func(c *Config) { c.RouterAddr = "nope" }, "PIER_ROUTER_ADDR"},
		{func(c *Config) { c.Domain = "" }, "PIER_DOMAIN"},
		{func(c *Config) { c.DataDir = "" }, "PIER_DATA_DIR"},
		{func(c *Config) { c.RateLimit = -1 }, "PIER_RATE_LIMIT"},
	} {
		c := Defaults()
		tc.mut(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error naming %s, got %v", tc.want, err)
		}
	}
	c := Defaults()
	c.RouterAddr = ":8080"
	if got := c.appURL("web"); got != "http://web.localhost:8080/" {
		t.Fatal(got)
	}
}
