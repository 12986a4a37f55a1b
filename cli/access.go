package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// collaboratorJSON is what the CLI reads of a collaborator.
type collaboratorJSON struct {
	User struct {
		Email string `json:"email"`
	} `json:"user"`
	Role string `json:"role"`
}

func accessCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name: "access", Aliases: []string{"access:list", "sharing"}, Category: "access",
			Usage: "list who can work on an app",
			Flags: append(appFlags(), jsonFlag()),
			Action: func(c *cli.Context) error {
				if err := checkArgs(c, 0, 0); err != nil {
					return err
				}
				cl, app, err := appClient(c)
				if err != nil {
					return err
				}
				var cs []collaboratorJSON
				raw, err := cl.list(c.Context, appPath(app, "collaborators"), &cs)
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return printJSON(c.App.Writer, raw)
				}
				rows := make([][]string, len(cs))
				for i, col := range cs {
					rows[i] = []string{col.User.Email, col.Role}
				}
				printHeading(c.App.Writer, app+" Access List")
				printTable(c.App.Writer, []string{"Email", "Role"}, rows)
				return nil
			},
		},
		{
			Name: "access:add", Aliases: []string{"sharing:add"}, Category: "access",
			Usage: "let an existing user work on an app (only its owner may)", ArgsUsage: "EMAIL",
			Flags: appFlags(),
			Action: func(c *cli.Context) error {
				return changeAccess(c, "Adding %s access to the app %s", func(cl *client, app, email string) error {
					_, err := cl.post(c.Context, appPath(app, "collaborators"), map[string]any{"user": email}, nil)
					return err
				})
			},
		},
		{
			Name: "access:remove", Aliases: []string{"sharing:remove"}, Category: "access",
			Usage: "take a collaborator's access to an app away", ArgsUsage: "EMAIL",
			Flags: appFlags(),
			Action: func(c *cli.Context) error {
				return changeAccess(c, "Removing %s access from the app %s", func(cl *client, app, email string) error {
					_, err := cl.delete(c.Context, appPath(app, "collaborators", email), nil)
					return err
				})
			},
		},
	}
}

// changeAccess runs access:add or access:remove for the EMAIL argument.
func changeAccess(c *cli.Context, what string, change func(cl *client, app, email string) error) error {
	if err := checkArgs(c, 1, 1); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	email := c.Args().First()
	return action(c.App.Writer, fmt.Sprintf(what, email, app), func() (string, error) {
		return "", change(cl, app, email)
	})
}
