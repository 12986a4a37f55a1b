package scheduler

import (
	"sort"
	"strings"
	"time"
)

// hostStatus is what a host means for the instances on it.
type hostStatus uint8

const (
	hostUsable   hostStatus = iota // healthy, not draining: takes new instances
	hostDraining                   // healthy but emptying: move instances off, surge first
	hostInGrace                    // unhealthy, within the grace period: leave alone
	hostLost                       // unhealthy past the grace period, or unknown: re-place
)

// hostSet is the hosts sorted by ID; a host's position is its tie-breaker.
type hostSet struct {
	hosts  []Host
	index  map[string]int32
	status []hostStatus
}

func newHostSet(hosts []Host, now time.Time, grace time.Duration) hostSet {
	hs := hostSet{hosts: append([]Host(nil), hosts...)}
	sort.SliceStable(hs.hosts, func(i, j int) bool { return hs.hosts[i].ID < hs.hosts[j].ID })
	hs.index = make(map[string]int32, len(hs.hosts))
	hs.status = make([]hostStatus, len(hs.hosts))
	for i, h := range hs.hosts {
		if _, dup := hs.index[h.ID]; !dup {
			hs.index[h.ID] = int32(i)
		}
		switch {
		case !h.Healthy && now.Sub(h.UnhealthySince) >= grace:
			hs.status[i] = hostLost
		case !h.Healthy:
			hs.status[i] = hostInGrace
		case h.Draining:
			hs.status[i] = hostDraining
		}
	}
	return hs
}

// statusOf treats a host nobody reports as lost: its instances are orphans.
func (hs *hostSet) statusOf(id string) hostStatus {
	i, ok := hs.index[id]
	if !ok {
		return hostLost
	}
	return hs.status[i]
}

// graceLeft is how long until an in-grace host counts as lost.
func (hs *hostSet) graceLeft(id string, now time.Time, grace time.Duration) time.Duration {
	return hs.hosts[hs.index[id]].UnhealthySince.Add(grace).Sub(now)
}

func (hs *hostSet) matches(id string, constraints map[string]string) bool {
	i, ok := hs.index[id]
	return ok && labelsMatch(hs.hosts[i].Labels, constraints)
}

func labelsMatch(labels, constraints map[string]string) bool {
	for k, v := range constraints {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// constraintKey is a canonical form of a constraint set, to share work
// between process types with the same constraints.
func constraintKey(c map[string]string) string {
	if len(c) == 0 {
		return ""
	}
	parts := make([]string, 0, len(c))
	for k, v := range c {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
