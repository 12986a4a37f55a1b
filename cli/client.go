package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// defaultAPIURL is where `pier server` listens by default.
const defaultAPIURL = "http://localhost:5000"

// client talks to a Pier server over Heroku's Platform API v3.
type client struct {
	base  *url.URL
	token string
	// tokenSource names where the token came from, for the hint on a 401.
	tokenSource string
	http        *http.Client
}

// apiError is Heroku's error JSON, plus a hint of our own.
type apiError struct {
	Status  int    `json:"-"`
	ID      string `json:"id"`
	Message string `json:"message"`
	hint    string
}

func (e *apiError) Error() string {
	if e.hint == "" {
		return e.Message
	}
	return strings.TrimSuffix(e.Message, ".") + ": " + e.hint
}

// apiURL reads PIER_API_URL. A path is kept so a server behind a prefix works.
func apiURL() (*url.URL, error) {
	raw := strings.TrimSpace(os.Getenv("PIER_API_URL"))
	if raw == "" {
		raw = defaultAPIURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("PIER_API_URL=%q is not a URL such as %s", raw, defaultAPIURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u, nil
}

func newHTTPClient() *http.Client { return &http.Client{Timeout: 2 * time.Minute} }

// newClient returns a client with the user's token: PIER_API_KEY, else the
// ~/.netrc entry for the API host that `pier login` wrote.
func newClient() (*client, error) {
	base, err := apiURL()
	if err != nil {
		return nil, err
	}
	cl := &client{base: base, http: newHTTPClient()}
	if key := strings.TrimSpace(os.Getenv("PIER_API_KEY")); key != "" {
		cl.token, cl.tokenSource = key, "PIER_API_KEY"
		return cl, nil
	}
	path, err := netrcPath()
	if err != nil {
		return nil, err
	}
	n, err := readNetrc(path)
	if err != nil {
		return nil, err
	}
	if _, password, ok := n.lookup(base.Hostname()); ok && password != "" {
		cl.token, cl.tokenSource = password, path
		return cl, nil
	}
	return nil, fmt.Errorf("Not logged in to %s: run `pier login` (or set PIER_API_KEY)", base.Redacted())
}

// request describes one API call.
type request struct {
	method string
	path   string // escaped path, e.g. "/apps/" + url.PathEscape(app)
	body   any    // sent as JSON when not nil
	rng    string // Range header
	// login is the one call that sends an email and password (Basic auth)
	// instead of the token.
	login *[2]string
}

// do sends r and returns the response headers and body. Errors are ready to
// show: the server's message, or why the server could not be reached.
func (cl *client) do(ctx context.Context, r request) (http.Header, []byte, error) {
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, cl.base.String()+r.path, body)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	req.Header.Set("User-Agent", "pier-cli/"+Version)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.rng != "" {
		req.Header.Set("Range", r.rng)
	}
	if r.login != nil {
		req.SetBasicAuth(r.login[0], r.login[1])
	} else if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}
	res, err := cl.http.Do(req)
	if err != nil {
		return nil, nil, cl.unreachable(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return nil, nil, cl.unreachable(err)
	}
	if res.StatusCode >= 400 {
		return res.Header, raw, cl.failure(r, res, raw)
	}
	return res.Header, raw, nil
}

func (cl *client) unreachable(err error) error {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("Can't reach the Pier API at %s: is `pier server` running?", cl.base.Redacted())
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("Can't reach the Pier API at %s: %v", cl.base.Redacted(), err)
}

// failure turns an error response into an apiError.
func (cl *client) failure(r request, res *http.Response, raw []byte) error {
	e := &apiError{Status: res.StatusCode}
	if json.Unmarshal(raw, e) != nil || e.Message == "" {
		e.Message = fmt.Sprintf("Unexpected answer from %s: HTTP %s", cl.base.Redacted(), res.Status)
	}
	switch {
	case res.StatusCode == http.StatusUnauthorized && r.login == nil && cl.tokenSource == "PIER_API_KEY":
		e.hint = "check PIER_API_KEY, or unset it and run `pier login`"
	case res.StatusCode == http.StatusUnauthorized && r.login == nil:
		e.hint = "run `pier login`"
	case res.StatusCode >= 500 && res.Header.Get("Request-Id") != "":
		e.Message += " (Request-Id " + res.Header.Get("Request-Id") + ")"
	}
	return e
}

// call sends r and decodes the JSON answer into out (when not nil). It
// returns the raw answer for --json.
func (cl *client) call(ctx context.Context, r request, out any) ([]byte, error) {
	_, raw, err := cl.do(ctx, r)
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("Unexpected answer from %s %s: %v", r.method, r.path, err)
		}
	}
	return raw, nil
}

func (cl *client) get(ctx context.Context, path string, out any) ([]byte, error) {
	return cl.call(ctx, request{method: http.MethodGet, path: path}, out)
}

func (cl *client) post(ctx context.Context, path string, body, out any) ([]byte, error) {
	return cl.call(ctx, request{method: http.MethodPost, path: path, body: body}, out)
}

func (cl *client) patch(ctx context.Context, path string, body, out any) ([]byte, error) {
	return cl.call(ctx, request{method: http.MethodPatch, path: path, body: body}, out)
}

func (cl *client) put(ctx context.Context, path string, body, out any) ([]byte, error) {
	return cl.call(ctx, request{method: http.MethodPut, path: path, body: body}, out)
}

func (cl *client) delete(ctx context.Context, path string, out any) ([]byte, error) {
	return cl.call(ctx, request{method: http.MethodDelete, path: path}, out)
}

// getRange fetches one page of a list, as the Range header asks.
func (cl *client) getRange(ctx context.Context, path, rng string, out any) ([]byte, error) {
	return cl.call(ctx, request{method: http.MethodGet, path: path, rng: rng}, out)
}

// list fetches a whole list, following Next-Range while the server answers
// 206 Partial Content, and returns it as one JSON array.
func (cl *client) list(ctx context.Context, path string, out any) ([]byte, error) {
	var all []json.RawMessage
	rng := ""
	for page := 0; ; page++ {
		h, raw, err := cl.do(ctx, request{method: http.MethodGet, path: path, rng: rng})
		if err != nil {
			return nil, err
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("Unexpected answer from GET %s: %v", path, err)
		}
		all = append(all, items...)
		rng = h.Get("Next-Range")
		if rng == "" || len(items) == 0 || page > 1000 {
			break
		}
	}
	if all == nil {
		all = []json.RawMessage{}
	}
	raw, err := json.Marshal(all)
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("Unexpected answer from GET %s: %v", path, err)
		}
	}
	return raw, nil
}

// appPath is the escaped API path of an app, plus optional sub-paths.
func appPath(app string, parts ...string) string {
	p := "/apps/" + url.PathEscape(app)
	for _, s := range parts {
		p += "/" + url.PathEscape(s)
	}
	return p
}
