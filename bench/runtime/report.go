package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
)

// table is one section of the report: printed aligned on a terminal, and
// as a markdown table for an issue.
type table struct {
	title  string
	header []string
	rows   [][]string
}

// report collects the run's settings and figures and prints them at the end.
type report struct {
	command    string
	settings   table
	throughput table // best run per target
	runs       table // every throughput run
	goals      table
	kills      table
	notes      []string
}

var latencyHeader = []string{"req/s", "p50", "p90", "p99", "max", "failed", "CPU cores: proxy / loadgen / backends / other", "proxy CPU per request"}

func newReport() *report {
	return &report{
		settings:   table{title: "Settings", header: []string{"setting", "value"}},
		throughput: table{title: "Router throughput and latency", header: append([]string{"target"}, latencyHeader...)},
		runs:       table{title: "Every throughput run, in the order run", header: append([]string{"round", "target"}, latencyHeader...)},
		goals:      table{title: "Figures and goals", header: []string{"figure", "value", "goal", "result"}},
		kills: table{title: "Each SIGKILL, times from the kill", header: []string{"series", "dyno", "crash restarts before",
			"docker die event", "Pier lists it not up", "replacement running", "replacement answers 200"}},
	}
}

func (r *report) setting(name, format string, args ...any) {
	r.settings.rows = append(r.settings.rows, []string{name, fmt.Sprintf(format, args...)})
}

func (r *report) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// goal adds a figure with a pass/miss verdict.
func (r *report) goal(figure, value, goal string, pass bool) {
	result := "MISS"
	if pass {
		result = "PASS"
	}
	r.goals.rows = append(r.goals.rows, []string{figure, value, goal, result})
}

// info adds a figure without a goal.
func (r *report) info(figure, format string, args ...any) {
	r.goals.rows = append(r.goals.rows, []string{figure, fmt.Sprintf(format, args...), "-", "info"})
}

func latencyCells(x loadResult) []string {
	f := func(d float64) string { return strconv.FormatFloat(d, 'f', 2, 64) + " ms" }
	return []string{fmt.Sprintf("%.0f", x.rate()), f(ms(x.pct(0.5))), f(ms(x.pct(0.9))), f(ms(x.pct(0.99))), f(ms(x.max())),
		strconv.Itoa(x.failed), x.cpu.String(), perRequest(x)}
}

// perRequest is the proxy's CPU time per request: what a proxy costs on a
// machine where it competes for the cores with everything else.
func perRequest(x loadResult) string {
	if !x.cpu.ok || x.cpu.proxy == 0 || x.rate() == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f µs", x.cpu.proxy/x.rate()*1e6)
}

func (r *report) run(round int, x loadResult) {
	r.runs.rows = append(r.runs.rows, append([]string{strconv.Itoa(round), x.target}, latencyCells(x)...))
}

func (r *report) best(x loadResult) {
	r.throughput.rows = append(r.throughput.rows, append([]string{x.target}, latencyCells(x)...))
}

func (r *report) kill(series string, k kill) {
	r.kills.rows = append(r.kills.rows, []string{series, k.dyno, k.restarts, secs(k.die), secs(k.pierSaw), secs(k.running), secs(k.took)})
}

func (r *report) tables() []*table {
	return []*table{&r.settings, &r.throughput, &r.runs, &r.goals, &r.kills}
}

// standingNotes say how to read the figures.
func (r *report) standingNotes() []string {
	return []string{
		"direct: each connection alternates between the two dynos' own addresses on Docker's bridge (client-side round-robin); published: the same through their ports published on 127.0.0.1; pier: Pier's router by Host; nginx: Debian's nginx in front of the dynos' own addresses, as Pier's router reaches them.",
		"CPU cores are averages over the measured window: the proxy's processes (pier server alone, without its PostgreSQL; nginx master and workers), this load generator, the backends (both containers' processes and their docker-proxy), and everything else on the machine (dockerd, Pier's PostgreSQL, other users' work): a run with much \"other\" was disturbed.",
		"A port published on 127.0.0.1 is served by Docker's userland docker-proxy, one more process copying every byte: Pier's router skips it for dynos on the local engine by dialling their bridge addresses, and nginx is given the same addresses.",
		"Kills: Pier's crash backoff (server/scheduler/backoff.go) may hold a crashed dyno's slot before its replacement starts, longer with each crash restart (column \"crash restarts before\"); a new release starts its dynos with none, so the first-crash series makes one before each kill.",
		"Latencies are exact percentiles of every successful request in the window (sorted samples), measured from writing the request to reading the whole answer.",
	}
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\n== Pier runtime benchmark\n  command: %s\n", r.command)
	for _, t := range r.tables() {
		if len(t.rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n== %s\n", t.title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  %s\n", strings.ToUpper(strings.Join(t.header, "\t")))
		for _, row := range t.rows {
			fmt.Fprintf(tw, "  %s\n", strings.Join(row, "\t"))
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\n== Notes")
	for _, n := range append(r.standingNotes(), r.notes...) {
		fmt.Fprintf(w, "  - %s\n", n)
	}
	fmt.Fprintln(w, "\n"+r.verdict())
}

func (r *report) verdict() string {
	misses := 0
	for _, row := range r.goals.rows {
		if row[3] == "MISS" {
			misses++
		}
	}
	if misses == 0 {
		return "All goals met."
	}
	return fmt.Sprintf("%d goal(s) missed.", misses)
}

// writeMarkdown writes the same report for an issue comment.
func (r *report) writeMarkdown(path string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### Pier runtime benchmark\n\n```\n%s\n```\n", r.command)
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, t := range r.tables() {
		if len(t.rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n**%s**\n\n| %s |\n|%s\n", t.title, strings.Join(t.header, " | "), strings.Repeat(" --- |", len(t.header)))
		for _, row := range t.rows {
			cells := make([]string, len(row))
			for i, c := range row {
				cells[i] = esc(c)
			}
			fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
		}
	}
	b.WriteString("\n")
	for _, n := range append(r.standingNotes(), r.notes...) {
		fmt.Fprintf(&b, "- %s\n", esc(n))
	}
	fmt.Fprintf(&b, "\n%s\n", r.verdict())
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
