package logs_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pier-paas/pier/server/logs"
)

func TestLineString(t *testing.T) {
	at := time.Date(2026, 11, 23, 16, 4, 5, 123456789, time.FixedZone("CET", 3600))
	for _, c := range []struct {
		line logs.Line
		want string
	}{
		{logs.Line{Time: at, App: "a1", Source: "app", Dyno: "web.1", Text: "message"},
			"2026-11-23T15:04:05.123456+00:00 app[web.1]: message"},
		{logs.Line{Time: at, Source: "heroku", Dyno: "router", Text: `at=info method=GET path="/"`},
			`2026-11-23T15:04:05.123456+00:00 heroku[router]: at=info method=GET path="/"`},
		{logs.Line{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Source: "app", Dyno: "api", Text: ""},
			"2026-01-02T03:04:05.000000+00:00 app[api]: "},
	} {
		if got := c.line.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

// Add takes whatever a dyno wrote in one piece: it becomes lines, without
// carriage returns (a lone \r would end an EventSource line), without a
// line for the final newline, each cut to 10 KiB on a rune boundary.
func TestAddSplitsLines(t *testing.T) {
	at := time.Now()
	for _, c := range []struct {
		text string
		want []string
	}{
		{"one", []string{"one"}},
		{"one\n", []string{"one"}},
		{"one\r\ntwo\r\n", []string{"one", "two"}},
		{"a\n\nb", []string{"a", "", "b"}},
		{"a\n\n", []string{"a", ""}},
		{"", []string{""}},
		{"\n", []string{""}},
		{"progress 10%\rprogress 20%\n", []string{"progress 10%progress 20%"}},
		{"data: forged\revent: x", []string{"data: forgedevent: x"}},
	} {
		h := logs.NewHub(100)
		h.Add(logs.Line{Time: at, App: "a", Source: "app", Dyno: "web.1", Text: c.text})
		var got []string
		for _, l := range h.Recent("a", 100, logs.Filter{}) {
			if l.Time != at || l.App != "a" || l.Source != "app" || l.Dyno != "web.1" {
				t.Fatalf("%q: line lost its fields: %+v", c.text, l)
			}
			got = append(got, l.Text)
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") || len(got) != len(c.want) {
			t.Errorf("Add(%q) kept %q, want %q", c.text, got, c.want)
		}
	}

	h := logs.NewHub(10)
	long := strings.Repeat("é", 8000) // after the "x", byte 10240 is the middle of an é
	h.Add(logs.Line{App: "a", Text: "x" + long + "\nshort"})
	got := h.Recent("a", 10, logs.Filter{})
	if len(got) != 2 || got[1].Text != "short" {
		t.Fatalf("long line split wrong: %d lines", len(got))
	}
	if n := len(got[0].Text); n > logs.MaxLineBytes || n < logs.MaxLineBytes-3 || !utf8.ValidString(got[0].Text) {
		t.Fatalf("long line kept as %d bytes (valid UTF-8: %v), want just under %d", n, utf8.ValidString(got[0].Text), logs.MaxLineBytes)
	}
}
