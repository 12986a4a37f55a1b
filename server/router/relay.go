package router

import (
	"bufio"
	"errors"
	"io"
)

// relay copies n bytes of a body (until EOF when n < 0) from src to dst.
// Whatever src has buffered is written at once, and dst is flushed before
// every read that would block, so streamed bytes never wait in the router
// while a fully buffered body costs no extra write. progress, if not nil,
// is called after every write. rerr is a failure reading src (the sender
// broke off), werr one writing dst (the receiver is gone); the caller
// flushes dst at the end.
func relay(dst *bufio.Writer, src *bufio.Reader, n int64, progress func()) (written int64, rerr, werr error) {
	for n != 0 {
		if src.Buffered() == 0 {
			if dst.Buffered() > 0 {
				if err := dst.Flush(); err != nil {
					return written, nil, err
				}
			}
			if _, err := src.Peek(1); err != nil {
				if err == io.EOF {
					if n < 0 {
						return written, nil, nil
					}
					err = io.ErrUnexpectedEOF
				}
				return written, err, nil
			}
		}
		k := src.Buffered()
		if n >= 0 && int64(k) > n {
			k = int(n)
		}
		p, _ := src.Peek(k)
		m, err := dst.Write(p)
		_, _ = src.Discard(m)
		written += int64(m)
		if n > 0 {
			n -= int64(m)
		}
		if err != nil {
			return written, nil, err
		}
		if progress != nil {
			progress()
		}
	}
	return written, nil, nil
}

// errChunk is a malformed chunked body.
var errChunk = errors.New("malformed chunked body")

// maxChunkLine bounds a chunk-size line with its extensions.
const maxChunkLine = 4096

// relayChunked reads a chunked body from src and writes it to dst:
// re-encoded as chunked when encode is set, else as plain bytes (for an
// HTTP/1.0 client, where the end of the body is the end of the
// connection). Re-encoding, rather than copying the framing, means the
// receiver sees exactly the chunks the router parsed; chunk extensions are
// dropped, trailer fields pass through when encoding. written counts body
// bytes, without framing.
func relayChunked(dst *bufio.Writer, src *bufio.Reader, encode bool, progress func()) (written int64, rerr, werr error) {
	var scratch [20]byte
	for {
		if src.Buffered() == 0 && dst.Buffered() > 0 {
			if err := dst.Flush(); err != nil {
				return written, nil, err
			}
		}
		line, err := readChunkLine(src)
		if err != nil {
			return written, err, nil
		}
		size, ok := parseChunkSize(line)
		if !ok {
			return written, errChunk, nil
		}
		if size == 0 {
			err := relayTrailer(dst, src, encode)
			if we, ok := err.(writeErr); ok {
				return written, nil, we.error
			}
			return written, err, nil
		}
		if encode {
			b := appendHex(scratch[:0], size)
			b = append(b, '\r', '\n')
			if _, err := dst.Write(b); err != nil {
				return written, nil, err
			}
		}
		n, rerr, werr := relay(dst, src, size, progress)
		written += n
		if rerr != nil || werr != nil {
			return written, rerr, werr
		}
		if line, err := readChunkLine(src); err != nil || len(line) != 0 {
			if err == nil {
				err = errChunk
			}
			return written, err, nil
		}
		if encode {
			if _, err := dst.WriteString("\r\n"); err != nil {
				return written, nil, err
			}
		}
	}
}

// relayTrailer reads the trailer section after the last chunk and ends the
// body on dst. Trailer fields are checked like header fields.
func relayTrailer(dst *bufio.Writer, src *bufio.Reader, encode bool) error {
	if encode {
		if _, err := dst.WriteString("0\r\n"); err != nil {
			return writeErr{err}
		}
	}
	var t head
	total := 0
	for {
		line, err := readChunkLine(src)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		total += len(line)
		if total > maxHeadBytes {
			return errHeadTooLarge
		}
		t.buf = append(t.buf[:0], line...)
		if _, err := t.parseField(span{0, len(line)}); err != nil {
			return err
		}
		if encode {
			dst.Write(line)
			if _, err := dst.WriteString("\r\n"); err != nil {
				return writeErr{err}
			}
		}
	}
	if encode {
		if _, err := dst.WriteString("\r\n"); err != nil {
			return writeErr{err}
		}
	}
	return nil
}

// writeErr marks a failure writing to dst inside relayTrailer, whose
// single error result otherwise means a read failure.
type writeErr struct{ error }

// readChunkLine reads one line of chunked framing without its line end.
// The slice is only valid until the next read.
func readChunkLine(src *bufio.Reader) ([]byte, error) {
	line, err := src.ReadSlice('\n')
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		} else if err == bufio.ErrBufferFull {
			err = errChunk
		}
		return nil, err
	}
	if len(line) > maxChunkLine {
		return nil, errChunk
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// parseChunkSize parses "1a2b" with optional whitespace and ";ext" after.
func parseChunkSize(line []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			goto rest
		}
		if i == 15 { // 16 hex digits would overflow int64
			return 0, false
		}
		n = n<<4 | int64(d)
	}
rest:
	if i == 0 {
		return 0, false
	}
	for ; i < len(line); i++ {
		switch line[i] {
		case ' ', '\t':
			continue
		case ';':
			return n, true
		}
		return 0, false
	}
	return n, true
}

func appendHex(b []byte, n int64) []byte {
	const digits = "0123456789abcdef"
	var tmp [16]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = digits[n&0xf]
		n >>= 4
		if n == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}
