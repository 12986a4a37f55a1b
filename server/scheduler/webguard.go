package scheduler

// guardWeb keeps an app serving: if the plan would stop every Up and
// Healthy web instance of an app whose release wants web, one of them is
// kept (current release first, then the newest, then the lowest ID). The
// per-slot surge already covers release changes; this catches the rest
// (scale-down during a deploy, duplicates, garbage). Apps scaled to zero
// web, or without a release, are stopped on purpose and are not guarded.
func (r *reconciler) guardWeb() {
	wants := make(map[string]bool)
	for _, k := range r.order {
		if g := r.groups[k]; g.spec.Web && g.spec.Quantity > 0 {
			wants[k.app] = true
		}
	}
	type app struct {
		serving bool // some Up+Healthy web instance survives the plan
		spare   int  // best stopped one to keep otherwise
	}
	apps := make(map[string]*app)
	for i := range r.insts {
		in := &r.insts[i]
		if !wants[in.App] || !r.isWeb(in) || !upHealthy(in) || r.hosts.statusOf(in.Host) == hostLost {
			continue
		}
		a := apps[in.App]
		if a == nil {
			a = &app{spare: -1}
			apps[in.App] = a
		}
		if r.stops[i] == "" {
			a.serving = true
		} else if a.spare < 0 || r.newerWeb(in, &r.insts[a.spare]) {
			a.spare = i
		}
	}
	for _, a := range apps {
		if !a.serving && a.spare >= 0 {
			r.stops[a.spare] = ""
		}
	}
}

func (r *reconciler) isWeb(in *Instance) bool {
	if g := r.groups[groupKey{in.App, in.Type}]; g != nil {
		return g.spec.Web
	}
	return in.Type == "web"
}

// newerWeb: the current release beats any other, then higher versions;
// equal ones keep the earlier (lower ID) pick.
func (r *reconciler) newerWeb(a, b *Instance) bool {
	cur := r.version[a.App]
	if (a.Release == cur) != (b.Release == cur) {
		return a.Release == cur
	}
	return a.Release > b.Release
}
