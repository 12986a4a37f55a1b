package herokuapi

import (
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
)

// writePage answers a list request: 206 with Next-Range when more items
// follow the page, 200 otherwise.
func writePage[T, J any](c echo.Context, p platform.Page, items []T, more bool, key func(T) string, render func(T) J) error {
	out := make([]J, len(items))
	for i, it := range items {
		out[i] = render(it)
	}
	if more && len(items) > 0 {
		c.Response().Header().Set("Next-Range", nextRange(p, key(items[len(items)-1])))
		return c.JSON(http.StatusPartialContent, out)
	}
	return c.JSON(http.StatusOK, out)
}

// pageSlice pages a small collection held in memory, with the same Range
// semantics as the SQL-backed lists. keys maps each sortable field to the
// item's value for it; values compare as strings, which is their order for
// every field used with it (ids, names, hostnames, emails).
func pageSlice[T any](items []T, p platform.Page, keys map[string]func(T) string) ([]T, bool) {
	key := keys[p.Field]
	sorted := append([]T(nil), items...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if p.Desc {
			return key(sorted[i]) > key(sorted[j])
		}
		return key(sorted[i]) < key(sorted[j])
	})
	// cmp orders a against b in the list's order.
	cmp := func(a, b string) int {
		if p.Desc {
			return strings.Compare(b, a)
		}
		return strings.Compare(a, b)
	}
	var out []T
	for _, it := range sorted {
		k := key(it)
		if p.Start != "" && (cmp(k, p.Start) < 0 || (p.StartExclusive && k == p.Start)) {
			continue
		}
		if p.End != "" && (cmp(k, p.End) > 0 || (p.EndExclusive && k == p.End)) {
			continue
		}
		out = append(out, it)
	}
	if len(out) > p.Max {
		return out[:p.Max], true
	}
	return out, false
}
