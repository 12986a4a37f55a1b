package cli

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// Tests of the parts that need no server.

func TestFlagsFirst(t *testing.T) {
	app := New(&bytes.Buffer{}, &bytes.Buffer{})
	for _, tc := range []struct{ in, out string }{
		{"pier config:set A=1 B=2 -a app", "pier config:set -a app A=1 B=2"},
		{"pier config:set A=1 --app=app B=2", "pier config:set --app=app A=1 B=2"},
		{"pier releases -a app --json -n 3", "pier releases -a app --json -n 3"},
		{"pier releases:rollback v1 -a app", "pier releases:rollback -a app v1"},
		{"pier ps:scale web=2 worker+1 worker-1 -a app", "pier ps:scale -a app web=2 worker+1 worker-1"},
		{"pier config:unset A -a app -- -B", "pier config:unset -a app -- A -B"},
		{"pier apps:destroy app --confirm app", "pier apps:destroy --confirm app app"},
		{"pier server --data-dir x extra", "pier server --data-dir x extra"},
		{"pier nope x -a y", "pier nope x -a y"},
		{"pier", "pier"},
		{"pier config:set A=1 --json -a", "pier config:set --json -a"},
	} {
		got := strings.Join(flagsFirst(app, strings.Fields(tc.in)), " ")
		if got != tc.out {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, got, tc.out)
		}
	}
}

func TestParseScaleArgs(t *testing.T) {
	ups, err := parseScaleArgs([]string{"web=2", "worker+1", "my-worker-3", "web=2:Standard-2X", "clock:Basic"})
	if err != nil {
		t.Fatal(err)
	}
	want := []scaleUpdate{{"web", "2", ""}, {"worker", "+1", ""}, {"my-worker", "-3", ""}, {"web", "2", "Standard-2X"}, {"clock", "", "Basic"}}
	if !reflect.DeepEqual(ups, want) {
		t.Errorf("got %+v\nwant %+v", ups, want)
	}
	// Quantities go out as strings, as the heroku CLI sends them.
	b, _ := json.Marshal(map[string]any{"updates": ups[:2]})
	if string(b) != `{"updates":[{"type":"web","quantity":"2"},{"type":"worker","quantity":"+1"}]}` {
		t.Errorf("body: %s", b)
	}
	for _, bad := range []string{"web", "web=", "=2", "web=two", "web=2:", "web*2"} {
		if _, err := parseScaleArgs([]string{bad}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestRemoteApp(t *testing.T) {
	api, _ := url.Parse("http://127.0.0.1:5000")
	for raw, want := range map[string]string{
		"http://127.0.0.1:5000/myapp.git":        "myapp",
		"http://localhost:5000/myapp.git/":       "myapp",
		"http://user:tok@127.0.0.1:5000/a-b.git": "a-b",
		"ssh://git@127.0.0.1:2222/myapp.git":     "myapp",
		"git@127.0.0.1:myapp.git":                "myapp",
		"http://127.0.0.1:5001/myapp.git":        "", // another server
		"https://127.0.0.1:5000/myapp.git":       "myapp",
		"https://127.0.0.1/myapp.git":            "", // port 443
		"https://github.com/me/myapp.git":        "",
		"http://127.0.0.1:5000/myapp":            "",
		"/srv/git/myapp.git":                     "",
		"file:///127.0.0.1/myapp.git":            "",
	} {
		got, ok := remoteApp(raw, api)
		if got != want || ok != (want != "") {
			t.Errorf("%s: got %q %v, want %q", raw, got, ok, want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "a=b:c/d,e@f%g+h": "a=b:c/d,e@f%g+h", "two words": "'two words'",
		"": "''", "it's": `'it'\''s'`, "$HOME": "'$HOME'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestPrintTable(t *testing.T) {
	var b bytes.Buffer
	printTable(&b, []string{"", "Name", "Owner"}, [][]string{{"*", "⬢ app", "ann@example.com"}, {"", "longer-name", "b"}})
	want := "   Name         Owner\n   ───────────  ───────────────\n*  ⬢ app        ann@example.com\n   longer-name  b\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
