package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// releaseJSON is what the CLI reads of a release.
type releaseJSON struct {
	Version             int    `json:"version"`
	Description         string `json:"description"`
	Status              string `json:"status"`
	Current             bool   `json:"current"`
	EligibleForRollback bool   `json:"eligible_for_rollback"`
	CreatedAt           string `json:"created_at"`
	User                struct {
		Email string `json:"email"`
	} `json:"user"`
}

func releasesCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name: "releases", Aliases: []string{"releases:list"}, Category: "releases",
			Usage: "list an app's newest releases",
			Flags: append(appFlags(), jsonFlag(),
				&cli.IntFlag{Name: "num", Aliases: []string{"n"}, Value: 15, Usage: "how many releases to show"}),
			Action: listReleases,
		},
		{
			Name: "releases:info", Category: "releases",
			Usage: "show a release (the newest by default) and its config", ArgsUsage: "[vN]",
			Flags:  append(appFlags(), jsonFlag()),
			Action: releaseInfo,
		},
		{
			Name: "releases:rollback", Aliases: []string{"rollback"}, Category: "releases",
			Usage:       "release an earlier release's code and config again",
			Description: "Without vN, rolls back to the release before the newest one that can be rolled back to.",
			ArgsUsage:   "[vN]",
			Flags:       appFlags(),
			Action:      rollback,
		},
	}
}

// newestClient prepares a command listing an app's newest N things
// (releases, builds): no arguments, --num from 1 to 1000.
func newestClient(c *cli.Context) (*client, string, int, error) {
	if err := checkArgs(c, 0, 0); err != nil {
		return nil, "", 0, err
	}
	n := c.Int("num")
	if n < 1 || n > 1000 {
		return nil, "", 0, errors.New("--num must be from 1 to 1000")
	}
	cl, app, err := appClient(c)
	return cl, app, n, err
}

// releaseRange asks for the n newest releases.
func releaseRange(n int) string { return fmt.Sprintf("version ..; max=%d, order=desc", n) }

// releaseArg turns "v12" or "12" into "12"; anything else (an id) is kept.
func releaseArg(s string) string {
	if n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(s), "v")); err == nil {
		return strconv.Itoa(n)
	}
	return s
}

func listReleases(c *cli.Context) error {
	cl, app, n, err := newestClient(c)
	if err != nil {
		return err
	}
	var rs []releaseJSON
	raw, err := cl.getRange(c.Context, appPath(app, "releases"), releaseRange(n), &rs)
	if err != nil {
		return err
	}
	w := c.App.Writer
	if c.Bool("json") {
		return printJSON(w, raw)
	}
	if len(rs) == 0 {
		fmt.Fprintf(w, "%s has no releases.\n", appLabel(app))
		return nil
	}
	title := app + " Releases"
	rows := make([][]string, len(rs))
	for i, r := range rs {
		mark := ""
		if r.Current {
			mark = "*"
			title = fmt.Sprintf("%s Releases - Current: v%d", app, r.Version)
		}
		desc := r.Description
		if r.Status != "" && r.Status != "succeeded" {
			desc += " (" + r.Status + ")"
		}
		rows[i] = []string{mark, fmt.Sprintf("v%d", r.Version), desc, r.User.Email, humanTime(r.CreatedAt)}
	}
	printHeading(w, title)
	printTable(w, []string{"", "Version", "Description", "User", "Created"}, rows)
	return nil
}

func releaseInfo(c *cli.Context) error {
	if err := checkArgs(c, 0, 1); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	ident := releaseArg(c.Args().First())
	if ident == "" {
		var rs []releaseJSON
		if _, err := cl.getRange(c.Context, appPath(app, "releases"), releaseRange(1), &rs); err != nil {
			return err
		}
		if len(rs) == 0 {
			return fmt.Errorf("%s has no releases", appLabel(app))
		}
		ident = strconv.Itoa(rs[0].Version)
	}
	var r releaseJSON
	raw, err := cl.get(c.Context, appPath(app, "releases", ident), &r)
	if err != nil {
		return err
	}
	w := c.App.Writer
	if c.Bool("json") {
		return printJSON(w, raw)
	}
	var vars map[string]string
	if _, err := cl.get(c.Context, appPath(app, "releases", ident, "config-vars"), &vars); err != nil {
		return err
	}
	printHeading(w, fmt.Sprintf("Release v%d", r.Version))
	printKeyValues(w, [][2]string{
		{"By", r.User.Email},
		{"Change", r.Description},
		{"Current", fmt.Sprint(r.Current)},
		{"Status", r.Status},
		{"When", humanTime(r.CreatedAt)},
	})
	fmt.Fprintln(w)
	printHeading(w, fmt.Sprintf("v%d Config vars", r.Version))
	printVars(w, vars, sortedKeys(vars))
	return nil
}

func rollback(c *cli.Context) error {
	if err := checkArgs(c, 0, 1); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	var rs []releaseJSON
	if _, err := cl.getRange(c.Context, appPath(app, "releases"), releaseRange(50), &rs); err != nil {
		return err
	}
	target := releaseArg(c.Args().First())
	if target == "" {
		// As the heroku CLI: the second newest release that can be rolled
		// back to, i.e. the one before the newest good one.
		var eligible []releaseJSON
		for _, r := range rs {
			if r.EligibleForRollback {
				eligible = append(eligible, r)
			}
		}
		if len(eligible) < 2 {
			return fmt.Errorf("%s has no earlier release to roll back to: give a version, such as v1", appLabel(app))
		}
		target = strconv.Itoa(eligible[1].Version)
	}
	label := target
	if _, err := strconv.Atoi(target); err == nil {
		label = "v" + target
	}
	var created releaseJSON
	err = action(c.App.Writer, fmt.Sprintf("Rolling back %s to %s", appLabel(app), label), func() (string, error) {
		_, err := cl.post(c.Context, appPath(app, "releases"), map[string]any{"release": target}, &created)
		return fmt.Sprintf("v%d", created.Version), err
	})
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Current {
			fmt.Fprintf(c.App.Writer, "To undo, run: pier releases:rollback v%d -a %s\n", r.Version, app)
			break
		}
	}
	return nil
}
