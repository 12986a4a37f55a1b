package logs

import (
	"context"
	"net/http"
	"time"
)

// writeTimeout bounds one write to a client: a client that stops reading
// is dropped instead of holding its goroutine forever.
const writeTimeout = time.Minute

// batchBytes is how much a stream writes at once when lines come fast.
const batchBytes = 32 << 10

// stream writes lines to one HTTP client, as server-sent events or plain
// text. It runs on the request's goroutine and reads from its own follower,
// so however slowly the client reads, the Hub never waits for it.
type stream struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	sse bool
	buf []byte
}

func newStream(w http.ResponseWriter, sse bool) *stream {
	h := w.Header()
	if sse {
		h.Set("Content-Type", "text/event-stream")
	} else {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff") // a dyno's output is not HTML
	}
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx would hold the stream back
	w.WriteHeader(http.StatusOK)
	return &stream{w: w, rc: http.NewResponseController(w), sse: sse}
}

// send writes lines in batches and flushes; false when the client is gone.
func (s *stream) send(lines []Line) bool {
	s.buf = s.buf[:0]
	for _, l := range lines {
		s.add(l)
		if len(s.buf) >= batchBytes && !s.write() {
			return false
		}
	}
	return s.write()
}

// follow sends the backlog then fol's lines until the client leaves or the
// app is forgotten.
func (s *stream) follow(ctx context.Context, backlog []Line, fol *follower, keepalive time.Duration) {
	if !s.send(backlog) {
		return
	}
	tick := time.NewTicker(keepalive)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if s.sse {
				s.buf = append(s.buf[:0], ": keepalive\n\n"...)
				if !s.write() {
					return
				}
			}
		case l, ok := <-fol.ch:
			if !ok {
				return
			}
			s.buf = s.buf[:0]
			s.add(l)
			open := s.drain(fol)
			if !s.write() || !open {
				return
			}
			tick.Reset(keepalive)
		}
	}
}

// drain adds the lines already waiting, up to a batch; false when the
// follower's channel was closed.
func (s *stream) drain(fol *follower) bool {
	for len(s.buf) < batchBytes {
		select {
		case l, ok := <-fol.ch:
			if !ok {
				return false
			}
			s.add(l)
		default:
			return true
		}
	}
	return true
}

// add encodes one line: lines hold no newline or carriage return, so one
// data field each is a whole event.
func (s *stream) add(l Line) {
	if s.sse {
		s.buf = append(s.buf, "data: "...)
	}
	s.buf = l.appendTo(s.buf)
	if s.sse {
		s.buf = append(s.buf, '\n')
	}
	s.buf = append(s.buf, '\n')
}

// write sends the buffer and flushes it to the client.
func (s *stream) write() bool {
	_ = s.rc.SetWriteDeadline(time.Now().Add(writeTimeout)) // not every writer has deadlines
	if len(s.buf) > 0 {
		if _, err := s.w.Write(s.buf); err != nil {
			return false
		}
	}
	s.buf = s.buf[:0]
	return s.rc.Flush() == nil
}
