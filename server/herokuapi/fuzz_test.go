package herokuapi

import (
	"errors"
	"net/http"
	"testing"
)

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"", "version ..", "version ..; max=200, order=desc", "version ..; order=desc,max=1",
		"name ]a..z[; max=10", "id ..; max=0", "updated_at 2026-01-02T15:04:05Z..", "version 1..2;;,,max=3",
		"version ]..[", "..; max=5", "version ..; max=99999999999999999999999", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		for _, fs := range []sortFields{releaseFields, appFields} {
			p, err := parseRange(h, fs)
			if err != nil {
				var ae *apiError
				if !errors.As(err, &ae) || ae.Status != http.StatusRequestedRangeNotSatisfiable || ae.Message == "" {
					t.Fatalf("%q: error %v is not a 416", h, err)
				}
				continue
			}
			if p.Max < 1 || p.Max > maxPageSize {
				t.Fatalf("%q: max %d", h, p.Max)
			}
			if _, ok := fs.kinds[p.Field]; !ok {
				t.Fatalf("%q: field %q reached the query", h, p.Field)
			}
			// A page's continuation parses back to the same field and order.
			if p.Start == "" {
				continue
			}
			q, err := parseRange(nextRange(p, p.Start), fs)
			if err != nil || q.Field != p.Field || q.Desc != p.Desc || q.Max != p.Max {
				t.Fatalf("%q: Next-Range %q does not round-trip: %+v %v", h, nextRange(p, p.Start), q, err)
			}
		}
	})
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"x"}`, `{"updates":[{"type":"web","quantity":"+1"}]}`, `{"A":null,"B":"c"}`,
		`{"quantity": 1e400}`, `[`, `{"release": 7}`, `null`, `{"updates":[{"quantity":{"a":1}}]}`, "\xff\xfe", `{"a":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var targets = []any{
			&struct {
				Name *string `json:"name"`
			}{},
			&map[string]stringOrNull{},
			&struct {
				Updates []formationUpdate `json:"updates"`
			}{},
			&formationUpdate{},
			&struct {
				Release *flexString `json:"release"`
				Slug    *string     `json:"slug"`
			}{},
		}
		for _, v := range targets {
			err := decodeJSON(b, v)
			if err == nil {
				continue
			}
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status < 400 || ae.Status >= 500 || ae.Message == "" {
				t.Fatalf("%q: error %v (%T) is not a client error", b, err, err)
			}
		}
	})
}
