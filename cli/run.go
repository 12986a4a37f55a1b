package cli

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/pier-paas/pier/server/attach"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// exitStatus is a remote command's non-zero exit status, which becomes
// pier's own.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func runCommands() []*cli.Command {
	return []*cli.Command{{
		Name: "run", Category: "run",
		Usage:     "run a one-off dyno with the app's current release and config",
		ArgsUsage: "[--] COMMAND [ARGS...]",
		Description: "Attached, input and output flow between your terminal and the dyno, and its exit status becomes pier's. " +
			"With --detached it runs in the background and its output goes to the app's log.",
		Flags: append(appFlags(),
			&cli.StringFlag{Name: "size", Aliases: []string{"s"}, Usage: "dyno size (e.g. Standard-2X)"},
			&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "extra environment, KEY=value (repeatable)"},
			&cli.BoolFlag{Name: "no-tty", Usage: "don't give the command a terminal"},
			&cli.BoolFlag{Name: "detached", Aliases: []string{"d"}, Usage: "run in the background"},
		),
		Action: runOneOff,
	}}
}

type runDyno struct {
	Name      string  `json:"name"`
	AttachURL *string `json:"attach_url"`
}

func runOneOff(c *cli.Context) error {
	if c.NArg() == 0 {
		return fmt.Errorf("Missing the command to run: usage: pier run [--] COMMAND [ARGS...]")
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	command := strings.Join(c.Args().Slice(), " ")
	stdin, isTerm := os.Stdin, term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd()))
	tty := isTerm && !c.Bool("no-tty")
	env := map[string]string{}
	for _, kv := range c.StringSlice("env") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--env %q: use KEY=value", kv)
		}
		env[k] = v
	}
	if tty {
		if t := os.Getenv("TERM"); t != "" {
			env["TERM"] = t
		}
		if w, h, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			env["COLUMNS"], env["LINES"] = fmt.Sprint(w), fmt.Sprint(h)
		}
	}
	detached := c.Bool("detached")
	body := map[string]any{"command": command, "attach": !detached, "env": env, "tty": tty}
	if s := c.String("size"); s != "" {
		body["size"] = s
	}
	var d runDyno
	if _, err := cl.post(c.Context, appPath(app, "dynos"), body, &d); err != nil {
		return err
	}
	if detached || d.AttachURL == nil {
		fmt.Fprintf(c.App.Writer, "Running %s on %s... done, %s\nRun `pier logs -a %s -d %s` to see its output.\n", command, appLabel(app), d.Name, app, d.Name)
		return nil
	}
	fmt.Fprintf(c.App.ErrWriter, "Running %s on %s... up, %s\n", command, appLabel(app), d.Name)
	conn, r, err := dialAttach(*d.AttachURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	if tty {
		if old, err := term.MakeRaw(int(stdin.Fd())); err == nil {
			defer term.Restore(int(stdin.Fd()), old)
		}
	}
	var mu sync.Mutex
	send := func(typ byte, p []byte) {
		mu.Lock()
		attach.WriteFrame(conn, typ, p)
		mu.Unlock()
	}
	if tty {
		sendSize := func() {
			if w, h, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
				send(attach.Resize, attach.ResizePayload(uint16(h), uint16(w)))
			}
		}
		sendSize()
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		defer signal.Stop(winch)
		go func() {
			for range winch {
				sendSize()
			}
		}()
	}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := stdin.Read(buf)
			if n > 0 {
				send(attach.Stdin, buf[:n])
			}
			if err != nil {
				send(attach.StdinEOF, nil)
				return
			}
		}
	}()
	for {
		typ, p, err := attach.ReadFrame(r)
		if err != nil {
			return fmt.Errorf("lost the connection to %s: %v", d.Name, err)
		}
		switch typ {
		case attach.Stdout:
			c.App.Writer.Write(p)
		case attach.Stderr:
			c.App.ErrWriter.Write(p)
		case attach.Error:
			return fmt.Errorf("%s", p)
		case attach.Exit:
			if code := attach.ExitCode(p); code != 0 {
				return exitStatus(code)
			}
			return nil
		}
	}
}

// dialAttach connects to a dyno session and upgrades the connection.
func dialAttach(raw string) (net.Conn, *bufio.Reader, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("the server gave a bad attach URL %q", raw)
	}
	var conn net.Conn
	switch u.Scheme {
	case "http":
		conn, err = net.Dial("tcp", hostPort(u, "80"))
	case "https":
		conn, err = tls.Dial("tcp", hostPort(u, "443"), &tls.Config{ServerName: u.Hostname()})
	default:
		return nil, nil, fmt.Errorf("can't attach through %s URLs", u.Scheme)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("can't reach the dyno session: %w", err)
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: %s\r\nUser-Agent: pier-cli/%s\r\n\r\n", u.RequestURI(), u.Host, attach.Upgrade, Version)
	r := bufio.NewReader(conn)
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("the dyno session did not answer: %w", err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		conn.Close()
		return nil, nil, fmt.Errorf("the dyno session answered %s: %s", res.Status, strings.TrimSpace(string(b)))
	}
	return conn, r, nil
}

func hostPort(u *url.URL, def string) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), def)
}
