package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// client talks to the Platform API as one logged-in user. Its http.Client is
// shared by every goroutine, so connections are kept alive and reused.
type client struct {
	base  string // http://127.0.0.1:PORT
	hc    *http.Client
	token string
}

// newClient keeps up to conns idle connections: fewer than the concurrent
// clients would make the load test measure TCP handshakes.
func newClient(addr string, conns int) *client {
	tr := &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
	}
	return &client{base: "http://" + addr, hc: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// statusError is an unexpected answer, with the start of its body.
type statusError struct {
	method, path string
	status       int
	body         string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.method, e.path, e.status, e.body)
}

// request builds an API request; body, when not nil, is sent as JSON.
func (c *client) request(ctx context.Context, method, path string, body any) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// do sends req and decodes a JSON answer into out (if not nil) when the
// status is one of want; any other status is a *statusError.
func (c *client) do(req *http.Request, out any, want ...int) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, fmt.Errorf("%s %s: read body: %w", req.Method, req.URL.Path, err)
	}
	for _, w := range want {
		if resp.StatusCode == w {
			if out != nil {
				if err := json.Unmarshal(body, out); err != nil {
					return resp, fmt.Errorf("%s %s: decode: %w", req.Method, req.URL.Path, err)
				}
			}
			return resp, nil
		}
	}
	if len(body) > 300 {
		body = body[:300]
	}
	return resp, &statusError{req.Method, req.URL.Path, resp.StatusCode, string(bytes.TrimSpace(body))}
}

// login trades the admin's email and password for a token, as `pier login` does.
func (c *client) login(ctx context.Context, email, password string) error {
	req, err := c.request(ctx, http.MethodPost, "/oauth/authorizations", map[string]string{"description": "bench"})
	if err != nil {
		return err
	}
	req.SetBasicAuth(email, password)
	var out struct {
		AccessToken struct {
			Token string `json:"token"`
		} `json:"access_token"`
	}
	if _, err := c.do(req, &out, http.StatusCreated, http.StatusOK); err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	if out.AccessToken.Token == "" {
		return fmt.Errorf("log in: the answer has no access_token.token")
	}
	c.token = out.AccessToken.Token
	return nil
}

func (c *client) createApp(ctx context.Context, name string) error {
	req, err := c.request(ctx, http.MethodPost, "/apps", map[string]string{"name": name})
	if err != nil {
		return err
	}
	_, err = c.do(req, nil, http.StatusCreated)
	return err
}

func (c *client) setConfig(ctx context.Context, app string, vars map[string]string) error {
	req, err := c.request(ctx, http.MethodPatch, "/apps/"+app+"/config-vars", vars)
	if err != nil {
		return err
	}
	_, err = c.do(req, nil, http.StatusOK)
	return err
}

// release is the part of a release the benchmark checks.
type release struct {
	Version int `json:"version"`
}

// releasesRange asks for the newest max releases, as `pier releases` does.
func releasesRange(max int) string {
	return fmt.Sprintf("version ..; max=%d, order=desc", max)
}

// newestRelease returns the app's highest release version.
func (c *client) newestRelease(ctx context.Context, app string) (int, error) {
	req, err := c.request(ctx, http.MethodGet, "/apps/"+app+"/releases", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Range", releasesRange(1))
	var rs []release
	if _, err := c.do(req, &rs, http.StatusOK, http.StatusPartialContent); err != nil {
		return 0, err
	}
	if len(rs) == 0 {
		return 0, fmt.Errorf("app %s has no releases", app)
	}
	return rs[0].Version, nil
}
