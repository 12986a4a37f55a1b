package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// userJSON is what the CLI reads of a user (GET and POST /users are Pier's
// own: Heroku has no such endpoints).
type userJSON struct {
	Email     string `json:"email"`
	Admin     bool   `json:"admin"`
	Password  string `json:"password"` // only when the server generated it
	CreatedAt string `json:"created_at"`
}

func usersCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name: "users", Aliases: []string{"users:list"}, Category: "users",
			Usage: "list the users of this Pier (admins only)",
			Flags: []cli.Flag{jsonFlag()},
			Action: func(c *cli.Context) error {
				if err := checkArgs(c, 0, 0); err != nil {
					return err
				}
				cl, err := newClient()
				if err != nil {
					return err
				}
				var us []userJSON
				raw, err := cl.list(c.Context, "/users", &us)
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return printJSON(c.App.Writer, raw)
				}
				rows := make([][]string, len(us))
				for i, u := range us {
					role := "user"
					if u.Admin {
						role = "admin"
					}
					rows[i] = []string{u.Email, role, humanTime(u.CreatedAt)}
				}
				printTable(c.App.Writer, []string{"Email", "Role", "Created"}, rows)
				return nil
			},
		},
		{
			Name: "users:add", Aliases: []string{"users:create"}, Category: "users",
			Usage: "add a user (admins only); without --password one is generated and shown once", ArgsUsage: "EMAIL",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "admin", Usage: "make the user an admin: admins see and manage every app and user"},
				&cli.StringFlag{Name: "password", Aliases: []string{"p"}, Usage: "the user's password (8 to 72 characters)"},
				jsonFlag(),
			},
			Action: addUser,
		},
	}
}

func addUser(c *cli.Context) error {
	if err := checkArgs(c, 1, 1); err != nil {
		return err
	}
	cl, err := newClient()
	if err != nil {
		return err
	}
	email := c.Args().First()
	body := map[string]any{"email": email, "admin": c.Bool("admin")}
	if p := c.String("password"); p != "" {
		body["password"] = p
	}
	var u userJSON
	what := "Adding user " + email
	if c.Bool("admin") {
		what = "Adding admin " + email
	}
	printed, err := submit(c, what, func() ([]byte, error) { return cl.post(c.Context, "/users", body, &u) }, nil)
	if err != nil || printed {
		return err
	}
	if u.Password != "" {
		fmt.Fprintf(c.App.Writer, "Password for %s: %s\n", u.Email, u.Password)
		fmt.Fprintf(c.App.Writer, "It is not shown again: pass it on safely. They log in with `pier login --email %s`.\n", u.Email)
	}
	return nil
}
