package logs

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Backlog sizes of a log session, as Heroku's: `heroku logs` shows 100
// lines unless told otherwise, and logplex keeps no more than 1500.
const (
	DefaultLines = 100
	MaxLines     = 1500
)

// Sessions hands out short-lived, unguessable session ids for log streams:
// the API creates one for an authorized user (Heroku's POST
// /apps/{app}/log-sessions) and the client opens its URL without
// credentials, as the heroku CLI's EventSource does. The id is the
// credential, so it is random, opened at most once and expires unused.
type Sessions struct {
	Hub *Hub
	// TTL is how long a session may wait to be opened; 5 minutes if zero.
	TTL time.Duration
	// Now is the clock sessions expire by; time.Now if nil.
	Now func() time.Time
	// Keepalive is how often an idle event stream gets a comment so proxies
	// don't cut it; 15 seconds if zero.
	Keepalive time.Duration

	mu      sync.Mutex
	pending map[string]pendingSession
	// order is the pending ids by creation, hence by expiry: sweeping
	// expired ones is cheap however many sessions are created.
	order []string
}

// Request is what a session streams.
type Request struct {
	App    string
	Filter Filter
	Lines  int  // backlog lines: DefaultLines if 0, at most MaxLines
	Tail   bool // keep streaming new lines after the backlog
}

type pendingSession struct {
	Request
	expires time.Time
}

// Create registers a session for r and returns its id: 128 random bits,
// URL-safe.
func (s *Sessions) Create(r Request) string {
	id := rand.Text()
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	if s.pending == nil {
		s.pending = map[string]pendingSession{}
	}
	s.pending[id] = pendingSession{Request: r, expires: now.Add(s.ttl())}
	s.order = append(s.order, id)
	return id
}

// open takes the session id out of the pending ones: it can be opened once.
func (s *Sessions) open(id string) (Request, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[id]
	if !ok || !now.Before(p.expires) {
		return Request{}, false
	}
	delete(s.pending, id)
	return p.Request, true
}

// sweep forgets expired sessions.
func (s *Sessions) sweep(now time.Time) {
	n := 0
	for _, id := range s.order {
		p, ok := s.pending[id]
		if ok && now.Before(p.expires) {
			break
		}
		delete(s.pending, id)
		n++
	}
	s.order = s.order[n:]
	if len(s.order) == 0 {
		s.order = nil // let the array go
	}
}

// ServeHTTP streams the session whose id is the last segment of the path:
// as server-sent events when the client accepts them (the heroku CLI),
// otherwise as plain text lines (curl).
func (s *Sessions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Log sessions are read with GET.")
		return
	}
	id := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	req, ok := s.open(id)
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "Log session not found: it expired or was already used.")
		return
	}
	s.Stream(w, r, req)
}

// Stream serves req to the client of r, whoever authorized it (a log
// session's id, or the dashboard's session): its backlog, then, with
// Tail, new lines until the client leaves or r's context ends.
func (s *Sessions) Stream(w http.ResponseWriter, r *http.Request, req Request) {
	n := req.Lines
	if n <= 0 {
		n = DefaultLines
	}
	st := newStream(w, strings.Contains(strings.Join(r.Header.Values("Accept"), ","), "text/event-stream"))
	if !req.Tail {
		st.send(s.Hub.Recent(req.App, min(n, MaxLines), req.Filter))
		return
	}
	backlog, fol, stop := s.Hub.subscribe(req.App, req.Filter, min(n, MaxLines))
	defer stop()
	st.follow(r.Context(), backlog, fol, orDefault(s.Keepalive, 15*time.Second))
}

func (s *Sessions) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Sessions) ttl() time.Duration { return orDefault(s.TTL, 5*time.Minute) }

// orDefault is d, or def when d is not set.
func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// writeError writes Heroku's error JSON.
func writeError(w http.ResponseWriter, status int, id, message string) {
	body, _ := json.Marshal(struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	}{id, message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}
