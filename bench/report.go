package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// row is one line of the results table; goal == "" marks an informational
// figure with no pass/miss.
type row struct {
	figure, value, goal string
	pass                bool
}

// report collects the settings and figures and prints them at the end.
type report struct {
	settings [][2]string
	rows     []row
}

func (r *report) setting(name, format string, args ...any) {
	r.settings = append(r.settings, [2]string{name, fmt.Sprintf(format, args...)})
}

func (r *report) goal(figure, value, goal string, pass bool) {
	r.rows = append(r.rows, row{figure, value, goal, pass})
}

func (r *report) info(figure, format string, args ...any) {
	r.rows = append(r.rows, row{figure: figure, value: fmt.Sprintf(format, args...)})
}

func (r *report) print(w io.Writer) {
	fmt.Fprintln(w, "\n== Pier benchmark: settings")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range r.settings {
		fmt.Fprintf(tw, "  %s\t%s\n", s[0], s[1])
	}
	tw.Flush()

	fmt.Fprintln(w, "\n== Pier benchmark: results")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  FIGURE\tVALUE\tGOAL\tRESULT")
	misses := 0
	for _, x := range r.rows {
		result, goal := "info", x.goal
		switch {
		case goal == "":
			goal = "-"
		case x.pass:
			result = "PASS"
		default:
			result = "MISS"
			misses++
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", x.figure, x.value, goal, result)
	}
	tw.Flush()
	if misses == 0 {
		fmt.Fprintln(w, "\nAll goals met.")
	} else {
		fmt.Fprintf(w, "\n%d goal(s) missed.\n", misses)
	}
}
