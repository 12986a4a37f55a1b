package logs

// ring is an app's backlog: the last size lines, oldest overwritten first.
// It grows up to size, so quiet apps cost little.
type ring struct {
	lines []Line
	next  int // where the next line goes once lines is full
}

func (r *ring) push(l Line, size int) {
	if len(r.lines) < size {
		r.lines = append(r.lines, l)
		return
	}
	r.lines[r.next] = l
	if r.next++; r.next == len(r.lines) {
		r.next = 0
	}
}

// recent is the last n lines f matches, oldest first.
func (r *ring) recent(n int, f Filter) []Line {
	var out []Line
	for i := 1; i <= len(r.lines) && len(out) < n; i++ {
		j := r.next - i
		if j < 0 {
			j += len(r.lines)
		}
		if f.Match(r.lines[j]) {
			out = append(out, r.lines[j])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
