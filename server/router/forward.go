package router

import (
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
)

// rewrite is the proxy's Rewrite hook: it points the outbound request at
// the first backend to try (failover may change it) and sets the headers
// Heroku's router adds. ReverseProxy has already removed hop-by-hop headers
// and any client-sent Forwarded, X-Forwarded-For, -Host and -Proto; the
// Host header passes through unchanged, so apps see the name they were
// reached by.
func (rt *Router) rewrite(pr *httputil.ProxyRequest) {
	ex := exchangeFrom(pr.In.Context())
	out := pr.Out
	out.URL.Scheme = "http"
	out.URL.Host = ex.route.Backends[ex.first].Addr

	h := out.Header
	if xff := forwardedFor(pr.In.Header["X-Forwarded-For"], ex.peer); xff != "" {
		h["X-Forwarded-For"] = ex.header(0, xff)
	}
	h["X-Forwarded-Proto"] = ex.header(1, ex.proto)
	h["X-Forwarded-Port"] = ex.header(2, forwardedPort(pr.In, ex.proto))
	h["X-Request-Id"] = ex.header(3, ex.id)
	// Heroku sends plain Unix milliseconds; apps use it to measure queueing.
	h["X-Request-Start"] = ex.header(4, strconv.FormatInt(ex.start.UnixMilli(), 10))
}

// forwardedFor appends the peer to the client's X-Forwarded-For chain.
// Earlier hops are the client's claim and pass on as given; apps that trust
// them must know that only the last entry is the router's observation.
func forwardedFor(prior []string, peer string) string {
	switch {
	case len(prior) == 0:
		return peer
	case peer == "":
		return strings.Join(prior, ", ")
	case len(prior) == 1:
		return prior[0] + ", " + peer
	}
	return strings.Join(prior, ", ") + ", " + peer
}

// forwardedPort is the port the client connected to, from the listener's
// address, or the scheme's default when the server did not record it.
func forwardedPort(r *http.Request, proto string) string {
	switch a := r.Context().Value(http.LocalAddrContextKey).(type) {
	case *net.TCPAddr:
		return strconv.Itoa(a.Port)
	case net.Addr:
		if _, port, err := net.SplitHostPort(a.String()); err == nil {
			return port
		}
	}
	if proto == "https" {
		return "443"
	}
	return "80"
}
