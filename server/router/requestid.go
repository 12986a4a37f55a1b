package router

import "math/rand/v2"

// maxRequestIDLen is Heroku's limit for a client-supplied X-Request-Id.
const maxRequestIDLen = 200

// requestID returns the client's X-Request-Id if it is safe to pass on and
// to log unquoted, else a fresh one.
func requestID(r *request) string {
	if v := r.bytes(r.requestID); r.hasReqID && validRequestID(v) {
		return string(v)
	}
	return newRequestID()
}

// validRequestID accepts 1–200 characters of [A-Za-z0-9+=/_.-]. Heroku asks
// for at least 20; shorter ones are accepted here because they are just as
// harmless and clients' tracing ids are sometimes short.
func validRequestID[S ~string | ~[]byte](s S) bool {
	if len(s) == 0 || len(s) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '+', c == '=', c == '/', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns a random UUID (version 4). Request ids correlate log
// lines; they are not secrets, so the runtime's per-thread ChaCha8 source
// behind math/rand/v2 is enough: no syscall, no lock, 122 random bits.
func newRequestID() string {
	const hex = "0123456789abcdef"
	var u [16]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	for i := range 8 {
		u[i] = byte(hi >> (56 - 8*i))
		u[8+i] = byte(lo >> (56 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var b [36]byte
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hex[c>>4], hex[c&0x0f]
		j += 2
	}
	return string(b[:])
}
