package router

import (
	"strconv"
	"time"
)

// maxLoggedPath bounds the path in a log line; a request head may be
// 64 KB.
const maxLoggedPath = 2048

// appendLogLine appends the request's line in Heroku's router format:
//
//	at=info method=GET path="/foo?x=1" host=myapp.example.com request_id=… fwd="10.0.0.1" dyno=web.1 connect=0ms service=12ms status=200 bytes=512 protocol=http
//	at=error code=H14 desc="No web processes running" method=GET path="/" host=… request_id=… fwd="…" dyno= connect= service= status=503 bytes=470 protocol=http
//
// path, desc and fwd are always quoted; other values are written bare only
// when they cannot be mistaken for field syntax. So a hostile path cannot
// forge fields. connect= and service= are empty when no dyno was tried.
// service is the time from receiving the request to the end of the
// response, minus connect.
func appendLogLine(b []byte, ex *exchange, end time.Time) []byte {
	if ex.fail == served {
		b = append(b, "at=info"...)
	} else {
		b = append(b, "at=error code="...)
		b = append(b, ex.fail.code()...)
		b = append(b, " desc="...)
		b = strconv.AppendQuote(b, ex.fail.desc())
	}
	b = append(b, " method="...)
	b = appendValue(b, ex.method)
	b = append(b, " path="...)
	if len(ex.path) > maxLoggedPath {
		b = strconv.AppendQuote(b, ex.path[:maxLoggedPath]+"...")
	} else {
		b = strconv.AppendQuote(b, ex.path)
	}
	b = append(b, " host="...)
	b = appendValue(b, ex.host)
	b = append(b, " request_id="...)
	b = appendValue(b, ex.id)
	b = append(b, " fwd="...)
	b = strconv.AppendQuote(b, ex.peer)
	b = append(b, " dyno="...)
	b = appendValue(b, ex.dyno)
	b = append(b, " connect="...)
	if ex.dyno != "" {
		connect := ex.connect
		service := max(end.Sub(ex.start)-connect, 0)
		b = strconv.AppendInt(b, connect.Milliseconds(), 10)
		b = append(b, "ms service="...)
		b = strconv.AppendInt(b, service.Milliseconds(), 10)
		b = append(b, "ms"...)
	} else {
		b = append(b, " service="...)
	}
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(ex.status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, ex.bytes, 10)
	b = append(b, " protocol="...)
	b = append(b, ex.proto...)
	return b
}

// appendValue writes s bare if it is safe there, else quoted.
func appendValue(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '=' || c == '\\' {
			return strconv.AppendQuote(b, s)
		}
	}
	return append(b, s...)
}
