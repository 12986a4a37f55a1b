package gitpush

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Git's pkt-line framing: four hex digits of length (itself included),
// then the payload; "0000" is a flush.

const maxPkt = 65520

func writePkt(w io.Writer, payload []byte) error {
	if len(payload)+4 > maxPkt {
		return fmt.Errorf("pkt-line of %d bytes", len(payload))
	}
	if _, err := fmt.Fprintf(w, "%04x", len(payload)+4); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

func writeFlush(w io.Writer) error {
	_, err := io.WriteString(w, "0000")
	return err
}

var errFlush = errors.New("flush-pkt")

// readPkt reads one pkt-line; a flush is errFlush.
func readPkt(r io.Reader) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	n, err := strconv.ParseUint(string(head[:]), 16, 16)
	if err != nil {
		return nil, fmt.Errorf("bad pkt-line length %q", head)
	}
	switch {
	case n == 0:
		return nil, errFlush
	case n < 4:
		return nil, fmt.Errorf("bad pkt-line length %d", n)
	}
	b := make([]byte, n-4)
	_, err = io.ReadFull(r, b)
	return b, err
}

// Side-band channels of side-band-64k.
const (
	bandData     = 1
	bandProgress = 2
	bandError    = 3
)

// sideband writes to one channel of a side-band-64k response, flushing
// each write to the client at once, so that build output shows as it
// comes. Writes from several goroutines are serialised.
type sideband struct {
	mu   *sync.Mutex
	w    io.Writer
	rc   *http.ResponseController
	band byte
	off  bool // the client asked for no side band: progress is dropped
}

func (s sideband) Write(p []byte) (int, error) {
	if s.off {
		return len(p), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for rest := p; len(rest) > 0; {
		n := min(len(rest), maxPkt-5)
		if err := writePkt(s.w, append([]byte{s.band}, rest[:n]...)); err != nil {
			return 0, err
		}
		rest = rest[n:]
	}
	if s.rc != nil {
		if err := s.rc.Flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
