package herokuapi

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/platform"
)

// Range pagination, as Heroku's API does it:
//
//	Range: <field> [[]<first>]..[<last>[]][; max=N][, order=asc|desc]
//
// Clients differ in separators and spacing, so ";" and "," both separate
// parameters and spaces are ignored. "]a.." excludes a, "..z[" excludes z.

const (
	defaultPageSize = 200
	maxPageSize     = 1000
	maxRangeHeader  = 1024
)

// fieldKind says how a sortable field's values parse, so that nothing
// malformed reaches SQL.
type fieldKind int

const (
	kindString fieldKind = iota
	kindUUID
	kindInt
	kindTime
)

// sortFields lists a collection's sortable fields; the first is the default.
type sortFields struct {
	names []string
	kinds map[string]fieldKind
}

func fields(pairs ...any) sortFields {
	f := sortFields{kinds: map[string]fieldKind{}}
	for i := 0; i < len(pairs); i += 2 {
		name := pairs[i].(string)
		f.names = append(f.names, name)
		f.kinds[name] = pairs[i+1].(fieldKind)
	}
	return f
}

// parseRange reads a Range header for a collection with the given fields. An
// empty header asks for the first page in the default order.
func parseRange(h string, f sortFields) (platform.Page, error) {
	p := platform.Page{Field: f.names[0], Max: defaultPageSize}
	h = strings.TrimSpace(h)
	if h == "" {
		return p, nil
	}
	if !cleanText(h) {
		return p, rangeNotValid("Range header is not valid text.")
	}
	if len(h) > maxRangeHeader {
		return p, rangeNotValid("Range header is too long.")
	}
	field, rest, _ := strings.Cut(h, " ")
	field = strings.TrimSpace(field)
	if _, ok := f.kinds[field]; !ok {
		// "Range: ..; max=10" style: no field given.
		if strings.Contains(field, "..") || field == "" {
			rest, field = h, f.names[0]
		} else {
			return p, rangeNotValid(fmt.Sprintf("Range field %q is not sortable here; use one of: %s.", field, strings.Join(f.names, ", ")))
		}
	}
	p.Field = field
	bounds, params, _ := cutAny(strings.TrimSpace(rest), ";,")
	bounds = strings.TrimSpace(bounds)
	if bounds != "" {
		first, last, ok := strings.Cut(bounds, "..")
		if !ok {
			return p, rangeNotValid(fmt.Sprintf("Range %q has no \"..\"; write e.g. `%s ..; max=200`.", bounds, field))
		}
		first, last = strings.TrimSpace(first), strings.TrimSpace(last)
		if strings.HasPrefix(first, "]") {
			p.StartExclusive, first = true, first[1:]
		}
		if strings.HasSuffix(last, "[") {
			p.EndExclusive, last = true, last[:len(last)-1]
		}
		var err error
		if p.Start, err = checkValue(field, f.kinds[field], first); err != nil {
			return p, err
		}
		if p.End, err = checkValue(field, f.kinds[field], last); err != nil {
			return p, err
		}
	}
	for _, kv := range strings.FieldsFunc(params, func(r rune) bool { return r == ';' || r == ',' }) {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "":
		case "max":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return p, rangeNotValid(fmt.Sprintf("Range max must be a whole number from 1 to %d, not %q.", maxPageSize, v))
			}
			p.Max = min(n, maxPageSize)
		case "order":
			switch v {
			case "asc":
				p.Desc = false
			case "desc":
				p.Desc = true
			default:
				return p, rangeNotValid(fmt.Sprintf("Range order must be asc or desc, not %q.", v))
			}
		default:
			return p, rangeNotValid(fmt.Sprintf("Unknown Range parameter %q; use max and order.", k))
		}
	}
	return p, nil
}

// cutAny splits s at the first of the given separators.
func cutAny(s, seps string) (before, after string, found bool) {
	if i := strings.IndexAny(s, seps); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

func checkValue(field string, k fieldKind, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	bad := func(want string) error {
		return rangeNotValid(fmt.Sprintf("Range value %q for %s is not %s.", v, field, want))
	}
	switch k {
	case kindUUID:
		id, err := uuid.Parse(v)
		if err != nil {
			return "", bad("a UUID")
		}
		return id.String(), nil
	case kindInt:
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return "", bad("a whole number")
		}
		return strconv.FormatInt(n, 10), nil
	case kindTime:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return "", bad("an ISO 8601 time such as 2026-01-02T15:04:05Z")
		}
		return t.UTC().Format(time.RFC3339Nano), nil
	default:
		if len(v) > 256 {
			return "", bad("a short string")
		}
		return v, nil
	}
}

// nextRange is the Next-Range header that continues after lastValue.
func nextRange(p platform.Page, lastValue string) string {
	order := "asc"
	if p.Desc {
		order = "desc"
	}
	end := p.End
	if end != "" && p.EndExclusive {
		end += "["
	}
	return fmt.Sprintf("%s ]%s..%s; max=%d, order=%s", p.Field, lastValue, end, p.Max, order)
}
