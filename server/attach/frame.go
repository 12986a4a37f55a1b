// Package attach is the wire format between `pier run` and the server for
// an attached one-off dyno: after an HTTP upgrade, both sides exchange
// frames of [type:1][length:4, big endian][payload]. Framing (rather than
// raw bytes) carries stdout and stderr apart, terminal resizes, the end of
// stdin and the exit status over one connection.
package attach

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Frame types.
const (
	Stdin    byte = 0 // client → server
	Stdout   byte = 1 // server → client
	Stderr   byte = 2 // server → client
	Exit     byte = 3 // server → client: 4-byte exit status, then the server closes
	Resize   byte = 4 // client → server: rows and columns, 2 bytes each
	StdinEOF byte = 5 // client → server: no more input
	Error    byte = 6 // server → client: a message, then the server closes
)

// Upgrade is the protocol name in the HTTP Upgrade header.
const Upgrade = "pier-attach"

// MaxFrame bounds a frame's payload.
const MaxFrame = 1 << 20

// WriteFrame writes one frame. It is not safe for concurrent use: guard
// the writer.
func WriteFrame(w io.Writer, typ byte, payload []byte) error {
	if len(payload) > MaxFrame {
		return fmt.Errorf("attach: frame of %d bytes is too large", len(payload))
	}
	var h [5]byte
	h[0] = typ
	binary.BigEndian.PutUint32(h[1:], uint32(len(payload)))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

// ReadFrame reads one frame.
func ReadFrame(r *bufio.Reader) (byte, []byte, error) {
	var h [5]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[1:])
	if n > MaxFrame {
		return 0, nil, errors.New("attach: oversized frame")
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	return h[0], p, nil
}

// FrameWriter is an io.Writer that sends what is written as frames of one
// type; Mu guards the shared connection.
type FrameWriter struct {
	W   io.Writer
	Typ byte
	Mu  interface {
		Lock()
		Unlock()
	}
}

func (f FrameWriter) Write(p []byte) (int, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	for off := 0; off < len(p); off += MaxFrame {
		end := min(off+MaxFrame, len(p))
		if err := WriteFrame(f.W, f.Typ, p[off:end]); err != nil {
			return off, err
		}
	}
	return len(p), nil
}

// ExitPayload encodes an exit status.
func ExitPayload(code int) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(int32(code)))
	return b[:]
}

// ExitCode decodes an exit status.
func ExitCode(p []byte) int {
	if len(p) != 4 {
		return 255
	}
	return int(int32(binary.BigEndian.Uint32(p)))
}

// ResizePayload encodes a terminal size.
func ResizePayload(rows, cols uint16) []byte {
	var b [4]byte
	binary.BigEndian.PutUint16(b[:2], rows)
	binary.BigEndian.PutUint16(b[2:], cols)
	return b[:]
}

// ResizeSize decodes a terminal size.
func ResizeSize(p []byte) (rows, cols uint16, ok bool) {
	if len(p) != 4 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(p[:2]), binary.BigEndian.Uint16(p[2:]), true
}
