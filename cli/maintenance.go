package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func maintenanceCommands() []*cli.Command {
	set := func(on bool) cli.ActionFunc {
		return func(c *cli.Context) error {
			if err := checkArgs(c, 0, 0); err != nil {
				return err
			}
			cl, app, err := appClient(c)
			if err != nil {
				return err
			}
			what := "Disabling maintenance mode for " + appLabel(app)
			if on {
				what = "Enabling maintenance mode for " + appLabel(app)
			}
			return action(c.App.Writer, what, func() (string, error) {
				_, err := cl.patch(c.Context, appPath(app), map[string]any{"maintenance": on}, nil)
				return "", err
			})
		}
	}
	return []*cli.Command{
		{
			Name: "maintenance", Category: "apps", Usage: "show whether an app is in maintenance mode",
			Flags: appFlags(),
			Action: func(c *cli.Context) error {
				cl, app, err := appClient(c)
				if err != nil {
					return err
				}
				var a struct {
					Maintenance bool `json:"maintenance"`
				}
				if _, err := cl.get(c.Context, appPath(app), &a); err != nil {
					return err
				}
				state := "off"
				if a.Maintenance {
					state = "on"
				}
				fmt.Fprintln(c.App.Writer, state)
				return nil
			},
		},
		{
			Name: "maintenance:on", Category: "apps", Flags: appFlags(), Action: set(true),
			Usage: "put an app in maintenance mode: the router answers 503 with a maintenance page",
		},
		{Name: "maintenance:off", Category: "apps", Flags: appFlags(), Action: set(false), Usage: "take an app out of maintenance mode"},
	}
}
