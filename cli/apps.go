package cli

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// appJSON is what the CLI reads of an app.
type appJSON struct {
	Name   string `json:"name"`
	GitURL string `json:"git_url"`
	WebURL string `json:"web_url"`
	Owner  struct {
		Email string `json:"email"`
	} `json:"owner"`
	Region struct {
		Name string `json:"name"`
	} `json:"region"`
	Stack struct {
		Name string `json:"name"`
	} `json:"stack"`
	CreatedAt   string  `json:"created_at"`
	ReleasedAt  *string `json:"released_at"`
	Maintenance bool    `json:"maintenance"`
}

func appsCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name: "apps", Aliases: []string{"apps:list", "list"}, Category: "apps",
			Usage: "list the apps you can see",
			Flags: []cli.Flag{jsonFlag()},
			Action: func(c *cli.Context) error {
				cl, err := newClient()
				if err != nil {
					return err
				}
				var apps []appJSON
				raw, err := cl.list(c.Context, "/apps", &apps)
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return printJSON(c.App.Writer, raw)
				}
				if len(apps) == 0 {
					fmt.Fprintln(c.App.Writer, "You have no apps.")
					return nil
				}
				sort.Slice(apps, func(i, j int) bool { return apps[i].Name < apps[j].Name })
				rows := make([][]string, len(apps))
				for i, a := range apps {
					rows[i] = []string{a.Name, a.Owner.Email, a.WebURL}
				}
				printTable(c.App.Writer, []string{"Name", "Owner", "Web URL"}, rows)
				return nil
			},
		},
		{
			Name: "apps:create", Aliases: []string{"create"}, Category: "apps",
			Usage: "create an app (with a generated name when NAME is left out)", ArgsUsage: "[NAME]",
			Description: "Inside a git work tree, also adds a git remote for the app (pier, unless --remote names another), unless one of that name exists.",
			Flags: []cli.Flag{jsonFlag(),
				&cli.StringFlag{Name: "remote", Aliases: []string{"r"}, Value: "pier", Usage: "the git remote to add inside a git work tree"}},
			Action: createApp,
		},
		{
			Name: "apps:info", Aliases: []string{"info"}, Category: "apps",
			Usage: "show an app's details", ArgsUsage: "[APP]",
			Flags:  append(appFlags(), jsonFlag()),
			Action: appInfo,
		},
		{
			Name: "apps:rename", Aliases: []string{"rename"}, Category: "apps",
			Usage: "rename an app (and this checkout's git remote for it)", ArgsUsage: "NEWNAME",
			Flags:  appFlags(),
			Action: renameApp,
		},
		{
			Name: "apps:destroy", Aliases: []string{"destroy", "apps:delete"}, Category: "apps",
			Usage: "permanently destroy an app", ArgsUsage: "[APP]",
			Flags: append(appFlags(),
				&cli.StringFlag{Name: "confirm", Aliases: []string{"c"}, Usage: "the app's name, to confirm without a prompt"}),
			Action: destroyApp,
		},
	}
}

func createApp(c *cli.Context) error {
	if err := checkArgs(c, 0, 1); err != nil {
		return err
	}
	cl, err := newClient()
	if err != nil {
		return err
	}
	body := map[string]any{}
	name := c.Args().First()
	if name != "" {
		body["name"] = name
	}
	var a appJSON
	what, suffix := "Creating "+appLabel(name), func() string { return "" }
	if name == "" {
		what, suffix = "Creating app", func() string { return appLabel(a.Name) }
	}
	printed, err := submit(c, what, func() ([]byte, error) { return cl.post(c.Context, "/apps", body, &a) }, suffix)
	if err != nil {
		return err
	}
	added := addGitRemote(c.String("remote"), a.GitURL)
	if printed {
		return nil
	}
	fmt.Fprintf(c.App.Writer, "%s | %s\n", a.WebURL, a.GitURL)
	if added {
		fmt.Fprintf(c.App.Writer, "Git remote %s added\n", c.String("remote"))
	}
	return nil
}

// appFromArgOrFlag lets `apps:info APP` and `apps:destroy APP` name the app
// as an argument, as the heroku CLI allows.
func appFromArgOrFlag(c *cli.Context) (*client, string, error) {
	if err := checkArgs(c, 0, 1); err != nil {
		return nil, "", err
	}
	if arg := c.Args().First(); arg != "" {
		if flag := c.String("app"); flag != "" && flag != arg {
			return nil, "", fmt.Errorf("Two different apps given: %s and %s", arg, flag)
		}
		cl, err := newClient()
		return cl, arg, err
	}
	return appClient(c)
}

func appInfo(c *cli.Context) error {
	cl, app, err := appFromArgOrFlag(c)
	if err != nil {
		return err
	}
	var a appJSON
	raw, err := cl.get(c.Context, appPath(app), &a)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	var formation []formationJSON
	if _, err := cl.list(c.Context, appPath(app, "formation"), &formation); err != nil {
		return err
	}
	var dynos []string
	for _, f := range formation {
		dynos = append(dynos, fmt.Sprintf("%s: %d", f.Type, f.Quantity))
	}
	released := "never"
	if a.ReleasedAt != nil {
		released = humanTime(*a.ReleasedAt)
	}
	printHeading(c.App.Writer, a.Name)
	printKeyValues(c.App.Writer, [][2]string{
		{"Created", humanTime(a.CreatedAt)},
		{"Dynos", strings.Join(dynos, ", ")},
		{"Git URL", a.GitURL},
		{"Maintenance", fmt.Sprint(a.Maintenance)},
		{"Owner", a.Owner.Email},
		{"Region", a.Region.Name},
		{"Released", released},
		{"Stack", a.Stack.Name},
		{"Web URL", a.WebURL},
	})
	return nil
}

func renameApp(c *cli.Context) error {
	if err := checkArgs(c, 1, 1); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	newName := c.Args().First()
	var a appJSON
	err = action(c.App.Writer, fmt.Sprintf("Renaming %s to %s", app, newName), func() (string, error) {
		_, err := cl.patch(c.Context, appPath(app), map[string]any{"name": newName}, &a)
		return "", err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s | %s\n", a.WebURL, a.GitURL)
	renameGitRemotes(c.App.Writer, cl.base, app, a.Name)
	return nil
}

func destroyApp(c *cli.Context) error {
	cl, app, err := appFromArgOrFlag(c)
	if err != nil {
		return err
	}
	confirm := c.String("confirm")
	if confirm == "" {
		if confirm, err = askConfirmation(c, app); err != nil {
			return err
		}
	}
	if confirm != app {
		return fmt.Errorf("Confirmation %q did not match %s: nothing was destroyed", confirm, app)
	}
	return action(c.App.Writer, "Destroying "+appLabel(app), func() (string, error) {
		_, err := cl.delete(c.Context, appPath(app), nil)
		return "", err
	})
}

// askConfirmation asks for the app's name on a terminal; without one the
// command refuses, since nobody confirmed.
func askConfirmation(c *cli.Context, app string) (string, error) {
	refuse := fmt.Errorf("This destroys %s and everything in it, permanently. To proceed, run again with --confirm %s", appLabel(app), app)
	f, ok := c.App.Reader.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", refuse
	}
	fmt.Fprintf(c.App.ErrWriter, " ▸    WARNING: This will destroy %s and everything in it, permanently.\n ▸    To proceed, type %s or re-run this command with --confirm %s\n\n> ", appLabel(app), app, app)
	answer, err := newPrompter(c).line("")
	if err != nil {
		return "", err
	}
	if answer == "" {
		return "", refuse
	}
	return answer, nil
}
