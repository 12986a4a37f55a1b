package router

import (
	"bufio"
	"bytes"
	"errors"
	"iter"
)

// Limits on what the router reads from clients and backends.
const (
	// maxHeadBytes bounds a request or response head (start line and
	// header fields), as http.Server's MaxHeaderBytes did.
	maxHeadBytes = 64 << 10
	// maxFields bounds the header fields of one head.
	maxFields = 256
)

// errHeadTooLarge is a head over maxHeadBytes or maxFields.
var errHeadTooLarge = errors.New("message head too large")

// errMalformed is a head that is not HTTP/1.x.
type errMalformed string

func (e errMalformed) Error() string { return "malformed message head: " + string(e) }

// span is a range of a head's buffer.
type span struct{ lo, hi int }

func (s span) empty() bool { return s.lo == s.hi }

// field is one header field: name and value (without surrounding
// whitespace) as ranges of the head's buffer, and what the router makes of
// the name.
type field struct {
	name, value span
	kind        fieldKind
}

// head is an HTTP/1.x message head copied out of a connection's reader:
// the start line and the header fields, as ranges of buf. Reading into the
// same head again reuses its memory, so a keep-alive connection parses
// without allocating.
type head struct {
	buf    []byte
	start  span
	fields []field
}

func (h *head) bytes(s span) []byte { return h.buf[s.lo:s.hi] }

func (h *head) reset() {
	h.buf = h.buf[:0]
	h.fields = h.fields[:0]
	h.start = span{}
}

// read reads a whole head: the start line, then fields up to the blank
// line. Blank lines before the start line are skipped (RFC 9112 §2.2 lets
// a client send one after a body). Line ends may be CRLF or bare LF.
// Field lines are checked (a token name, a colon, a value without control
// characters); obsolete line folding is refused.
func (h *head) read(br *bufio.Reader) error {
	h.reset()
	for skipped := 0; ; skipped++ {
		s, err := h.line(br)
		if err != nil {
			return err
		}
		if !s.empty() {
			h.start = s
			break
		}
		if skipped == 4 {
			return errMalformed("blank lines instead of a start line")
		}
		h.buf = h.buf[:0]
	}
	for {
		s, err := h.line(br)
		if err != nil {
			return err
		}
		if s.empty() {
			return nil
		}
		if len(h.fields) == maxFields {
			return errHeadTooLarge
		}
		f, err := h.parseField(s)
		if err != nil {
			return err
		}
		h.fields = append(h.fields, f)
	}
}

// line appends the next line to buf and returns its range without the
// line end.
func (h *head) line(br *bufio.Reader) (span, error) {
	lo := len(h.buf)
	for {
		chunk, err := br.ReadSlice('\n')
		if len(h.buf)+len(chunk) > maxHeadBytes {
			return span{}, errHeadTooLarge
		}
		h.buf = append(h.buf, chunk...)
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return span{}, err
		}
	}
	hi := len(h.buf) - 1
	if hi > lo && h.buf[hi-1] == '\r' {
		hi--
	}
	return span{lo, hi}, nil
}

func (h *head) parseField(s span) (field, error) {
	line := h.bytes(s)
	if line[0] == ' ' || line[0] == '\t' {
		return field{}, errMalformed("obsolete line folding")
	}
	colon := -1
	for i, c := range line {
		if c == ':' {
			colon = i
			break
		}
		if !isTokenChar(c) {
			return field{}, errMalformed("invalid character in a field name")
		}
	}
	if colon <= 0 {
		return field{}, errMalformed("field line without a name and a colon")
	}
	lo, hi := s.lo+colon+1, s.hi
	for lo < hi && (h.buf[lo] == ' ' || h.buf[lo] == '\t') {
		lo++
	}
	for hi > lo && (h.buf[hi-1] == ' ' || h.buf[hi-1] == '\t') {
		hi--
	}
	for _, c := range h.buf[lo:hi] {
		if c < ' ' && c != '\t' || c == 0x7f {
			return field{}, errMalformed("control character in a field value")
		}
	}
	name := span{s.lo, s.lo + colon}
	return field{name: name, value: span{lo, hi}, kind: kindOf(h.bytes(name))}, nil
}

// isTokenChar reports whether c may appear in a token (RFC 9110 §5.6.2):
// field names and methods.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// equalFold reports whether b equals the lower-case ASCII s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// tokens yields the items of a comma-separated field value, such as
// Connection's, without surrounding whitespace, skipping empty ones.
func tokens(v []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for len(v) > 0 {
			var tok []byte
			if i := bytes.IndexByte(v, ','); i >= 0 {
				tok, v = v[:i], v[i+1:]
			} else {
				tok, v = v, nil
			}
			if tok = trimOWS(tok); len(tok) > 0 && !yield(tok) {
				return
			}
		}
	}
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// parseLength parses a Content-Length value: decimal digits only, and not
// so many that they overflow.
func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
