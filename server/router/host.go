package router

import (
	"net/netip"
	"strings"
)

// maxHostLen bounds the names we look up; DNS names stop at 253 bytes.
const maxHostLen = 255

// normalizeHost turns a Host header into the key Lookup sees: port and one
// trailing dot stripped, ASCII lower-cased, IPv6 brackets removed. Anything
// that is not a plausible DNS name or IP literal (including names with empty
// labels) is refused, so the result is safe to log unquoted and a hostile
// Host simply matches no app. It allocates only for upper-case letters.
func normalizeHost(h string) (string, bool) {
	if h == "" || len(h) > maxHostLen+7 { // room for ":65535" and a dot
		return "", false
	}
	ipv6 := false
	if h[0] == '[' {
		end := strings.IndexByte(h, ']')
		if end < 0 || !validPort(h[end+1:]) {
			return "", false
		}
		h, ipv6 = h[1:end], true
		if a, err := netip.ParseAddr(h); err != nil || !a.Is6() {
			return "", false
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
		if !validPort(h[i:]) {
			return "", false
		}
		h = h[:i]
	}
	if !ipv6 {
		h = strings.TrimSuffix(h, ".")
	}
	if h == "" || len(h) > maxHostLen {
		return "", false
	}
	upper := false
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		case c == '.' && !ipv6:
			if i == 0 || i == len(h)-1 || h[i-1] == '.' { // empty label
				return "", false
			}
		case c == '.': // IPv4-mapped IPv6, already parsed
		case 'A' <= c && c <= 'Z':
			upper = true
		case c == ':' && ipv6:
		default:
			return "", false
		}
	}
	if upper {
		h = strings.ToLower(h)
	}
	return h, true
}

// validPort accepts "" (no port), ":" (empty port, allowed by RFC 3986) and
// ":" followed by up to five digits.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	if p[0] != ':' || len(p) > 6 {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}
