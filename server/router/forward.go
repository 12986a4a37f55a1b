package router

import (
	"bufio"
	"strconv"
)

// writeRequestHead writes the head the backend gets. It is the client's,
// with the target in origin form, HTTP/1.1 (the backend connection is kept
// alive whatever the client asked), hop-by-hop fields dropped, the framing
// restated, and the fields Heroku's router sets: X-Forwarded-For (the
// client's chain plus the peer), X-Forwarded-Proto, X-Forwarded-Port,
// X-Request-Id and X-Request-Start (Unix milliseconds, for measuring
// queueing). Any client-sent Forwarded, X-Forwarded-Host, -Proto, -Port or
// X-Request-Start is dropped, so apps can trust them. Host passes through
// unchanged, so apps see the name they were reached by.
func writeRequestHead(w *bufio.Writer, r *request, c *clientConn, ex *exchange) {
	w.Write(r.bytes(r.method))
	w.WriteByte(' ')
	w.Write(r.path())
	w.WriteString(" HTTP/1.1\r\n")
	if r.absoluteTo > 0 {
		w.WriteString("Host: ")
		w.Write(r.bytes(r.host))
		w.WriteString("\r\n")
	}
	xff := 0
	for _, f := range r.fields {
		switch f.kind {
		case kindHost:
			if r.absoluteTo > 0 {
				continue
			}
		case kindExpect:
		case kindOther:
			if r.connNames && r.connectionNamed(r.bytes(f.name)) {
				continue
			}
		case kindXForwardedFor:
			xff++
			continue
		default:
			continue
		}
		writeField(w, r.bytes(f.name), r.bytes(f.value))
	}
	switch {
	case r.chunked:
		w.WriteString("Transfer-Encoding: chunked\r\n")
	case r.contentLength >= 0:
		w.WriteString("Content-Length: ")
		w.Write(strconv.AppendInt(w.AvailableBuffer(), r.contentLength, 10))
		w.WriteString("\r\n")
	}
	if !r.upgrade.empty() {
		w.WriteString("Connection: Upgrade\r\nUpgrade: ")
		w.Write(r.bytes(r.upgrade))
		w.WriteString("\r\n")
	}
	w.WriteString("X-Forwarded-For: ")
	if xff > 0 {
		// Earlier hops are the client's claim and pass on as given; apps
		// that trust them must know that only the last entry is the
		// router's observation.
		for _, f := range r.fields {
			if f.kind == kindXForwardedFor {
				w.Write(r.bytes(f.value))
				w.WriteString(", ")
			}
		}
	}
	w.WriteString(c.peer)
	w.WriteString("\r\nX-Forwarded-Proto: ")
	w.WriteString(c.proto)
	w.WriteString("\r\nX-Forwarded-Port: ")
	w.WriteString(c.port)
	w.WriteString("\r\nX-Request-Id: ")
	w.WriteString(ex.id)
	w.WriteString("\r\nX-Request-Start: ")
	w.Write(strconv.AppendInt(w.AvailableBuffer(), ex.start.UnixMilli(), 10))
	w.WriteString("\r\n\r\n")
}

// framing is how the router frames a response to the client.
type framing struct {
	informational bool  // a 1xx before the final answer: fields only
	length        int64 // Content-Length to send, or -1
	chunked       bool  // Transfer-Encoding: chunked
	keepAlive     bool  // otherwise Connection: close
	http10        bool  // the client speaks HTTP/1.0: keep-alive must be said
	upgrade       bool  // 101: the connection becomes a tunnel
}

// writeResponseHead writes the head the client gets: the backend's status
// and fields, without hop-by-hop fields and the app's own X-Request-Id
// (the client sees the id the logs use), with the framing f.
func writeResponseHead(w *bufio.Writer, r *response, ex *exchange, f framing) {
	w.WriteString("HTTP/1.1 ")
	w.Write(strconv.AppendInt(w.AvailableBuffer(), int64(r.status), 10))
	w.WriteByte(' ')
	w.Write(r.bytes(r.reason))
	w.WriteString("\r\n")
	for _, fl := range r.fields {
		switch fl.kind {
		case kindContentLength, kindTransferEncoding, kindConnection, kindHopByHop, kindXRequestID:
			continue
		case kindUpgrade:
			if !f.upgrade {
				continue
			}
		default:
			if r.connNames && r.connectionNamed(r.bytes(fl.name)) {
				continue
			}
		}
		writeField(w, r.bytes(fl.name), r.bytes(fl.value))
	}
	w.WriteString("X-Request-Id: ")
	w.WriteString(ex.id)
	w.WriteString("\r\n")
	switch {
	case f.informational:
	case f.upgrade:
		w.WriteString("Connection: Upgrade\r\n")
	default:
		if f.chunked {
			w.WriteString("Transfer-Encoding: chunked\r\n")
		} else if f.length >= 0 && r.status != 204 && r.status >= 200 {
			w.WriteString("Content-Length: ")
			w.Write(strconv.AppendInt(w.AvailableBuffer(), f.length, 10))
			w.WriteString("\r\n")
		}
		if !f.keepAlive {
			w.WriteString("Connection: close\r\n")
		} else if f.http10 {
			w.WriteString("Connection: keep-alive\r\n")
		}
	}
	w.WriteString("\r\n")
}

func writeField(w *bufio.Writer, name, value []byte) {
	w.Write(name)
	w.WriteString(": ")
	w.Write(value)
	w.WriteString("\r\n")
}
