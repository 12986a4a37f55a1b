package cli

import (
	"errors"
	"net/url"
	"strconv"

	"github.com/urfave/cli/v2"
)

// auditJSON is one entry of Pier's audit log (GET /audit is Pier's own).
type auditJSON struct {
	CreatedAt string `json:"created_at"`
	Actor     *struct {
		Email string `json:"email"`
	} `json:"actor"`
	SourceIP string `json:"source_ip"`
	Action   string `json:"action"`
	App      string `json:"app"`
	Status   int    `json:"status"`
	Outcome  string `json:"outcome"`
	Message  string `json:"message"`
}

func auditCommands() []*cli.Command {
	return []*cli.Command{{
		Name: "audit", Category: "audit",
		Usage: "show who changed what, from where, newest first (admins only)",
		Flags: []cli.Flag{
			// Only a filter here: the audit log is not about one app by default,
			// so no app is taken from git remotes.
			&cli.StringFlag{Name: "app", Aliases: []string{"a"}, Usage: "only entries about this app"},
			&cli.IntFlag{Name: "num", Aliases: []string{"n"}, Value: 50, Usage: "how many entries to show (1 to 1000)"},
			jsonFlag(),
		},
		Action: showAudit,
	}}
}

func showAudit(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	n := c.Int("num")
	if n < 1 || n > 1000 {
		return errors.New("--num must be from 1 to 1000")
	}
	cl, err := newClient()
	if err != nil {
		return err
	}
	q := url.Values{"limit": {strconv.Itoa(n)}}
	if app := c.String("app"); app != "" {
		q.Set("app", app)
	}
	var es []auditJSON
	raw, err := cl.get(c.Context, "/audit?"+q.Encode(), &es)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	rows := make([][]string, len(es))
	for i, e := range es {
		actor := "-"
		if e.Actor != nil {
			actor = e.Actor.Email
		}
		rows[i] = []string{humanTime(e.CreatedAt), actor, e.SourceIP, e.Action, e.App, strconv.Itoa(e.Status), e.Outcome, e.Message}
	}
	printTable(c.App.Writer, []string{"Time", "Actor", "IP", "Action", "App", "Status", "Outcome", "Message"}, rows)
	return nil
}
