// Package herokuapi serves Heroku's Platform API v3 over Pier's state, so that
// the `pier` CLI, the `heroku` CLI and Heroku's client libraries all work.
//
// Requests pass through, in order: panic recovery, request ids, logging,
// version negotiation, audit (mutations only), authentication, rate limiting
// and ETags. Handlers return errors; classify turns them into Heroku's error
// JSON in one place.
package herokuapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/logs"
	"github.com/pier-paas/pier/server/postgres"
	"github.com/pier-paas/pier/server/secretkey"
)

// API is the Heroku Platform API handler.
type API struct {
	Store  *postgres.Store
	Logger *slog.Logger
	// Now is the clock; tests may replace it.
	Now func() time.Time
	// Domain is PIER_DOMAIN: every app answers at APP.Domain.
	Domain string
	// AppURL returns the URL an app answers at, e.g. http://NAME.localhost:8080/.
	AppURL func(name string) string
	// RateLimit is requests per hour per user (a bucket of that size that refills
	// evenly); 0 disables it. Heroku's is 4500.
	RateLimit int
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	// MaxSourceBytes bounds a source tarball PUT to a put_url; zero means
	// DefaultMaxSourceBytes.
	MaxSourceBytes int64
	// Builds runs builds; nil refuses them with a clear error.
	Builds BuildStarter
	// Git serves git pushes (/APP.git/...); nil answers them 404.
	Git http.Handler
	// Images reads images for deploys; nil refuses deploys with a clear error.
	Images ImageInspector
	// Hosts reaches Docker engines added to the pool.
	Hosts HostProber
	// Dynos lists what runs; nil lists nothing.
	Dynos DynoLister
	// Logs hands out and serves log streams; nil refuses them.
	Logs *logs.Sessions
	// OneOffs runs one-off dynos; nil refuses them.
	OneOffs OneOffRunner
	// RendezvousPort is the port of the TLS listener ServeRendezvous
	// serves, which attach URLs for the heroku CLI name; "" gives every
	// client the /dyno-sessions URL that only `pier run` speaks.
	RendezvousPort string
	// Sealer encrypts certificates' private keys at rest; nil refuses
	// certificate uploads.
	Sealer *secretkey.Sealer

	users    *limiter
	logins   *limiter
	tokens   *tokenCache
	attaches pendingAttaches
	handler  http.Handler
}

// New returns an API with the given store and defaults for the rest.
func New(store *postgres.Store, logger *slog.Logger) *API {
	return &API{
		Store: store, Logger: logger, Now: time.Now, RateLimit: 4500, MaxBodyBytes: 1 << 20, Domain: "localhost",
		AppURL: func(name string) string { return fmt.Sprintf("http://%s.localhost:8080/", name) },
	}
}

// Handler builds the HTTP handler. Call it once, after setting the fields.
func (a *API) Handler() http.Handler {
	if a.handler != nil {
		return a.handler
	}
	a.users = newLimiter(a.RateLimit, time.Hour, a.Now)
	a.logins = newLimiter(60, 10*time.Minute, a.Now) // password attempts per source IP
	a.tokens = newTokenCache(30*time.Second, a.Now)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = a.handleError
	// The source IP is the peer's: a client can't choose it with headers.
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(a.recoverer, a.requestIDs, a.logRequests, a.negotiate, a.checkParams, a.audit, a.authenticate, a.rateLimit, a.etags)
	a.routes(e)
	e.RouteNotFound("/*", func(c echo.Context) error { return errNoRoute })
	a.handler = a.serveCapabilityURLs(e)
	return a.handler
}

