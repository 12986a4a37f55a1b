package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pier-paas/pier/server/docker/dockertest"
)

// gitAs runs git in dir as u (whose ~/.netrc `pier login` wrote), never
// prompting; it returns the combined output and whether git succeeded.
func (u *user) gitAs(dir string, args ...string) (string, bool) {
	cmd := exec.Command("git", append([]string{"-c", "user.name=Test", "-c", "user.email=test@example.com"}, args...)...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + u.home, "GIT_TERMINAL_PROMPT=0", "LANG=C"}
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

func (u *user) gitOK(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, ok := u.gitAs(dir, args...)
	if !ok {
		t.Fatalf("git %s failed:\n%s", strings.Join(args, " "), out)
	}
	return out
}

var writingObjects = regexp.MustCompile(`Writing objects: 100% \((\d+)/(\d+)\)`)

// objectsSent is how many objects a `git push --progress` sent.
func objectsSent(t *testing.T, out string) int {
	t.Helper()
	m := writingObjects.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no object count in the push's output:\n%s", out)
	}
	n, _ := strconv.Atoi(m[2])
	return n
}

// git push builds and releases the pushed commit, with Heroku's output as
// remote: lines; a second push sends only new objects and builds from the
// cache. Other branches, broken builds, bad tokens and racing pushes are
// refused clearly, and the running release keeps serving.
func testGitPush(t *testing.T, e *env) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dockertest.Engine(t)
	e.startServer()
	u := e.login("admin@example.com", adminPassword)
	repo := appDir(t, "pushed one\n")
	u.gitOK(t, repo, "init", "-q", "-b", "main")
	contains(t, "apps:create in a work tree", u.in(repo).ok("apps:create", "pushed"), "Git remote pier added")
	t.Cleanup(func() { dockertest.RemoveImages("pier-build/pushed") })
	want(t, "remote", u.gitOK(t, repo, "remote", "get-url", "pier"), e.url+"/pushed.git\n")
	u.gitOK(t, repo, "add", "-A")
	u.gitOK(t, repo, "commit", "-qm", "first")

	out := u.gitOK(t, repo, "push", "--progress", "pier", "main")
	contains(t, "first push", out, "remote: -----> Building the Dockerfile", "remote: -----> Launching... done, v2",
		"remote:        http://pushed.localhost:"+e.web+"/ deployed to Pier", "* [new branch]      main -> main")
	first := objectsSent(t, out)
	until(t, "v2 serving", func() bool { _, body, _ := e.get("pushed.localhost"); return body == "pushed one" })
	commit := strings.TrimSpace(u.gitOK(t, repo, "rev-parse", "HEAD"))
	contains(t, "release of a push", u.ok("releases", "-a", "pushed"), "Deploy "+commit[:7])

	os.WriteFile(filepath.Join(repo, "index.html"), []byte("pushed two\n"), 0o644)
	u.gitOK(t, repo, "commit", "-qam", "second")
	out = u.gitOK(t, repo, "push", "--progress", "pier", "main")
	contains(t, "second push", out, "Using cache", "remote: -----> Launching... done, v3")
	if second := objectsSent(t, out); second > 3 || second >= first {
		t.Errorf("the second push sent %d objects (the first %d): only the new blob, tree and commit should go", second, first)
	}
	until(t, "v3 serving", func() bool { _, body, _ := e.get("pushed.localhost"); return body == "pushed two" })

	out, ok := u.gitAs(repo, "push", "pier", "main:feature")
	if ok || !strings.Contains(out, "only main and master deploy") || !strings.Contains(out, "[remote rejected] main -> feature") {
		t.Errorf("push to another branch:\n%s", out)
	}

	os.WriteFile(filepath.Join(repo, "Procfile"), []byte("web /bin/busybox httpd\n"), 0o644)
	u.gitOK(t, repo, "commit", "-qam", "broken")
	out, ok = u.gitAs(repo, "push", "pier", "main")
	if ok || !strings.Contains(out, "remote:  !     Procfile line 1: expected `type: command`") || !strings.Contains(out, "[remote rejected] main -> main (build failed)") {
		t.Errorf("broken push:\n%s", out)
	}
	if _, body, _ := e.get("pushed.localhost"); body != "pushed two" {
		t.Errorf("after a broken push the app answers %q", body)
	}
	u.gitOK(t, repo, "reset", "-q", "--hard", "HEAD~1")

	u.gitOK(t, repo, "remote", "add", "badtoken", strings.Replace(e.url, "http://", "http://x:pier_notatoken@", 1)+"/pushed.git")
	out, ok = u.gitAs(repo, "push", "badtoken", "main")
	if ok || !strings.Contains(out, "remote: Invalid credentials") || !strings.Contains(out, "Authentication failed") {
		t.Errorf("push with a bad token:\n%s", out)
	}

	// Two clones push at once: the second waits for the first, says so,
	// and is refused as stale since main moved under it.
	clones := make([]string, 2)
	for i := range clones {
		clones[i] = t.TempDir()
		u.gitOK(t, clones[i], "clone", "-q", repo, ".")
		u.gitOK(t, clones[i], "remote", "add", "pier", e.url+"/pushed.git")
		os.WriteFile(filepath.Join(clones[i], "index.html"), []byte("clone "+strconv.Itoa(i)+"\n"), 0o644)
		os.WriteFile(filepath.Join(clones[i], "Dockerfile"), []byte("FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"sleep\", \"1\"]\n"+
			"COPY busybox /bin/sh\nCOPY index.html /www/index.html\n"), 0o644)
		u.gitOK(t, clones[i], "commit", "-qam", "clone "+strconv.Itoa(i))
	}
	outs := make([]string, 2)
	oks := make([]bool, 2)
	var wg sync.WaitGroup
	for i := range clones {
		wg.Add(1)
		go func() { defer wg.Done(); outs[i], oks[i] = u.gitAs(clones[i], "push", "pier", "main") }()
	}
	wg.Wait()
	if oks[0] == oks[1] {
		t.Fatalf("racing pushes: both %v\n%s\n---\n%s", oks[0], outs[0], outs[1])
	}
	loser := outs[0]
	if oks[0] {
		loser = outs[1]
	}
	contains(t, "the push that waited", loser, "Waiting for the build already running", "moved to", "(fetch first)")

	other := t.TempDir()
	u.gitOK(t, other, "init", "-q")
	want(t, "git:remote", u.in(other).ok("git:remote", "-a", "pushed"), "set git remote pier to "+e.url+"/pushed.git\n")
	contains(t, "git:remote outside a work tree", u.in(t.TempDir()).fails("git:remote", "-a", "pushed"), "Not inside a git work tree")
}
