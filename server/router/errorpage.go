package router

import (
	"bufio"
	"html"
	"net/http"
	"strconv"
	"strings"
)

// writePage writes one of the router's own pages to w and returns the
// status and the body bytes sent. Pages are self-contained (no external
// assets) so they render when everything else is down, and are never
// cached: the app may be back a second later.
func writePage(w *bufio.Writer, r *request, status int, title, message, requestID string, keepAlive bool) (int, int64) {
	var b strings.Builder
	b.Grow(1024)
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>`)
	b.WriteString(html.EscapeString(title))
	b.WriteString(`</title>
<style>body{margin:0;background:#f5f6f8;color:#222;font:16px/1.5 system-ui,sans-serif}main{max-width:34rem;margin:15vh auto;padding:0 1.5rem}h1{font-size:1.6rem;font-weight:600}small{color:#777}</style>
</head><body><main><h1>`)
	b.WriteString(html.EscapeString(title))
	b.WriteString(`</h1><p>`)
	b.WriteString(html.EscapeString(message))
	b.WriteString(`</p><p><small>Request ID: `)
	b.WriteString(html.EscapeString(requestID))
	b.WriteString("</small></p></main></body></html>\n")

	w.WriteString("HTTP/1.1 ")
	w.WriteString(strconv.Itoa(status))
	w.WriteByte(' ')
	w.WriteString(http.StatusText(status))
	w.WriteString("\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-cache, no-store\r\nContent-Length: ")
	w.WriteString(strconv.Itoa(b.Len()))
	w.WriteString("\r\nX-Request-Id: ")
	w.WriteString(requestID)
	if !keepAlive {
		w.WriteString("\r\nConnection: close")
	} else if r.http10 {
		w.WriteString("\r\nConnection: keep-alive")
	}
	w.WriteString("\r\n\r\n")
	if r.isHead() {
		return status, 0
	}
	w.WriteString(b.String())
	return status, int64(b.Len())
}

// writeFailure writes the page for ex.fail.
func writeFailure(w *bufio.Writer, r *request, ex *exchange, keepAlive bool) (int, int64) {
	f := ex.fail
	switch f {
	case maintenance:
		return writePage(w, r, f.status(), "Offline for maintenance",
			"This app is undergoing maintenance right now. Please check back in a minute.", ex.id, keepAlive)
	default:
		return writePage(w, r, f.status(), "Application error",
			"An error occurred in the application and your page could not be served. "+
				"If you are the application owner, check your logs for details ("+f.code()+": "+f.desc()+").", ex.id, keepAlive)
	}
}

// writeNoSuchApp answers a request whose Host matches no app.
func writeNoSuchApp(w *bufio.Writer, r *request, host, requestID string, keepAlive bool) {
	msg := "There is no app configured at this address."
	if host != "" {
		msg = "There is no app configured at " + host + "."
	}
	writePage(w, r, http.StatusNotFound, "No such app", msg, requestID, keepAlive)
}

// writeRefusal answers a request the router could not parse, in plain
// text, and closes the connection: after a malformed head nothing says
// where the next request would start.
func writeRefusal(w *bufio.Writer, bad *badRequest) {
	body := strconv.Itoa(bad.status) + " " + http.StatusText(bad.status) + ": " + bad.reason + "\n"
	w.WriteString("HTTP/1.1 ")
	w.WriteString(strconv.Itoa(bad.status))
	w.WriteByte(' ')
	w.WriteString(http.StatusText(bad.status))
	w.WriteString("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ")
	w.WriteString(strconv.Itoa(len(body)))
	w.WriteString("\r\nConnection: close\r\n\r\n")
	w.WriteString(body)
}
