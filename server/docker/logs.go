package docker

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// MaxLogLine caps one line of a container's output; the rest of the line is
// dropped. A dyno printing a megabyte without a newline must not make Pier
// hold a megabyte per dyno.
const MaxLogLine = 64 << 10

// maxStamp is longer than any timestamp the engine writes
// (2006-01-02T15:04:05.000000000+07:00).
const maxStamp = 40

// catchUpMargin is how far before the last message seen the catch-up read
// starts: the engine stamps stdout and stderr on separate goroutines, so
// its log is only roughly in time order.
const catchUpMargin = time.Second

// FollowLogs streams a container's stdout (stream 1) and stderr (stream 2),
// line by line with the engine's timestamps, from since (zero: from the
// start; a line stamped exactly since is included, so resume from the last
// line's time plus a nanosecond) until the container stops (nil) or ctx
// ends (an error wrapping ctx's). fn runs on the caller's goroutine; while
// it runs, the engine's stream waits.
func (e *Engine) FollowLogs(ctx context.Context, id string, since time.Time, fn func(stream int, t time.Time, line string)) error {
	r := logReader{fn: fn}
	if err := e.readLogs(ctx, id, since, true, &r); err != nil {
		return err
	}
	// An engine's follow can end as the container exits before its last
	// output is in the log (Docker 20.10 loses a final line without a
	// newline every time), and a crash's last words matter most. So read
	// what the log holds once more, skipping the lines already passed on.
	if err := e.readLogs(ctx, id, r.catchUp(since), false, &r); err != nil {
		return err
	}
	r.flush()
	return nil
}

// readLogs reads the container's log into r.
func (e *Engine) readLogs(ctx context.Context, id string, since time.Time, follow bool, r *logReader) error {
	opts := container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: follow, Timestamps: true}
	if !since.IsZero() {
		opts.Since = since.UTC().Format(time.RFC3339Nano)
	}
	body, err := e.api.ContainerLogs(ctx, id, opts)
	if err == nil {
		err = r.read(body)
		body.Close()
	}
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("docker %s: logs %.12s: %w", e.Endpoint, id, err)
	}
	return nil
}

// logReader splits the engine's log streams into lines.
type logReader struct {
	fn      func(stream int, t time.Time, line string)
	streams [3]logStream // by stdcopy.StdType; stdin is never in logs
	latest  time.Time    // the latest message stamp read
}

// read reads one log stream. Containers without a TTY (all of Pier's) send
// frames: an 8-byte header (stream, 0, 0, 0, big-endian length) then one
// log message, "<RFC3339Nano timestamp> <text>". Parsing the frames here,
// rather than demultiplexing into two pipes, keeps each line's stream
// without goroutines or copies. A container with a TTY sends its output
// raw: all of it is reported as stdout.
func (r *logReader) read(body io.Reader) error {
	br := bufio.NewReaderSize(body, 32<<10)
	if head, _ := br.Peek(8); len(head) > 0 && !frameHeader(head) {
		out := r.stream(stdcopy.Stdout)
		out.message()
		buf := make([]byte, 32<<10)
		for {
			n, err := br.Read(buf)
			out.feed(buf[:n])
			if err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
		}
	}
	var head [8]byte
	for {
		if _, err := io.ReadFull(br, head[:]); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if !frameHeader(head[:]) {
			return fmt.Errorf("malformed log stream: frame header %x", head)
		}
		size := int(binary.BigEndian.Uint32(head[4:]))
		switch typ := stdcopy.StdType(head[0]); typ {
		case stdcopy.Systemerr: // the engine failed mid-stream and says why
			msg, _ := io.ReadAll(io.LimitReader(br, int64(min(size, 4096))))
			return errors.New(string(msg))
		case stdcopy.Stdout, stdcopy.Stderr:
			s := r.stream(typ)
			s.message()
			for size > 0 {
				chunk, err := br.Peek(min(size, br.Size()))
				if len(chunk) == 0 {
					return unexpected(err)
				}
				s.feed(chunk)
				br.Discard(len(chunk))
				size -= len(chunk)
			}
		default:
			if _, err := br.Discard(size); err != nil {
				return unexpected(err)
			}
		}
	}
}

