package scheduler

import (
	"fmt"
	"sort"
	"strings"
)

// placer chooses hosts for new instances. It keeps per-host free memory and
// instance counts up to date as the plan places, and an ordering of the
// usable hosts per strategy so a placement rarely scans every host:
// Spread keeps hosts bucketed by instance count, Binpack sorted by free
// memory.
type placer struct {
	hs       *hostSet
	strategy Strategy
	usable   []bool
	free     []int
	total    []int
	counts   map[groupKey]map[int32]int // instances of (app, type) per host
	buckets  [][]int32                  // Spread: usable hosts by total, each sorted
	byFree   []int32                    // Binpack: usable hosts by (free, position)
	elig     map[string][]bool          // constraint key → usable hosts that match
	failed   map[failKey]string         // free memory only shrinks, so a miss stays a miss
}

type failKey struct {
	ckey string
	mem  int
}

// newPlacer counts what stays after the plan's stops: live instances on
// known hosts, sized by their own limit or else their spec.
func newPlacer(hs *hostSet, s Strategy, r *reconciler) *placer {
	n := len(hs.hosts)
	p := &placer{
		hs: hs, strategy: s,
		usable: make([]bool, n), free: make([]int, n), total: make([]int, n),
		counts: make(map[groupKey]map[int32]int),
		elig:   make(map[string][]bool),
		failed: make(map[failKey]string),
	}
	for i, h := range hs.hosts {
		p.free[i] = h.MemoryMB
		// A duplicated host ID is only usable once.
		p.usable[i] = hs.status[i] == hostUsable && hs.index[h.ID] == int32(i)
	}
	for i := range r.insts {
		in := &r.insts[i]
		h, ok := hs.index[in.Host]
		if r.stops[i] != "" || !live(in) || !ok {
			continue
		}
		mem := in.MemoryMB
		if g := r.groups[groupKey{in.App, in.Type}]; mem == 0 && g != nil {
			mem = g.spec.MemoryMB
		}
		p.free[h] -= mem
		p.total[h]++
		p.count(groupKey{in.App, in.Type})[h]++
	}
	for i := range hs.hosts {
		if !p.usable[i] {
			continue
		}
		if s == Binpack {
			p.byFree = append(p.byFree, int32(i))
		} else {
			p.bucketAdd(int32(i))
		}
	}
	sort.Slice(p.byFree, func(a, b int) bool { return p.freeLess(p.byFree[a], p.byFree[b]) })
	return p
}

func (p *placer) count(k groupKey) map[int32]int {
	m := p.counts[k]
	if m == nil {
		m = make(map[int32]int)
		p.counts[k] = m
	}
	return m
}

// placeAll places the requests in order, stopping the crashed instances a
// placement replaces, and reports what did not fit.
func (p *placer) placeAll(r *reconciler) ([]Placement, []Pending) {
	var place []Placement
	var pending []Pending
	for _, q := range r.reqs {
		g := q.g
		mem := g.spec.MemoryMB
		fk := failKey{g.ckey, mem}
		reason, miss := p.failed[fk]
		h := int32(-1)
		if !miss {
			h = p.choose(groupKey{g.spec.App, g.spec.Type}, p.eligible(g), mem)
		}
		if h < 0 {
			if !miss {
				reason = p.whyNot(g, p.eligible(g), mem)
				p.failed[fk] = reason
			}
			pending = append(pending, Pending{App: g.spec.App, Type: g.spec.Type, Index: q.index, Reason: reason})
			continue
		}
		p.commit(h, groupKey{g.spec.App, g.spec.Type}, mem)
		for _, i := range q.replaces {
			r.stop(i, r.insts[i].State.String())
		}
		place = append(place, Placement{
			App: g.spec.App, Type: g.spec.Type, Index: q.index,
			Release: g.version, ReleaseID: g.releaseID, Generation: g.spec.Generation,
			Host: p.hs.hosts[h].ID, MemoryMB: mem, Restarts: q.restarts,
		})
	}
	return place, pending
}

// eligible is the usable hosts matching g's constraints; nil means all.
func (p *placer) eligible(g *group) []bool {
	if g.ckey == "" {
		return nil
	}
	e, ok := p.elig[g.ckey]
	if !ok {
		e = make([]bool, len(p.hs.hosts))
		for i, h := range p.hs.hosts {
			e[i] = p.usable[i] && labelsMatch(h.Labels, g.spec.Constraints)
		}
		p.elig[g.ckey] = e
	}
	return e
}

