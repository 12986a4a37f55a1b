package herokuapi

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/builder"
	"github.com/pier-paas/pier/server/buildpack"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

// BuildStarter starts builds: the builder.
type BuildStarter interface {
	Start(ctx context.Context, actor platform.User, app platform.App, req builder.Request) (platform.Build, <-chan builder.Result, error)
}

var buildFields = fields("started_at", kindTime, "created_at", kindTime, "id", kindUUID)

type buildJSON struct {
	ID              uuid.UUID     `json:"id"`
	App             idRef         `json:"app"`
	Status          string        `json:"status"`
	OutputStreamURL string        `json:"output_stream_url"`
	SourceBlob      sourceJSON    `json:"source_blob"`
	Buildpacks      []buildpackRf `json:"buildpacks"`
	Stack           string        `json:"stack"`
	Release         *idRef        `json:"release"`
	Slug            *idRef        `json:"slug"`
	User            userRef       `json:"user"`
	FailureMessage  *string       `json:"failure_message,omitempty"`
	CreatedAt       timestamp     `json:"created_at"`
	UpdatedAt       timestamp     `json:"updated_at"`
}

type sourceJSON struct {
	URL                string  `json:"url"`
	Version            *string `json:"version"`
	VersionDescription *string `json:"version_description"`
	Checksum           *string `json:"checksum"`
}

type buildpackRf struct {
	URL  string `json:"url"`
	Name string `json:"name"`
}

func (a *API) renderBuild(base string, b platform.Build) buildJSON {
	out := buildJSON{ID: b.ID, App: idRef{b.App.ID}, Status: b.Status, OutputStreamURL: base + a.buildOutputURLPath(b.ID),
		SourceBlob: sourceJSON{URL: b.SourceURL, Version: b.SourceVersion, Checksum: b.SourceChecksum},
		Buildpacks: []buildpackRf{}, Stack: b.Stack, User: userRef{Email: b.UserEmail}, FailureMessage: b.Failure,
		CreatedAt: ts(b.CreatedAt), UpdatedAt: ts(b.UpdatedAt)}
	for _, bp := range b.Buildpacks {
		out.Buildpacks = append(out.Buildpacks, buildpackRf{URL: bp, Name: bp})
	}
	if b.UserID != nil {
		out.User.ID = *b.UserID
	}
	if b.ReleaseID != nil {
		out.Release = &idRef{*b.ReleaseID}
	}
	if b.SlugID != nil {
		out.Slug = &idRef{*b.SlugID}
	}
	return out
}

// createBuild is POST /apps/{app}/builds: build the tarball at
// source_blob.url and release it. It answers at once with the pending
// build; output_stream_url follows its output live.
func (a *API) createBuild(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	var body struct {
		SourceBlob struct {
			URL      string  `json:"url"`
			Version  *string `json:"version"`
			Checksum *string `json:"checksum"`
		} `json:"source_blob"`
		Buildpacks []struct {
			URL  string `json:"url"`
			Name string `json:"name"`
		} `json:"buildpacks"`
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	if a.Builds == nil {
		return errorf(http.StatusServiceUnavailable, "unavailable", "No Docker engine is connected to Pier, so nothing can be built; start dockerd and restart pier server.")
	}
	req, err := a.sourceRequest(c.Request().Context(), body.SourceBlob.URL)
	if err != nil {
		return err
	}
	if v := body.SourceBlob.Version; v != nil && len(*v) > 256 {
		return invalidParams("source_blob.version is too long (at most 256 characters).")
	}
	if sum := body.SourceBlob.Checksum; sum != nil && *sum != "" {
		if _, ok := platform.SourceChecksum(*sum); !ok {
			return invalidParams("source_blob.checksum must be SHA256: and 64 hex digits, or be left out.")
		}
	}
	req.Version, req.Checksum = body.SourceBlob.Version, body.SourceBlob.Checksum
	for _, bp := range body.Buildpacks {
		if bp.URL == "" {
			bp.URL = bp.Name
		}
		if err := buildpack.Validate(bp.URL); err != nil {
			return err
		}
		req.Buildpacks = append(req.Buildpacks, bp.URL)
	}
	b, _, err := a.Builds.Start(c.Request().Context(), currentUser(c), x, req)
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, "Build "+b.ID.String()[:8])
	return c.JSON(http.StatusCreated, a.renderBuild(selfURL(c), b))
}

