package router

import "time"

// exchange is the router's record of one request, for its log line. Each
// client connection reuses one.
type exchange struct {
	start  time.Time
	id     string // X-Request-Id, the client's or ours
	method string
	path   string // request target as received
	host   string // normalized Host
	peer   string // client IP, logged as fwd
	proto  string // "http" or "https"

	route   Route
	first   int           // index in route.Backends of the first backend to try
	dyno    string        // backend that served the request, or the last one tried
	connect time.Duration // spent dialling backends

	fail   failure
	status int   // status sent to the client, or 499 when it went away
	bytes  int64 // body bytes sent to the client
}
