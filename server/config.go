// Package server is Pier's control plane: it reads its configuration, starts
// (or connects to) PostgreSQL, applies migrations, bootstraps the first admin
// and serves the API until told to stop.
package server

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/pier-paas/pier/server/builder"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/dynos"
	"github.com/pier-paas/pier/server/scheduler"
)

// Config is `pier server`'s configuration; each field has an environment
// variable and a flag of the same meaning.
type Config struct {
	DataDir       string // PIER_DATA_DIR
	DatabaseURL   string // DATABASE_URL; empty runs the embedded PostgreSQL
	APIAddr       string // PIER_API_ADDR: API, git and dashboard
	RouterAddr    string // PIER_ROUTER_ADDR
	RouterTLSAddr string // PIER_ROUTER_TLS_ADDR: HTTPS for apps' custom domains by SNI; "" for none
	// RendezvousAddr is PIER_RENDEZVOUS_ADDR: where the heroku CLI's
	// `heroku run` attaches to its dyno over TLS; "" for none.
	RendezvousAddr string
	Domain         string // PIER_DOMAIN: apps answer at APP.Domain
	AdminEmail     string // PIER_ADMIN_EMAIL
	AdminPassword  string // PIER_ADMIN_PASSWORD
	RateLimit      int    // PIER_RATE_LIMIT: API requests per hour per user
	LogLevel       string // PIER_LOG_LEVEL: debug, info, warn, error
	// BuildTimeout is PIER_BUILD_TIMEOUT: a build taking longer fails.
	BuildTimeout time.Duration
	// BuildStack and RunStack are PIER_BUILD_STACK and PIER_RUN_STACK: the
	// images buildpacks compile in and their result runs on.
	BuildStack, RunStack string
	// BuildMemoryMB is PIER_BUILD_MEMORY: a builder container's memory.
	BuildMemoryMB int
	// Registry is PIER_REGISTRY (host[:port][/path]), with
	// PIER_REGISTRY_USERNAME and PIER_REGISTRY_PASSWORD: built images are
	// pushed there and hosts pull them. Empty streams them between hosts.
	Registry, RegistryUsername, RegistryPassword string
	// KeepReleases is PIER_KEEP_RELEASES: the images of each app's newest
	// KeepReleases releases stay on the hosts, Pier's others are removed.
	KeepReleases int
	// MetricsEvery is how often the dynos' CPU and memory are read for the
	// dashboard's charts (dynos.DefaultMetricsEvery when zero).
	MetricsEvery time.Duration

	// Scheduler tunes the reconciler (grace period, crash backoff); zero
	// fields take the production defaults. Not read from the environment.
	Scheduler scheduler.Options
}

// DefaultDataDir is ~/.local/share/pier (or $XDG_DATA_HOME/pier). Root gets
// /var/lib/pier: the embedded PostgreSQL runs as the postgres user, which
// cannot reach root's home.
func DefaultDataDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/pier"
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "pier")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".pier"
	}
	return filepath.Join(home, ".local", "share", "pier")
}

// Defaults returns the embedded defaults.
func Defaults() Config {
	return Config{
		DataDir: DefaultDataDir(), APIAddr: ":5000", RouterAddr: ":8080", RendezvousAddr: ":5001", Domain: "localhost",
		RateLimit: 4500, LogLevel: "info", BuildTimeout: builder.DefaultTimeout,
		KeepReleases: dynos.DefaultKeepReleases,
		BuildStack:   builder.DefaultBuildStack, RunStack: builder.DefaultRunStack, BuildMemoryMB: builder.DefaultBuildMemoryMB,
	}
}

// routerURL is the URL an app answers at.
func (c Config) appURL(name string) string {
	_, port, err := net.SplitHostPort(c.RouterAddr)
	if err != nil || port == "80" {
		return fmt.Sprintf("http://%s.%s/", name, c.Domain)
	}
	return fmt.Sprintf("http://%s.%s:%s/", name, c.Domain, port)
}

// Validate reports configuration errors before anything starts.
func (c Config) Validate() error {
	if c.DataDir == "" && c.DatabaseURL == "" {
		return fmt.Errorf("PIER_DATA_DIR is empty: the embedded database needs a directory (or set DATABASE_URL)")
	}
	for name, addr := range map[string]string{"PIER_API_ADDR": c.APIAddr, "PIER_ROUTER_ADDR": c.RouterAddr,
		"PIER_ROUTER_TLS_ADDR": c.RouterTLSAddr, "PIER_RENDEZVOUS_ADDR": c.RendezvousAddr} {
		if addr == "" && (name == "PIER_ROUTER_TLS_ADDR" || name == "PIER_RENDEZVOUS_ADDR") {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%s=%q is not HOST:PORT (e.g. :5000): %w", name, addr, err)
		}
	}
	if c.RendezvousAddr != "" && c.DataDir == "" {
		return fmt.Errorf("PIER_RENDEZVOUS_ADDR needs PIER_DATA_DIR for its certificate (or set it to \"\" to turn heroku run off)")
	}
	if c.Domain == "" {
		return fmt.Errorf("PIER_DOMAIN is empty")
	}
	if _, err := c.registry(); err != nil {
		return err
	}
	if c.KeepReleases < 1 {
		return fmt.Errorf("PIER_KEEP_RELEASES must be 1 or more: the images of that many newest releases stay on the hosts")
	}
	if c.BuildMemoryMB < 0 {
		return fmt.Errorf("PIER_BUILD_MEMORY must be a number of MB, or 0 for the default")
	}
	if c.RateLimit < 0 {
		return fmt.Errorf("PIER_RATE_LIMIT must be 0 (off) or more")
	}
	return nil
}

func (c Config) registry() (*docker.Registry, error) {
	return docker.ParseRegistry(c.Registry, c.RegistryUsername, c.RegistryPassword)
}
