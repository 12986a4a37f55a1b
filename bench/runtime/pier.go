package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const (
	adminEmail    = "bench@example.com"
	adminPassword = "bench-password-not-secret"
)

// api talks to the Platform API as the logged-in admin. Polling happens on a
// small keep-alive pool so it costs little next to the load being measured.
type api struct {
	base  string
	hc    *http.Client
	token string
}

func newAPI(addr string) *api {
	return &api{base: "http://" + addr, hc: &http.Client{Timeout: 60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 4, Proxy: nil}}}
}

// call sends one request (body, when not nil, as JSON) and decodes a JSON
// answer into out when the status is one of want.
func (a *api) call(ctx context.Context, method, path string, body, out any, want ...int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	} else {
		req.SetBasicAuth(adminEmail, adminPassword)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	for _, w := range want {
		if resp.StatusCode == w {
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(b, out); err != nil {
				return fmt.Errorf("%s %s: decode: %w", method, path, err)
			}
			return nil
		}
	}
	return fmt.Errorf("%s %s: HTTP %d: %.300s", method, path, resp.StatusCode, bytes.TrimSpace(b))
}

// login trades the admin's email and password (Basic auth) for a token.
func (a *api) login(ctx context.Context) error {
	var out struct {
		AccessToken struct {
			Token string `json:"token"`
		} `json:"access_token"`
	}
	if err := a.call(ctx, http.MethodPost, "/oauth/authorizations", map[string]string{"description": "runtime bench"}, &out,
		http.StatusCreated, http.StatusOK); err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	if out.AccessToken.Token == "" {
		return errors.New("log in: the answer has no access_token.token")
	}
	a.token = out.AccessToken.Token
	return nil
}

func (a *api) createApp(ctx context.Context, name string) error {
	return a.call(ctx, http.MethodPost, "/apps", map[string]string{"name": name}, nil, http.StatusCreated)
}

// deploy releases an image and returns the new release's version.
func (a *api) deploy(ctx context.Context, app, image string) (int, error) {
	var r struct {
		Version int `json:"version"`
	}
	err := a.call(ctx, http.MethodPost, "/apps/"+app+"/deploys", map[string]string{"image": image}, &r, http.StatusCreated)
	return r.Version, err
}

// scale sets the web quantity (and the size, when not empty).
func (a *api) scale(ctx context.Context, app string, quantity int, size string) error {
	up := map[string]any{"type": "web", "quantity": quantity}
	if size != "" {
		up["size"] = size
	}
	return a.call(ctx, http.MethodPatch, "/apps/"+app+"/formation", map[string]any{"updates": []any{up}}, nil, http.StatusOK)
}

// setConfig sets config vars, which makes a new release.
func (a *api) setConfig(ctx context.Context, app string, vars map[string]string) error {
	return a.call(ctx, http.MethodPatch, "/apps/"+app+"/config-vars", vars, nil, http.StatusOK)
}

// newestRelease is the app's highest release version.
func (a *api) newestRelease(ctx context.Context, app string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/apps/"+app+"/releases", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Range", "version ..; max=1, order=desc")
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var rs []struct {
		Version int `json:"version"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rs); err != nil || len(rs) == 0 {
		return 0, fmt.Errorf("GET /apps/%s/releases: HTTP %d, no release (%v)", app, resp.StatusCode, err)
	}
	return rs[0].Version, nil
}

// dyno is the part of GET /apps/{app}/dynos the benchmark reads.
type dyno struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	State   string `json:"state"`
	Release struct {
		Version int `json:"version"`
	} `json:"release"`
}

func (a *api) dynos(ctx context.Context, app string) ([]dyno, error) {
	var ds []dyno
	err := a.call(ctx, http.MethodGet, "/apps/"+app+"/dynos", nil, &ds, http.StatusOK)
	return ds, err
}

// waitWeb polls the dyno list every 50 ms until exactly n web dynos are
// listed, all up and (when release > 0) all of that release: nothing old,
// crashed or still stopping remains. It returns how long that took.
func (a *api) waitWeb(ctx context.Context, app string, n, release int, limit time.Duration) (time.Duration, error) {
	began := time.Now()
	var last []dyno
	for time.Since(began) < limit {
		ds, err := a.dynos(ctx, app)
		if err != nil {
			return 0, err
		}
		last = ds
		web, settled := 0, true
		for _, d := range ds {
			if d.Type != "web" {
				continue
			}
			web++
			if d.State != "up" || (release > 0 && d.Release.Version != release) {
				settled = false
			}
		}
		if settled && web == n {
			return time.Since(began), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("%s: %d web dynos of release v%d not all up after %v; last seen: %s", app, n, release, limit, describeDynos(last))
}

func describeDynos(ds []dyno) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%s v%d %s", d.Name, d.Release.Version, d.State))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
