package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/pier-paas/pier/server/builder"
	"github.com/pier-paas/pier/server/buildpack"
	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/dynos"
	"github.com/pier-paas/pier/server/herokuapi"
	"github.com/pier-paas/pier/server/logs"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
	"github.com/pier-paas/pier/server/postgres/embedded"
	"github.com/pier-paas/pier/server/secretkey"
	"github.com/pier-paas/pier/server/tlsconfig"
	"github.com/pier-paas/pier/web"
)

// Server is a running control plane.
type Server struct {
	Config Config
	Logger *slog.Logger

	store   *postgres.Store
	db      *embedded.Server
	engine  *docker.Engine
	api     net.Listener
	cluster string // labels this installation's containers
	logs    *logs.Hub
	router  net.Listener
	tlsLn   net.Listener // the router's HTTPS listener, when configured
	rdvLn   net.Listener // the rendezvous listener (TLS) for heroku run, when configured
	routes  routes
	sealer  *secretkey.Sealer
	certs   tlsconfig.Certificates
	// registry is PIER_REGISTRY, nil when images are streamed.
	registry *docker.Registry
}

// Run starts everything, serves until ctx ends, then shuts down cleanly:
// in-flight requests finish, then the embedded database stops.
func Run(ctx context.Context, cfg Config, logger *slog.Logger) error {
	s := &Server{Config: cfg, Logger: logger}
	if err := s.Start(ctx); err != nil {
		s.Close()
		return err
	}
	defer s.Close()
	return s.Serve(ctx)
}

// Start opens the database and binds the listeners.
func (s *Server) Start(ctx context.Context) error {
	cfg := s.Config
	if err := cfg.Validate(); err != nil {
		return err
	}
	s.registry, _ = cfg.registry() // checked by Validate
	started := time.Now()
	url := cfg.DatabaseURL
	if url == "" {
		s.db = &embedded.Server{Dir: filepath.Join(cfg.DataDir, "postgres"), Database: "pier", Logger: s.Logger}
		if err := s.db.Start(ctx); err != nil {
			return err
		}
		url = s.db.URL()
	}
	store, err := postgres.Open(ctx, url, postgres.Options{Logger: s.Logger, Domain: cfg.Domain, MaxConns: 20})
	if err != nil {
		return err
	}
	s.store = store
	if s.cluster, err = store.ClusterID(ctx); err != nil {
		return err
	}
	if err := s.bootstrapAdmin(ctx); err != nil {
		return err
	}
	s.connectDocker(ctx)
	if err := s.registerLocalEngine(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.APIAddr)
	if err != nil {
		return fmt.Errorf("listen on PIER_API_ADDR %s: %w", cfg.APIAddr, err)
	}
	s.api = ln
	rln, err := net.Listen("tcp", cfg.RouterAddr)
	if err != nil {
		return fmt.Errorf("listen on PIER_ROUTER_ADDR %s: %w", cfg.RouterAddr, err)
	}
	s.router = rln
	s.Config.RouterAddr = rln.Addr().String() // app URLs show the port really bound
	if cfg.RouterTLSAddr != "" {
		if s.tlsLn, err = net.Listen("tcp", cfg.RouterTLSAddr); err != nil {
			return fmt.Errorf("listen on PIER_ROUTER_TLS_ADDR %s: %w", cfg.RouterTLSAddr, err)
		}
	}
	if s.sealer, err = s.openSealer(); err != nil {
		return err
	}
	if cfg.RendezvousAddr != "" {
		tc, err := s.rendezvousTLS()
		if err != nil {
			return err
		}
		l, err := net.Listen("tcp", cfg.RendezvousAddr)
		if err != nil {
			return fmt.Errorf("listen on PIER_RENDEZVOUS_ADDR %s: %w", cfg.RendezvousAddr, err)
		}
		s.rdvLn = tls.NewListener(l, tc)
	}
	s.Logger.Info("pier server ready", "api", ln.Addr().String(), "router", rln.Addr().String(), "router_tls", cfg.RouterTLSAddr, "domain", cfg.Domain,
		"embedded_db", cfg.DatabaseURL == "", "startup_ms", time.Since(started).Milliseconds())
	return nil
}

// Cluster is the id this installation labels its containers and images
// with (tests remove what a server left).
func (s *Server) Cluster() string { return s.cluster }

// APIAddr is where the API listens (useful with port 0).
func (s *Server) APIAddr() string { return s.api.Addr().String() }

