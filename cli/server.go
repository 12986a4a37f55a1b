package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/pier-paas/pier/server"
	"github.com/urfave/cli/v2"
)

func serverCommand() *cli.Command {
	d := server.Defaults()
	return &cli.Command{
		Name:  "server",
		Usage: "run the Pier control plane (API, git, scheduler, router, dashboard)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data-dir", EnvVars: []string{"PIER_DATA_DIR"}, Value: d.DataDir, Usage: "where the embedded database and Pier's files live"},
			&cli.StringFlag{Name: "database-url", EnvVars: []string{"DATABASE_URL"}, Usage: "PostgreSQL URL (postgres://…); empty runs an embedded PostgreSQL in the data dir"},
			&cli.StringFlag{Name: "api-addr", EnvVars: []string{"PIER_API_ADDR"}, Value: d.APIAddr, Usage: "address of the API, git and dashboard"},
			&cli.StringFlag{Name: "router-addr", EnvVars: []string{"PIER_ROUTER_ADDR"}, Value: d.RouterAddr, Usage: "address of the app router"},
			&cli.StringFlag{Name: "rendezvous-addr", EnvVars: []string{"PIER_RENDEZVOUS_ADDR"}, Value: d.RendezvousAddr, Usage: "address where the heroku CLI's `heroku run` attaches to its dyno over TLS (off when empty)"},
			&cli.StringFlag{Name: "router-tls-addr", EnvVars: []string{"PIER_ROUTER_TLS_ADDR"}, Usage: "address of the router's HTTPS listener, serving certificates uploaded with certs:add by SNI (off when empty)"},
			&cli.StringFlag{Name: "domain", EnvVars: []string{"PIER_DOMAIN"}, Value: d.Domain, Usage: "apps answer at APP.DOMAIN"},
			&cli.StringFlag{Name: "admin-email", EnvVars: []string{"PIER_ADMIN_EMAIL"}, Usage: "email of the admin created on first start"},
			&cli.StringFlag{Name: "admin-password", EnvVars: []string{"PIER_ADMIN_PASSWORD"}, Usage: "password of that admin (generated and printed once when empty)"},
			&cli.IntFlag{Name: "rate-limit", EnvVars: []string{"PIER_RATE_LIMIT"}, Value: d.RateLimit, Usage: "API requests per hour per user (0: unlimited)"},
			&cli.DurationFlag{Name: "build-timeout", EnvVars: []string{"PIER_BUILD_TIMEOUT"}, Value: d.BuildTimeout, Usage: "a build taking longer is stopped and fails"},
			&cli.StringFlag{Name: "build-stack", EnvVars: []string{"PIER_BUILD_STACK"}, Value: d.BuildStack, Usage: "image buildpacks compile apps in"},
			&cli.StringFlag{Name: "run-stack", EnvVars: []string{"PIER_RUN_STACK"}, Value: d.RunStack, Usage: "image buildpack-built apps run on"},
			&cli.IntFlag{Name: "build-memory", EnvVars: []string{"PIER_BUILD_MEMORY"}, Value: d.BuildMemoryMB, Usage: "memory limit of a buildpack builder container, in MB"},
			&cli.StringFlag{Name: "registry", EnvVars: []string{"PIER_REGISTRY"}, Usage: "registry (host[:port][/path]) built images are pushed to and hosts pull from; empty streams images between hosts"},
			&cli.StringFlag{Name: "registry-username", EnvVars: []string{"PIER_REGISTRY_USERNAME"}, Usage: "user for PIER_REGISTRY"},
			&cli.StringFlag{Name: "registry-password", EnvVars: []string{"PIER_REGISTRY_PASSWORD"}, Usage: "password for PIER_REGISTRY"},
			&cli.IntFlag{Name: "keep-releases", EnvVars: []string{"PIER_KEEP_RELEASES"}, Value: d.KeepReleases, Usage: "the images of each app's newest N releases stay on the hosts; Pier removes its older ones"},
			&cli.StringFlag{Name: "log-level", EnvVars: []string{"PIER_LOG_LEVEL"}, Value: d.LogLevel, Usage: "debug, info, warn or error"},
		},
		Action: func(c *cli.Context) error {
			cfg := server.Config{
				DataDir: c.String("data-dir"), DatabaseURL: c.String("database-url"), APIAddr: c.String("api-addr"),
				RouterAddr: c.String("router-addr"), RouterTLSAddr: c.String("router-tls-addr"), RendezvousAddr: c.String("rendezvous-addr"), Domain: c.String("domain"), AdminEmail: c.String("admin-email"),
				AdminPassword: c.String("admin-password"), RateLimit: c.Int("rate-limit"), LogLevel: c.String("log-level"),
				BuildTimeout: c.Duration("build-timeout"), BuildStack: c.String("build-stack"), RunStack: c.String("run-stack"),
				BuildMemoryMB: c.Int("build-memory"), Registry: c.String("registry"),
				RegistryUsername: c.String("registry-username"), RegistryPassword: c.String("registry-password"),
				KeepReleases: c.Int("keep-releases"),
			}
			logger, err := newLogger(c.App.ErrWriter, cfg.LogLevel)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return server.Run(ctx, cfg, logger)
		},
	}
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("PIER_LOG_LEVEL=%q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
