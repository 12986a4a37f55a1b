package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// deployCommands release a container image, Empire-style: for teams whose
// CI builds images, and until `git push` builds exist.
func deployCommands() []*cli.Command {
	return []*cli.Command{{
		Name: "deploy", Category: "releases",
		Usage:     "release a Docker image (its Procfile, else its command as web) with the app's config",
		ArgsUsage: "IMAGE",
		Flags:     append(appFlags(), jsonFlag()),
		Action: func(c *cli.Context) error {
			if err := checkArgs(c, 1, 1); err != nil {
				return err
			}
			cl, app, err := appClient(c)
			if err != nil {
				return err
			}
			image := c.Args().First()
			body := map[string]any{"image": image}
			var r releaseJSON
			if c.Bool("json") {
				raw, err := cl.post(c.Context, appPath(app, "deploys"), body, &r)
				if err != nil {
					return err
				}
				return printJSON(c.App.Writer, raw)
			}
			return action(c.App.Writer, fmt.Sprintf("Deploying %s to %s", image, appLabel(app)), func() (string, error) {
				_, err := cl.post(c.Context, appPath(app, "deploys"), body, &r)
				return fmt.Sprintf("v%d", r.Version), err
			})
		},
	}}
}
