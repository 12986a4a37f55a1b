package logs

import (
	"fmt"
	"time"
)

// followBuffer is how many lines a follower may fall behind before it loses
// lines: enough for a burst, small enough that a thousand followers are
// cheap.
const followBuffer = 1024

// follower is one reader of an app's new lines. Its fields other than ch
// are guarded by its appLog's lock.
type follower struct {
	filter Filter
	ch     chan Line // closed when the app is forgotten
	missed int       // lines lost since the last one sent
	since  time.Time // when the first of them was written
}

func newFollower(f Filter) *follower {
	return &follower{filter: f, ch: make(chan Line, followBuffer)}
}

// offer passes l on if it matches, without ever waiting: when the reader is
// behind, l is lost and reported false. The first line that fits after a
// loss is preceded by logplex's L10 error, so the reader sees where lines
// went missing and how many.
func (f *follower) offer(l Line) bool {
	if !f.filter.Match(l) {
		return true
	}
	if f.missed > 0 {
		if cap(f.ch)-len(f.ch) < 2 { // only Add sends, under the lock: the room can only grow
			f.missed++
			return false
		}
		f.ch <- overflow(l, f.missed, f.since)
		f.missed = 0
	}
	select {
	case f.ch <- l:
		return true
	default:
		f.missed, f.since = 1, l.Time
		return false
	}
}

// overflow is logplex's line for lines a reader lost.
func overflow(next Line, n int, since time.Time) Line {
	return Line{
		Time: next.Time, App: next.App, Source: "heroku", Dyno: "logplex",
		Text: fmt.Sprintf("Error L10 (output buffer overflow): %d messages dropped since %s.",
			n, since.UTC().Format("2006-01-02T15:04:05-07:00")),
	}
}
