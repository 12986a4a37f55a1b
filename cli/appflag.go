package cli

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"path"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// appFlags are -a/--app and -r/--remote, on every command about one app.
// New flag values each time: urfave/cli flags keep state once parsed.
func appFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "app", Aliases: []string{"a"}, Usage: "the app to act on (default: the one this git checkout's remote points at)"},
		&cli.StringFlag{Name: "remote", Aliases: []string{"r"}, Usage: "take the app from this git remote"},
	}
}

var errNoApp = errors.New("No app specified: use -a APP (or run inside a git checkout with a pier remote)")

// resolveApp returns --app, else the app that a git remote of the current
// directory points at on the API host (as `git push pier` would deploy it).
// A remote named "pier" wins; several other apps are ambiguous.
func resolveApp(c *cli.Context, api *url.URL) (string, error) {
	if a := strings.TrimSpace(c.String("app")); a != "" {
		return a, nil
	}
	remotes := gitRemotes()
	if name := c.String("remote"); name != "" {
		for _, r := range remotes {
			if r.name == name {
				if app, ok := remoteApp(r.url, api); ok {
					return app, nil
				}
				return "", fmt.Errorf("git remote %s (%s) does not point at an app on %s", name, r.url, api.Host)
			}
		}
		return "", fmt.Errorf("There is no git remote %s here: see `git remote -v`", name)
	}
	found := map[string][]string{} // app -> remotes
	for _, r := range remotes {
		app, ok := remoteApp(r.url, api)
		if !ok {
			continue
		}
		if r.name == "pier" {
			return app, nil
		}
		found[app] = append(found[app], r.name)
	}
	switch len(found) {
	case 0:
		return "", errNoApp
	case 1:
		for app := range found {
			return app, nil
		}
	}
	var which []string
	for app, names := range found {
		which = append(which, fmt.Sprintf("%s (remote %s)", app, strings.Join(names, ", ")))
	}
	sort.Strings(which)
	return "", fmt.Errorf("This checkout's git remotes point at several apps: %s; use -a APP or --remote REMOTE", strings.Join(which, ", "))
}

type gitRemote struct{ name, url string }

// gitRemotes lists the current directory's git remotes with their fetch
// URLs; none outside a checkout or without git.
func gitRemotes() []gitRemote {
	out, err := exec.Command("git", "remote", "-v").Output()
	if err != nil {
		return nil
	}
	var rs []gitRemote
	seen := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || seen[f[0]] || (len(f) > 2 && f[2] == "(push)") {
			continue
		}
		seen[f[0]] = true
		rs = append(rs, gitRemote{f[0], f[1]})
	}
	return rs
}

// remoteApp returns the app a git URL names when it points at the API host:
// http(s)://HOST[:PORT]/APP.git, or an ssh URL on the same host name.
func remoteApp(raw string, api *url.URL) (string, bool) {
	var host, port, p string
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" && u.Host != "" {
		host, p = u.Hostname(), u.Path
		switch u.Scheme {
		case "http", "https":
			port = portOf(u)
			if port != portOf(api) {
				return "", false
			}
		case "ssh", "git", "git+ssh", "ssh+git":
		default:
			return "", false
		}
	} else if before, after, ok := strings.Cut(raw, ":"); ok && !strings.Contains(before, "/") {
		// scp-like: [user@]host:path/APP.git
		_, host, _ = strings.Cut(before, "@")
		if host == "" {
			host = before
		}
		p = after
	} else {
		return "", false
	}
	if !sameHost(host, api.Hostname()) {
		return "", false
	}
	base := path.Base(strings.TrimSuffix(p, "/"))
	app, ok := strings.CutSuffix(base, ".git")
	if !ok || app == "" {
		return "", false
	}
	return app, true
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// sameHost compares host names; the loopback names all mean this machine.
func sameHost(a, b string) bool {
	loop := func(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" }
	return strings.EqualFold(a, b) || (loop(strings.ToLower(a)) && loop(strings.ToLower(b)))
}

// renameGitRemotes points this checkout's remotes for app old at newName,
// as `heroku apps:rename` does, so -a stays optional after a rename.
func renameGitRemotes(w io.Writer, api *url.URL, old, newName string) {
	for _, r := range gitRemotes() {
		if app, ok := remoteApp(r.url, api); !ok || app != old {
			continue
		}
		i := strings.LastIndex(r.url, old+".git")
		if i < 0 {
			continue
		}
		newURL := r.url[:i] + newName + r.url[i+len(old):]
		if err := exec.Command("git", "remote", "set-url", r.name, newURL).Run(); err != nil {
			fmt.Fprintf(w, "Couldn't update git remote %s: run `git remote set-url %s %s`\n", r.name, r.name, newURL)
			continue
		}
		fmt.Fprintf(w, "Git remote %s updated\n", r.name)
	}
}
