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
			_, err = submit(c, fmt.Sprintf("Deploying %s to %s", image, appLabel(app)),
				func() ([]byte, error) { return cl.post(c.Context, appPath(app, "deploys"), body, &r) },
				func() string { return fmt.Sprintf("v%d", r.Version) })
			return err
		},
	}}
}
