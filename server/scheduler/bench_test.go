package scheduler

import (
	"fmt"
	"testing"
	"time"
)

// benchDesired: 1,000 hosts, 1,000 apps × (web 5 + worker 5) = 10,000
// instances; every fifth app is constrained to a region.
func benchDesired() Desired {
	d := Desired{Release: map[string]*ReleaseRef{}, Hosts: hostsN(1000, 16384)}
	for i := range d.Hosts {
		d.Hosts[i].Labels = map[string]string{"region": regions[i%2]}
	}
	for a := 0; a < 1000; a++ {
		app := fmt.Sprintf("app%04d", a)
		d.Release[app] = rel(1)
		w, k := web(app, 5), worker(app, 5)
		if a%5 == 0 {
			w.Constraints = map[string]string{"region": "eu"}
		}
		d.Processes = append(d.Processes, w, k)
	}
	return d
}

func BenchmarkReconcile10kInstancesOver1kHosts(b *testing.B) {
	d := benchDesired()
	opts := DefaultOptions()
	b.Run("empty", func(b *testing.B) {
		for b.Loop() {
			if p := Reconcile(d, nil, t0, opts); len(p.Place) != 10000 {
				b.Fatalf("placed %d", len(p.Place))
			}
		}
	})
	b.Run("empty-binpack", func(b *testing.B) {
		d := d
		d.Strategy = Binpack
		for b.Loop() {
			if p := Reconcile(d, nil, t0, opts); len(p.Place) != 10000 {
				b.Fatalf("placed %d", len(p.Place))
			}
		}
	})
	b.Run("converged", func(b *testing.B) {
		w := &world{d: d, now: t0, opts: opts}
		w.step(time.Second)
		w.step(time.Second)
		for b.Loop() {
			if p := Reconcile(d, w.obs, t0, opts); !p.Converged() {
				b.Fatalf("not converged: %d places, %d stops", len(p.Place), len(p.Stop))
			}
		}
	})
}
