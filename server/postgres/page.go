package postgres

import (
	"fmt"
	"strconv"

	"github.com/pier-paas/pier/server/platform"
)

// pageQuery appends a keyset page to base (which has a WHERE clause and uses
// args): bounds on the sort column, the order, and a LIMIT one past the page
// so the caller knows whether more follow. Only whitelisted columns reach SQL.
// tiebreak, a unique column, orders rows whose sort values are equal.
func pageQuery(base string, columns map[string]string, tiebreak string, p platform.Page, args []any) (string, []any, error) {
	col, ok := columns[p.Field]
	if !ok {
		return "", nil, fmt.Errorf("page: unsortable field %q", p.Field)
	}
	lo, hi := ">=", "<="
	if p.StartExclusive {
		lo = ">"
	}
	if p.EndExclusive {
		hi = "<"
	}
	dir := "ASC"
	if p.Desc {
		// In descending order the range runs from Start down to End.
		dir = "DESC"
		lo, hi = flip(lo), flip(hi)
	}
	q := base
	if p.Start != "" {
		args = append(args, p.Start)
		q += fmt.Sprintf(" AND %s %s $%d", col, lo, len(args))
	}
	if p.End != "" {
		args = append(args, p.End)
		q += fmt.Sprintf(" AND %s %s $%d", col, hi, len(args))
	}
	q += fmt.Sprintf(" ORDER BY %s %s", col, dir)
	if col != tiebreak {
		q += ", " + tiebreak + " " + dir
	}
	q += " LIMIT " + strconv.Itoa(p.Max+1)
	return q, args, nil
}

func flip(op string) string {
	switch op {
	case ">=":
		return "<="
	case ">":
		return "<"
	case "<=":
		return ">="
	default:
		return ">"
	}
}
