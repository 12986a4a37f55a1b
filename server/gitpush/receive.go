package gitpush

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/pier-paas/pier/server/builder"
	"github.com/pier-paas/pier/server/platform"
)

// command is one ref update a push asks for.
type command struct {
	old, new plumbing.Hash
	ref      string
}

// pushSession answers one push: progress goes to the pusher as `remote:`
// lines, and report writes the final status of each ref.
type pushSession struct {
	w        http.ResponseWriter
	mu       sync.Mutex
	sideband bool
	progress io.Writer
}

func (s *pushSession) say(format string, a ...any) { fmt.Fprintf(s.progress, format, a...) }

// report ends the response with git's report-status: the unpack result
// and ok or ng (with a reason) for each ref.
func (s *pushSession) report(unpack string, cmds []command, ng map[string]string) {
	var b bytes.Buffer
	writePkt(&b, []byte("unpack "+unpack+"\n"))
	for _, c := range cmds {
		if reason, bad := ng[c.ref]; bad {
			writePkt(&b, []byte("ng "+c.ref+" "+reason+"\n"))
		} else {
			writePkt(&b, []byte("ok "+c.ref+"\n"))
		}
	}
	writeFlush(&b)
	if s.sideband {
		sideband{mu: &s.mu, w: s.w, band: bandData}.Write(b.Bytes())
		writeFlush(s.w)
		return
	}
	s.w.Write(b.Bytes())
}

func (h *Handler) receive(w http.ResponseWriter, r *http.Request, user platform.User, app platform.App) {
	body := io.Reader(r.Body)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			gitError(w, http.StatusBadRequest, "The push is not valid gzip.")
			return
		}
		defer zr.Close()
		body = zr
	}
	cmds, caps, err := readCommands(body)
	if err != nil {
		gitError(w, http.StatusBadRequest, "Malformed push: "+err.Error())
		return
	}
	if len(cmds) == 0 {
		w.WriteHeader(http.StatusOK) // git's probe before a large push
		return
	}
	pack, size, err := h.spool(body)
	if err != nil {
		h.Logger.Warn("git: receive the packfile", "app", app.Name, "err", err)
		gitError(w, http.StatusBadRequest, "The push broke off before its end: push again.")
		return
	}
	if pack != nil {
		defer os.Remove(pack.Name())
		defer pack.Close()
	}

	w.Header().Set("Content-Type", "application/x-git-receive-pack-result")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	s := &pushSession{w: w, sideband: caps["side-band-64k"]}
	s.progress = sideband{mu: &s.mu, w: w, rc: http.NewResponseController(w), band: bandProgress, off: !s.sideband}

	ng := map[string]string{}
	refuseAll := func(reason string) {
		for _, c := range cmds {
			ng[c.ref] = reason
		}
	}
	if size > h.maxPush() {
		s.say("The push is larger than %d MB, the most Pier accepts: leave build artefacts and large files out of the repository.\n", h.maxPush()>>20)
		refuseAll("push too large")
		s.report("push too large", cmds, ng)
		return
	}
	deploy := h.choose(s, cmds, ng)
	if pack != nil {
		if err := h.unpack(r.Context(), app, pack); err != nil {
			h.Logger.Warn("git: unpack", "app", app.Name, "err", err)
			s.say("The pushed objects could not be stored: %v\n", err)
			refuseAll("unpacker error")
			s.report("unpacker error", cmds, ng)
			return
		}
	}
	if deploy != nil {
		if reason := h.deploy(r, s, user, app, *deploy); reason != "" {
			ng[deploy.ref] = reason
		}
	}
	s.report("ok", cmds, ng)
}

// choose picks the command to deploy and refuses the others, saying why.
func (h *Handler) choose(s *pushSession, cmds []command, ng map[string]string) *command {
	var deploy *command
	for i, c := range cmds {
		switch {
		case c.new.IsZero():
			ng[c.ref] = "deleting is not supported"
		case !deployBranch(c.ref):
			ng[c.ref] = "only main or master deploy"
			s.say("Pushed to %s, which Pier does not build: only main and master deploy. Push it there, e.g. git push pier %s:main\n",
				c.ref, shortRef(c.ref))
		case h.Builds == nil:
			ng[c.ref] = "no Docker engine"
			s.say("Pier has no Docker engine connected to build with: start dockerd and restart pier server.\n")
		case deploy != nil:
			ng[c.ref] = "push main or master, not both"
			s.say("Pushed both main and master: Pier builds one, %s; push the other on its own.\n", shortRef(deploy.ref))
		default:
			deploy = &cmds[i]
		}
	}
	return deploy
}

