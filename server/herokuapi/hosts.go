package herokuapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
)

// HostProber reaches a Docker engine and reads what it says about itself.
type HostProber interface {
	Probe(ctx context.Context, endpoint, tlsDir string) (platform.HostInfo, error)
}

type hostJSON struct {
	ID             uuid.UUID         `json:"id"`
	Name           string            `json:"name"`
	Endpoint       string            `json:"endpoint"`
	TLSDir         string            `json:"tls_dir,omitempty"`
	Labels         map[string]string `json:"labels"`
	Draining       bool              `json:"draining"`
	Healthy        bool              `json:"healthy"`
	CPUs           int               `json:"cpus"`
	MemoryMB       int               `json:"memory_mb"`
	EngineVersion  string            `json:"engine_version"`
	Dynos          int               `json:"dynos"` // containers of dynos last seen there
	UnhealthySince *timestamp        `json:"unhealthy_since"`
	LastSeenAt     *timestamp        `json:"last_seen_at"`
	CreatedAt      timestamp         `json:"created_at"`
	UpdatedAt      timestamp         `json:"updated_at"`
}

func (a *API) renderHost(h platform.Host) hostJSON {
	out := hostJSON{ID: h.ID, Name: h.Name, Endpoint: h.Endpoint, TLSDir: h.TLSDir, Labels: h.Labels, Draining: h.Draining, Healthy: h.Healthy,
		CPUs: h.CPUs, MemoryMB: h.MemoryMB, EngineVersion: h.EngineVersion, UnhealthySince: tsp(h.UnhealthySince),
		LastSeenAt: tsp(h.LastSeenAt), CreatedAt: ts(h.CreatedAt), UpdatedAt: ts(h.UpdatedAt)}
	if a.Dynos != nil {
		out.Dynos = a.Dynos.HostDynos(h.ID)
	}
	return out
}

// checkEndpoint accepts unix:///absolute/path and tcp://host:port.
func checkEndpoint(ep string) error {
	bad := invalidParams("endpoint must be unix:///path/to/docker.sock or tcp://HOST:PORT, not " + quote(ep) + ".")
	switch {
	case strings.HasPrefix(ep, "unix://"):
		if p := strings.TrimPrefix(ep, "unix://"); !filepath.IsAbs(p) || filepath.Clean(p) != p {
			return bad
		}
	case strings.HasPrefix(ep, "tcp://"):
		if _, port, err := net.SplitHostPort(strings.TrimPrefix(ep, "tcp://")); err != nil || port == "" {
			return bad
		}
	default:
		return bad
	}
	return nil
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return `"` + s + `"`
}

func (a *API) listHosts(c echo.Context) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	hs, err := a.Store.Hosts(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]hostJSON, len(hs))
	for i, h := range hs {
		out[i] = a.renderHost(h)
	}
	return c.JSON(http.StatusOK, out)
}

// createHost adds an engine to the pool after reaching it: an unreachable
// endpoint is refused, so the pool holds only engines that answered once.
func (a *API) createHost(c echo.Context) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	var body struct {
		Endpoint string            `json:"endpoint"`
		Name     string            `json:"name"`
		Labels   map[string]string `json:"labels"`
		// TLSDir is a directory on the Pier server with ca.pem, cert.pem
		// and key.pem for a tcp:// engine that requires TLS.
		TLSDir string `json:"tls_dir"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	if err := checkEndpoint(body.Endpoint); err != nil {
		return err
	}
	if body.TLSDir != "" && (!strings.HasPrefix(body.Endpoint, "tcp://") || !filepath.IsAbs(body.TLSDir) || filepath.Clean(body.TLSDir) != body.TLSDir) {
		return invalidParams("tls_dir must be an absolute directory on the Pier server (holding ca.pem, cert.pem and key.pem), for a tcp:// endpoint.")
	}
	if a.Hosts == nil {
		return errorf(http.StatusServiceUnavailable, "unavailable", "This Pier can't reach Docker engines.")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 10*time.Second)
	defer cancel()
	info, err := a.Hosts.Probe(ctx, body.Endpoint, body.TLSDir)
	if err != nil {
		return invalidParams("Can't reach a Docker engine at " + body.Endpoint + ": " + err.Error())
	}
	h, err := a.Store.AddHost(c.Request().Context(), currentUser(c),
		platform.HostSpec{Endpoint: body.Endpoint, Name: body.Name, Labels: body.Labels, TLSDir: body.TLSDir}, info)
	if err != nil {
		return err
	}
	noteAudit(c, "", "added host "+h.Name+" ("+h.Endpoint+")")
	return c.JSON(http.StatusCreated, a.renderHost(h))
}

func (a *API) host(c echo.Context) (platform.Host, error) {
	if err := requireAdmin(c); err != nil {
		return platform.Host{}, err
	}
	return a.Store.Host(c.Request().Context(), c.Param("host"))
}

func (a *API) getHost(c echo.Context) error {
	h, err := a.host(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.renderHost(h))
}

// updateHost drains a host ({"draining": true}) or puts it back in service.
func (a *API) updateHost(c echo.Context) error {
	h, err := a.host(c)
	if err != nil {
		return err
	}
	var body struct {
		Draining *bool `json:"draining"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	if body.Draining == nil {
		return invalidParams("Send {\"draining\": true} to drain the host, or false to put it back in service.")
	}
	h, err = a.Store.SetDraining(c.Request().Context(), currentUser(c), h, *body.Draining)
	if err != nil {
		return err
	}
	noteAudit(c, "", map[bool]string{true: "draining host ", false: "host back in service: "}[h.Draining]+h.Name)
	return c.JSON(http.StatusOK, a.renderHost(h))
}

// deleteHost takes a host out of the pool. A reachable host must have no
// dynos left: Pier would stop watching containers it started there, which
// would go on running, unseen, beside their replacements. A host that
// cannot be reached is taken out as it is: its dynos have been replaced.
func (a *API) deleteHost(c echo.Context) error {
	h, err := a.host(c)
	if err != nil {
		return err
	}
	if h.Healthy && a.Dynos != nil {
		if n := a.Dynos.HostDynos(h.ID); n > 0 {
			return errorf(http.StatusConflict, "conflict", fmt.Sprintf(
				"Host %s still runs %d dyno container(s). Drain it first (pier hosts:drain %s), then remove it once they have moved.",
				h.Name, n, h.Name))
		}
	}
	if err := a.Store.RemoveHost(c.Request().Context(), currentUser(c), h); err != nil {
		return err
	}
	noteAudit(c, "", "removed host "+h.Name)
	return c.JSON(http.StatusOK, a.renderHost(h))
}
