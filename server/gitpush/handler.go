// Package gitpush receives `git push` over git's smart HTTP protocol:
// GET /APP.git/info/refs?service=git-receive-pack advertises the app's
// branches, POST /APP.git/git-receive-pack takes the commands and the
// packfile, stores the objects in the app's repository and builds the
// pushed commit, streaming the build's output back as `remote:` lines. The
// branch moves only when the build is released.
package gitpush

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/builder"
	"github.com/pier-paas/pier/server/platform"
)

// ObjectDB is an app's git objects; Flush writes what was set.
type ObjectDB interface {
	storer.EncodedObjectStorer
	Flush() error
}

// Repos reaches apps' repositories.
type Repos interface {
	GitRefs(ctx context.Context, appID uuid.UUID) (map[string]plumbing.Hash, error)
	Objects(ctx context.Context, appID uuid.UUID) ObjectDB
}

// Builds starts builds: the builder.
type Builds interface {
	Start(ctx context.Context, actor platform.User, app platform.App, req builder.Request) (platform.Build, <-chan builder.Result, error)
}

// Handler serves git pushes.
type Handler struct {
	// Authenticate finds the user whose API token is secret (the Basic
	// auth password; the username is ignored, as Heroku ignores it).
	Authenticate func(r *http.Request, secret string) (platform.User, error)
	// FindApp finds an app the user may push to.
	FindApp func(ctx context.Context, u platform.User, name string) (platform.App, error)
	Repos   Repos
	// Builds is nil when no Docker engine is connected: pushes are refused.
	Builds Builds
	// MaxPushBytes bounds a push's packfile.
	MaxPushBytes int64
	// TempDir holds packfiles while they are unpacked; "" is the system's.
	TempDir string
	Logger  *slog.Logger
}

// pathRe is /APP.git/info/refs or /APP.git/git-receive-pack (and the
// upload-pack names, refused with a message).
var pathRe = regexp.MustCompile(`^/([a-z][a-z0-9-]{0,63})\.git/(info/refs|git-receive-pack|git-upload-pack)$`)

// Match reports whether a request is for git.
func Match(r *http.Request) bool { return pathRe.MatchString(r.URL.Path) }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := pathRe.FindStringSubmatch(r.URL.Path)
	if m == nil {
		gitError(w, http.StatusNotFound, "Not a git repository of this Pier: push to http://HOST/APP.git.")
		return
	}
	name, op := m[1], m[2]
	service := op
	if op == "info/refs" {
		service = r.URL.Query().Get("service")
	}
	switch {
	case service == "git-upload-pack":
		gitError(w, http.StatusForbidden, "Pier only receives pushes: fetch the code from where you keep it.")
		return
	case service != "git-receive-pack":
		gitError(w, http.StatusForbidden, "Pier speaks git's smart HTTP protocol only: use git 1.6.6 or newer.")
		return
	case op == "info/refs" && r.Method != http.MethodGet, op != "info/refs" && r.Method != http.MethodPost:
		gitError(w, http.StatusMethodNotAllowed, "Use git push.")
		return
	}
	_, password, ok := r.BasicAuth()
	if !ok || password == "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="Pier"`)
		gitError(w, http.StatusUnauthorized, "Log in first: `pier login` writes the token git uses to ~/.netrc.")
		return
	}
	user, err := h.Authenticate(r, password)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="Pier"`)
		gitError(w, http.StatusUnauthorized, "Invalid credentials: the password must be a Pier API token (pier auth:token); log in again with `pier login`.")
		return
	}
	app, err := h.FindApp(r.Context(), user, name)
	if err != nil {
		switch platform.KindOf(err) {
		case platform.KindNotFound:
			gitError(w, http.StatusNotFound, fmt.Sprintf("App %s not found: create it with `pier apps:create %s`.", name, name))
		case platform.KindForbidden:
			gitError(w, http.StatusForbidden, fmt.Sprintf("You do not have access to the app %s.", name))
		default:
			h.Logger.Error("git: find app", "app", name, "err", err)
			gitError(w, http.StatusInternalServerError, "Pier could not read the app; try again.")
		}
		return
	}
	if op == "info/refs" {
		h.advertise(w, r, app)
		return
	}
	h.receive(w, r, user, app)
}

// gitError answers in text/plain, which git shows to the user as
// `remote: ` lines.
func gitError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// capabilities are what Pier's receive-pack supports.
const capabilities = "report-status report-status-v2 side-band-64k quiet ofs-delta agent=pier"

// advertise lists the app's branches, so that a push sends only the
// objects the app's repository lacks.
func (h *Handler) advertise(w http.ResponseWriter, r *http.Request, app platform.App) {
	refs, err := h.Repos.GitRefs(r.Context(), app.ID)
	if err != nil {
		h.Logger.Error("git: read refs", "app", app.Name, "err", err)
		gitError(w, http.StatusInternalServerError, "Pier could not read the app's repository; try again.")
		return
	}
	w.Header().Set("Content-Type", "application/x-git-receive-pack-advertisement")
	w.Header().Set("Cache-Control", "no-cache")
	writePkt(w, []byte("# service=git-receive-pack\n"))
	writeFlush(w)
	first := true
	for _, name := range sortedRefs(refs) {
		line := refs[name].String() + " " + name
		if first {
			line += "\x00" + capabilities
			first = false
		}
		writePkt(w, []byte(line+"\n"))
	}
	if first {
		writePkt(w, []byte(plumbing.ZeroHash.String()+" capabilities^{}\x00"+capabilities+"\n"))
	}
	writeFlush(w)
}

// sortedRefs lists main, then master, then the rest by name.
func sortedRefs(refs map[string]plumbing.Hash) []string {
	rank := func(n string) string {
		switch n {
		case "refs/heads/main":
			return "0"
		case "refs/heads/master":
			return "1"
		}
		return "2" + n
	}
	names := slices.Collect(maps.Keys(refs))
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(rank(a), rank(b)) })
	return names
}

// deployBranch reports whether pushing ref deploys.
func deployBranch(ref string) bool {
	return ref == "refs/heads/main" || ref == "refs/heads/master"
}

func shortRef(ref string) string { return strings.TrimPrefix(ref, "refs/heads/") }
