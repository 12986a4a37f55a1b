package logs

import (
	"strings"
	"time"
	"unicode/utf8"
)

// MaxLineBytes caps one line's text. A dyno can write a megabyte without a
// newline; one such line must not hold a megabyte in every backlog slot.
const MaxLineBytes = 10 << 10

// timeLayout is Heroku's: microseconds and a numeric offset (+00:00, not Z).
const timeLayout = "2006-01-02T15:04:05.000000-07:00"

// Line is one line of an app's log.
type Line struct {
	Time   time.Time
	App    string // app id
	Source string // "app" or "heroku"
	Dyno   string // "web.1", "router", "api", "scheduler" ...
	Text   string // one line, no trailing newline
}

// String is the line as users see it:
//
//	2026-11-23T15:04:05.123456+00:00 app[web.1]: message
func (l Line) String() string {
	return string(l.appendTo(make([]byte, 0, len(timeLayout)+len(l.Source)+len(l.Dyno)+len(l.Text)+5)))
}

func (l Line) appendTo(b []byte) []byte {
	b = l.Time.UTC().AppendFormat(b, timeLayout)
	b = append(b, ' ')
	b = append(b, l.Source...)
	b = append(b, '[')
	b = append(b, l.Dyno...)
	b = append(b, "]: "...)
	return append(b, l.Text...)
}

// split makes l's text into lines: one per newline, without carriage
// returns (EventSource reads a lone \r as the end of a line, so one would
// let a dyno forge events), none for a final newline, each at most
// MaxLineBytes. The common case, one short clean line, allocates nothing.
func split(l Line, out []Line) []Line {
	text := l.Text
	if len(text) <= MaxLineBytes && strings.IndexByte(text, '\n') < 0 && strings.IndexByte(text, '\r') < 0 {
		return append(out, l)
	}
	text = strings.TrimSuffix(text, "\n")
	for {
		one, rest, more := strings.Cut(text, "\n")
		l.Text = clean(one)
		out = append(out, l)
		if !more {
			return out
		}
		text = rest
	}
}

// clean drops carriage returns and cuts s to MaxLineBytes on a rune
// boundary. The result never shares memory with a longer text, so a kept
// line never keeps its whole batch alive.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	if len(s) > MaxLineBytes {
		cut := MaxLineBytes
		for cut > MaxLineBytes-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return strings.Clone(s)
}
