package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

func authCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name: "login", Aliases: []string{"auth:login"}, Category: "auth",
			Usage:       "log in with your email and password; the API token is kept in ~/.netrc",
			Description: "Asks for the email and password on a terminal; otherwise give them as flags, or the password on stdin.",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "email", Aliases: []string{"e"}, Usage: "your email"},
				&cli.StringFlag{Name: "password", Aliases: []string{"p"}, Usage: "your password (visible to other local users: prefer the prompt or stdin)"},
			},
			Action: login,
		},
		{
			Name: "logout", Aliases: []string{"auth:logout"}, Category: "auth",
			Usage:  "revoke the token `pier login` stored and remove it from ~/.netrc",
			Action: logout,
		},
		{
			Name: "auth:token", Category: "auth",
			Usage: "print the API token in use (for curl, scripts or the heroku CLI)",
			Action: func(c *cli.Context) error {
				cl, err := newClient()
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, cl.token)
				return nil
			},
		},
		{
			Name: "auth:whoami", Aliases: []string{"whoami"}, Category: "auth",
			Usage: "print the email you are logged in as",
			Flags: []cli.Flag{jsonFlag()},
			Action: func(c *cli.Context) error {
				cl, err := newClient()
				if err != nil {
					return err
				}
				var account struct {
					Email string `json:"email"`
				}
				raw, err := cl.get(c.Context, "/account", &account)
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return printJSON(c.App.Writer, raw)
				}
				fmt.Fprintln(c.App.Writer, account.Email)
				return nil
			},
		},
	}
}

func login(c *cli.Context) error {
	base, _, n, err := loginState()
	if err != nil {
		return err
	}
	p := newPrompter(c)
	email := strings.TrimSpace(c.String("email"))
	if email == "" {
		if email, err = p.line("Email: "); err != nil {
			return err
		}
	}
	password := c.String("password")
	if password == "" {
		if password, err = p.secret("Password: "); err != nil {
			return err
		}
	}
	if email == "" || password == "" {
		return errors.New("Give your email and password: pier login --email EMAIL (the password is asked for, or read from stdin)")
	}
	host, _ := os.Hostname()
	cl := &client{base: base, http: newHTTPClient()}
	var auth struct {
		AccessToken *struct {
			Token string `json:"token"`
		} `json:"access_token"`
		User struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	_, err = cl.call(c.Context, request{
		method: http.MethodPost, path: "/oauth/authorizations", login: &[2]string{email, password},
		body: map[string]any{"description": "pier CLI login from " + host, "scope": []string{"global"}},
	}, &auth)
	if err != nil {
		return err
	}
	if auth.AccessToken == nil || auth.AccessToken.Token == "" {
		return errors.New("The API answered the login without a token")
	}
	if auth.User.Email != "" {
		email = auth.User.Email
	}
	machine := base.Hostname()
	_, oldToken, _ := n.lookup(machine)
	n.set(machine, email, auth.AccessToken.Token)
	if err := n.save(); err != nil {
		return err
	}
	// The previous login's token is no longer stored anywhere: revoke it, as
	// the heroku CLI does, rather than leave it valid and forgotten.
	if oldToken != "" && oldToken != auth.AccessToken.Token {
		ctx, cancel := context.WithTimeout(c.Context, 10*time.Second)
		defer cancel()
		old := &client{base: base, token: oldToken, http: newHTTPClient()}
		_, _ = old.delete(ctx, "/oauth/sessions/~", nil)
	}
	fmt.Fprintf(c.App.Writer, "Logged in as %s\n", email)
	if os.Getenv("PIER_API_KEY") != "" {
		fmt.Fprintln(c.App.ErrWriter, "Warning: PIER_API_KEY is set; commands use it rather than this login.")
	}
	return nil
}

func logout(c *cli.Context) error {
	base, path, n, err := loginState()
	if err != nil {
		return err
	}
	_, token, ok := n.lookup(base.Hostname())
	if !ok {
		fmt.Fprintf(c.App.Writer, "Not logged in to %s\n", base.Hostname())
		return nil
	}
	var warning error
	err = action(c.App.Writer, "Logging out", func() (string, error) {
		if token != "" {
			cl := &client{base: base, token: token, http: newHTTPClient()}
			_, err := cl.delete(c.Context, "/oauth/sessions/~", nil)
			var ae *apiError
			// A token the server no longer accepts is as good as revoked.
			if err != nil && !(errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusNotFound)) {
				warning = err
			}
		}
		n.remove(base.Hostname())
		return "", n.save()
	})
	if err != nil {
		return err
	}
	if warning != nil {
		fmt.Fprintf(c.App.ErrWriter, "Warning: the token was removed from %s but not revoked: %v\n", path, warning)
	}
	if os.Getenv("PIER_API_KEY") != "" {
		fmt.Fprintln(c.App.ErrWriter, "Warning: PIER_API_KEY is still set; commands keep using it.")
	}
	return nil
}

// prompter asks questions on a terminal, or reads the answers as lines from
// a stdin that is not one (so a password can be piped in).
type prompter struct {
	in   io.Reader
	out  io.Writer
	tty  bool
	read *bufio.Reader
}

func newPrompter(c *cli.Context) *prompter {
	p := &prompter{in: c.App.Reader, out: c.App.ErrWriter}
	if f, ok := c.App.Reader.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	if p.in == nil {
		p.in = os.Stdin
	}
	p.read = bufio.NewReader(p.in)
	return p
}

func (p *prompter) line(prompt string) (string, error) {
	if p.tty {
		fmt.Fprint(p.out, prompt)
	}
	s, err := p.read.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSpace(s), nil
}

func (p *prompter) secret(prompt string) (string, error) {
	if !p.tty {
		s, err := p.read.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return strings.TrimRight(s, "\r\n"), nil
	}
	fmt.Fprint(p.out, prompt)
	b, err := term.ReadPassword(int(p.in.(*os.File).Fd()))
	fmt.Fprintln(p.out)
	return string(b), err
}

// loginState is what login and logout work on: the API URL, whose host keys
// the ~/.netrc entry, and that file.
func loginState() (*url.URL, string, *netrc, error) {
	base, err := apiURL()
	if err != nil {
		return nil, "", nil, err
	}
	path, err := netrcPath()
	if err != nil {
		return nil, "", nil, err
	}
	n, err := readNetrc(path)
	return base, path, n, err
}
