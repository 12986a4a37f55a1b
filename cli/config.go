package cli

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

func configCommands() []*cli.Command {
	shell := &cli.BoolFlag{Name: "shell", Aliases: []string{"s"}, Usage: "print KEY=value lines, as a shell or .env file reads them"}
	return []*cli.Command{
		{
			Name: "config", Aliases: []string{"config:list"}, Category: "config",
			Usage:  "show an app's config vars",
			Flags:  append(appFlags(), jsonFlag(), shell),
			Action: showConfig,
		},
		{
			Name: "config:get", Category: "config",
			Usage: "print one config var's value", ArgsUsage: "KEY",
			Flags: append(appFlags(),
				&cli.BoolFlag{Name: "shell", Aliases: []string{"s"}, Usage: "print KEY=value"}),
			Action: getConfig,
		},
		{
			Name: "config:set", Aliases: []string{"config:add"}, Category: "config",
			Usage: "set config vars, making a new release", ArgsUsage: "KEY1=VALUE1 [KEY2=VALUE2 ...]",
			Flags:  appFlags(),
			Action: setConfig,
		},
		{
			Name: "config:unset", Aliases: []string{"config:remove"}, Category: "config",
			Usage: "remove config vars, making a new release", ArgsUsage: "KEY1 [KEY2 ...]",
			Flags:  appFlags(),
			Action: unsetConfig,
		},
	}
}

func showConfig(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	var vars map[string]string
	raw, err := cl.get(c.Context, appPath(app, "config-vars"), &vars)
	if err != nil {
		return err
	}
	w := c.App.Writer
	switch {
	case c.Bool("json"):
		return printJSON(w, raw)
	case c.Bool("shell"):
		for _, k := range sortedKeys(vars) {
			fmt.Fprintf(w, "%s=%s\n", k, shellQuote(vars[k]))
		}
	case len(vars) == 0:
		fmt.Fprintf(w, "%s has no config vars.\n", appLabel(app))
	default:
		printHeading(w, app+" Config Vars")
		printVars(w, vars, sortedKeys(vars))
	}
	return nil
}

func getConfig(c *cli.Context) error {
	if err := checkArgs(c, 1, 1); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	var vars map[string]string
	if _, err := cl.get(c.Context, appPath(app, "config-vars"), &vars); err != nil {
		return err
	}
	key := c.Args().First()
	if c.Bool("shell") {
		fmt.Fprintf(c.App.Writer, "%s=%s\n", key, shellQuote(vars[key]))
	} else {
		// A missing var prints an empty line, as on Heroku.
		fmt.Fprintln(c.App.Writer, vars[key])
	}
	return nil
}

func setConfig(c *cli.Context) error {
	if c.NArg() == 0 {
		return fmt.Errorf("Usage: pier config:set KEY1=VALUE1 [KEY2=VALUE2 ...]: give at least one KEY=VALUE")
	}
	changes := map[string]any{}
	var keys []string
	for _, arg := range c.Args().Slice() {
		k, v, ok := strings.Cut(arg, "=")
		if !ok || k == "" {
			return fmt.Errorf("%s is invalid. Must be in the format FOO=bar.", arg)
		}
		if _, dup := changes[k]; !dup {
			keys = append(keys, k)
		}
		changes[k] = v
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	var vars map[string]string
	err = action(c.App.Writer, fmt.Sprintf("Setting %s and restarting %s", strings.Join(keys, ", "), appLabel(app)), func() (string, error) {
		if _, err := cl.patch(c.Context, appPath(app, "config-vars"), changes, &vars); err != nil {
			return "", err
		}
		return newestRelease(c.Context, cl, app)
	})
	if err != nil {
		return err
	}
	printVars(c.App.Writer, vars, keys)
	return nil
}

func unsetConfig(c *cli.Context) error {
	if c.NArg() == 0 {
		return fmt.Errorf("Usage: pier config:unset KEY1 [KEY2 ...]: give at least one KEY")
	}
	changes := map[string]any{}
	var keys []string
	for _, k := range c.Args().Slice() {
		if _, dup := changes[k]; !dup {
			keys = append(keys, k)
		}
		changes[k] = nil // null removes the var
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	return action(c.App.Writer, fmt.Sprintf("Unsetting %s and restarting %s", strings.Join(keys, ", "), appLabel(app)), func() (string, error) {
		if _, err := cl.patch(c.Context, appPath(app, "config-vars"), changes, nil); err != nil {
			return "", err
		}
		return newestRelease(c.Context, cl, app)
	})
}

// newestRelease returns "vN" for the app's newest release.
func newestRelease(ctx context.Context, cl *client, app string) (string, error) {
	var rs []releaseJSON
	if _, err := cl.getRange(ctx, appPath(app, "releases"), "version ..; max=1, order=desc", &rs); err != nil {
		return "", err
	}
	if len(rs) == 0 {
		return "", nil
	}
	return fmt.Sprintf("v%d", rs[0].Version), nil
}

// printVars prints the given vars as aligned "KEY: value" lines.
func printVars(w io.Writer, vars map[string]string, keys []string) {
	pairs := make([][2]string, 0, len(keys))
	for _, k := range keys {
		if v, ok := vars[k]; ok {
			pairs = append(pairs, [2]string{k, v})
		}
	}
	printKeyValues(w, pairs)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes a value for a POSIX shell only when it needs it.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
