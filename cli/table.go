package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v2"
)

// Output for people follows the heroku CLI: "=== title" headings, aligned
// tables under a ruled header row, and "Key: value" lists. Scripts use --json.

func printHeading(w io.Writer, title string) {
	fmt.Fprintf(w, "=== %s\n\n", title)
}

// printTable aligns rows under a header and a rule. Columns with an empty
// header (such as a marker column) get no rule.
func printTable(w io.Writer, header []string, rows [][]string) {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for i, cell := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(cell))
			}
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i := range widths {
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(cell)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)))
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(header)
	rule := make([]string, len(header))
	for i, h := range header {
		if h != "" {
			rule[i] = strings.Repeat("─", widths[i])
		}
	}
	line(rule)
	for _, r := range rows {
		line(r)
	}
}

// printKeyValues prints "Key: value" lines with the values aligned.
func printKeyValues(w io.Writer, pairs [][2]string) {
	width := 0
	for _, p := range pairs {
		width = max(width, utf8.RuneCountInString(p[0]))
	}
	for _, p := range pairs {
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(p[0]))
		fmt.Fprintln(w, strings.TrimRight(p[0]+": "+pad+p[1], " "))
	}
}

// jsonFlag is --json, on every command that shows a resource.
func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: "json", Usage: "print the API's JSON instead of a table"}
}

// printJSON pretty-prints a raw API answer.
func printJSON(w io.Writer, raw []byte) error {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return fmt.Errorf("the API answered invalid JSON: %v", err)
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

// humanTime shows an API timestamp in local time, as the heroku CLI does.
func humanTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.Local().Format("2006/01/02 15:04:05 -0700")
}

// appLabel shows an app name with Heroku's hexagon.
func appLabel(app string) string { return "⬢ " + app }

// action prints "Doing something... " before a call and "done" (with an
// optional suffix) after it, or "!" when it failed, like the heroku CLI.
func action(w io.Writer, what string, f func() (string, error)) error {
	fmt.Fprintf(w, "%s... ", what)
	suffix, err := f()
	if err != nil {
		fmt.Fprintln(w, "!")
		return err
	}
	if suffix != "" {
		fmt.Fprintf(w, "done, %s\n", suffix)
	} else {
		fmt.Fprintln(w, "done")
	}
	return nil
}

// submit makes one changing API call the way every such command does: with
// --json it prints the server's answer as is (printed is then true and the
// caller adds nothing); otherwise the call runs inside action's
// "Doing X... done" line, with suffix (if any) read after it succeeded.
func submit(c *cli.Context, what string, call func() ([]byte, error), suffix func() string) (printed bool, err error) {
	if c.Bool("json") {
		raw, err := call()
		if err != nil {
			return false, err
		}
		return true, printJSON(c.App.Writer, raw)
	}
	return false, action(c.App.Writer, what, func() (string, error) {
		if _, err := call(); err != nil || suffix == nil {
			return "", err
		}
		return suffix(), nil
	})
}
