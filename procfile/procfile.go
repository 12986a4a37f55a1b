// Package procfile reads Heroku's Procfile: one `type: command` per line,
// naming the processes an app runs. Blank lines and `#` comments are
// allowed; every problem is reported with its line number, all at once, so
// that a push fails with everything there is to fix.
package procfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxSize bounds a Procfile; anything larger is not a Procfile.
const MaxSize = 64 << 10

// Process is one line of a Procfile.
type Process struct {
	Type    string
	Command string
	Line    int
}

// Procfile is a parsed Procfile, in file order.
type Procfile []Process

// Map returns the process types and their commands, as Heroku's
// process_types field holds them.
func (p Procfile) Map() map[string]string {
	m := make(map[string]string, len(p))
	for _, proc := range p {
		m[proc.Type] = proc.Command
	}
	return m
}

// LineError is a problem on one line.
type LineError struct {
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("Procfile line %d: %s", e.Line, e.Msg) }

var typeRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,30}$`)

// ValidType tells whether name may be a process type: letters, digits,
// dashes and underscores, at most 30.
func ValidType(name string) bool { return typeRe.MatchString(name) }

// Parse reads a Procfile. The error, when not nil, joins a *LineError for
// every bad line.
func Parse(data []byte) (Procfile, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("Procfile is %d bytes; the limit is %d", len(data), MaxSize)
	}
	if !utf8.Valid(data) {
		return nil, errors.New("Procfile is not UTF-8 text")
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // editors on Windows add a BOM
	var (
		out  Procfile
		errs []error
		seen = map[string]int{}
	)
	for i, raw := range strings.Split(string(data), "\n") {
		n := i + 1
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		bad := func(format string, a ...any) {
			errs = append(errs, &LineError{Line: n, Msg: fmt.Sprintf(format, a...)})
		}
		name, command, ok := strings.Cut(line, ":")
		name, command = strings.TrimSpace(name), strings.TrimSpace(command)
		switch {
		case !ok:
			bad("expected `type: command`, got %q", clip(line))
		case !ValidType(name):
			bad("process type %q must be 1 to 30 letters, digits, dashes or underscores", clip(name))
		case command == "":
			bad("process type %q has no command", name)
		case strings.ContainsRune(command, 0):
			bad("the command for %q contains a NUL byte", name)
		case seen[name] != 0:
			bad("process type %q is already defined on line %d", name, seen[name])
		default:
			seen[name] = n
			out = append(out, Process{Type: name, Command: command, Line: n})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}
