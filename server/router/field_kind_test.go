package router

import (
	"net/textproto"
	"testing"
)

// Every name kindOf knows is found whatever its case, and a near miss is
// just another field.
func TestKindOf(t *testing.T) {
	for name, want := range map[string]fieldKind{
		"te": kindHopByHop, "host": kindHost, "expect": kindExpect, "upgrade": kindUpgrade,
		"forwarded": kindSpoofable, "connection": kindConnection, "keep-alive": kindHopByHop,
		"x-request-id": kindXRequestID, "content-length": kindContentLength,
		"x-request-start": kindSpoofable, "proxy-connection": kindHopByHop,
		"x-forwarded-for": kindXForwardedFor, "x-forwarded-host": kindSpoofable,
		"x-forwarded-port": kindSpoofable, "transfer-encoding": kindTransferEncoding,
		"x-forwarded-proto": kindSpoofable, "proxy-authenticate": kindHopByHop,
		"proxy-authorization": kindHopByHop,
		"x-forwarded-fox":     kindOther, "hostx": kindOther, "content-type": kindOther,
	} {
		for _, n := range []string{name, textproto.CanonicalMIMEHeaderKey(name)} {
			if got := kindOf([]byte(n)); got != want {
				t.Errorf("kindOf(%q) = %d, want %d", n, got, want)
			}
		}
	}
}
