package platform

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Source is an uploaded source tarball's slot, as POST /sources makes it:
// the client PUTs the tarball to one URL and a build GETs it from another.
// Secret is the URLs' credential; it is shown once and stored hashed.
type Source struct {
	ID        uuid.UUID
	Secret    string
	ExpiresAt time.Time
}

// SourceLifetime is how long a source's URLs work, Heroku's hour.
const SourceLifetime = time.Hour

// Errors of source blobs.
var (
	ErrSourceNotFound = NotFound("source", "That source URL is unknown or has expired: ask for a new one with POST /sources.")
	ErrSourceEmpty    = NotFound("source", "Nothing has been uploaded to that source yet: PUT the tarball to its put_url first.")
)

// SourceTooLarge is an upload past the size limit; nothing of it is kept.
type SourceTooLarge struct{ Limit int64 }

func (e *SourceTooLarge) Error() string {
	return fmt.Sprintf("The source is larger than %d MB, the most Pier accepts: leave build artefacts and dependencies out of it.", e.Limit>>20)
}

// DefaultMaxSourceBytes bounds a source tarball, a fetched source and a
// git push's packfile, unless configured otherwise.
const DefaultMaxSourceBytes = 512 << 20

// SourceChecksum reads a source_blob.checksum, Heroku's "SHA256:" and 64
// hex digits (any case), as lower-case hex.
func SourceChecksum(s string) (string, bool) {
	sum, ok := strings.CutPrefix(strings.ToLower(s), "sha256:")
	if _, err := hex.DecodeString(sum); !ok || err != nil || len(sum) != 64 {
		return "", false
	}
	return sum, true
}