// deploy builds the pushed commit and waits for its end; it returns why
// the ref was refused, "" when it was released.
func (h *Handler) deploy(r *http.Request, s *pushSession, user platform.User, app platform.App, c command) string {
	ctx := r.Context()
	if _, err := object.GetCommit(h.Repos.Objects(ctx, app.ID), c.new); err != nil {
		s.say("The pushed commit %s is not in the push: push again.\n", c.new)
		return "missing commit"
	}
	version := c.new.String()
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	req := builder.Request{
		SourceURL: fmt.Sprintf("%s://%s/%s.git", scheme, r.Host, app.Name),
		Version:   &version,
		Live:      s.progress,
		Ref:       &platform.RefUpdate{Name: c.ref, Old: c.old, New: c.new},
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			pr, pw := io.Pipe()
			go func() { pw.CloseWithError(archive(h.Repos.Objects(ctx, app.ID), c.new, pw)) }()
			return pr, nil
		},
		Check: func(ctx context.Context) error {
			refs, err := h.Repos.GitRefs(ctx, app.ID)
			if err != nil {
				return err
			}
			if refs[c.ref] != c.old {
				return platform.Conflict("%s moved to %s while this push waited (another push): fetch, merge and push again.",
					shortRef(c.ref), refs[c.ref].String()[:7])
			}
			return nil
		},
	}
	s.say("Building source:\n\n")
	_, done, err := h.Builds.Start(ctx, user, app, req)
	if err != nil {
		s.say("The build could not start: %v\n", err)
		return "build not started"
	}
	select {
	case res := <-done:
		if res.Err != nil {
			if platform.KindOf(res.Err) == platform.KindConflict {
				return "fetch first"
			}
			return "build failed"
		}
		return ""
	case <-ctx.Done():
		return "pusher gone" // the build goes on; its output stays in `pier builds:output`
	}
}

// readCommands reads a push's ref update commands, up to the flush, and
// the capabilities the client chose.
func readCommands(r io.Reader) ([]command, map[string]bool, error) {
	caps := map[string]bool{}
	var cmds []command
	for {
		line, err := readPkt(r)
		if errors.Is(err, errFlush) {
			return cmds, caps, nil
		}
		if errors.Is(err, io.EOF) && len(cmds) == 0 {
			return nil, caps, nil
		}
		if err != nil {
			return nil, nil, err
		}
		text, capList, _ := strings.Cut(strings.TrimSuffix(string(line), "\n"), "\x00")
		if len(cmds) == 0 {
			for _, c := range strings.Fields(capList) {
				caps[c] = true
			}
		}
		f := strings.Fields(text)
		if len(f) != 3 || !plumbing.IsHash(f[0]) || !plumbing.IsHash(f[1]) || !strings.HasPrefix(f[2], "refs/") {
			return nil, nil, fmt.Errorf("bad command %q", text)
		}
		cmds = append(cmds, command{old: plumbing.NewHash(f[0]), new: plumbing.NewHash(f[1]), ref: f[2]})
		if len(cmds) > 100 {
			return nil, nil, errors.New("more than 100 refs in one push")
		}
	}
}

// spool copies the packfile to a temporary file and returns it rewound
// with its size; a size past the limit is reported, the file dropped and
// the rest of the body read, so the client reads the answer.
func (h *Handler) spool(body io.Reader) (*os.File, int64, error) {
	f, err := os.CreateTemp(h.TempDir, "pier-push-*.pack")
	if err != nil {
		return nil, 0, err
	}
	n, err := io.Copy(f, io.LimitReader(body, h.maxPush()+1))
	if err == nil && n > h.maxPush() {
		more, _ := io.Copy(io.Discard, io.LimitReader(body, 4<<30))
		n += more
		err = errTooBig
	}
	if err == nil && n > 0 {
		if _, err = f.Seek(0, io.SeekStart); err == nil {
			return f, n, nil
		}
	}
	f.Close()
	os.Remove(f.Name())
	if errors.Is(err, errTooBig) {
		return nil, n, nil
	}
	return nil, n, err
}

var errTooBig = errors.New("push too large")

func (h *Handler) maxPush() int64 {
	if h.MaxPushBytes > 0 {
		return h.MaxPushBytes
	}
	return platform.DefaultMaxSourceBytes
}

// unpack stores a packfile's objects in the app's repository, resolving
// deltas against the objects it already has (thin packs).
func (h *Handler) unpack(ctx context.Context, app platform.App, pack *os.File) error {
	objs := h.Repos.Objects(ctx, app.ID)
	p, err := packfile.NewParserWithStorage(packfile.NewScanner(pack), objs)
	if err != nil {
		return err
	}
	if _, err := p.Parse(); err != nil {
		return err
	}
	return objs.Flush()
}
