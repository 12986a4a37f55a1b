package cli

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// flagsFirst moves a client command's flags ahead of its arguments, so that
// `pier config:set K=V -a app` works as with the heroku CLI: urfave/cli v2
// stops reading flags at the first argument. Everything after "--" stays an
// argument. `pier server` and anything unrecognised pass through unchanged.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		return args
	}
	name := args[1]
	var cmd *cli.Command
	for _, c := range app.Commands {
		if c.HasName(name) {
			cmd = c
		}
	}
	// `pier run CMD -l`: everything after the command's first word is the
	// command's own.
	if cmd == nil || cmd.Name == "server" || cmd.Name == "run" {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		tv, ok := f.(interface{ TakesValue() bool })
		for _, n := range f.Names() {
			takesValue[n] = ok && tv.TakesValue()
		}
	}
	var flags, rest []string
	dashDash := false
	for i := 2; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			dashDash = true
			break
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		n, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if takesValue[n] && !hasValue {
			if i+1 == len(args) {
				// Last, so that the parser says the value is missing rather
				// than take an argument for it.
				return append(append([]string{}, args[:2]...), flags...)
			}
			i++
			flags = append(flags, args[i])
		}
	}
	out := append(append([]string{}, args[:2]...), flags...)
	if dashDash || anyDashed(rest) {
		out = append(out, "--")
	}
	return append(out, rest...)
}

func anyDashed(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			return true
		}
	}
	return false
}
