package main

import (
	"math"
	"slices"
	"time"
)

// summary describes a set of latencies.
type summary struct {
	n                   int
	mean, p50, p99, max time.Duration
}

// summarize sorts d in place.
func summarize(d []time.Duration) summary {
	if len(d) == 0 {
		return summary{}
	}
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return summary{
		n: len(d), mean: sum / time.Duration(len(d)),
		p50: percentile(d, 50), p99: percentile(d, 99), max: d[len(d)-1],
	}
}

// percentile is the nearest-rank percentile of sorted d: the smallest value
// with at least p% of the values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p/100*float64(len(sorted)) - 1e-9)) // the epsilon absorbs float noise
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// median of a few durations (the restarts); sorts d in place.
func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
