package cli

import "github.com/urfave/cli/v2"

// clientCommands are the commands that talk to a Pier server.
func clientCommands() []*cli.Command {
	return nil
}
