package docker

import (
	"net/netip"
	"testing"
)

// The walker hands out every host address of a subnet once before any
// comes back, never the network, gateway or broadcast address.
func TestAddressesWalkTheSubnet(t *testing.T) {
	subnet := netip.MustParsePrefix("10.9.8.0/28")
	a := newAddresses("pier", subnet)
	seen := map[netip.Addr]int{}
	for range 13 * 3 {
		ip := a.take()
		if !usable(subnet, ip) {
			t.Fatalf("handed out %s", ip)
		}
		seen[ip]++
	}
	if len(seen) != 13 {
		t.Fatalf("%d distinct addresses of 13: %v", len(seen), seen)
	}
	for ip, n := range seen {
		if n != 3 {
			t.Errorf("%s handed out %d times in 3 rounds", ip, n)
		}
	}
	for _, s := range []string{"10.9.8.0", "10.9.8.1", "10.9.8.15", "10.9.9.2"} {
		if usable(subnet, netip.MustParseAddr(s)) {
			t.Errorf("%s counted as usable in %s", s, subnet)
		}
	}
}
