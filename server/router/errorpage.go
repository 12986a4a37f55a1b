package router

import (
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// writePage answers with one of the router's own pages. Pages are
// self-contained (no external assets) so they render when everything else
// is down, and are never cached: the app may be back a second later.
func writePage(w http.ResponseWriter, r *http.Request, status int, title, message, requestID string) {
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

	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache, no-store")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	h.Set("X-Request-Id", requestID)
	h.Del("Content-Encoding")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, b.String())
	}
}

// writeFailure answers with the page for f.
func writeFailure(w http.ResponseWriter, r *http.Request, ex *exchange, f failure) {
	switch f {
	case maintenance:
		writePage(w, r, f.status(), "Offline for maintenance",
			"This app is undergoing maintenance right now. Please check back in a minute.", ex.id)
	default:
		writePage(w, r, f.status(), "Application error",
			"An error occurred in the application and your page could not be served. "+
				"If you are the application owner, check your logs for details ("+f.code()+": "+f.desc()+").", ex.id)
	}
}

// writeNoSuchApp answers a request whose Host matches no app.
func writeNoSuchApp(w http.ResponseWriter, r *http.Request, host, requestID string) {
	msg := "There is no app configured at this address."
	if host != "" {
		msg = "There is no app configured at " + host + "."
	}
	writePage(w, r, http.StatusNotFound, "No such app", msg, requestID)
}
