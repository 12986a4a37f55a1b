package logs

import "strings"

// Filter selects lines, as `heroku logs --source --dyno` do.
type Filter struct {
	// Source is "" for all, else "app" or "heroku".
	Source string
	// Dyno is "" for all; a process type ("web") matches its dynos (web.1,
	// web.2, ...); a dyno name ("web.1") or a platform part ("router")
	// matches exactly.
	Dyno string
}

// Match reports whether l is selected.
func (f Filter) Match(l Line) bool {
	if f.Source != "" && f.Source != l.Source {
		return false
	}
	if f.Dyno == "" || f.Dyno == l.Dyno {
		return true
	}
	return !strings.Contains(f.Dyno, ".") && len(l.Dyno) > len(f.Dyno) &&
		l.Dyno[len(f.Dyno)] == '.' && strings.HasPrefix(l.Dyno, f.Dyno)
}
