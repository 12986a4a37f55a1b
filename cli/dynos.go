package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// dynoJSON is what the CLI reads of one dyno.
type dynoJSON struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	State   string `json:"state"`
	Reason  string `json:"pending_reason"`
	Host    string `json:"host"`
	Release struct {
		Version int `json:"version"`
	} `json:"release"`
	UpdatedAt string `json:"updated_at"`
}

func dynoCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name: "ps:restart", Aliases: []string{"restart"}, Category: "ps",
			Usage:     "restart all dynos, the dynos of a type (new ones start before old ones stop), or one dyno",
			ArgsUsage: "[web|web.1]",
			Flags:     appFlags(),
			Action:    restartDynos,
		},
		{
			Name: "ps:stop", Aliases: []string{"stop", "ps:kill"}, Category: "ps",
			Usage:       "stop a dyno, or all dynos of a type; the formation starts fresh ones",
			ArgsUsage:   "web|web.1",
			Description: "To stop running a process type for good, scale it to zero with ps:scale.",
			Flags:       appFlags(),
			Action:      stopDynos,
		},
	}
}

// printDynos lists the dynos that run, Heroku-style, after the formation.
func printDynos(c *cli.Context, cl *client, app string) error {
	var ds []dynoJSON
	if _, err := cl.list(c.Context, appPath(app, "dynos"), &ds); err != nil {
		return err
	}
	if len(ds) == 0 {
		return nil
	}
	var rows [][]string
	var pending []string
	reason := ""
	for _, d := range ds {
		if d.State == "pending" {
			pending, reason = append(pending, d.Name), d.Reason
			continue
		}
		rows = append(rows, []string{d.Name, d.State, fmt.Sprintf("v%d", d.Release.Version), d.Host, humanTime(d.UpdatedAt)})
	}
	w := c.App.Writer
	if len(rows) > 0 {
		fmt.Fprintln(w)
		printHeading(w, appLabel(app)+" Dynos")
		printTable(w, []string{"Dyno", "State", "Release", "Host", "Since"}, rows)
	}
	if len(pending) > 0 {
		fmt.Fprintf(w, "\n%d dynos pending (%s): %s. They start when a host has room.\n", len(pending), strings.Join(pending, ", "), reason)
	}
	return nil
}

func restartDynos(c *cli.Context) error {
	if err := checkArgs(c, 0, 1); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	target, path, what := c.Args().First(), appPath(app, "dynos"), "Restarting dynos"
	if target != "" {
		path = appPath(app, "dynos", target)
		what = "Restarting " + target + " dynos"
		if strings.Contains(target, ".") {
			what = "Restarting " + target + " dyno"
		}
	}
	return action(c.App.Writer, what+" on "+appLabel(app), func() (string, error) {
		_, err := cl.delete(c.Context, path, nil)
		return "", err
	})
}

func stopDynos(c *cli.Context) error {
	if err := checkArgs(c, 1, 1); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	target := c.Args().First()
	what := "Stopping " + target + " dynos"
	if strings.Contains(target, ".") {
		what = "Stopping " + target + " dyno"
	}
	return action(c.App.Writer, what+" on "+appLabel(app), func() (string, error) {
		_, err := cl.post(c.Context, appPath(app, "dynos", target, "actions", "stop"), nil, nil)
		return "", err
	})
}
