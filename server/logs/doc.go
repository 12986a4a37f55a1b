// Package logs is each app's log, as Heroku's logplex keeps it: the merged
// stream of its dynos' output, router lines, platform lines and API events,
// held in memory for a short backlog and fanned out to whoever follows it
// (`heroku logs --tail`). Like logplex, it is a window on what happens now,
// not an archive: nothing is written to disk.
package logs
