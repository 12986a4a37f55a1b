// Package embedded runs a private PostgreSQL server from the machine's own
// PostgreSQL binaries, so that `pier server` needs no database set up by hand.
//
// The cluster lives in one directory and listens only on a unix socket inside
// it. It is initialised on first start, stopped with the server (fast shutdown),
// and a cluster left behind by a crashed server is stopped and started again,
// which lets PostgreSQL run its own crash recovery.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is one embedded PostgreSQL cluster.
type Server struct {
	// Dir holds the cluster's data files and its socket.
	Dir string
	// Database is created on first start and named in URL.
	Database string
	Logger   *slog.Logger
	// Ephemeral trades durability for speed (no fsync): for test clusters only.
	Ephemeral bool

	bin  string
	cred *syscall.Credential
	cmd  *exec.Cmd
	done chan struct{}
	lock *os.File
}

// superuser is the role initdb creates; the cluster trusts local connections
// because only the socket, inside a directory private to its owner, reaches it.
const superuser = "pier"

// ErrNoBinaries says that no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found (looked for initdb and postgres on PATH and under /usr/lib/postgresql/*/bin); install them with `apt-get install postgresql` or set DATABASE_URL")

// FindBinaries returns the directory holding initdb and postgres: PATH first,
// then the newest /usr/lib/postgresql/VERSION/bin.
func FindBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if isExec(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// URL is the connection string for the cluster's database.
func (s *Server) URL() string {
	q := url.Values{"host": {s.Dir}, "sslmode": {"disable"}}
	return fmt.Sprintf("postgres://%s@/%s?%s", superuser, s.Database, q.Encode())
}

// Start initialises the cluster if needed and starts it, returning once it
// accepts connections. The server stops when ctx is cancelled or Stop is called.
func (s *Server) Start(ctx context.Context) error {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Database == "" {
		s.Database = "pier"
	}
	bin, err := FindBinaries()
	if err != nil {
		return err
	}
	s.bin = bin
	if s.Dir, err = filepath.Abs(s.Dir); err != nil {
		return err
	}
	// A unix socket path holds at most 107 bytes.
	if len(s.Dir)+len("/.s.PGSQL.5432") > 107 {
		return fmt.Errorf("embedded postgres: data directory path %s is too long for a unix socket; choose a shorter PIER_DATA_DIR", s.Dir)
	}
	// The parents need only be traversable (for the postgres user, when root).
	if err := os.MkdirAll(filepath.Dir(s.Dir), 0o711); err != nil {
		return fmt.Errorf("embedded postgres: create %s: %w", filepath.Dir(s.Dir), err)
	}
	if err := s.prepareUser(); err != nil {
		return err
	}
	if err := s.lockDir(); err != nil {
		return err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("embedded postgres: create %s: %w", s.Dir, err)
	}
	if err := s.chown(s.Dir); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := s.initdb(ctx); err != nil {
			return err
		}
	}
	s.stopLeftover()
	if err := s.run(); err != nil {
		s.unlockDir()
		return err
	}
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return err
	}
	return s.ensureDatabase(ctx)
}

// prepareUser picks who runs PostgreSQL: it refuses to run as root, so a root
// Pier runs it as the `postgres` system user that Debian's package creates.
func (s *Server) prepareUser() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("embedded postgres: PostgreSQL refuses to run as root and there is no `postgres` user to run it as (install the postgresql package, run Pier as another user, or set DATABASE_URL): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	// Every parent must be traversable by that user.
	for d := filepath.Dir(s.Dir); d != "/"; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil && fi.Mode().Perm()&0o001 == 0 {
			if st, ok := fi.Sys().(*syscall.Stat_t); !ok || st.Uid != uint32(uid) {
				return fmt.Errorf("embedded postgres: %s is not reachable by the `postgres` user that runs the database for a root Pier; choose a data directory outside it (PIER_DATA_DIR=/var/lib/pier) or set DATABASE_URL", d)
			}
		}
	}
	return nil
}

func (s *Server) chown(p string) error {
	if s.cred == nil {
		return nil
	}
	if err := os.Chown(p, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
		return fmt.Errorf("embedded postgres: chown %s: %w", p, err)
	}
	return nil
}

func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true}
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	cmd.Dir = s.Dir
	return cmd
}

func (s *Server) initdb(ctx context.Context) error {
	s.Logger.Info("initialising embedded PostgreSQL", "dir", s.Dir)
	args := []string{"-D", s.Dir, "-U", superuser, "-A", "trust", "-E", "UTF8", "--locale=C"}
	if s.Ephemeral {
		args = append(args, "--no-sync")
	}
	cmd := s.command(ctx, "initdb", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("embedded postgres: initdb: %w: %s", err, strings.TrimSpace(string(out)))
	}
	conf := "\n# Written by Pier: only the unix socket in the data directory.\n" +
		"listen_addresses = ''\n" +
		"unix_socket_permissions = 0700\n" +
		"max_connections = 100\n" +
		"shared_buffers = 32MB\n" +
		"log_min_messages = warning\n"
	f, err := os.OpenFile(filepath.Join(s.Dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	defer f.Close()
	_, err = f.WriteString(conf)
	return err
}

// stopLeftover stops a postmaster that a crashed Pier left running on this
// directory, so that the new one can start; PostgreSQL removes stale pid files
// of dead processes itself.
func (s *Server) stopLeftover() {
	b, err := os.ReadFile(filepath.Join(s.Dir, "postmaster.pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || pid <= 0 || syscall.Kill(pid, 0) != nil {
		return
	}
	s.Logger.Warn("stopping PostgreSQL left running by an earlier server", "pid", pid)
	_ = syscall.Kill(pid, syscall.SIGINT)
	for i := 0; i < 300 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *Server) run() error {
	// Not tied to a context: the cluster must outlive a cancelled request and
	// stop only through Stop, with a fast shutdown rather than a kill.
	args := []string{"-D", s.Dir, "-c", "unix_socket_directories=" + s.Dir}
	if s.Ephemeral {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := s.command(context.Background(), "postgres", args...)
	cmd.SysProcAttr.Pdeathsig = syscall.SIGINT // a killed Pier takes its database down cleanly
	logf, err := os.OpenFile(filepath.Join(s.Dir, "postgres.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("embedded postgres: start: %w", err)
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	return nil
}

func (s *Server) waitReady(ctx context.Context) error {
	sock := filepath.Join(s.Dir, ".s.PGSQL.5432")
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("embedded postgres exited during start-up; see %s", filepath.Join(s.Dir, "postgres.log"))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if _, err := os.Stat(sock); err != nil {
			continue
		}
		if err := ping(ctx, s.Dir, "postgres"); err == nil {
			return nil
		}
	}
	return fmt.Errorf("embedded postgres did not accept connections within 60s; see %s", filepath.Join(s.Dir, "postgres.log"))
}

// Stop shuts the cluster down (fast shutdown: open sessions are ended,
// committed work is flushed) and waits for it.
func (s *Server) Stop() {
	defer s.unlockDir()
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}
