package herokuapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// readBody reads at most MaxBodyBytes of the request body.
func (a *API) readBody(c echo.Context) ([]byte, error) {
	r := http.MaxBytesReader(c.Response(), c.Request().Body, a.MaxBodyBytes)
	b, err := io.ReadAll(r)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, tooLarge(fmt.Sprintf("Request body is larger than %d bytes.", a.MaxBodyBytes))
	}
	if err != nil {
		return nil, badRequest("Could not read the request body.")
	}
	return b, nil
}

// decode reads a JSON request body into v. An empty body leaves v as it is;
// malformed JSON is a 400, a value of the wrong type a 422 naming the field.
func (a *API) decode(c echo.Context, v any) error {
	b, err := a.readBody(c)
	if err != nil {
		return err
	}
	return decodeJSON(b, v)
}

func decodeJSON(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if !utf8.Valid(b) {
		return badRequest("Request body is not valid UTF-8.")
	}
	if hasEscapedNUL(b) {
		return invalidParams("Strings in the request body may not contain NUL characters (\\u0000).")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return jsonError(err)
	}
	if d.More() {
		return badRequest("Request body has data after the JSON value.")
	}
	return nil
}

// hasEscapedNUL finds a \u0000 escape (which Postgres can't store) that is
// not itself an escaped backslash followed by "u0000".
func hasEscapedNUL(b []byte) bool {
	for i := 0; i+6 <= len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] == 'u' && string(b[i+2:i+6]) == "0000" {
			return true
		}
		i++ // skip the escaped character
	}
	return false
}

func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return invalidParams(fmt.Sprintf("Request body must be a JSON %s, not %s.", jsonType(te.Type.Kind().String()), te.Value))
		}
		return invalidParams(fmt.Sprintf("%s must be %s, not %s.", field, jsonType(te.Type.Kind().String()), te.Value))
	case errors.As(err, &se):
		return badRequest(fmt.Sprintf("Request body is not valid JSON (at byte %d): %v.", se.Offset, se))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return badRequest("Request body is not valid JSON: it ends too early.")
	default:
		return badRequest("Request body is not valid JSON: " + err.Error())
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "int", "int64", "int32", "float64":
		return "a number"
	}
	return "a " + kind
}

// quantity is a formation quantity: a number, or a string that may be
// relative ("+1", "-2"), as the heroku CLI sends it.
type quantity struct {
	N        int
	Relative bool
}

func (q *quantity) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		// Only the string form can be relative: the number -1 means nothing.
		s = strings.TrimSpace(s)
		q.Relative = strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 1_000_000 || n < -1_000_000 {
		return invalidParams(fmt.Sprintf("quantity must be a whole number, or a change such as \"+1\" or \"-1\", not %s.", string(b)))
	}
	q.N = n
	return nil
}

// stringOrNull is a config var value: null removes the var.
type stringOrNull struct {
	Value *string
}

func (s *stringOrNull) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		s.Value = nil
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return invalidParams("Config var values must be strings (or null to remove the var), not " + string(b) + ".")
	}
	s.Value = &v
	return nil
}

// flexString accepts a string or a number, for fields such as a release
// that clients name by id or by version.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return invalidParams("Expected a string or a number, not " + string(b) + ".")
	}
	*f = flexString(n.String())
	return nil
}
