package cli

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// hostJSON is what the CLI reads of a Docker host in the pool.
type hostJSON struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Endpoint      string            `json:"endpoint"`
	Labels        map[string]string `json:"labels"`
	Draining      bool              `json:"draining"`
	Healthy       bool              `json:"healthy"`
	CPUs          int               `json:"cpus"`
	MemoryMB      int               `json:"memory_mb"`
	EngineVersion string            `json:"engine_version"`
	Dynos         int               `json:"dynos"`
}

// hostsCommands manage the pool of Docker hosts (admins only).
func hostsCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name: "hosts", Aliases: []string{"hosts:list"}, Category: "hosts",
			Usage: "list the Docker hosts apps run on (admins only)", Flags: []cli.Flag{jsonFlag()}, Action: listHosts,
		},
		{
			Name: "hosts:add", Category: "hosts", ArgsUsage: "ENDPOINT",
			Usage: "add a Docker engine to the pool: unix:///var/run/docker.sock or tcp://HOST:PORT",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "name", Usage: "the host's name (default: the engine's own)"},
				&cli.StringSliceFlag{Name: "label", Aliases: []string{"l"}, Usage: "a label k=v that placement constraints match (repeatable)"},
				&cli.StringFlag{Name: "tls-dir", Usage: "for tcp:// engines with --tlsverify: a directory on the Pier server holding ca.pem, cert.pem and key.pem"},
				jsonFlag(),
			},
			Action: addHost,
		},
		{
			Name: "hosts:drain", Category: "hosts", ArgsUsage: "HOST",
			Usage:  "stop placing on a host and move its containers away (--undo puts it back in service)",
			Flags:  []cli.Flag{&cli.BoolFlag{Name: "undo", Usage: "put the host back in service"}},
			Action: drainHost,
		},
		{
			Name: "hosts:remove", Category: "hosts", ArgsUsage: "HOST",
			Usage: "take a host out of the pool (once it runs no dynos: drain it first)", Action: removeHost,
		},
	}
}

func listHosts(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, err := newClient()
	if err != nil {
		return err
	}
	var hs []hostJSON
	raw, err := cl.get(c.Context, "/hosts", &hs)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	if len(hs) == 0 {
		fmt.Fprintln(c.App.Writer, "No hosts yet: add one with `pier hosts:add unix:///var/run/docker.sock`.")
		return nil
	}
	rows := make([][]string, len(hs))
	for i, h := range hs {
		state := "healthy"
		if !h.Healthy {
			state = "unhealthy"
		}
		if h.Draining {
			state += ", draining"
		}
		rows[i] = []string{h.Name, h.Endpoint, state, strconv.Itoa(h.CPUs), fmt.Sprintf("%d MB", h.MemoryMB), strconv.Itoa(h.Dynos), labelList(h.Labels)}
	}
	printTable(c.App.Writer, []string{"Name", "Endpoint", "State", "CPUs", "Memory", "Dynos", "Labels"}, rows)
	return nil
}

func labelList(labels map[string]string) string {
	var out []string
	for k, v := range labels {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func addHost(c *cli.Context) error {
	if err := checkArgs(c, 1, 1); err != nil {
		return err
	}
	labels := map[string]string{}
	for _, l := range c.StringSlice("label") {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return fmt.Errorf("Label %q is not k=v", l)
		}
		labels[k] = v
	}
	cl, err := newClient()
	if err != nil {
		return err
	}
	endpoint := c.Args().First()
	body := map[string]any{"endpoint": endpoint, "name": c.String("name"), "labels": labels}
	if d := c.String("tls-dir"); d != "" {
		body["tls_dir"] = d
	}
	var h hostJSON
	printed, err := submit(c, "Adding "+endpoint+" to the pool",
		func() ([]byte, error) { return cl.post(c.Context, "/hosts", body, &h) }, nil)
	if err != nil || printed {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s: %d CPUs, %d MB, Docker %s\n", h.Name, h.CPUs, h.MemoryMB, h.EngineVersion)
	return nil
}

func drainHost(c *cli.Context) error {
	if err := checkArgs(c, 1, 1); err != nil {
		return err
	}
	cl, err := newClient()
	if err != nil {
		return err
	}
	name, undo := c.Args().First(), c.Bool("undo")
	what := "Draining " + name
	if undo {
		what = "Putting " + name + " back in service"
	}
	return action(c.App.Writer, what, func() (string, error) {
		_, err := cl.patch(c.Context, "/hosts/"+url.PathEscape(name), map[string]any{"draining": !undo}, nil)
		return "", err
	})
}

func removeHost(c *cli.Context) error {
	if err := checkArgs(c, 1, 1); err != nil {
		return err
	}
	cl, err := newClient()
	if err != nil {
		return err
	}
	name := c.Args().First()
	return action(c.App.Writer, "Removing "+name+" from the pool", func() (string, error) {
		_, err := cl.delete(c.Context, "/hosts/"+url.PathEscape(name), nil)
		return "", err
	})
}
