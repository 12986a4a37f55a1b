package web

import "sync"

// Broadcaster tells every open page's event stream that something changed.
type Broadcaster struct {
	mu   sync.Mutex
	next int
	subs map[int]func()
}

// Notify calls every subscriber.
func (b *Broadcaster) Notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, fn := range b.subs {
		fn()
	}
}

// Subscribe calls fn on every Notify until stop is called. fn must not
// block.
func (b *Broadcaster) Subscribe(fn func()) (stop func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[int]func(){}
	}
	id := b.next
	b.next++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}