func (r *logReader) stream(typ stdcopy.StdType) *logStream {
	s := &r.streams[typ]
	if s.r == nil {
		s.r, s.typ = r, int(typ)
	}
	return s
}

// catchUp prepares a second read of the log, after a follow, and returns
// where it starts: a little before the last message seen, and at the start
// of any line not finished, which is read again whole. Lines already
// passed on are skipped.
func (r *logReader) catchUp(since time.Time) time.Time {
	from := r.latest.Add(-catchUpMargin)
	if r.latest.IsZero() {
		from = since
	}
	for i := range r.streams {
		s := &r.streams[i]
		if s.open && s.t.Before(from) {
			from = s.t
		}
		s.skip = s.last
		s.line, s.open, s.cut, s.inStamp = s.line[:0], false, false, false
	}
	if from.Before(since) {
		from = since
	}
	return from
}

// flush passes on what is left when the log ends: output without a final
// newline.
func (r *logReader) flush() {
	for i := range r.streams {
		r.streams[i].flush()
	}
}

func frameHeader(h []byte) bool {
	return h[0] <= byte(stdcopy.Systemerr) && (len(h) < 4 || h[1] == 0 && h[2] == 0 && h[3] == 0)
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// logStream turns one stream's messages into lines. The engine stamps each
// message; a line longer than the engine's 16 KiB buffer comes as several
// messages without newlines, each stamped again, which are one line here,
// stamped when it began.
type logStream struct {
	r   *logReader
	typ int

	line    []byte    // the line so far, at most MaxLogLine bytes
	t       time.Time // its timestamp
	open    bool      // a line has begun
	cut     bool      // bytes were dropped from it
	inStamp bool      // reading the timestamp that starts a message
	stamp   []byte

	last time.Time // the last line passed on
	skip time.Time // lines up to this one were passed on already
}

// message marks the start of a message: a timestamp comes first.
func (s *logStream) message() {
	s.inStamp, s.stamp = true, s.stamp[:0]
}

// feed takes the next bytes of the current message.
func (s *logStream) feed(p []byte) {
	for len(p) > 0 {
		if s.inStamp {
			room := maxStamp - len(s.stamp)
			i := bytes.IndexAny(p[:min(len(p), room+1)], " \n")
			if i < 0 && len(p) <= room {
				s.stamp = append(s.stamp, p...) // the rest comes in the next chunk
				return
			}
			s.inStamp = false
			if i >= 0 && p[i] == ' ' {
				if t, err := time.Parse(time.RFC3339Nano, string(append(s.stamp, p[:i]...))); err == nil {
					if !s.open {
						s.t, s.open = t, true
					}
					if t.After(s.r.latest) {
						s.r.latest = t
					}
					p = p[i+1:]
					continue
				}
			}
			// Not a timestamp after all: it is text.
			s.text(s.stamp)
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.text(p)
			return
		}
		s.text(p[:i])
		s.end()
		p = p[i+1:]
		s.message() // each line of a message would be stamped
	}
}

// text adds to the current line, up to MaxLogLine.
func (s *logStream) text(p []byte) {
	s.open = true
	room := MaxLogLine - len(s.line)
	if len(p) > room {
		p, s.cut = p[:room], true
	}
	s.line = append(s.line, p...)
}

// end passes the current line on, unless it was already.
func (s *logStream) end() {
	line := s.line
	if s.cut { // not in the middle of a character
		i := len(line) - 1
		for i > 0 && len(line)-i < utf8.UTFMax && !utf8.RuneStart(line[i]) {
			i--
		}
		if !utf8.FullRune(line[i:]) {
			line = line[:i]
		}
	}
	if s.skip.IsZero() || s.t.After(s.skip) {
		s.r.fn(s.typ, s.t, string(line))
		s.last = s.t
	}
	s.line, s.open, s.cut = s.line[:0], false, false
}

// flush passes on a line without a final newline.
func (s *logStream) flush() {
	if s.inStamp && len(s.stamp) > 0 {
		s.inStamp = false
		s.text(s.stamp)
	}
	if s.open {
		s.end()
	}
}
