package herokuapi

import (
	"sync"
	"time"
)

// limiter is a set of token buckets keyed by user or source address: each
// holds up to size requests and refills evenly over period.
type limiter struct {
	size   float64
	rate   float64 // tokens per second
	now    func() time.Time
	mu     sync.Mutex
	bucket map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(size int, period time.Duration, now func() time.Time) *limiter {
	return &limiter{size: float64(size), rate: float64(size) / period.Seconds(), now: now, bucket: map[string]*bucket{}}
}

// take spends one token for key and reports what remains; ok is false when
// the bucket is empty. A zero-size limiter never limits.
func (l *limiter) take(key string) (remaining int, ok bool) {
	if l.size <= 0 {
		return 0, true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket[key]
	if b == nil {
		if len(l.bucket) > 100_000 {
			l.prune(now)
		}
		b = &bucket{tokens: l.size, at: now}
		l.bucket[key] = b
	}
	b.tokens = min(l.size, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return 0, false
	}
	b.tokens--
	return int(b.tokens), true
}

// prune drops full buckets, which hold no information.
func (l *limiter) prune(now time.Time) {
	for k, b := range l.bucket {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.size {
			delete(l.bucket, k)
		}
	}
}
