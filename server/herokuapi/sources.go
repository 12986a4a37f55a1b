package herokuapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
)

// sourceBlobsPath serves the put_url and get_url of POST /sources:
// /source-blobs/ID/SECRET, where the secret in the URL is the credential,
// as in Heroku's pre-signed URLs. It is served outside the authenticated
// API: whoever holds the URL may use it, until it expires.
const sourceBlobsPath = "/source-blobs/"

// DefaultMaxSourceBytes bounds a source tarball.
const DefaultMaxSourceBytes = platform.DefaultMaxSourceBytes

type sourceBlobJSON struct {
	GetURL string `json:"get_url"`
	PutURL string `json:"put_url"`
}

// createSource: POST /sources answers a source_blob with the URLs to PUT a
// tarball to and to GET it from (Heroku's builds API, first step).
func (a *API) createSource(c echo.Context) error {
	src, err := a.Store.CreateSource(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	url := selfURL(c) + sourceBlobsPath + src.ID.String() + "/" + src.Secret
	return c.JSON(http.StatusCreated, map[string]sourceBlobJSON{"source_blob": {GetURL: url, PutURL: url}})
}

// serveSourceBlob stores a PUT tarball and streams it back on GET.
func (a *API) serveSourceBlob(w http.ResponseWriter, r *http.Request) {
	idPart, secret, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, sourceBlobsPath), "/")
	id, err := uuid.Parse(idPart)
	if err != nil || secret == "" || strings.Contains(secret, "/") {
		writeErrorJSON(w, http.StatusNotFound, "not_found", platform.ErrSourceNotFound.Error())
		return
	}
	switch r.Method {
	case http.MethodPut:
		a.putSourceBlob(w, r, id, secret)
	case http.MethodGet, http.MethodHead:
		a.getSourceBlob(w, r, id, secret)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT")
		writeErrorJSON(w, http.StatusMethodNotAllowed, "method_not_allowed", "PUT a tarball to a source URL, or GET it back.")
	}
}

func (a *API) putSourceBlob(w http.ResponseWriter, r *http.Request, id uuid.UUID, secret string) {
	limit := a.MaxSourceBytes
	if limit <= 0 {
		limit = DefaultMaxSourceBytes
	}
	if r.ContentLength > limit {
		writeErrorJSON(w, http.StatusRequestEntityTooLarge, "request_entity_too_large", (&platform.SourceTooLarge{Limit: limit}).Error())
		return
	}
	// A client that stalls mid-upload is cut off rather than holding a
	// goroutine and its buffer for ever.
	body := &stallGuard{r: r.Body, rc: http.NewResponseController(w), every: 30 * time.Second}
	n, err := a.Store.PutSourceBlob(r.Context(), id, secret, body, limit)
	var big *platform.SourceTooLarge
	switch {
	case errors.As(err, &big):
		writeErrorJSON(w, http.StatusRequestEntityTooLarge, "request_entity_too_large", big.Error())
	case platform.KindOf(err) == platform.KindNotFound:
		writeErrorJSON(w, http.StatusNotFound, "not_found", err.Error())
	case err != nil:
		a.Logger.Warn("source upload failed", "source", id, "err", err)
		writeErrorJSON(w, http.StatusBadRequest, "bad_request", "The upload did not complete: send the whole tarball again.")
	default:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"size":`+strconv.FormatInt(n, 10)+"}\n")
	}
}

func (a *API) getSourceBlob(w http.ResponseWriter, r *http.Request, id uuid.UUID, secret string) {
	rd, size, err := a.Store.SourceBlob(r.Context(), id, secret)
	if err != nil {
		a.readFailed(w, err, "The source could not be read.")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, rd); err != nil && r.Context().Err() == nil {
		a.Logger.Warn("source download broke off", "source", id, "err", err)
	}
}

// readFailed answers a capability URL whose content could not be read:
// 404 with the reason when it is unknown, else 500 with msg (the cause is
// logged, not shown).
func (a *API) readFailed(w http.ResponseWriter, err error, msg string) {
	if platform.KindOf(err) == platform.KindNotFound {
		writeErrorJSON(w, http.StatusNotFound, "not_found", err.Error())
		return
	}
	a.Logger.Error("capability URL read failed", "err", err)
	writeErrorJSON(w, http.StatusInternalServerError, "internal_server_error", msg)
}

// stallGuard moves the connection's read deadline forward before each
// read: an upload may take as long as it needs, but not stall for every.
type stallGuard struct {
	r     io.Reader
	rc    *http.ResponseController
	every time.Duration
}

func (g *stallGuard) Read(p []byte) (int, error) {
	_ = g.rc.SetReadDeadline(time.Now().Add(g.every))
	return g.r.Read(p)
}
