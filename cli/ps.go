package cli

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// formationJSON is what the CLI reads of one process type's formation.
type formationJSON struct {
	Type     string `json:"type"`
	Command  string `json:"command"`
	Quantity int    `json:"quantity"`
	Size     string `json:"size"`
}

func psCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name: "ps", Aliases: []string{"ps:list"}, Category: "ps",
			Usage:  "show an app's process types: how many of each should run, at which size",
			Flags:  append(appFlags(), jsonFlag()),
			Action: showFormation,
		},
		{
			Name: "ps:scale", Aliases: []string{"scale"}, Category: "ps",
			Usage:       "change how many processes of each type run, and their size",
			ArgsUsage:   "TYPE1=AMOUNT1[:SIZE] [TYPE2+CHANGE ...]",
			Description: "For example: pier ps:scale web=2:Standard-2X worker+1. Without arguments, prints the formation.",
			Flags:       appFlags(),
			Action:      scale,
		},
	}
}

func showFormation(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	var fs []formationJSON
	raw, err := cl.list(c.Context, appPath(app, "formation"), &fs)
	if err != nil {
		return err
	}
	w := c.App.Writer
	if c.Bool("json") {
		return printJSON(w, raw)
	}
	if len(fs) == 0 {
		fmt.Fprintf(w, "%s has no process types yet: they come with its first deploy.\n", appLabel(app))
		return nil
	}
	rows := make([][]string, len(fs))
	for i, f := range fs {
		rows[i] = []string{f.Type, strconv.Itoa(f.Quantity), f.Size, f.Command}
	}
	printHeading(w, appLabel(app)+" Formation")
	printTable(w, []string{"Type", "Quantity", "Size", "Command"}, rows)
	return printDynos(c, cl, app)
}

// scaleArg is the heroku CLI's syntax: web=2, worker+1, web-1, web=2:Standard-2X
// or web:Standard-2X.
var scaleArg = regexp.MustCompile(`^([A-Za-z0-9_-]+?)(?:([=+-])(\d+))?(?::([A-Za-z0-9_-]+))?$`)

type scaleUpdate struct {
	Type     string `json:"type"`
	Quantity string `json:"quantity,omitempty"` // a string, so it may be relative
	Size     string `json:"size,omitempty"`
}

func parseScaleArgs(args []string) ([]scaleUpdate, error) {
	ups := make([]scaleUpdate, 0, len(args))
	for _, arg := range args {
		m := scaleArg.FindStringSubmatch(arg)
		if m == nil || (m[2] == "" && m[4] == "") {
			return nil, fmt.Errorf("Can't read %q: usage: pier ps:scale TYPE1=AMOUNT1[:SIZE] [TYPE2+CHANGE ...], e.g. web=2 worker+1 web=1:Standard-2X", arg)
		}
		up := scaleUpdate{Type: m[1], Size: m[4]}
		switch m[2] {
		case "=":
			up.Quantity = m[3]
		case "+", "-":
			up.Quantity = m[2] + m[3]
		}
		ups = append(ups, up)
	}
	return ups, nil
}

func scale(c *cli.Context) error {
	ups, err := parseScaleArgs(c.Args().Slice())
	if err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	w := c.App.Writer
	var fs []formationJSON
	if len(ups) == 0 {
		if _, err := cl.list(c.Context, appPath(app, "formation"), &fs); err != nil {
			return err
		}
		if len(fs) == 0 {
			return fmt.Errorf("%s has no process types to scale yet: they come with its first deploy", appLabel(app))
		}
		parts := make([]string, len(fs))
		for i, f := range fs {
			parts[i] = fmt.Sprintf("%s=%d:%s", f.Type, f.Quantity, f.Size)
		}
		fmt.Fprintln(w, strings.Join(parts, " "))
		return nil
	}
	return action(w, "Scaling dynos", func() (string, error) {
		if _, err := cl.patch(c.Context, appPath(app, "formation"), map[string]any{"updates": ups}, &fs); err != nil {
			return "", err
		}
		// Report each type once, in the order it was named, as it ended up.
		final := map[string]formationJSON{}
		for _, f := range fs {
			final[f.Type] = f
		}
		var parts []string
		for _, up := range ups {
			if f, ok := final[up.Type]; ok {
				parts = append(parts, fmt.Sprintf("%s at %d:%s", f.Type, f.Quantity, f.Size))
				delete(final, up.Type)
			}
		}
		return "now running " + strings.Join(parts, ", "), nil
	})
}
