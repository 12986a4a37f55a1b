package router

import "net/http"

// recorder is the client's ResponseWriter as the proxy sees it. It notes the
// status and body size for the log line, and flushes after every write so a
// backend's bytes reach the client as soon as they arrive: the effect of
// ReverseProxy.FlushInterval = -1, without the timer and goroutine that
// costs per request. Unwrap lets http.ResponseController reach Hijack
// (WebSockets) and EnableFullDuplex on the real connection.
type recorder struct {
	http.ResponseWriter
	status int // final status sent, 0 before headers
	bytes  int64
	err    error // first write error: the client is gone
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	if err != nil {
		if w.err == nil {
			w.err = err
		}
		return n, err
	}
	w.Flush()
	return n, nil
}

// Flush sends buffered bytes to the client.
func (w *recorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
		return
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
