package cli

import (
	"fmt"
	"net/url"

	"github.com/urfave/cli/v2"
)

// authorizationJSON is what the CLI reads of an API token.
type authorizationJSON struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	CreatedAt   string `json:"created_at"`
	AccessToken struct {
		Token     string `json:"token"`
		ExpiresIn *int64 `json:"expires_in"`
	} `json:"access_token"`
}

// authorizationsCommands manage one's API tokens, as heroku's do.
func authorizationsCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name: "authorizations", Aliases: []string{"authorizations:list"}, Category: "authorizations",
			Usage: "list your API tokens", Flags: []cli.Flag{jsonFlag()}, Action: listAuthorizations,
		},
		{
			Name: "authorizations:create", Category: "authorizations",
			Usage: "create an API token (for CI or scripts); it is shown once",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "description", Aliases: []string{"d"}, Usage: "what the token is for"},
				&cli.Int64Flag{Name: "expires-in", Aliases: []string{"e"}, Usage: "seconds until it expires (default: never)"},
				jsonFlag(),
			},
			Action: createAuthorization,
		},
		{
			Name: "authorizations:revoke", Aliases: []string{"authorizations:destroy"}, Category: "authorizations",
			Usage: "revoke an API token: it stops working at once", ArgsUsage: "ID", Action: revokeAuthorization,
		},
	}
}

func listAuthorizations(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, err := newClient()
	if err != nil {
		return err
	}
	var as []authorizationJSON
	raw, err := cl.list(c.Context, "/oauth/authorizations", &as)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	if len(as) == 0 {
		fmt.Fprintln(c.App.Writer, "You have no API tokens.")
		return nil
	}
	rows := make([][]string, len(as))
	for i, a := range as {
		expires := "never"
		if a.AccessToken.ExpiresIn != nil {
			expires = fmt.Sprintf("in %ds", *a.AccessToken.ExpiresIn)
		}
		rows[i] = []string{a.ID, a.Description, humanTime(a.CreatedAt), expires}
	}
	printTable(c.App.Writer, []string{"ID", "Description", "Created", "Expires"}, rows)
	return nil
}

func createAuthorization(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, err := newClient()
	if err != nil {
		return err
	}
	body := map[string]any{"description": c.String("description"), "scope": []string{"global"}}
	if c.IsSet("expires-in") {
		body["expires_in"] = c.Int64("expires-in")
	}
	var a authorizationJSON
	raw, err := cl.post(c.Context, "/oauth/authorizations", body, &a)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	printKeyValues(c.App.Writer, [][2]string{{"ID", a.ID}, {"Description", a.Description}, {"Token", a.AccessToken.Token}})
	return nil
}

func revokeAuthorization(c *cli.Context) error {
	if err := checkArgs(c, 1, 1); err != nil {
		return err
	}
	cl, err := newClient()
	if err != nil {
		return err
	}
	id := c.Args().First()
	return action(c.App.Writer, "Revoking API token "+id, func() (string, error) {
		_, err := cl.delete(c.Context, "/oauth/authorizations/"+url.PathEscape(id), nil)
		return "", err
	})
}