// Serve serves the API until ctx ends.
func (s *Server) Serve(ctx context.Context) error {
	api := herokuapi.New(s.store, s.Logger)
	var builds *builder.Builder
	if s.engine != nil {
		api.Images = s.engine
		builds = &builder.Builder{Store: s.store, Engine: s.engine, Logger: s.Logger, AppURL: s.Config.appURL, Cluster: s.cluster,
			Timeout: s.Config.BuildTimeout, MaxSourceBytes: herokuapi.DefaultMaxSourceBytes,
			BuildStack: s.Config.BuildStack, RunStack: s.Config.RunStack, BuildMemoryMB: s.Config.BuildMemoryMB,
			Registry: s.registry}
		if s.Config.DataDir != "" {
			builds.Buildpacks = &buildpack.Resolver{Dir: filepath.Join(s.Config.DataDir, "buildpacks")}
		} else {
			builds.Buildpacks = &buildpack.Resolver{Dir: filepath.Join(os.TempDir(), "pier-buildpacks")}
		}
		api.Builds = builds
	}
	api.Git = s.newGit(api)
	api.Hosts = docker.Prober{}
	s.logs = logs.NewHub(1500)
	api.Logs = &logs.Sessions{Hub: s.logs}
	rt := s.newRouter()
	loop := s.newLoop()
	loop.Drain = rt.Drain
	changes := &web.Broadcaster{}
	dashboardSaw := dynoChanges(changes)
	loop.Published = func(snap *dynos.Snapshot) {
		s.routes.publish(snap, s.Config.Domain)
		dashboardSaw(snap)
	}
	api.Dynos = loop
	api.OneOffs = oneOffs{loop}
	if s.rdvLn != nil {
		_, api.RendezvousPort, _ = net.SplitHostPort(s.rdvLn.Addr().String())
	}
	api.Sealer = s.sealer
	api.RateLimit = s.Config.RateLimit
	api.Domain = s.Config.Domain
	api.AppURL = s.Config.appURL
	srv := &http.Server{
		Handler:           withDashboard(s.newDashboard(api, loop, changes, ctx.Done()), api.Handler()),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	if s.rdvLn != nil {
		go func() {
			if err := api.ServeRendezvous(s.rdvLn); err != nil && watchCtx.Err() == nil {
				s.Logger.Warn("rendezvous listener stopped: heroku run cannot attach", "err", err)
			}
		}()
	}
	errc := make(chan error, 3)
	go func() { errc <- srv.Serve(s.api) }()
	stopRouter := s.serveRouter(watchCtx, rt, errc)
	go func() {
		if err := api.Watch(watchCtx); err != nil && watchCtx.Err() == nil {
			s.Logger.Error("token cache stopped following events; tokens are looked up every time", "err", err)
		}
	}()
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		loop.Run(watchCtx)
	}()
	go s.followAPIEvents(watchCtx, changes)
	buildsDone := make(chan struct{})
	go func() {
		defer close(buildsDone)
		if builds != nil {
			builds.Run(watchCtx)
		}
	}()
	defer func() { stopWatch(); <-loopDone; <-buildsDone }()
	if s.rdvLn != nil {
		defer s.rdvLn.Close()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	s.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go stopRouter(sctx)
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// connectDocker reaches the local Docker engine, which deploys read images
// from. Pier runs without one (the API refuses deploys and says why).
func (s *Server) connectDocker(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	e, err := docker.Connect(cctx, docker.DefaultEndpoint())
	if err != nil {
		s.Logger.Warn("no Docker engine: deploys are refused until pier server restarts with one", "err", err)
		return
	}
	s.engine = e
}

// registerLocalEngine puts the local engine in an empty pool, so a single
// machine works without `pier hosts:add`.
func (s *Server) registerLocalEngine(ctx context.Context) error {
	if s.engine == nil {
		return nil
	}
	n, err := s.store.CountHosts(ctx)
	if err != nil || n > 0 {
		return err
	}
	info, err := s.engine.Info(ctx)
	if err != nil {
		s.Logger.Warn("local Docker engine not registered", "err", err)
		return nil
	}
	h, err := s.store.AddHost(ctx, platform.User{Email: "pier"}, platform.HostSpec{Endpoint: s.engine.Endpoint, Labels: map[string]string{}}, info)
	if platform.KindOf(err) == platform.KindInvalid {
		return nil // another server registered it meanwhile
	}
	if err != nil {
		return fmt.Errorf("register the local Docker engine: %w", err)
	}
	s.Logger.Info("registered the local Docker engine", "host", h.Name, "endpoint", h.Endpoint, "cpus", h.CPUs, "memory_mb", h.MemoryMB)
	return nil
}

// Close releases the database (and stops the embedded one).
func (s *Server) Close() {
	if s.engine != nil {
		s.engine.Close()
	}
	if s.router != nil {
		s.router.Close()
	}
	if s.tlsLn != nil {
		s.tlsLn.Close()
	}
	if s.store != nil {
		s.store.Close()
	}
	if s.db != nil {
		s.db.Stop()
	}
}

// bootstrapAdmin creates the first admin on an empty database, from
// PIER_ADMIN_EMAIL/PIER_ADMIN_PASSWORD or with a generated password that is
// printed once, to the terminal rather than the log.
func (s *Server) bootstrapAdmin(ctx context.Context) error {
	email, password := s.Config.AdminEmail, s.Config.AdminPassword
	if email == "" {
		email = "admin@example.com"
	}
	generated := password == ""
	if generated {
		password = platform.GeneratePassword()
	}
	created, err := s.store.BootstrapAdmin(ctx, email, password)
	if err != nil {
		return fmt.Errorf("create the first admin: %w", err)
	}
	if !created {
		return nil
	}
	s.Logger.Info("created the first admin", "email", email)
	if generated {
		fmt.Fprintf(os.Stderr, "\n  First start: created admin %s with password %s\n  Log in with `pier login --email %s`. This password is not shown again.\n\n", email, password, email)
	}
	return nil
}
