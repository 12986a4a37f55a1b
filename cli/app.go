// Package cli is the `pier` command line: `pier server` runs the control
// plane; every other command talks to a server over its Heroku-style API.
package cli

import (
	"errors"
	"io"
	"os"

	"github.com/urfave/cli/v2"
)

// Version is set at build time.
var Version = "dev"

// New returns the `pier` application. Output goes to stdout and stderr.
func New(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:                 "pier",
		Usage:                "a self-hosted Heroku: git push, releases and process scaling on your Docker hosts",
		Version:              Version,
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		Commands:             []*cli.Command{serverCommand()},
	}
	app.Commands = append(app.Commands, clientCommands()...)
	return app
}

// Main runs the CLI and returns the process exit code.
func Main(args []string) int {
	app := New(os.Stdout, os.Stderr)
	if err := app.Run(flagsFirst(app, args)); err != nil {
		var status exitStatus
		if errors.As(err, &status) {
			return int(status) // the remote command's own status, already reported
		}
		printError(os.Stderr, err)
		return 1
	}
	return 0
}
