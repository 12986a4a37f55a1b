package cli

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func testApps(t *testing.T, e *env) {
	e.startServer()
	u := e.login("admin@example.com", adminPassword)

	want(t, "apps:create", u.ok("apps:create", "hello"),
		"Creating ⬢ hello... done\nhttp://hello.localhost:"+e.web+"/ | "+e.url+"/hello.git\n")
	out := u.ok("apps:create")
	m := regexp.MustCompile(`^Creating app\.\.\. done, ⬢ ([a-z][a-z0-9-]+)\nhttp://([a-z0-9-]+)\.localhost:` + e.web + `/ \| (\S+)\n$`).FindStringSubmatch(out)
	if m == nil || m[2] != m[1] || m[3] != e.url+"/"+m[1]+".git" {
		t.Fatalf("apps:create without a name: %q", out)
	}
	generated := m[1]
	r := u.run("apps:create", "hello")
	want(t, "duplicate name: stdout", r.stdout, "Creating ⬢ hello... !\n")
	want(t, "duplicate name: stderr", r.stderr, " ▸    Name hello is already taken.\n")
	want(t, "duplicate name: exit", fmt.Sprint(r.code), "1")

	out = u.ok("apps")
	contains(t, "apps", out, "Name", "Owner", "Web URL")
	rows := tableRows(t, out)
	if len(rows) != 2 || !hasRow(rows, "hello", "admin@example.com", "http://hello.localhost:"+e.web+"/") ||
		!hasRow(rows, generated, "admin@example.com") {
		t.Errorf("apps rows: %q", rows)
	}

	info := u.ok("apps:info", "-a", "hello")
	if !strings.HasPrefix(info, "=== hello\n\n") {
		t.Errorf("apps:info heading: %q", info)
	}
	for _, re := range []string{`(?m)^Git URL:\s+` + regexp.QuoteMeta(e.url+"/hello.git") + `$`,
		`(?m)^Owner:\s+admin@example\.com$`, `(?m)^Web URL:\s+http://hello\.localhost:` + e.web + `/$`, `(?m)^Released:\s+\d{4}/`} {
		if !regexp.MustCompile(re).MatchString(info) {
			t.Errorf("apps:info lacks %s:\n%s", re, info)
		}
	}
	want(t, "apps:info APP", u.ok("apps:info", "hello"), info)

	want(t, "apps:rename", u.ok("apps:rename", "hello-two", "-a", "hello"),
		"Renaming hello to hello-two... done\nhttp://hello-two.localhost:"+e.web+"/ | "+e.url+"/hello-two.git\n")
	want(t, "old name gone", u.fails("apps:info", "-a", "hello"), "Couldn't find that app.")
	contains(t, "new name", u.ok("apps:info", "-a", "hello-two"), "=== hello-two\n")

	contains(t, "destroy without --confirm", u.fails("apps:destroy", "-a", "hello-two"), "--confirm hello-two")
	contains(t, "destroy with a wrong --confirm", u.fails("apps:destroy", "-a", "hello-two", "--confirm", "hello"), "did not match hello-two")
	contains(t, "app survives refused destroys", u.ok("apps"), "hello-two")
	want(t, "apps:destroy", u.ok("apps:destroy", "hello-two", "--confirm", "hello-two"), "Destroying ⬢ hello-two... done\n")
	out = u.ok("apps")
	lacks(t, "apps after destroy", out, "hello-two")
	contains(t, "apps after destroy", out, generated)
	want(t, "destroyed", u.fails("apps:info", "-a", "hello-two"), "Couldn't find that app.")
	want(t, "no app", u.fails("apps:info"), "No app specified: use -a APP (or run inside a git checkout with a pier remote)")
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func testGitRemote(t *testing.T, e *env) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	u.ok("apps:create", "myapp")
	u.ok("apps:create", "theirs")
	repo := t.TempDir()
	git(t, repo, "init", "-q")
	git(t, repo, "remote", "add", "pier", e.url+"/myapp.git")
	in := u.in(repo)

	contains(t, "config:set from the remote", in.ok("config:set", "WHERE=remote"), "Setting WHERE and restarting ⬢ myapp... done, v2\n")
	contains(t, "apps:info from the remote", in.ok("apps:info"), "=== myapp\n")
	want(t, "-a wins", strings.SplitN(in.ok("apps:info", "-a", "theirs"), "\n", 2)[0], "=== theirs")

	// Remotes elsewhere are ignored; the remote named pier wins over others.
	git(t, repo, "remote", "add", "origin", "https://github.com/example/theirs.git")
	git(t, repo, "remote", "add", "staging", e.url+"/theirs.git")
	contains(t, "pier remote wins", in.ok("apps:info"), "=== myapp\n")
	contains(t, "--remote", in.ok("apps:info", "--remote", "staging"), "=== theirs\n")
	contains(t, "--remote elsewhere", in.fails("apps:info", "-r", "origin"), "does not point at an app on 127.0.0.1:"+e.port)

	// Without a pier remote one matching remote is enough; two apps are ambiguous.
	git(t, repo, "remote", "remove", "pier")
	contains(t, "only remote", in.ok("apps:info"), "=== theirs\n")
	git(t, repo, "remote", "add", "prod", "http://localhost:"+e.port+"/myapp.git")
	msg := in.fails("apps:info")
	contains(t, "ambiguous remotes", msg, "several apps", "myapp (remote prod)", "theirs (remote staging)", "-a APP")

	// Renaming an app follows it in the checkout's remotes.
	git(t, repo, "remote", "remove", "staging")
	want(t, "rename", in.ok("apps:rename", "myapp-two"),
		"Renaming myapp to myapp-two... done\nhttp://myapp-two.localhost:"+e.web+"/ | "+e.url+"/myapp-two.git\nGit remote prod updated\n")
	want(t, "remote after rename", git(t, repo, "remote", "get-url", "prod"), "http://localhost:"+e.port+"/myapp-two.git\n")
	want(t, "config after rename", in.ok("config:get", "WHERE"), "remote\n")

	want(t, "no remote", u.fails("config"), "No app specified: use -a APP (or run inside a git checkout with a pier remote)")
}

// testPagination checks that lists follow Next-Range past the server's
// 200-item pages.
func testPagination(t *testing.T, e *env) {
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	token := strings.TrimSpace(u.ok("auth:token"))
	for i := range 201 {
		e.api(token, "POST", "/apps", map[string]any{"name": fmt.Sprintf("page-%03d", i)}, nil)
	}
	var apps []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(u.ok("apps", "--json")), &apps); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, a := range apps {
		names[a.Name] = true
	}
	if len(apps) != 201 || len(names) != 201 {
		t.Errorf("apps --json: %d apps, %d distinct; want 201", len(apps), len(names))
	}
	rows := tableRows(t, u.ok("apps"))
	if len(rows) != 201 || rows[0][0] != "page-000" || rows[200][0] != "page-200" {
		t.Errorf("apps: %d rows, first %v, last %v", len(rows), rows[0], rows[len(rows)-1])
	}
}
