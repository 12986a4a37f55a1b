package router

// fieldKind is what the router does with a header field, decided once per
// field when the head is parsed.
type fieldKind uint8

const (
	kindOther fieldKind = iota // passed on as is

	// Interpreted, and rewritten or dropped on the way through.
	kindHost
	kindContentLength
	kindTransferEncoding
	kindConnection
	kindUpgrade
	kindXForwardedFor
	kindXRequestID
	kindExpect

	// Dropped: hop-by-hop (RFC 9110 §7.6.1, and the ones Go's ReverseProxy
	// also drops), or set by the router itself, so a client cannot spoof
	// what the app relies on.
	kindHopByHop
	kindSpoofable
)

// kindOf classifies a field name. The switch on length keeps it to one
// comparison for most fields.
func kindOf(name []byte) fieldKind {
	switch len(name) {
	case 2:
		if equalFold(name, "te") {
			return kindHopByHop
		}
	case 4:
		if equalFold(name, "host") {
			return kindHost
		}
	case 6:
		if equalFold(name, "expect") {
			return kindExpect
		}
	case 7:
		if equalFold(name, "upgrade") {
			return kindUpgrade
		}
	case 9:
		if equalFold(name, "forwarded") {
			return kindSpoofable
		}
	case 10:
		switch {
		case equalFold(name, "connection"):
			return kindConnection
		case equalFold(name, "keep-alive"):
			return kindHopByHop
		}
	case 12:
		if equalFold(name, "x-request-id") {
			return kindXRequestID
		}
	case 14:
		if equalFold(name, "content-length") {
			return kindContentLength
		}
	case 15:
		switch {
		case equalFold(name, "x-request-start"):
			return kindSpoofable
		case equalFold(name, "x-forwarded-for"):
			return kindXForwardedFor
		}
	case 16:
		switch {
		case equalFold(name, "proxy-connection"):
			return kindHopByHop
		case equalFold(name, "x-forwarded-host"), equalFold(name, "x-forwarded-port"):
			return kindSpoofable
		}
	case 17:
		switch {
		case equalFold(name, "transfer-encoding"):
			return kindTransferEncoding
		case equalFold(name, "x-forwarded-proto"):
			return kindSpoofable
		}
	case 18:
		if equalFold(name, "proxy-authenticate") {
			return kindHopByHop
		}
	case 19:
		if equalFold(name, "proxy-authorization") {
			return kindHopByHop
		}
	}
	return kindOther
}
