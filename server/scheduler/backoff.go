package scheduler

import "time"

// crashBackoff is how long a crashed index waits before it is re-placed.
// The first crash is restarted at once, as Heroku does; then it waits
// min(base * 2^(restarts-1), max). Doubling stops at max so it cannot
// overflow.
func crashBackoff(restarts int, base, max time.Duration) time.Duration {
	if restarts == 0 {
		return 0
	}
	d := base
	for i := 1; i < restarts && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}

// wake keeps the earliest future deadline the plan depends on.
type wake time.Duration

func (w *wake) in(d time.Duration) {
	if d > 0 && (*w == 0 || d < time.Duration(*w)) {
		*w = wake(d)
	}
}
