package cli

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNetrcSetKeepsOtherEntries(t *testing.T) {
	for _, tc := range []struct{ name, in, out string }{
		{"empty", "", "machine pier.example.com login ann@example.com password pier_new\n"},
		{"no final newline", "machine a login x password y",
			"machine a login x password y\nmachine pier.example.com login ann@example.com password pier_new\n"},
		{"replaced in place, others untouched",
			"# tokens\nmachine api.heroku.com\n  login me\n  password h1\nmachine pier.example.com\n  login old\n  password pier_old\n# after\nmachine git.heroku.com login me password h2\n",
			"# tokens\nmachine api.heroku.com\n  login me\n  password h1\nmachine pier.example.com login ann@example.com password pier_new\n# after\nmachine git.heroku.com login me password h2\n"},
		{"duplicates removed, case-insensitive",
			"machine PIER.example.com login a password 1\nmachine other login b password 2\nmachine pier.example.com login c password 3\ndefault login anonymous password guest\n",
			"machine pier.example.com login ann@example.com password pier_new\nmachine other login b password 2\ndefault login anonymous password guest\n"},
		{"macdef body is not parsed as entries",
			"machine ftp login a password b macdef init\ncd /pub\nmachine pier.example.com\n\nmachine z login q password r\n",
			"machine ftp login a password b macdef init\ncd /pub\nmachine pier.example.com\n\nmachine z login q password r\nmachine pier.example.com login ann@example.com password pier_new\n"},
		{"quoted values", `machine x login "a b" password "c\"d"` + "\n",
			`machine x login "a b" password "c\"d"` + "\nmachine pier.example.com login ann@example.com password pier_new\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := parseNetrc("", tc.in)
			n.set("pier.example.com", "ann@example.com", "pier_new")
			if n.text != tc.out {
				t.Errorf("got:\n%s\nwant:\n%s", n.text, tc.out)
			}
			if login, pw, ok := n.lookup("pier.example.com"); !ok || login != "ann@example.com" || pw != "pier_new" {
				t.Errorf("lookup after set: %q %q %v", login, pw, ok)
			}
		})
	}
}

func TestNetrcLookupAndRemove(t *testing.T) {
	n := parseNetrc("", "default login d password dp\nmachine a login \"x y\" password \"p\\\"q\"\n  machine b\n  login bl\n  password bp  \nmachine c login cl password cp\n")
	if l, p, ok := n.lookup("a"); !ok || l != "x y" || p != `p"q` {
		t.Errorf("lookup a: %q %q %v", l, p, ok)
	}
	if _, _, ok := n.lookup("nope"); ok {
		t.Error("the default entry must not answer for other machines")
	}
	if !n.remove("b") || n.remove("b") {
		t.Error("remove b: want true once")
	}
	want := "default login d password dp\nmachine a login \"x y\" password \"p\\\"q\"\n  machine c login cl password cp\n"
	if n.text != want {
		t.Errorf("after remove:\n%q\nwant\n%q", n.text, want)
	}
	if l, p, ok := n.lookup("c"); !ok || l != "cl" || p != "cp" {
		t.Errorf("lookup c after remove: %q %q %v", l, p, ok)
	}
}

func TestNetrcSaveIsPrivate(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real-netrc")
	if err := os.WriteFile(real, []byte("machine a login b password c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".netrc")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	n, err := readNetrc(link)
	if err != nil {
		t.Fatal(err)
	}
	n.set("h", "u", "t")
	if err := n.save(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Lstat(link)
	if err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v %v", st.Mode(), err)
	}
	st, err = os.Stat(real)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v, want 0600", st.Mode(), err)
	}
	b, _ := os.ReadFile(real)
	if string(b) != "machine a login b password c\nmachine h login u password t\n" {
		t.Errorf("content: %q", b)
	}
	if n, err := readNetrc(filepath.Join(dir, "missing")); err != nil || len(n.entries) != 0 {
		t.Errorf("a missing file is empty: %v %v", n, err)
	}
}
