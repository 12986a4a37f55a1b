package herokuapi

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
)

// apiError is an error already shaped as Heroku's error JSON.
type apiError struct {
	Status  int    `json:"-"`
	ID      string `json:"id"`
	Message string `json:"message"`
	// Resource names what was not found, as Heroku's errors do.
	Resource string `json:"resource,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

func errorf(status int, id, message string) *apiError {
	return &apiError{Status: status, ID: id, Message: message}
}

func badRequest(msg string) *apiError { return errorf(http.StatusBadRequest, "bad_request", msg) }
func invalidParams(msg string) *apiError {
	return errorf(http.StatusUnprocessableEntity, "invalid_params", msg)
}
func rangeNotValid(msg string) *apiError {
	return errorf(http.StatusRequestedRangeNotSatisfiable, "requested_range_not_satisfiable", msg)
}
func forbidden(msg string) *apiError     { return errorf(http.StatusForbidden, "forbidden", msg) }
func unauthorized(msg string) *apiError  { return errorf(http.StatusUnauthorized, "unauthorized", msg) }
func notFoundError(msg string) *apiError { return errorf(http.StatusNotFound, "not_found", msg) }
func tooLarge(msg string) *apiError {
	return errorf(http.StatusRequestEntityTooLarge, "request_entity_too_large", msg)
}
func rateLimited(msg string) *apiError { return errorf(http.StatusTooManyRequests, "rate_limit", msg) }
func notAcceptable(msg string) *apiError {
	return errorf(http.StatusNotAcceptable, "not_acceptable", msg)
}

var errNoRoute = notFoundError("The requested API endpoint was not found. Are you using the right HTTP verb (i.e. `GET` vs. `POST`), and did you specify your intended version with the `Accept` header?")

var errInternal = errorf(http.StatusInternalServerError, "internal_server_error", "Internal server error: the failure was logged with this request's Request-Id.")

// classify turns any error into the Heroku error a client sees. It is the one
// place where errors become status codes; unknown errors are internal and
// their text never reaches the client.
func classify(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var pe *platform.Error
	if errors.As(err, &pe) {
		switch pe.Kind {
		case platform.KindInvalid:
			return invalidParams(pe.Message)
		case platform.KindNotFound:
			e := notFoundError(pe.Message)
			e.Resource = pe.Resource
			return e
		case platform.KindConflict:
			return errorf(http.StatusConflict, "conflict", pe.Message)
		case platform.KindForbidden:
			return forbidden(pe.Message)
		case platform.KindUnauthorized:
			return unauthorized(pe.Message)
		}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			return errNoRoute
		case http.StatusRequestEntityTooLarge:
			return tooLarge("Request body is too large.")
		}
		if he.Code >= 400 && he.Code < 500 {
			return errorf(he.Code, "bad_request", http.StatusText(he.Code))
		}
	}
	return errInternal
}

// handleError writes err as Heroku's error JSON. Internal errors are logged
// with the request id; the client sees only that id.
func (a *API) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := classify(err)
	if e == errInternal {
		a.Logger.Error("request failed", "request_id", requestID(c), "method", c.Request().Method,
			"path", c.Request().URL.Path, "err", err)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(e.Status)
		return
	}
	_ = c.JSON(e.Status, e)
}
