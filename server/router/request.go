package router

import (
	"bufio"
	"bytes"
	"net/http"
)

// request is a client's request head and what the router made of it.
// A connection reuses one request for all of its requests.
type request struct {
	head
	method, target span
	http10         bool // HTTP/1.0: no chunked answers, close unless asked to keep alive

	host          span  // Host field value, or the absolute target's authority
	contentLength int64 // -1: none given
	chunked       bool
	keepAlive     bool // the client wants the connection kept open
	upgrade       span // protocol asked for with Connection: upgrade, e.g. websocket
	expect        bool // Expect: 100-continue
	// connNames: the Connection field names other fields to drop.
	connNames  bool
	closes     bool // Connection: close, which wins over keep-alive
	requestID  span
	hasReqID   bool
	absoluteTo int // >0: target is absolute-form; the path starts here
}

// badRequest is a request the router refuses before routing it, with the
// status to answer and a reason for the client.
type badRequest struct {
	status int
	reason string
}

func (e *badRequest) Error() string { return e.reason }

func refuse(status int, reason string) *badRequest { return &badRequest{status, reason} }

// readRequest reads and checks the next request head. Requests whose
// framing is ambiguous (both Content-Length and Transfer-Encoding, several
// different lengths, an encoding other than chunked) are refused: a proxy
// that guesses differently from the app behind it lets one request smuggle
// another.
func readRequest(br *bufio.Reader, r *request) error {
	if err := r.head.read(br); err != nil {
		switch err := err.(type) {
		case errMalformed:
			return refuse(http.StatusBadRequest, err.Error())
		}
		if err == errHeadTooLarge {
			return refuse(http.StatusRequestHeaderFieldsTooLarge, "request head larger than 64 KB")
		}
		return err
	}
	return r.parse()
}

func (r *request) parse() error {
	r.host, r.contentLength, r.chunked = span{}, -1, false
	r.upgrade, r.expect, r.connNames, r.hasReqID, r.closes = span{}, false, false, false, false
	if err := r.parseStart(); err != nil {
		return err
	}
	r.keepAlive = !r.http10
	hosts := 0
	var upgrade span
	connUpgrade := false
	for i := range r.fields {
		f := &r.fields[i]
		v := r.bytes(f.value)
		switch f.kind {
		case kindHost:
			hosts++
			if r.absoluteTo == 0 {
				r.host = f.value
			}
		case kindContentLength:
			n, ok := parseLength(v)
			if !ok {
				return refuse(http.StatusBadRequest, "invalid Content-Length")
			}
			if r.contentLength >= 0 && n != r.contentLength {
				return refuse(http.StatusBadRequest, "conflicting Content-Length fields")
			}
			r.contentLength = n
		case kindTransferEncoding:
			if r.chunked || !equalFold(v, "chunked") {
				return refuse(http.StatusNotImplemented, "unsupported Transfer-Encoding: only chunked is accepted")
			}
			r.chunked = true
		case kindConnection:
			r.scanConnection(v, &connUpgrade)
		case kindUpgrade:
			upgrade = f.value
		case kindXRequestID:
			if !r.hasReqID {
				r.requestID, r.hasReqID = f.value, true
			}
		case kindExpect:
			r.expect = equalFold(v, "100-continue")
		}
	}
	if r.closes {
		r.keepAlive = false // RFC 9112 §9.6
	}
	if r.chunked && r.contentLength >= 0 {
		return refuse(http.StatusBadRequest, "both Content-Length and Transfer-Encoding")
	}
	if r.chunked && r.http10 {
		return refuse(http.StatusBadRequest, "chunked body in an HTTP/1.0 request")
	}
	if hosts > 1 {
		return refuse(http.StatusBadRequest, "more than one Host field")
	}
	if hosts == 0 && !r.http10 && r.absoluteTo == 0 {
		return refuse(http.StatusBadRequest, "missing Host field")
	}
	// h2c is a different protocol on this same connection, which the
	// router does not speak; the request goes on as plain HTTP/1.1.
	if connUpgrade && !upgrade.empty() && !equalFold(r.bytes(upgrade), "h2c") {
		r.upgrade = upgrade
	}
	return nil
}

// scanConnection notes close, keep-alive and upgrade in a Connection value,
// and whether it names other fields to drop.
func (r *request) scanConnection(v []byte, upgrade *bool) {
	for tok := range tokens(v) {
		switch {
		case equalFold(tok, "close"):
			r.closes = true
		case equalFold(tok, "keep-alive"):
			r.keepAlive = true
		case equalFold(tok, "upgrade"):
			*upgrade = true
		default:
			r.connNames = true
		}
	}
}

