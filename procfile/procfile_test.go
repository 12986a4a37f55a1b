package procfile

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := "\ufeff# Procfile for the demo\r\n" +
		"web: bin/server --port $PORT\r\n" +
		"\n" +
		"   worker:   bundle exec sidekiq -c 5   \n" +
		"release: ./migrate && echo done: ok\n" +
		"clock_2: ./clock # not a comment: part of the command\n"
	p, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := Procfile{
		{Type: "web", Command: "bin/server --port $PORT", Line: 2},
		{Type: "worker", Command: "bundle exec sidekiq -c 5", Line: 4},
		{Type: "release", Command: "./migrate && echo done: ok", Line: 5},
		{Type: "clock_2", Command: "./clock # not a comment: part of the command", Line: 6},
	}
	if len(p) != len(want) {
		t.Fatalf("%d processes: %+v", len(p), p)
	}
	for i := range want {
		if p[i] != want[i] {
			t.Errorf("process %d: %+v, want %+v", i, p[i], want[i])
		}
	}
	if m := p.Map(); m["web"] != "bin/server --port $PORT" || len(m) != 4 {
		t.Fatal(m)
	}
	if p, err := Parse(nil); err != nil || len(p) != 0 {
		t.Fatal(p, err)
	}
}

func TestParseReportsEveryBadLineWithItsNumber(t *testing.T) {
	src := "web: ./web\n" +
		"just a command\n" + // 2: no colon
		"bad type!: ./x\n" + // 3: invalid type
		"worker:\n" + // 4: no command
		"web: ./again\n" + // 5: duplicate
		strings.Repeat("a", 31) + ": ./long\n" // 6: type too long
	_, err := Parse([]byte(src))
	if err == nil {
		t.Fatal("accepted a bad Procfile")
	}
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var le *LineError
		if !errors.As(e, &le) {
			t.Fatalf("%v is not a LineError", e)
		}
		lines = append(lines, le.Line)
	}
	if len(lines) != 5 || lines[0] != 2 || lines[1] != 3 || lines[2] != 4 || lines[3] != 5 || lines[4] != 6 {
		t.Fatalf("errors on lines %v:\n%v", lines, err)
	}
	for _, want := range []string{"Procfile line 2: expected `type: command`", "line 3: process type \"bad type!\"",
		"line 4: process type \"worker\" has no command", "line 5: process type \"web\" is already defined on line 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestParseRefusesWhatIsNotAProcfile(t *testing.T) {
	for _, b := range [][]byte{[]byte("web: \xff\xfe"), []byte(strings.Repeat("#", MaxSize+1)), []byte("web: a\x00b")} {
		if _, err := Parse(b); err == nil {
			t.Errorf("accepted %.20q", b)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("web: ./web\nworker: ./w\n"))
	f.Add([]byte("# c\n\nweb:x\r\n"))
	f.Add([]byte(":\n:::\nweb::\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, proc := range p {
			if !ValidType(proc.Type) || proc.Command == "" || seen[proc.Type] || proc.Line < 1 {
				t.Fatalf("%q parsed to a bad process %+v", b, proc)
			}
			seen[proc.Type] = true
		}
	})
}
