package cli

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/urfave/cli/v2"
)

type buildpackInstallationJSON struct {
	Buildpack struct {
		URL  string `json:"url"`
		Name string `json:"name"`
	} `json:"buildpack"`
	Ordinal int `json:"ordinal"`
}

func buildpacksCommands() []*cli.Command {
	index := &cli.IntFlag{Name: "index", Aliases: []string{"i"}, Usage: "the buildpack's place in the list, from 1"}
	return []*cli.Command{
		{
			Name: "buildpacks", Category: "buildpacks",
			Usage:  "list the buildpacks an app builds with (none: Pier's bundled ones detect it)",
			Flags:  append(appFlags(), jsonFlag()),
			Action: listBuildpacks,
		},
		{
			Name: "buildpacks:set", Category: "buildpacks",
			Usage:     "set an app's buildpack (a bundled name such as go, a tarball or git URL, or file:///path on the server)",
			ArgsUsage: "BUILDPACK", Flags: append(appFlags(), index),
			Action: func(c *cli.Context) error { return changeBuildpacks(c, "set") },
		},
		{
			Name: "buildpacks:add", Category: "buildpacks",
			Usage: "add a buildpack to an app's list (last, or at --index)", ArgsUsage: "BUILDPACK",
			Flags:  append(appFlags(), index),
			Action: func(c *cli.Context) error { return changeBuildpacks(c, "add") },
		},
		{
			Name: "buildpacks:remove", Category: "buildpacks",
			Usage: "remove a buildpack from an app's list, by URL or --index", ArgsUsage: "[BUILDPACK]",
			Flags:  append(appFlags(), index),
			Action: func(c *cli.Context) error { return changeBuildpacks(c, "remove") },
		},
		{
			Name: "buildpacks:clear", Category: "buildpacks",
			Usage:  "clear an app's buildpacks: Pier's bundled ones detect it again",
			Flags:  appFlags(),
			Action: func(c *cli.Context) error { return changeBuildpacks(c, "clear") },
		},
		{
			Name: "builds:cache:purge", Category: "builds",
			Usage:  "empty an app's build cache: the next build fetches everything again",
			Flags:  appFlags(),
			Action: purgeBuildCache,
		},
	}
}

func listBuildpacks(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	var list []buildpackInstallationJSON
	raw, err := cl.get(c.Context, appPath(app, "buildpack-installations"), &list)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	printBuildpacks(c, app, list)
	return nil
}

func printBuildpacks(c *cli.Context, app string, list []buildpackInstallationJSON) {
	w := c.App.Writer
	if len(list) == 0 {
		fmt.Fprintf(w, "%s has no buildpacks set: Pier's bundled ones (go, nodejs, python, static) detect it.\n", appLabel(app))
		return
	}
	printHeading(w, app+" Buildpack URL")
	if len(list) == 1 {
		fmt.Fprintln(w, list[0].Buildpack.URL)
		return
	}
	for i, bp := range list {
		fmt.Fprintf(w, "%d. %s\n", i+1, bp.Buildpack.URL)
	}
}

// changeBuildpacks reads the app's list, changes it and writes it back
// whole, as Heroku's CLI does.
func changeBuildpacks(c *cli.Context, how string) error {
	min, max := 1, 1
	switch how {
	case "clear":
		min, max = 0, 0
	case "remove":
		min = 0
	}
	if err := checkArgs(c, min, max); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	var current []buildpackInstallationJSON
	if _, err := cl.get(c.Context, appPath(app, "buildpack-installations"), &current); err != nil {
		return err
	}
	urls := make([]string, len(current))
	for i, bp := range current {
		urls[i] = bp.Buildpack.URL
	}
	arg, idx := c.Args().First(), c.Int("index")
	if idx < 0 || idx > len(urls)+1 || (idx == len(urls)+1 && how != "add" && how != "set") {
		return fmt.Errorf("--index %d is not a place in %s's list of %d buildpacks", idx, app, len(urls))
	}
	switch how {
	case "set":
		if idx == 0 || len(urls) == 0 {
			urls = []string{arg}
		} else if idx == len(urls)+1 {
			urls = append(urls, arg)
		} else {
			urls[idx-1] = arg
		}
	case "add":
		if slices.Contains(urls, arg) {
			return fmt.Errorf("%s is already in %s's buildpacks", arg, app)
		}
		if idx == 0 {
			idx = len(urls) + 1
		}
		urls = slices.Insert(urls, idx-1, arg)
	case "remove":
		switch {
		case arg != "" && idx != 0:
			return fmt.Errorf("Give a buildpack's URL or --index, not both")
		case arg != "":
			i := slices.Index(urls, arg)
			if i < 0 {
				return fmt.Errorf("%s is not one of %s's buildpacks", arg, app)
			}
			urls = slices.Delete(urls, i, i+1)
		case idx != 0:
			urls = slices.Delete(urls, idx-1, idx)
		default:
			return fmt.Errorf("Give the buildpack's URL or --index: usage: pier buildpacks:remove [BUILDPACK] [-i N]")
		}
	case "clear":
		urls = nil
	}
	updates := make([]map[string]string, len(urls))
	for i, u := range urls {
		updates[i] = map[string]string{"buildpack": u}
	}
	var out []buildpackInstallationJSON
	if _, err := cl.put(c.Context, appPath(app, "buildpack-installations"), map[string]any{"updates": updates}, &out); err != nil {
		return err
	}
	printBuildpacks(c, app, out)
	fmt.Fprintln(c.App.Writer, "The next build uses "+plural(len(out), "this buildpack", "these buildpacks")+".")
	return nil
}

func plural(n int, one, many string) string {
	switch n {
	case 0:
		return "the bundled buildpacks"
	case 1:
		return one
	}
	return many + " (" + strconv.Itoa(n) + ")"
}

func purgeBuildCache(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	return action(c.App.Writer, "Purging the build cache of "+appLabel(app), func() (string, error) {
		_, err := cl.delete(c.Context, appPath(app, "build-cache"), nil)
		return "", err
	})
}
