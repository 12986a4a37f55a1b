package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// domainJSON is what the CLI reads of a domain.
type domainJSON struct {
	Hostname string  `json:"hostname"`
	Kind     string  `json:"kind"` // "heroku" for the built-in APP.PIER_DOMAIN
	CNAME    *string `json:"cname"`
	Status   string  `json:"status"`
}

func domainsCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name: "domains", Aliases: []string{"domains:list"}, Category: "domains",
			Usage:  "list the hostnames an app answers at",
			Flags:  append(appFlags(), jsonFlag()),
			Action: listDomains,
		},
		{
			Name: "domains:add", Category: "domains",
			Usage: "make an app answer at a custom hostname", ArgsUsage: "HOSTNAME",
			Flags:  append(appFlags(), jsonFlag()),
			Action: addDomain,
		},
		{
			Name: "domains:remove", Aliases: []string{"domains:rm"}, Category: "domains",
			Usage: "remove a custom hostname from an app", ArgsUsage: "HOSTNAME",
			Flags:  appFlags(),
			Action: removeDomain,
		},
	}
}

func listDomains(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	var ds []domainJSON
	raw, err := cl.list(c.Context, appPath(app, "domains"), &ds)
	if err != nil {
		return err
	}
	w := c.App.Writer
	if c.Bool("json") {
		return printJSON(w, raw)
	}
	var rows [][]string
	for _, d := range ds {
		if d.Kind == "heroku" {
			printHeading(w, app+" Heroku Domain")
			fmt.Fprintf(w, "%s\n\n", d.Hostname)
			continue
		}
		target := ""
		if d.CNAME != nil {
			target = *d.CNAME
		}
		rows = append(rows, []string{d.Hostname, "CNAME", target})
	}
	if len(rows) > 0 {
		printHeading(w, app+" Custom Domains")
		printTable(w, []string{"Domain Name", "DNS Record Type", "DNS Target"}, rows)
	}
	return nil
}

func addDomain(c *cli.Context) error {
	if err := checkArgs(c, 1, 1); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	host := c.Args().First()
	var d domainJSON
	printed, err := submit(c, fmt.Sprintf("Adding %s to %s", host, appLabel(app)), func() ([]byte, error) {
		return cl.post(c.Context, appPath(app, "domains"), map[string]any{"hostname": host}, &d)
	}, nil)
	if err != nil || printed {
		return err
	}
	if d.CNAME != nil {
		fmt.Fprintf(c.App.Writer, "Configure your DNS provider to point %s at %s with a CNAME record.\n", d.Hostname, *d.CNAME)
	}
	return nil
}

func removeDomain(c *cli.Context) error {
	if err := checkArgs(c, 1, 1); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	host := c.Args().First()
	return action(c.App.Writer, fmt.Sprintf("Removing %s from %s", host, appLabel(app)), func() (string, error) {
		_, err := cl.delete(c.Context, appPath(app, "domains", host), nil)
		return "", err
	})
}
