package herokuapi

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/attach"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

// OneOffRunner starts one-off dynos; the scheduler loop provides it.
type OneOffRunner interface {
	RunOneOff(ctx context.Context, req platform.OneOff) (platform.Dyno, AttachedDyno, error)
}

// AttachedDyno is a one-off whose stdio the user is attached to.
type AttachedDyno interface {
	Output(stdout, stderr io.Writer) error
	TTY() bool
	Stdin() io.Writer
	CloseStdin() error
	Resize(ctx context.Context, rows, cols uint) error
	Wait(ctx context.Context) (int, error)
	Kill(ctx context.Context)
	Close()
}

// attachPath is where `pier run` connects to its dyno, by a one-time
// secret that, like the log sessions' ids, is the credential.
const attachPath = "/dyno-sessions/"

// attachWait is how long an attached one-off waits for its user.
const attachWait = time.Minute

// pendingAttaches holds attached one-offs until their user connects.
type pendingAttaches struct {
	mu sync.Mutex
	m  map[string]AttachedDyno
}

func (p *pendingAttaches) add(d AttachedDyno) string {
	var b [24]byte
	rand.Read(b[:])
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	p.mu.Lock()
	if p.m == nil {
		p.m = map[string]AttachedDyno{}
	}
	p.m[secret] = d
	p.mu.Unlock()
	// Nobody came: end it rather than leave it waiting on stdin.
	time.AfterFunc(attachWait, func() {
		if d := p.take(secret); d != nil {
			end(d)
			d.Close()
		}
	})
	return secret
}

func (p *pendingAttaches) take(secret string) AttachedDyno {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.m[secret]
	delete(p.m, secret)
	return d
}

// createDyno: POST /apps/{app}/dynos {command, attach, size, env, type}
// runs a one-off dyno of the current release.
func (a *API) createDyno(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	var body struct {
		Command string            `json:"command"`
		Attach  bool              `json:"attach"`
		Size    string            `json:"size"`
		Env     map[string]string `json:"env"`
		Type    string            `json:"type"`
		TTY     *bool             `json:"tty"`
		NoTTY   bool              `json:"force_no_tty"` // the heroku CLI's --no-tty
	}
	if err := a.decode(c, &body); err != nil {
		return err
	}
	if strings.TrimSpace(body.Command) == "" || len(body.Command) > 64<<10 || strings.ContainsRune(body.Command, 0) {
		return invalidParams("command must be the command line to run, e.g. \"rake db:migrate\".")
	}
	size := body.Size
	if size == "" {
		size = platform.DefaultSize
	}
	sz, err := platform.LookupSize(size)
	if err != nil {
		return err
	}
	for k := range body.Env {
		if err := platform.ValidateConfigKey(k); err != nil {
			return err
		}
	}
	if a.OneOffs == nil {
		return errorf(http.StatusServiceUnavailable, "unavailable", "This server can't run one-off dynos: no Docker engine is connected.")
	}
	tty := body.Attach && (body.TTY == nil || *body.TTY) && !body.NoTTY
	d, att, err := a.OneOffs.RunOneOff(c.Request().Context(), platform.OneOff{
		App: x.ID, Command: body.Command, Size: sz, Env: body.Env, Attach: body.Attach, TTY: tty,
	})
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, "run "+d.Name)
	out := renderDyno(x, d)
	if att != nil {
		url := a.attachURL(c, a.attaches.add(att))
		out.AttachURL = &url
	}
	return c.JSON(http.StatusCreated, out)
}

// attachURL is where the client connects to its attached one-off: `pier
// run` speaks Pier's framed protocol at /dyno-sessions/SECRET on the API;
// other clients (the heroku CLI) get Heroku's rendezvous URL when the
// rendezvous listener runs.
func (a *API) attachURL(c echo.Context, secret string) string {
	pier := strings.HasPrefix(c.Request().UserAgent(), "pier-cli/")
	if a.RendezvousPort == "" || pier {
		return selfURL(c) + attachPath + secret
	}
	host := c.Request().Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return "rendezvous://" + net.JoinHostPort(strings.Trim(host, "[]"), a.RendezvousPort) + "/" + secret
}

// writeErrorJSON answers Heroku's error JSON outside the echo stack.
func writeErrorJSON(w http.ResponseWriter, status int, id, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"id": id, "message": message})
}

// serveAttach upgrades GET /dyno-sessions/{secret} to the attach protocol
// and pumps the dyno's stdio until it exits, then sends its exit status.
func (a *API) serveAttach(w http.ResponseWriter, r *http.Request) {
	secret := strings.TrimPrefix(r.URL.Path, attachPath)
	if r.Method != http.MethodGet || !strings.EqualFold(r.Header.Get("Upgrade"), attach.Upgrade) {
		writeErrorJSON(w, http.StatusBadRequest, "bad_request", "Connect with `pier run`: this URL speaks the "+attach.Upgrade+" protocol.")
		return
	}
	d := a.attaches.take(secret)
	if d == nil {
		writeErrorJSON(w, http.StatusNotFound, "not_found", "That dyno session is unknown, used or expired.")
		return
	}
	defer d.Close()
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		end(d)
		return
	}
	defer conn.Close()
	rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + attach.Upgrade + "\r\n\r\n")
	rw.Flush()
	var mu sync.Mutex
	code, err := runAttached(d, func(done <-chan struct{}) { a.pumpStdin(d, rw.Reader, done) },
		attach.FrameWriter{W: conn, Typ: attach.Stdout, Mu: &mu}, attach.FrameWriter{W: conn, Typ: attach.Stderr, Mu: &mu})
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		a.Logger.Warn("one-off dyno session failed", "err", err)
		attach.WriteFrame(conn, attach.Error, []byte("The dyno's session broke: "+err.Error()))
		return
	}
	attach.WriteFrame(conn, attach.Exit, attach.ExitPayload(code))
}

// pumpStdin forwards the user's input and terminal resizes to the dyno. If
// the user goes away, the dyno is killed: nobody is left to read it.
func (a *API) pumpStdin(d AttachedDyno, r *bufio.Reader, done <-chan struct{}) {
	for {
		typ, p, err := attach.ReadFrame(r)
		if err != nil {
			abandoned(d, done)
			return
		}
		switch typ {
		case attach.Stdin:
			d.Stdin().Write(p)
		case attach.StdinEOF:
			d.CloseStdin()
		case attach.Resize:
			if rows, cols, ok := attach.ResizeSize(p); ok {
				d.Resize(context.Background(), uint(rows), uint(cols))
			}
		}
	}
}

// abandoned kills d when its user's connection ended before d did (done
// not yet closed): nobody is left to read it.
func abandoned(d AttachedDyno, done <-chan struct{}) {
	select {
	case <-done:
	default:
		d.Kill(context.Background())
	}
}

// runAttached runs an attached dyno to its end: its input fed by feed
// (which stops when done closes), its output to stdout and stderr. It
// returns the exit status; an error means the session broke.
func runAttached(d AttachedDyno, feed func(done <-chan struct{}), stdout, stderr io.Writer) (int, error) {
	done := make(chan struct{})
	go feed(done)
	outErr := d.Output(stdout, stderr)
	close(done)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code, err := d.Wait(ctx)
	if err == nil {
		err = outErr
	}
	return code, err
}

// end kills a dyno nobody will attach to and waits for it to go.
func end(d AttachedDyno) {
	d.Kill(context.Background())
	d.Wait(context.Background())
}
