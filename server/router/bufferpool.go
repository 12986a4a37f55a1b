package router

import "sync"

// copyBufferSize matches the buffer ReverseProxy would otherwise allocate
// for every response.
const copyBufferSize = 32 << 10

// bufferPool recycles ReverseProxy's body copy buffers.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, copyBufferSize)
}

func (b *bufferPool) Put(buf []byte) {
	if cap(buf) != copyBufferSize {
		return
	}
	buf = buf[:copyBufferSize]
	b.p.Put(&buf)
}
