// Package router is Pier's HTTP routing layer, the counterpart of Heroku's
// router: every request for every app arrives here, is matched to its app by
// Host, and is proxied to one of the app's web dynos.
//
// Router wraps one httputil.ReverseProxy, built on first use, so protocol
// upgrades (WebSockets), streaming, trailers and hop-by-hop header handling
// are the standard library's. Per-request state lives in an exchange that
// rides in the request context; the proxy's hooks (Rewrite, Transport,
// ModifyResponse, ErrorHandler) find it there, so nothing is rebuilt per
// request.
//
// Choosing a backend and failing over happen in the proxy's RoundTripper
// (failover): an app's backends are tried in round-robin order, and the next
// one only when dialling failed. A failed dial sent nothing, so retrying is
// safe even for a POST with a body. The same RoundTripper enforces Timeout,
// which bounds only how long a backend may stay silent before its response
// headers (counted from the last request byte it was sent): once they have
// arrived a response may stream for as long as it likes (WebSockets, long
// polls, server-sent events).
//
// Each request that reaches an app yields one log line in Heroku's router
// format, given to Log for the app's log stream. Failures carry Heroku's
// error codes (H10, H12, H13, H14, H18, H19, H27, H80, H99) and are answered
// with small self-contained HTML pages, so Heroku's documentation applies.
// Operational events go to Logger; neither ever includes header values
// (other than Host), cookies or bodies.
package router