func (a *API) routes(e *echo.Echo) {
	e.GET("/healthz", a.healthz)

	e.POST("/oauth/authorizations", a.createAuthorization)
	e.GET("/oauth/authorizations", a.listAuthorizations)
	e.GET("/oauth/authorizations/:id", a.getAuthorization)
	e.DELETE("/oauth/authorizations/:id", a.deleteAuthorization)
	e.DELETE("/oauth/sessions/:id", a.deleteSession)
	e.GET("/account", a.getAccount)

	e.POST("/sources", a.createSource)

	e.GET("/apps", a.listApps)
	e.GET("/users/:user/apps", a.listUserApps)
	e.POST("/apps", a.createApp)
	e.GET("/apps/:app", a.getApp)
	e.PATCH("/apps/:app", a.updateApp)
	e.DELETE("/apps/:app", a.deleteApp)

	e.GET("/apps/:app/config-vars", a.getConfigVars)
	e.PATCH("/apps/:app/config-vars", a.updateConfigVars)

	e.GET("/apps/:app/releases", a.listReleases)
	e.POST("/apps/:app/releases", a.createRelease)
	e.GET("/apps/:app/releases/:release", a.getRelease)
	e.GET("/apps/:app/releases/:release/config-vars", a.getReleaseConfigVars)

	e.POST("/apps/:app/deploys", a.createDeploy)
	e.POST("/apps/:app/slugs", a.createSlug)
	e.GET("/apps/:app/builds", a.listBuilds)
	e.POST("/apps/:app/builds", a.createBuild)
	e.GET("/apps/:app/builds/:build", a.getBuild)
	e.DELETE("/apps/:app/build-cache", a.purgeBuildCache)
	e.GET("/apps/:app/buildpack-installations", a.listBuildpacks)
	e.PUT("/apps/:app/buildpack-installations", a.setBuildpacks)
	e.GET("/apps/:app/slugs/:slug", a.getSlug)

	e.GET("/apps/:app/formation", a.listFormation)
	e.PATCH("/apps/:app/formation", a.batchUpdateFormation)
	e.GET("/apps/:app/formation/:type", a.getFormation)
	e.PATCH("/apps/:app/formation/:type", a.updateFormation)
	e.GET("/dyno-sizes", a.listDynoSizes)
	e.GET("/dyno-sizes/:size", a.getDynoSize)

	e.GET("/apps/:app/addons", a.listAddons)
	e.GET("/apps/:app/dynos", a.listDynos)
	e.GET("/apps/:app/dynos/:dyno", a.getDyno)
	e.POST("/apps/:app/dynos", a.createDyno)
	e.DELETE("/apps/:app/dynos", a.restartDynos)
	e.DELETE("/apps/:app/dynos/:dyno", a.restartDynos)
	e.DELETE("/apps/:app/formation/:type", a.restartDynos)
	e.DELETE("/apps/:app/formations/:type", a.restartDynos)
	e.POST("/apps/:app/dynos/:dyno/actions/stop", a.stopDynoAction)
	e.GET("/apps/:app/sni-endpoints", a.listSNIEndpoints)
	e.POST("/apps/:app/sni-endpoints", a.createSNIEndpoint)
	e.GET("/apps/:app/sni-endpoints/:sni_endpoint", a.getSNIEndpoint)
	e.PATCH("/apps/:app/sni-endpoints/:sni_endpoint", a.updateSNIEndpoint)
	e.DELETE("/apps/:app/sni-endpoints/:sni_endpoint", a.deleteSNIEndpoint)
	e.POST("/apps/:app/log-sessions", a.createLogSession)

	e.GET("/apps/:app/domains", a.listDomains)
	e.POST("/apps/:app/domains", a.createDomain)
	e.GET("/apps/:app/domains/:domain", a.getDomain)
	e.PATCH("/apps/:app/domains/:domain", a.updateDomain)
	e.DELETE("/apps/:app/domains/:domain", a.deleteDomain)

	e.GET("/apps/:app/collaborators", a.listCollaborators)
	e.POST("/apps/:app/collaborators", a.createCollaborator)
	e.GET("/apps/:app/collaborators/:collaborator", a.getCollaborator)
	e.DELETE("/apps/:app/collaborators/:collaborator", a.deleteCollaborator)

	e.GET("/hosts", a.listHosts)
	e.POST("/hosts", a.createHost)
	e.GET("/hosts/:host", a.getHost)
	e.PATCH("/hosts/:host", a.updateHost)
	e.DELETE("/hosts/:host", a.deleteHost)

	e.GET("/users", a.listUsers)
	e.POST("/users", a.createUser)
	e.GET("/audit", a.listAudit)
}

// Watch keeps the API's token cache in step with the event log until ctx
// ends; without it running, every request looks its token up in Postgres.
// Call it after Handler.
func (a *API) Watch(ctx context.Context) error {
	return a.tokens.watch(ctx, a.Store)
}

func (a *API) healthz(c echo.Context) error {
	if err := a.Store.Pool().Ping(c.Request().Context()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (a *API) builtinHost(app string) string { return app + "." + a.Domain }
