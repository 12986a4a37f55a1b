// Package router is Pier's HTTP routing layer, the counterpart of Heroku's
// router: every request for every app arrives here, is matched to its app by
// Host, and is proxied to one of the app's web dynos.
//
// The router speaks HTTP/1.x itself on the connections it accepts (plain or
// TLS) rather than through net/http's server and ReverseProxy: a request's
// head is parsed into a buffer the connection reuses, rewritten field by
// field onto a pooled backend connection, and the answer relayed the same
// way. Everything a request needs happens on its client connection's
// goroutine, with no per-request goroutine, map or header copy; that halves
// the CPU per request compared with ReverseProxy and puts the router level
// with nginx (bench/runtime). A second goroutine runs only while a request
// body streams in (one not already buffered), while a WebSocket is open, or
// while a slow backend is thinking and the client might hang up.
//
// Parsing is strict where a proxy must be (RFC 9112): a request with both
// Content-Length and Transfer-Encoding, conflicting lengths, an encoding
// other than chunked, folded lines or a malformed head is refused before
// routing, and chunked bodies are re-encoded rather than copied, so the app
// always sees exactly the framing the router saw and no request can hide
// another. Hop-by-hop fields are dropped, and the router sets
// X-Forwarded-For/-Proto/-Port, X-Request-Id and X-Request-Start itself.
//
// Failover: an app's backends are tried in round-robin order, and the next
// one only when dialling failed (nothing was sent, so retrying is safe even
// for a POST with a body) or when a bodiless idempotent request met a
// backend that hung up without answering. Timeout bounds only how long a
// backend may stay silent before its response head (counted from the last
// request byte it was sent): once the head has arrived a response may
// stream for as long as it likes (WebSockets, long polls, server-sent
// events).
//
// Each request that reaches an app yields one log line in Heroku's router
// format, given to Log for the app's log stream. Failures carry Heroku's
// error codes (H10, H12, H13, H14, H17, H18, H19, H27, H80) and are answered
// with small self-contained HTML pages, so Heroku's documentation applies.
// Operational events go to Logger; neither ever includes header values
// (other than Host), cookies or bodies.
package router
