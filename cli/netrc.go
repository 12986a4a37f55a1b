package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ~/.netrc holds the token `pier login` gets, as the heroku CLI keeps its
// own, so that curl -n and git find it too. Edits change only the entry for
// one machine and leave every other byte of the file as it was.

// netrcPath is $NETRC, else ~/.netrc.
func netrcPath() (string, error) {
	if p := os.Getenv("NETRC"); p != "" {
		return p, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("Can't find your home directory for ~/.netrc: %v", err)
	}
	return filepath.Join(home, ".netrc"), nil
}

type netrc struct {
	path    string
	text    string
	entries []netrcEntry
}

// netrcEntry is one "machine" (or "default") entry; start and end are the
// byte offsets of its first and last tokens in the text.
type netrcEntry struct {
	machine         string // empty for "default"
	login, password string
	start, end      int
}

// readNetrc reads and parses a netrc file; a missing file is empty.
func readNetrc(path string) (*netrc, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &netrc{path: path}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("Can't read %s: %v", path, err)
	}
	return parseNetrc(path, string(b)), nil
}

type netrcToken struct {
	value      string
	start, end int
}

// netrcTokens splits netrc text into tokens: whitespace separates them, a
// token starting with # comments out the rest of its line, double quotes
// may wrap a value with spaces, and a macdef body runs to the next blank line.
func netrcTokens(s string) []netrcToken {
	var toks []netrcToken
	i := 0
	for i < len(s) {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		}
		start := i
		var b strings.Builder
		if s[i] == '"' {
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
				i++
			}
			i = min(i+1, len(s))
		} else {
			for i < len(s) && !strings.ContainsRune(" \t\r\n", rune(s[i])) {
				b.WriteByte(s[i])
				i++
			}
		}
		toks = append(toks, netrcToken{b.String(), start, i})
		if n := len(toks); n >= 2 && toks[n-2].value == "macdef" {
			// The macro body ends at an empty line; keep it as one token.
			bodyStart := i
			end := strings.Index(s[i:], "\n\n")
			if end < 0 {
				i = len(s)
			} else {
				i += end + 1
			}
			toks = append(toks, netrcToken{s[bodyStart:i], bodyStart, i})
		}
	}
	return toks
}

func parseNetrc(path, text string) *netrc {
	n := &netrc{path: path, text: text}
	toks := netrcTokens(text)
	var cur *netrcEntry
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := func() string {
			if i+1 < len(toks) {
				i++
				if cur != nil {
					cur.end = toks[i].end
				}
				return toks[i].value
			}
			return ""
		}
		switch t.value {
		case "machine", "default":
			n.entries = append(n.entries, netrcEntry{start: t.start, end: t.end})
			cur = &n.entries[len(n.entries)-1]
			if t.value == "machine" {
				cur.machine = next()
			}
		case "login":
			if v := next(); cur != nil {
				cur.login = v
			}
		case "password":
			if v := next(); cur != nil {
				cur.password = v
			}
		case "account", "macdef":
			next()
			if t.value == "macdef" {
				next() // the body
			}
		default:
			if cur != nil {
				cur.end = t.end
			}
		}
	}
	return n
}

// lookup finds the first entry for machine (never the default entry: its
// password is meant for something else).
func (n *netrc) lookup(machine string) (login, password string, ok bool) {
	for _, e := range n.entries {
		if e.machine != "" && strings.EqualFold(e.machine, machine) {
			return e.login, e.password, true
		}
	}
	return "", "", false
}

// set makes login and password the entry for machine: the first existing
// entry is replaced in place, later duplicates removed; otherwise the entry
// is appended.
func (n *netrc) set(machine, login, password string) {
	line := fmt.Sprintf("machine %s login %s password %s", netrcQuote(machine), netrcQuote(login), netrcQuote(password))
	if !n.cut(machine, line) {
		text := n.text
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		n.text = text + line + "\n"
	}
	*n = *parseNetrc(n.path, n.text)
}

// remove deletes every entry for machine and reports whether there was one.
func (n *netrc) remove(machine string) bool {
	found := n.cut(machine, "")
	*n = *parseNetrc(n.path, n.text)
	return found
}

// cut replaces the first entry for machine with repl and deletes the others,
// each with the rest of its line when that is blank.
func (n *netrc) cut(machine, repl string) bool {
	found := false
	// From the last entry back, so earlier offsets stay valid.
	for i := len(n.entries) - 1; i >= 0; i-- {
		e := n.entries[i]
		if e.machine == "" || !strings.EqualFold(e.machine, machine) {
			continue
		}
		first := true
		for _, o := range n.entries[:i] {
			if o.machine != "" && strings.EqualFold(o.machine, machine) {
				first = false
			}
		}
		start, end := e.start, e.end
		if first && repl != "" {
			n.text = n.text[:start] + repl + n.text[end:]
		} else {
			end += len(n.text[end:]) - len(strings.TrimLeft(n.text[end:], " \t"))
			if strings.HasPrefix(n.text[end:], "\n") {
				end++
			} else if strings.HasPrefix(n.text[end:], "\r\n") {
				end += 2
			}
			n.text = n.text[:start] + n.text[end:]
		}
		found = true
	}
	return found
}

// netrcQuote quotes a value only when it would not be one token otherwise.
func netrcQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\r\n\"\\#") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// save writes the file atomically with mode 0600: it holds secrets.
func (n *netrc) save() error {
	path := n.path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real // keep a symlinked ~/.netrc a symlink
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".netrc-*")
	if err != nil {
		return fmt.Errorf("Can't write %s: %v", n.path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("Can't write %s: %v", n.path, err)
	}
	if _, err := tmp.WriteString(n.text); err != nil {
		tmp.Close()
		return fmt.Errorf("Can't write %s: %v", n.path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("Can't write %s: %v", n.path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("Can't write %s: %v", n.path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("Can't write %s: %v", n.path, err)
	}
	return nil
}
