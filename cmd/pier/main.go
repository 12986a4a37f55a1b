// Command pier is Pier's single binary: `pier server` runs the control plane,
// every other subcommand is the CLI.
package main

import (
	"os"

	"github.com/pier-paas/pier/cli"
)

func main() { os.Exit(cli.Main(os.Args)) }
