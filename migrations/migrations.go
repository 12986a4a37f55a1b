// Package migrations holds Pier's SQL schema, applied in order at start-up by
// golang-migrate. Files are never edited once released: add a new pair.
package migrations

import "embed"

// FS holds the NNNN_name.up.sql and .down.sql files.
//
//go:embed *.sql
var FS embed.FS
