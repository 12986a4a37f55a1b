package herokuapi_test

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/herokuapi"
)

// A rendezvous connection with a secret nobody holds is told so after the
// line the heroku CLI skips, and closed. (The protocol with a real dyno
// and the real CLI is tested in cli's TestCLI/runtime.)
func TestRendezvousUnknownSecret(t *testing.T) {
	a := herokuapi.New(nil, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go a.ServeRendezvous(l)
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "no-such-secret\r\n")
	b, err := io.ReadAll(bufio.NewReader(c))
	if err != nil {
		t.Fatal(err)
	}
	first, rest, _ := strings.Cut(string(b), "\r\n")
	if first == "" || !strings.Contains(rest, "unknown, used or expired") {
		t.Errorf("answer %q", b)
	}
}
