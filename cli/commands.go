package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// clientCommands are the commands that talk to a Pier server, named and
// behaving as the heroku CLI's do.
func clientCommands() []*cli.Command {
	var cmds []*cli.Command
	for _, topic := range [][]*cli.Command{
		authCommands(), appsCommands(), configCommands(), releasesCommands(), psCommands(), dynoCommands(), logsCommands(), maintenanceCommands(), runCommands(),
		domainsCommands(), accessCommands(), usersCommands(), auditCommands(), authorizationsCommands(),
		deployCommands(), buildsCommands(), buildpacksCommands(), gitCommands(), hostsCommands(), certsCommands(),
	} {
		cmds = append(cmds, topic...)
	}
	return cmds
}

// appClient resolves the app a command is about, then the client to reach it.
func appClient(c *cli.Context) (*client, string, error) {
	base, err := apiURL()
	if err != nil {
		return nil, "", err
	}
	app, err := resolveApp(c, base)
	if err != nil {
		return nil, "", err
	}
	cl, err := newClient()
	if err != nil {
		return nil, "", err
	}
	return cl, app, nil
}

// checkArgs enforces a command's count of positional arguments.
func checkArgs(c *cli.Context, min, max int) error {
	n := c.NArg()
	if n >= min && (max < 0 || n <= max) {
		return nil
	}
	usage := "pier " + c.Command.Name
	if c.Command.ArgsUsage != "" {
		usage += " " + c.Command.ArgsUsage
	}
	if n < min {
		return fmt.Errorf("Missing arguments: usage: %s", usage)
	}
	return fmt.Errorf("Unexpected argument %q: usage: %s", c.Args().Get(max), usage)
}
