package cli

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/urfave/cli/v2"
)

func gitCommands() []*cli.Command {
	return []*cli.Command{{
		Name: "git:remote", Category: "apps",
		Usage: "add a git remote for an app to this work tree (or point it at the app)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "app", Aliases: []string{"a"}, Usage: "the app the remote points at"},
			&cli.StringFlag{Name: "remote", Aliases: []string{"r"}, Value: "pier", Usage: "the git remote's name"}},
		Action: setGitRemote,
	}}
}

func setGitRemote(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	if !inGitWorkTree() {
		return errors.New("Not inside a git work tree: run git init (or cd into your app's repository) first")
	}
	app := c.String("app")
	if app == "" {
		return errors.New("Name the app: pier git:remote -a APP")
	}
	cl, err := newClient()
	if err != nil {
		return err
	}
	var a appJSON
	if _, err := cl.get(c.Context, appPath(app), &a); err != nil {
		return err
	}
	remote := c.String("remote")
	args := []string{"remote", "add", remote, a.GitURL}
	if hasGitRemote(remote) {
		args = []string{"remote", "set-url", remote, a.GitURL}
	}
	if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(string(out)))
	}
	fmt.Fprintf(c.App.Writer, "set git remote %s to %s\n", remote, a.GitURL)
	return nil
}

func inGitWorkTree() bool {
	out, err := exec.Command("git", "rev-parse", "--is-inside-work-tree").Output()
	return err == nil && strings.TrimSpace(string(out)) == "true"
}

func hasGitRemote(name string) bool {
	return exec.Command("git", "remote", "get-url", name).Run() == nil
}

// addGitRemote adds a remote for a new app when the current directory is
// a git work tree without one of that name, as `heroku create` does.
func addGitRemote(name, url string) bool {
	if !inGitWorkTree() || hasGitRemote(name) {
		return false
	}
	return exec.Command("git", "remote", "add", name, url).Run() == nil
}
