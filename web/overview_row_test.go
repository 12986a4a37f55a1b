package web

import (
	"strings"
	"testing"
)

// The hand-written row escapes every value it writes.
func TestOverviewRowEscapes(t *testing.T) {
	row := string(overviewRow(appSummary{Name: `a"><script>x</script>`, URL: `http://a.example/?q="'<>`, Release: 3,
		Released: "just now", ReleasedISO: "2026-11-24T10:00:00Z", Crashed: 1,
		Processes: []processCount{{Type: `web"<`, Up: 1, Desired: 2, Short: true}}}))
	for _, bad := range []string{"<script>", `q="'`, `web"<`} {
		if strings.Contains(row, bad) {
			t.Errorf("%q unescaped in %s", bad, row)
		}
	}
	for _, want := range []string{`href="/dashboard/apps/a%22%3E%3Cscript%3Ex%3C%2Fscript%3E"`, `class="app crashed"`, `<span class="proc short"`,
		"web&#34;&lt; 1/2", "v3", `<span class="badge danger">1 crashed</span>`} {
		if !strings.Contains(row, want) {
			t.Errorf("row lacks %q: %s", want, row)
		}
	}
}
