package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func testLoginLogout(t *testing.T, e *env) {
	e.startServer()
	u := e.newUser()
	others := "# my machines\nmachine example.com\n  login me@example.com\n  password secret-one\n" +
		"machine 127.0.0.1 login old@example.com password old-token\n" +
		"default login anonymous password guest\n"
	netrcFile := filepath.Join(u.home, ".netrc")
	if err := os.WriteFile(netrcFile, []byte(others), 0o644); err != nil {
		t.Fatal(err)
	}

	want(t, "wrong password", u.fails("login", "--email", "admin@example.com", "--password", "wrong-password"), "Invalid credentials provided.")
	want(t, "login output", u.ok("login", "--email", "admin@example.com", "--password", adminPassword), "Logged in as admin@example.com\n")

	readNetrcFile := func() string {
		b, err := os.ReadFile(netrcFile)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	text := readNetrcFile()
	entry := regexp.MustCompile(`(?m)^machine 127\.0\.0\.1 login admin@example\.com password (pier_[0-9a-f]+)$`)
	m := entry.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no entry for the API host in ~/.netrc:\n%s", text)
	}
	token := m[1]
	contains(t, "~/.netrc keeps other entries", text, "# my machines\nmachine example.com\n  login me@example.com\n  password secret-one\n",
		"default login anonymous password guest\n")
	lacks(t, "~/.netrc replaced the old entry", text, "old-token", "old@example.com")
	if st, err := os.Stat(netrcFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("~/.netrc mode: %v %v, want 0600", st.Mode(), err)
	}

	// Later commands use the stored token.
	want(t, "whoami", u.ok("auth:whoami"), "admin@example.com\n")
	want(t, "auth:token", u.ok("auth:token"), token+"\n")
	want(t, "apps", u.ok("apps"), "You have no apps.\n")

	// Logging in again, password on stdin, replaces the token and revokes the old one.
	u.stdin = adminPassword + "\n"
	want(t, "second login", u.ok("login", "--email", "admin@example.com"), "Logged in as admin@example.com\n")
	u.stdin = ""
	text = readNetrcFile()
	if n := strings.Count(text, "machine 127.0.0.1"); n != 1 {
		t.Errorf("%d entries for 127.0.0.1 after a second login:\n%s", n, text)
	}
	m = entry.FindStringSubmatch(text)
	if m == nil || m[1] == token {
		t.Fatalf("second login kept the old token:\n%s", text)
	}
	contains(t, "old token revoked", u.with("PIER_API_KEY="+token).fails("auth:whoami"), "Invalid credentials provided")
	token = m[1]

	// No email or password and no terminal to ask on.
	contains(t, "login without input", u.fails("login"), "Give your email and password")

	// $NETRC is where the token goes when set.
	custom := filepath.Join(t.TempDir(), "netrc")
	v := e.newUser().with("NETRC=" + custom)
	v.ok("login", "--email", "admin@example.com", "--password", adminPassword)
	if b, err := os.ReadFile(custom); err != nil || !entry.Match(b) {
		t.Errorf("$NETRC: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(v.home, ".netrc")); err == nil {
		t.Error("~/.netrc written although $NETRC was set")
	}

	want(t, "logout", u.ok("logout"), "Logging out... done\n")
	text = readNetrcFile()
	lacks(t, "~/.netrc after logout", text, "127.0.0.1", token)
	contains(t, "~/.netrc after logout", text, "machine example.com\n  login me@example.com\n  password secret-one\n", "default login anonymous password guest")
	contains(t, "token revoked by logout", u.with("PIER_API_KEY="+token).fails("auth:whoami"), "Invalid credentials provided")
	want(t, "logged out", u.fails("apps"), "Not logged in to "+e.url+": run `pier login` (or set PIER_API_KEY)")
	want(t, "second logout", u.ok("logout"), "Not logged in to 127.0.0.1\n")
}

func testBadToken(t *testing.T, e *env) {
	e.startServer()
	u := e.newUser().with("PIER_API_KEY=pier_0123456789abcdef")
	r := u.run("apps")
	want(t, "stdout", r.stdout, "")
	want(t, "stderr", r.stderr, " ▸    Invalid credentials provided: check PIER_API_KEY, or unset it and run `pier login`\n")
	want(t, "exit code", fmt.Sprint(r.code), "1")

	// A stale token in ~/.netrc.
	v := e.newUser()
	if err := os.WriteFile(filepath.Join(v.home, ".netrc"), []byte("machine 127.0.0.1 login a@example.com password pier_stale\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want(t, "stale ~/.netrc token", v.fails("config", "-a", "whatever"), "Invalid credentials provided: run `pier login`")
}

func testServerDown(t *testing.T, e *env) {
	e.url = "http://127.0.0.1:" + freePort(t) // nothing listens there
	u := e.newUser().with("PIER_API_KEY=pier_0123456789abcdef")
	want(t, "server down", u.fails("apps"), "Can't reach the Pier API at "+e.url+": is `pier server` running?")
	want(t, "login with the server down", u.fails("login", "--email", "a@example.com", "--password", "password1"),
		"Can't reach the Pier API at "+e.url+": is `pier server` running?")
	want(t, "bad PIER_API_URL", u.with("PIER_API_URL=localhost:5000").fails("apps"),
		`PIER_API_URL="localhost:5000" is not a URL such as http://localhost:5000`)
}

func testAuthorizations(t *testing.T, e *env) {
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	out := u.ok("authorizations:create", "-d", "ci deploys", "-e", "3600")
	m := regexp.MustCompile(`(?m)^ID:\s+(\S+)$`).FindStringSubmatch(out)
	tok := regexp.MustCompile(`(?m)^Token:\s+(pier_[0-9a-f]+)$`).FindStringSubmatch(out)
	if m == nil || tok == nil {
		t.Fatalf("authorizations:create output:\n%s", out)
	}
	ci := u.with("PIER_API_KEY=" + tok[1])
	want(t, "the new token works", ci.ok("auth:whoami"), "admin@example.com\n")
	list := u.ok("authorizations")
	contains(t, "authorizations", list, m[1], "ci deploys", "in 3")
	lacks(t, "authorizations never shows secrets", list, tok[1])
	contains(t, "revoke", u.ok("authorizations:revoke", m[1]), "done")
	contains(t, "a revoked token fails", ci.fails("auth:whoami"), "Invalid credentials")
	lacks(t, "revoked token listed", u.ok("authorizations"), m[1])
	contains(t, "unknown id", u.fails("authorizations:revoke", "00000000-0000-0000-0000-000000000000"), "Couldn't find that authorization.")
}
