package cli

import (
	"fmt"
	"io"
	"net/http"

	"github.com/urfave/cli/v2"
)

func logsCommands() []*cli.Command {
	return []*cli.Command{{
		Name: "logs", Category: "logs",
		Usage: "show an app's log: its dynos' output, router lines and API events",
		Flags: append(appFlags(),
			&cli.IntFlag{Name: "num", Aliases: []string{"n"}, Usage: "number of lines to show (at most 1500)", Value: 100},
			&cli.BoolFlag{Name: "tail", Aliases: []string{"t"}, Usage: "keep following the log"},
			&cli.StringFlag{Name: "dyno", Aliases: []string{"d", "ps"}, Usage: "only this dyno or type (web.1, web, router)"},
			&cli.StringFlag{Name: "source", Aliases: []string{"s"}, Usage: "only this source: app or heroku"},
		),
		Action: showLogs,
	}}
}

func showLogs(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	var session struct {
		URL string `json:"logplex_url"`
	}
	body := map[string]any{"lines": c.Int("num"), "tail": c.Bool("tail")}
	if d := c.String("dyno"); d != "" {
		body["dyno"] = d
	}
	if s := c.String("source"); s != "" {
		body["source"] = s
	}
	if _, err := cl.post(c.Context, appPath(app, "log-sessions"), body, &session); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(c.Context, http.MethodGet, session.URL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/plain")
	req.Header.Set("User-Agent", "pier-cli/"+Version)
	// A tail runs until interrupted: no overall timeout.
	res, err := (&http.Client{}).Do(req)
	if err != nil {
		if c.Context.Err() != nil {
			return nil
		}
		return cl.unreachable(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("the log stream answered %s", res.Status)
	}
	_, err = io.Copy(c.App.Writer, res.Body)
	if c.Context.Err() != nil {
		return nil // interrupted: the normal end of a tail
	}
	return err
}