// parseStart checks the request line: a token method, a target without
// spaces or control characters, and HTTP/1.0 or HTTP/1.1.
func (r *request) parseStart() error {
	line := r.bytes(r.start)
	sp1 := bytes.IndexByte(line, ' ')
	sp2 := bytes.LastIndexByte(line, ' ')
	if sp1 <= 0 || sp2 <= sp1+1 {
		return refuse(http.StatusBadRequest, "malformed request line")
	}
	for _, c := range line[:sp1] {
		if !isTokenChar(c) {
			return refuse(http.StatusBadRequest, "malformed method")
		}
	}
	for _, c := range line[sp1+1 : sp2] {
		if c <= ' ' || c == 0x7f {
			return refuse(http.StatusBadRequest, "malformed request target")
		}
	}
	if equalFold(line[:sp1], "connect") {
		return refuse(http.StatusMethodNotAllowed, "CONNECT is not supported")
	}
	switch string(line[sp2+1:]) {
	case "HTTP/1.1":
		r.http10 = false
	case "HTTP/1.0":
		r.http10 = true
	default:
		return refuse(http.StatusHTTPVersionNotSupported, "only HTTP/1.0 and HTTP/1.1 are supported")
	}
	r.method = span{r.start.lo, r.start.lo + sp1}
	r.target = span{r.start.lo + sp1 + 1, r.start.lo + sp2}
	target := r.bytes(r.target)
	r.absoluteTo = 0
	switch {
	case target[0] == '/':
	case len(target) == 1 && target[0] == '*':
		if !equalFold(r.bytes(r.method), "options") {
			return refuse(http.StatusBadRequest, "* is a target for OPTIONS only")
		}
	case hasPrefixFold(target, "http://") || hasPrefixFold(target, "https://"):
		// Absolute form, as sent to proxies: its authority replaces the
		// Host field (RFC 9112 §3.2.2) and the app gets the path.
		rest := bytes.IndexByte(target, ':') + 3
		end := len(target)
		if i := bytes.IndexAny(target[rest:], "/?"); i >= 0 {
			end = rest + i
		}
		if end == rest {
			return refuse(http.StatusBadRequest, "absolute target without a host")
		}
		r.host = span{r.target.lo + rest, r.target.lo + end}
		r.absoluteTo = end
	default:
		return refuse(http.StatusBadRequest, "malformed request target")
	}
	return nil
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && equalFold(b[:len(prefix)], prefix)
}

// path is the target the app is sent: origin form.
func (r *request) path() []byte {
	t := r.bytes(r.target)
	if r.absoluteTo == 0 {
		return t
	}
	if p := t[r.absoluteTo:]; len(p) > 0 && p[0] == '/' {
		return p
	}
	return append([]byte("/"), t[r.absoluteTo:]...)
}

// hasBody reports whether a body follows the head.
func (r *request) hasBody() bool { return r.chunked || r.contentLength > 0 }

// bodyBuffered reports whether the whole body (if any) is already in br,
// so that it can be sent together with the head and without a second
// goroutine.
func (r *request) bodyBuffered(br *bufio.Reader) bool {
	return !r.chunked && int64(br.Buffered()) >= r.contentLength
}

// idempotent reports whether a bodiless request with this method may be
// sent again after a backend hung up on it.
func (r *request) idempotent() bool {
	m := r.bytes(r.method)
	return string(m) == "GET" || string(m) == "HEAD" || string(m) == "OPTIONS" || string(m) == "TRACE"
}

// isHead reports whether the method is HEAD, whose answers have no body.
func (r *request) isHead() bool { return string(r.bytes(r.method)) == "HEAD" }

// methodString returns the method, without allocating for common ones.
func (r *request) methodString() string {
	m := r.bytes(r.method)
	for _, k := range [...]string{"GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		if string(m) == k {
			return k
		}
	}
	return string(m)
}

// connectionNamed reports whether a Connection field lists name, which is
// then a hop-by-hop field of this message.
func (h *head) connectionNamed(name []byte) bool {
	for _, f := range h.fields {
		if f.kind != kindConnection {
			continue
		}
		for tok := range tokens(h.bytes(f.value)) {
			if bytes.EqualFold(tok, name) {
				return true
			}
		}
	}
	return false
}