func (p *placer) fits(h int32, elig []bool, mem int) bool {
	return p.usable[h] && (elig == nil || elig[h]) && p.free[h] >= mem
}

// choose returns the host position for one instance, or -1.
func (p *placer) choose(k groupKey, elig []bool, mem int) int32 {
	if p.strategy == Binpack {
		// Least free memory that still fits, then position (= ID order).
		i := sort.Search(len(p.byFree), func(i int) bool { return p.free[p.byFree[i]] >= mem })
		for ; i < len(p.byFree); i++ {
			if h := p.byFree[i]; elig == nil || elig[h] {
				return h
			}
		}
		return -1
	}
	// Spread orders by (instances of k, total instances, position). Among
	// hosts without k the first fitting one in bucket order wins; the few
	// hosts that already run k are compared directly.
	gc := p.counts[k]
	best := int32(-1)
scan:
	for _, b := range p.buckets {
		for _, h := range b {
			if gc[h] == 0 && p.fits(h, elig, mem) {
				best = h
				break scan
			}
		}
	}
	for h, c := range gc {
		if c == 0 || !p.fits(h, elig, mem) {
			continue
		}
		if best < 0 || spreadLess(c, p.total[h], h, gc[best], p.total[best], best) {
			best = h
		}
	}
	return best
}

func spreadLess(c1, t1 int, h1 int32, c2, t2 int, h2 int32) bool {
	if c1 != c2 {
		return c1 < c2
	}
	if t1 != t2 {
		return t1 < t2
	}
	return h1 < h2
}

func (p *placer) commit(h int32, k groupKey, mem int) {
	if p.strategy == Binpack {
		p.byFree = removeAt(p.byFree, p.freePos(h))
		p.free[h] -= mem
		p.byFree = insertAt(p.byFree, p.freePos(h), h)
	} else {
		p.bucketRemove(h)
		p.free[h] -= mem
	}
	p.total[h]++
	p.count(k)[h]++
	if p.strategy != Binpack {
		p.bucketAdd(h)
	}
}

func (p *placer) freeLess(a, b int32) bool {
	if p.free[a] != p.free[b] {
		return p.free[a] < p.free[b]
	}
	return a < b
}

// freePos is where h is (or belongs) in byFree.
func (p *placer) freePos(h int32) int {
	return sort.Search(len(p.byFree), func(i int) bool { return !p.freeLess(p.byFree[i], h) })
}

func (p *placer) bucketAdd(h int32) {
	t := p.total[h]
	for len(p.buckets) <= t {
		p.buckets = append(p.buckets, nil)
	}
	b := p.buckets[t]
	i := sort.Search(len(b), func(i int) bool { return b[i] >= h })
	p.buckets[t] = insertAt(b, i, h)
}

func (p *placer) bucketRemove(h int32) {
	b := p.buckets[p.total[h]]
	i := sort.Search(len(b), func(i int) bool { return b[i] >= h })
	p.buckets[p.total[h]] = removeAt(b, i)
}

func insertAt(s []int32, i int, v int32) []int32 {
	s = append(s, 0)
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}

func removeAt(s []int32, i int) []int32 {
	return append(s[:i], s[i+1:]...)
}

// whyNot explains a Pending in the operator's terms.
func (p *placer) whyNot(g *group, elig []bool, mem int) string {
	anyUsable, anyElig := false, false
	for i := range p.usable {
		anyUsable = anyUsable || p.usable[i]
		anyElig = anyElig || (p.usable[i] && (elig == nil || elig[i]))
	}
	with := ""
	if g.ckey != "" {
		label := "label"
		if len(g.spec.Constraints) > 1 {
			label = "labels"
		}
		with = fmt.Sprintf(" with %s %s", label, strings.ReplaceAll(g.ckey, ",", ", "))
	}
	switch {
	case !anyUsable:
		return "no healthy, non-draining host"
	case !anyElig:
		return "no healthy, non-draining host" + with
	}
	return fmt.Sprintf("no healthy host%s has %d MB free", with, mem)
}
