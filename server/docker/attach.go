package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// Session is an attached one-off container: pier run's other end.
type Session struct {
	e    *Engine
	ID   string
	tty  bool
	hj   types.HijackedResponse
	exit <-chan container.WaitResponse
	errc <-chan error
}

// RunAttached creates a one-off container, attaches to its stdio and only
// then starts it, so not a byte of its output is missed.
func (e *Engine) RunAttached(ctx context.Context, s RunSpec) (*Session, error) {
	s.Interactive = true
	id, err := e.create(ctx, s, nil, netip.Addr{})
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Session, error) {
		_ = e.api.ContainerRemove(context.WithoutCancel(ctx), id, container.RemoveOptions{Force: true})
		return nil, err
	}
	hj, err := e.api.ContainerAttach(ctx, id, container.AttachOptions{Stream: true, Stdin: true, Stdout: true, Stderr: true})
	if err != nil {
		return fail(fmt.Errorf("docker %s: attach %s: %w", e.Endpoint, s.Name, err))
	}
	// Wait is registered before the start so a fast exit is not missed; it
	// outlives the request that started it.
	exit, errc := e.api.ContainerWait(context.WithoutCancel(ctx), id, container.WaitConditionNextExit)
	if err := e.api.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		hj.Close()
		return fail(fmt.Errorf("docker %s: start %s: %w", e.Endpoint, s.Name, err))
	}
	return &Session{e: e, ID: id, tty: s.TTY, hj: hj, exit: exit, errc: errc}, nil
}

// Output copies the container's output until it ends. Without a TTY the
// engine multiplexes stdout and stderr; with one there is a single stream.
func (s *Session) Output(stdout, stderr io.Writer) error {
	var err error
	if s.tty {
		_, err = io.Copy(stdout, s.hj.Reader)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, s.hj.Reader)
	}
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// TTY reports whether the container has a terminal.
func (s *Session) TTY() bool { return s.tty }

// Stdin is the container's standard input.
func (s *Session) Stdin() io.Writer { return s.hj.Conn }

// CloseStdin tells the command its input ended.
func (s *Session) CloseStdin() error { return s.hj.CloseWrite() }

// Resize sets the terminal's size.
func (s *Session) Resize(ctx context.Context, rows, cols uint) error {
	if !s.tty {
		return nil
	}
	return s.e.api.ContainerResize(ctx, s.ID, container.ResizeOptions{Height: rows, Width: cols})
}

// Wait returns the command's exit status and removes the container.
func (s *Session) Wait(ctx context.Context) (int, error) {
	defer s.hj.Close()
	defer func() {
		_ = s.e.api.ContainerRemove(context.WithoutCancel(ctx), s.ID, container.RemoveOptions{Force: true})
	}()
	select {
	case r := <-s.exit:
		if r.Error != nil {
			return -1, fmt.Errorf("docker %s: wait %.12s: %s", s.e.Endpoint, s.ID, r.Error.Message)
		}
		return int(r.StatusCode), nil
	case err := <-s.errc:
		return -1, fmt.Errorf("docker %s: wait %.12s: %w", s.e.Endpoint, s.ID, err)
	case <-ctx.Done():
		return -1, ctx.Err()
	}
}

// Kill ends the command at once (the user went away).
func (s *Session) Kill(ctx context.Context) {
	_ = s.e.api.ContainerKill(ctx, s.ID, "KILL")
}
