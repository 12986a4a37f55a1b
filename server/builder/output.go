package builder

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
)

// OutputStore keeps a build's output, chunk by chunk.
type OutputStore interface {
	AppendBuildOutput(ctx context.Context, buildID uuid.UUID, seq int, data []byte) error
}

// output is a build's log: what is written reaches the live writer (a
// git push's remote: lines) at once, and the store within flushEvery, in
// chunks that output_stream_url replays and follows.
type output struct {
	store  OutputStore
	build  uuid.UUID
	logger *slog.Logger

	mu      sync.Mutex
	buf     bytes.Buffer
	live    io.Writer // nil once it failed: the pusher went away
	seq     int
	flushed chan struct{}
	stop    chan struct{}
}

const (
	flushEvery = 100 * time.Millisecond
	chunkMax   = 256 << 10
)

func newOutput(store OutputStore, build uuid.UUID, live io.Writer, logger *slog.Logger) *output {
	o := &output{store: store, build: build, live: live, logger: logger, flushed: make(chan struct{}), stop: make(chan struct{})}
	go o.flushLoop()
	return o
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if o.live != nil {
		if _, err := o.live.Write(p); err != nil {
			o.live = nil
		}
	}
	return len(p), nil
}

func (o *output) flushLoop() {
	defer close(o.flushed)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			o.flush()
		case <-o.stop:
			o.flush()
			return
		}
	}
}

// flush stores what was written since the last flush. A store error
// loses that output for later readers, not the build.
func (o *output) flush() {
	for {
		o.mu.Lock()
		if o.buf.Len() == 0 {
			o.mu.Unlock()
			return
		}
		data := bytes.Clone(o.buf.Next(chunkMax))
		seq := o.seq
		o.seq++
		o.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := o.store.AppendBuildOutput(ctx, o.build, seq, data)
		cancel()
		if err != nil {
			o.logger.Warn("build output not stored", "build", o.build, "err", err)
		}
	}
}

// Close stores the rest: everything written is in the store when it
// returns, before the build settles.
func (o *output) Close() {
	close(o.stop)
	<-o.flushed
}

// indent writes every line with Heroku's seven-space indent, the way
// buildpack output lines that are not steps look.
type indent struct {
	w         io.Writer
	midLine   bool
	lineStart []byte
}

func newIndent(w io.Writer) *indent { return &indent{w: w, lineStart: []byte("       ")} }

func (in *indent) Write(p []byte) (int, error) {
	var b bytes.Buffer
	for _, c := range p {
		if !in.midLine {
			b.Write(in.lineStart)
			in.midLine = true
		}
		b.WriteByte(c)
		if c == '\n' {
			in.midLine = false
		}
	}
	if _, err := in.w.Write(b.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}
