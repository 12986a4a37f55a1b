// Package scheduler decides where dynos run. Reconcile is a pure function:
// desired state, observed state and the clock in, a Plan out. The applier
// that talks to Docker performs the plan; nothing here does I/O.
package scheduler

import "time"

// Strategy chooses among the hosts that can take an instance.
type Strategy int

const (
	// Spread puts an instance on the host with the fewest instances of its
	// process type, then the fewest overall, so one host loss hurts least.
	Spread Strategy = iota
	// Binpack puts an instance on the fullest host that still fits it,
	// leaving whole hosts free for large dynos.
	Binpack
)

// Host is a machine that runs instances. Only healthy, non-draining hosts
// take new instances.
type Host struct {
	ID       string
	Healthy  bool
	Draining bool
	Labels   map[string]string
	MemoryMB int
	// UnhealthySince is when the host stopped reporting; the lost-host grace
	// period counts from here.
	UnhealthySince time.Time
}

// ProcessSpec is one line of an app's formation: how many instances of a
// process type the current release should run, and where.
type ProcessSpec struct {
	App      string
	Type     string
	Quantity int
	MemoryMB int
	// Constraints are host labels that must match exactly.
	Constraints map[string]string
	// Web instances are replaced with surge: new ones first, old ones after.
	Web bool
	// Generation counts restarts of this process type: instances of an
	// older generation are replaced like those of an older release.
	Generation int
}

// ReleaseRef names an app's current release.
type ReleaseRef struct {
	ID      string
	Version int
}

// Desired is what should be running.
type Desired struct {
	// Release maps an app to its current release; a nil or absent entry
	// means the app runs nothing.
	Release   map[string]*ReleaseRef
	Processes []ProcessSpec
	Hosts     []Host
	Strategy  Strategy
}

// InstanceState is a container's lifecycle state as the applier saw it.
type InstanceState int

const (
	Starting InstanceState = iota
	Up
	Crashed
	Exited
)

func (s InstanceState) String() string {
	switch s {
	case Starting:
		return "starting"
	case Up:
		return "up"
	case Crashed:
		return "crashed"
	case Exited:
		return "exited"
	}
	return "unknown"
}

// Instance is one observed dyno, read back from its Docker labels.
type Instance struct {
	ID      string
	App     string
	Type    string
	Index   int // web.1 → 1
	Release int // release version
	// Generation is the process type's restart generation it started in.
	Generation int
	Host       string
	State      InstanceState
	// Healthy means it passed its health check; only meaningful when Up.
	Healthy bool
	// UnhealthySince is when a web instance that had been healthy failed
	// the checks that took it out of the routes; zero while it is healthy,
	// and for one that never was.
	UnhealthySince time.Time
	// MemoryMB is the container's memory limit; 0 means "as the spec says".
	MemoryMB  int
	StartedAt time.Time
	Restarts  int
	ExitedAt  time.Time
	// Addr is where a running web instance is reached (host:port): its own
	// bridge address on a local engine, its published port elsewhere. The
	// router and health checks use it, the reconciler does not.
	Addr string
}

// Placement asks the applier to start one instance on a host.
type Placement struct {
	App       string
	Type      string
	Index     int
	Release   int
	ReleaseID string
	Host      string
	MemoryMB  int
	// Generation is the process type's restart generation.
	Generation int
	// Restarts is carried from the crashed instance this one replaces (+1),
	// so the backoff keeps growing across replacements.
	Restarts int
}

// Stop asks the applier to stop and remove one instance.
type Stop struct {
	InstanceID string
	Reason     string
}

// Pending is an instance that is wanted but no host can take now.
type Pending struct {
	App    string
	Type   string
	Index  int
	Reason string
}

// Plan is the reconciler's output. The applier performs Stop before Place:
// memory freed by the stops is already counted as free by the placement.
type Plan struct {
	Place   []Placement
	Stop    []Stop
	Pending []Pending
	// NextWake is when the loop should run again even if nothing changes
	// (a backoff or a grace period expires); 0 means no deadline.
	NextWake time.Duration
}

// Idle reports whether the plan asks the applier to do nothing now.
func (p Plan) Idle() bool {
	return len(p.Place) == 0 && len(p.Stop) == 0 && len(p.Pending) == 0
}

// Converged reports whether there is nothing to do and nothing waited for.
func (p Plan) Converged() bool { return p.Idle() && p.NextWake == 0 }

// Options tune the reconciler; zero fields take their defaults.
type Options struct {
	LostHostGrace    time.Duration
	CrashBackoffBase time.Duration
	CrashBackoffMax  time.Duration
	// CrashBackoffReset is how long a dyno must have run before its crash
	// counts as a first crash again.
	CrashBackoffReset time.Duration
	// ReplaceUnhealthyAfter is how long a web instance that had been
	// healthy may fail its checks before a replacement is started in its
	// slot; it is stopped once the replacement is healthy.
	ReplaceUnhealthyAfter time.Duration
}

// DefaultOptions are the production settings.
func DefaultOptions() Options {
	return Options{
		LostHostGrace:     15 * time.Second,
		CrashBackoffBase:  time.Second,
		CrashBackoffMax:   time.Minute,
		CrashBackoffReset: 10 * time.Minute,

		ReplaceUnhealthyAfter: 30 * time.Second,
	}
}

func (o Options) withDefaults() Options {
	def := DefaultOptions()
	if o.LostHostGrace <= 0 {
		o.LostHostGrace = def.LostHostGrace
	}
	if o.CrashBackoffBase <= 0 {
		o.CrashBackoffBase = def.CrashBackoffBase
	}
	if o.CrashBackoffMax <= 0 {
		o.CrashBackoffMax = def.CrashBackoffMax
	}
	if o.CrashBackoffReset <= 0 {
		o.CrashBackoffReset = def.CrashBackoffReset
	}
	if o.ReplaceUnhealthyAfter <= 0 {
		o.ReplaceUnhealthyAfter = def.ReplaceUnhealthyAfter
	}
	return o
}
