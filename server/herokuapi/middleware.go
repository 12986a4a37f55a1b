package herokuapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

const ctxRequestID = "request_id"

func requestID(c echo.Context) string {
	id, _ := c.Get(ctxRequestID).(string)
	return id
}

func (a *API) recoverer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				a.Logger.Error("panic serving request", "request_id", requestID(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = errInternal
			}
		}()
		return next(c)
	}
}

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,200}$`)

// requestIDs keeps the first id of a client's comma-separated Request-Id
// list (the heroku CLI sends every id it has seen) or makes one.
func (a *API) requestIDs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		first, _, _ := strings.Cut(c.Request().Header.Get("Request-Id"), ",")
		id := strings.TrimSpace(first)
		if !requestIDRe.MatchString(id) {
			id = uuid.NewString()
		}
		c.Set(ctxRequestID, id)
		c.Response().Header().Set("Request-Id", id)
		return next(c)
	}
}

// logRequests writes one line per request: never headers or bodies.
func (a *API) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !a.Logger.Enabled(c.Request().Context(), slog.LevelDebug) {
			return next(c)
		}
		start := time.Now()
		err := next(c)
		status := c.Response().Status
		if err != nil {
			status = classify(err).Status
		}
		a.Logger.Debug("request", "method", c.Request().Method, "path", c.Request().URL.Path, "status", status,
			"ms", float64(time.Since(start).Microseconds())/1000, "request_id", requestID(c))
		return err
	}
}

// negotiate accepts v3 of Heroku's API (and its "3.xyz" variants); clients
// that name no version, such as curl, get v3 too.
func (a *API) negotiate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for _, part := range strings.Split(c.Request().Header.Get("Accept"), ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || mt != "application/vnd.heroku+json" {
				continue
			}
			if v := params["version"]; v != "3" && !strings.HasPrefix(v, "3.") {
				return notAcceptable(fmt.Sprintf("API version %q is not supported; send `Accept: application/vnd.heroku+json; version=3`.", v))
			}
		}
		return next(c)
	}
}

// cleanText is text Postgres can store: valid UTF-8 without NUL bytes.
func cleanText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// checkParams turns path and query values that can name nothing (NUL bytes,
// invalid UTF-8, absurd lengths) into a 404 before they reach a query.
func (a *API) checkParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for _, v := range c.ParamValues() {
			if len(v) > 256 || !cleanText(v) {
				return notFoundError("Couldn't find that resource: the name in the URL is not valid.")
			}
		}
		for k, vs := range c.QueryParams() {
			for _, v := range vs {
				if len(v) > 256 || !cleanText(v) {
					return badRequest(fmt.Sprintf("Query parameter %q is not valid text.", k))
				}
			}
		}
		return next(c)
	}
}

// etags gives successful GETs an ETag and answers a matching If-None-Match
// with 304 and no body.
func (a *API) etags(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method != http.MethodGet {
			return next(c)
		}
		res := c.Response()
		orig := res.Writer
		buf := &bufferedWriter{header: orig.Header(), body: bodyBuffers.Get().(*bytes.Buffer)}
		defer putBodyBuffer(buf.body)
		res.Writer = buf
		err := next(c)
		res.Writer = orig
		if err != nil {
			res.Committed = false
			return err
		}
		status := buf.status
		if status == 0 {
			status = http.StatusOK
		}
		if status == http.StatusOK || status == http.StatusPartialContent {
			sum := sha256.Sum256(buf.body.Bytes())
			tag := `"` + hex.EncodeToString(sum[:16]) + `"`
			orig.Header()["ETag"] = []string{tag} // Heroku's spelling
			if etagMatches(c.Request().Header.Get("If-None-Match"), tag) {
				orig.Header().Del("Content-Type")
				orig.WriteHeader(http.StatusNotModified)
				return nil
			}
		}
		orig.WriteHeader(status)
		_, err = orig.Write(buf.body.Bytes())
		return err
	}
}

func etagMatches(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == tag || t == "*" {
			return true
		}
	}
	return false
}

type bufferedWriter struct {
	header http.Header
	status int
	body   *bytes.Buffer
}

// bodyBuffers recycles response buffers: a page of 200 releases is ~90 KB,
// and growing a fresh buffer to that size for every request feeds the GC.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBodyBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return // let rare huge responses go
	}
	b.Reset()
	bodyBuffers.Put(b)
}

func (w *bufferedWriter) Header() http.Header         { return w.header }
func (w *bufferedWriter) Write(b []byte) (int, error) { return w.body.Write(b) }
func (w *bufferedWriter) WriteHeader(status int)      { w.status = status }
