package router

// Backend is one web dyno the router may send requests to.
type Backend struct {
	Addr string // host:port, e.g. "127.0.0.1:32768"
	Dyno string // "web.1", for log lines
}

// Route is what the router knows about one app.
type Route struct {
	App         string    // app name, for log lines and error pages
	Maintenance bool      // maintenance mode: answer 503 (H80) without proxying
	Backends    []Backend // healthy web dynos; empty means no web running (503, H14)
}