// sourceRequest makes a build's source opener for a URL: a source blob of
// this Pier's is read from the database (it must have been uploaded);
// any other http(s) URL is downloaded.
func (a *API) sourceRequest(ctx context.Context, raw string) (builder.Request, error) {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return builder.Request{}, invalidParams("source_blob.url must be the http(s) URL of a tarball, such as the get_url POST /sources gave.")
	}
	if rest, ok := strings.CutPrefix(u.Path, sourceBlobsPath); ok {
		idPart, secret, _ := strings.Cut(rest, "/")
		if id, err := uuid.Parse(idPart); err == nil && secret != "" {
			if _, _, err := a.Store.SourceBlob(ctx, id, secret); err != nil {
				return builder.Request{}, err
			}
			// The secret is the URL's credential: the build shows the URL without it.
			shown := *u
			shown.Path = sourceBlobsPath + idPart
			return builder.Request{SourceURL: shown.String(), Open: func(ctx context.Context) (io.ReadCloser, error) {
				r, _, err := a.Store.SourceBlob(ctx, id, secret)
				return io.NopCloser(r), err
			}}, nil
		}
	}
	return builder.Request{SourceURL: raw, Open: func(ctx context.Context) (io.ReadCloser, error) {
		return download(ctx, raw)
	}}, nil
}

var downloadClient = &http.Client{Transport: &http.Transport{
	Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: 30 * time.Second, TLSHandshakeTimeout: 10 * time.Second,
}}

func download(ctx context.Context, raw string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, platform.Invalid("source_blob.url is not a URL Pier can fetch: %v", err)
	}
	res, err := downloadClient.Do(req)
	if err != nil {
		return nil, platform.Invalid("Could not download the source from source_blob.url: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, platform.Invalid("Downloading the source from source_blob.url answered %s.", res.Status)
	}
	return res.Body, nil
}

func (a *API) listBuilds(c echo.Context) error {
	p, err := parseRange(c.Request().Header.Get("Range"), buildFields)
	if err != nil {
		return err
	}
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	bs, more, err := a.Store.Builds(c.Request().Context(), x, p)
	if err != nil {
		return err
	}
	base := selfURL(c)
	return writePage(c, p, bs, more, func(b platform.Build) string {
		if p.Field == "id" {
			return b.ID.String()
		}
		return b.CreatedAt.UTC().Format("2006-01-02T15:04:05.999999Z07:00")
	}, func(b platform.Build) buildJSON { return a.renderBuild(base, b) })
}

func (a *API) getBuild(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	b, err := a.Store.Build(c.Request().Context(), x, c.Param("build"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.renderBuild(selfURL(c), b))
}

// buildOutputPath serves output_stream_url: /build-output/ID/MAC, where
// the MAC (of the id, under the server's secret key) is the credential.
const buildOutputPath = "/build-output/"

func (a *API) buildOutputURLPath(id uuid.UUID) string {
	return buildOutputPath + id.String() + "/" + a.buildOutputMAC(id)
}

func (a *API) buildOutputMAC(id uuid.UUID) string {
	if a.Sealer == nil {
		return "unsigned"
	}
	return hex.EncodeToString(a.Sealer.MAC("build output", id[:])[:20])
}

// serveBuildOutput streams a build's output as text: all of it so far,
// then what follows until the build settles.
func (a *API) serveBuildOutput(w http.ResponseWriter, r *http.Request) {
	idPart, mac, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, buildOutputPath), "/")
	id, err := uuid.Parse(idPart)
	if err != nil || a.Sealer == nil || subtle.ConstantTimeCompare([]byte(mac), []byte(a.buildOutputMAC(id))) != 1 {
		writeErrorJSON(w, http.StatusNotFound, "not_found", "That build output URL is unknown: read output_stream_url from the build again.")
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeErrorJSON(w, http.StatusMethodNotAllowed, "method_not_allowed", "GET a build's output_stream_url to read its output.")
		return
	}
	rc := http.NewResponseController(w)
	started := false
	err = a.Store.FollowBuildOutput(r.Context(), id, func(chunks [][]byte, _ string) error {
		if !started {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusOK)
			started = true
		}
		for _, c := range chunks {
			if _, err := w.Write(c); err != nil {
				return err
			}
		}
		_ = rc.Flush()
		return nil
	})
	if err != nil && !started {
		a.readFailed(w, err, "The build's output could not be read.")
	}
}
