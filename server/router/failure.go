package router

import "net/http"

// failure is why the router could not serve a request normally, named after
// Heroku's router error codes so that their documentation applies.
type failure uint8

const (
	served             failure = iota // no failure
	appCrashed                        // H10: dialling every backend failed (refused, unreachable)
	requestTimeout                    // H12: no response headers within Timeout
	closedWithoutReply                // H13: backend failed before sending headers
	noWebDynos                        // H14: route has no backends
	idleConnection                    // H15: a stream or WebSocket was silent for StreamIdleTimeout
	badResponse                       // H17: backend answered with something that is not HTTP/1.x
	serverInterrupted                 // H18: backend failed while sending the body
	connectTimeout                    // H19: dialling every backend failed, some by timing out
	clientInterrupted                 // H27: client went away
	maintenance                       // H80: app in maintenance mode
	platformError                     // H99: the router itself failed (a bug)
)

// statusClientClosed is what the log shows for H27, as Heroku and nginx do;
// nothing is sent to the client, which is gone.
const statusClientClosed = 499

func (f failure) code() string {
	switch f {
	case appCrashed:
		return "H10"
	case requestTimeout:
		return "H12"
	case closedWithoutReply:
		return "H13"
	case noWebDynos:
		return "H14"
	case idleConnection:
		return "H15"
	case badResponse:
		return "H17"
	case serverInterrupted:
		return "H18"
	case connectTimeout:
		return "H19"
	case clientInterrupted:
		return "H27"
	case maintenance:
		return "H80"
	case platformError:
		return "H99"
	}
	return ""
}

func (f failure) desc() string {
	switch f {
	case appCrashed:
		return "App crashed"
	case requestTimeout:
		return "Request timeout"
	case closedWithoutReply:
		return "Connection closed without response"
	case noWebDynos:
		return "No web processes running"
	case idleConnection:
		return "Idle connection"
	case badResponse:
		return "Poorly formatted HTTP response"
	case serverInterrupted:
		return "Server Request Interrupted"
	case connectTimeout:
		return "Backend connection timeout"
	case clientInterrupted:
		return "Client Request Interrupted"
	case maintenance:
		return "Maintenance mode"
	case platformError:
		return "Platform error"
	}
	return ""
}

// status is the status the router answers with when it has to answer
// itself. Heroku uses 503 for all of its own error pages.
func (f failure) status() int {
	if f == clientInterrupted {
		return statusClientClosed
	}
	return http.StatusServiceUnavailable
}
