package router

import (
	"bufio"
	"bytes"
)

// response is a backend's response head and what the router made of it.
// A backend connection reuses one response for all of its answers.
type response struct {
	head
	status int
	reason span // reason phrase, possibly empty

	contentLength int64 // -1: none given
	chunked       bool
	close         bool // the backend will close the connection after this response
	connNames     bool // the Connection field names other fields to drop
}

// readResponse reads and checks a response head. A response the router
// cannot frame safely is an error: the backend is then at fault (H17).
func readResponse(br *bufio.Reader, r *response) error {
	if err := r.head.read(br); err != nil {
		return err
	}
	line := r.bytes(r.start)
	// "HTTP/1.x 200" with an optional " reason".
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' ||
		(len(line) > 12 && line[12] != ' ') {
		return errMalformed("malformed status line")
	}
	r.status = 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return errMalformed("malformed status code")
		}
		r.status = r.status*10 + int(c-'0')
	}
	if r.status < 100 {
		return errMalformed("status code below 100")
	}
	r.reason = span{r.start.hi, r.start.hi}
	if len(line) > 13 {
		r.reason = span{r.start.lo + 13, r.start.hi}
		for _, c := range r.bytes(r.reason) {
			if c < ' ' && c != '\t' || c == 0x7f {
				return errMalformed("control character in the reason phrase")
			}
		}
	}
	r.contentLength, r.chunked, r.connNames = -1, false, false
	r.close = line[7] == '0' // HTTP/1.0 closes unless it says otherwise
	for _, f := range r.fields {
		v := r.bytes(f.value)
		switch f.kind {
		case kindContentLength:
			n, ok := parseLength(v)
			if !ok || (r.contentLength >= 0 && n != r.contentLength) {
				return errMalformed("invalid Content-Length")
			}
			r.contentLength = n
		case kindTransferEncoding:
			if r.chunked || !equalFold(v, "chunked") {
				return errMalformed("unsupported Transfer-Encoding")
			}
			r.chunked = true
		case kindConnection:
			for tok := range tokens(v) {
				switch {
				case equalFold(tok, "upgrade"):
				case equalFold(tok, "close"):
					r.close = true
				case equalFold(tok, "keep-alive"):
					r.close = false
				default:
					r.connNames = true
				}
			}
		}
	}
	if r.chunked {
		r.contentLength = -1 // Transfer-Encoding wins (RFC 9112 §6.3)
	}
	return nil
}

// bodyless reports whether the response has no body whatever its fields
// say: informational, 204, 304, or the answer to a HEAD.
func (r *response) bodyless(head bool) bool {
	return head || r.status < 200 || r.status == 204 || r.status == 304
}

// closeDelimited reports whether the body runs until the backend closes
// the connection.
func (r *response) closeDelimited(head bool) bool {
	return !r.bodyless(head) && !r.chunked && r.contentLength < 0
}
