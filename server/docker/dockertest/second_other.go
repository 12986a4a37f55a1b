//go:build !linux

package dockertest

import (
	"net"
	"os"
	"testing"

	"github.com/docker/docker/client"
	"github.com/pier-paas/pier/server/docker"
)

// Daemon is a second Docker engine; see second.go. It needs Linux.
type Daemon struct {
	Endpoint string
	Dir      string
	Bridge   string
	Subnet   *net.IPNet
	Gateway  net.IP
}

// SecondEngine needs Linux: elsewhere the test is skipped, or fails in CI.
func SecondEngine(t testing.TB) *Daemon {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("no second Docker engine: it needs Linux")
	}
	t.Skip("no second Docker engine: it needs Linux")
	return nil
}

func (d *Daemon) Start(t testing.TB)    { t.Fatal("no second Docker engine") }
func (d *Daemon) Stop(t testing.TB)     { t.Fatal("no second Docker engine") }
func (d *Daemon) Kill(t testing.TB)     { t.Fatal("no second Docker engine") }
func (d *Daemon) PowerOff(t testing.TB) { t.Fatal("no second Docker engine") }

func (d *Daemon) Engine(t testing.TB) *docker.Engine {
	t.Fatal("no second Docker engine")
	return nil
}

func (d *Daemon) Client(t testing.TB) *client.Client {
	t.Fatal("no second Docker engine")
	return nil
}
