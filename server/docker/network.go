package docker

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/errdefs"
)

// NetworkName is the bridge network web dynos join on an engine whose
// containers Pier reaches at their own addresses.
const NetworkName = "pier"

// Why Pier has its own network: the router dials a web dyno's address
// until the scheduler sees the dyno gone, a fraction of a second after it
// died. Docker gives a new container the lowest free address, often the
// one just freed, so for that moment another app's dyno could answer. On
// its own network Pier picks each dyno's address, walking the subnet in
// turn: an address comes back only after the whole subnet has been used.

// addresses hands out a network's host addresses in turn.
type addresses struct {
	network string
	subnet  netip.Prefix
	mu      sync.Mutex
	next    netip.Addr
}

// take returns the next address to try. It skips the subnet's first
// address (the network), its second (the bridge's gateway) and its last
// (broadcast).
func (a *addresses) take() netip.Addr {
	a.mu.Lock()
	defer a.mu.Unlock()
	for {
		ip := a.next
		a.next = ip.Next()
		if !a.subnet.Contains(a.next) {
			a.next = a.subnet.Masked().Addr()
		}
		if usable(a.subnet, ip) {
			return ip
		}
	}
}

func usable(subnet netip.Prefix, ip netip.Addr) bool {
	first := subnet.Masked().Addr()
	if ip == first || ip == first.Next() || !subnet.Contains(ip) {
		return false
	}
	return subnet.Contains(ip.Next()) // not the broadcast address
}

// newAddresses walks subnet from a random place, so that servers started
// one after the other do not begin where the last one began.
func newAddresses(name string, subnet netip.Prefix) *addresses {
	var b [4]byte
	_, _ = rand.Read(b[:])
	base := subnet.Masked().Addr().As4()
	size := uint32(1) << (32 - subnet.Bits())
	n := binary.BigEndian.Uint32(base[:]) + binary.BigEndian.Uint32(b[:])%size
	binary.BigEndian.PutUint32(base[:], n)
	return &addresses{network: name, subnet: subnet, next: netip.AddrFrom4(base)}
}

// ensureNetwork finds or makes Pier's bridge network with a subnet of its
// own and returns its address walker. Docker lets a container choose its
// address only on a network whose subnet was given at creation, so the
// subnet is one Docker itself picks from its pools, free of the host's
// routes, learnt from a network made and removed for the purpose.
func (e *Engine) ensureNetwork(ctx context.Context) (*addresses, error) {
	for range 3 {
		n, err := e.api.NetworkInspect(ctx, NetworkName, network.InspectOptions{})
		if err == nil {
			return addressesOf(n)
		}
		if !errdefs.IsNotFound(err) {
			return nil, fmt.Errorf("docker %s: inspect network %s: %w", e.Endpoint, NetworkName, err)
		}
		subnet, err := e.freeSubnet(ctx)
		if err != nil {
			return nil, err
		}
		_, err = e.api.NetworkCreate(ctx, NetworkName, network.CreateOptions{
			Driver:  "bridge",
			IPAM:    &network.IPAM{Config: []network.IPAMConfig{{Subnet: subnet.String()}}},
			Options: map[string]string{"com.docker.network.bridge.name": BridgeName(e.id)},
			Labels:  map[string]string{"pier": "dynos"},
		})
		if err != nil && !errdefs.IsConflict(err) {
			return nil, fmt.Errorf("docker %s: create network %s: %w", e.Endpoint, NetworkName, err)
		}
		// Made, or another server made it first: look again.
	}
	return nil, fmt.Errorf("docker %s: network %s keeps disappearing", e.Endpoint, NetworkName)
}

// addressesOf accepts an existing network only if it is a bridge with an
// IPv4 subnet that was given at creation.
func addressesOf(n network.Inspect) (*addresses, error) {
	if n.Driver != "bridge" {
		return nil, fmt.Errorf("network %s exists with driver %q, not bridge", n.Name, n.Driver)
	}
	for _, c := range n.IPAM.Config {
		p, err := netip.ParsePrefix(c.Subnet)
		if err == nil && p.Addr().Is4() && p.Bits() <= 28 {
			return newAddresses(n.Name, p.Masked()), nil
		}
	}
	return nil, fmt.Errorf("network %s has no IPv4 subnet Pier can use", n.Name)
}

// freeSubnet asks Docker for the subnet it would give a new network.
func (e *Engine) freeSubnet(ctx context.Context) (netip.Prefix, error) {
	name := NetworkName + "-probe-" + rand.Text()[:8]
	created, err := e.api.NetworkCreate(ctx, name, network.CreateOptions{Driver: "bridge"})
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("docker %s: create network %s: %w", e.Endpoint, name, err)
	}
	n, err := e.api.NetworkInspect(ctx, created.ID, network.InspectOptions{})
	_ = e.api.NetworkRemove(context.WithoutCancel(ctx), created.ID)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("docker %s: inspect network %s: %w", e.Endpoint, name, err)
	}
	for _, c := range n.IPAM.Config {
		if p, err := netip.ParsePrefix(c.Subnet); err == nil && p.Addr().Is4() {
			return p.Masked(), nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("docker %s: network %s got no IPv4 subnet", e.Endpoint, name)
}

// BridgeName is the host interface of Pier's network on the engine with
// this ID: recognisable in `ip link`, and distinct for engines sharing a
// machine (Docker's own br-<network id> would do for the second, not for
// a reader). At most 15 characters, Linux's limit.
func BridgeName(engineID string) string {
	var b strings.Builder
	b.WriteString("pier-")
	for _, r := range strings.ToLower(engineID) {
		if b.Len() == 15 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// addressTaken reports a start that failed because the address Pier chose
// is in use (by a container Pier did not place there, or another server's).
func addressTaken(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Address already in use")
}
