package platform

import (
	"time"

	"github.com/google/uuid"
)

// Build is a source made into an image and released, as Heroku's builds
// API and a git push make one. It is pending until it settles: succeeded
// with the slug and release it made, or failed with the reason.
type Build struct {
	ID             uuid.UUID
	App            Ref
	UserID         *uuid.UUID
	UserEmail      string
	Status         string
	SourceURL      string
	SourceVersion  *string
	SourceChecksum *string
	Buildpacks     []string
	Stack          string
	SlugID         *uuid.UUID
	ReleaseID      *uuid.UUID
	Failure        *string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Build statuses, Heroku's.
const (
	BuildPending   = "pending"
	BuildSucceeded = "succeeded"
	BuildFailed    = "failed"
)

// ErrBuildNotFound is an unknown build id.
var ErrBuildNotFound = NotFound("build", "Couldn't find that build.")

// RefUpdate moves an app's git branch (Name, e.g. refs/heads/main) from
// Old (all zero: the branch is new) to New, when the build of New is
// released.
type RefUpdate struct {
	Name     string
	Old, New [20]byte
}

// BuildSettings are an app's settings for buildpack builds.
type BuildSettings struct {
	// Buildpacks are the app's buildpack installations, in order; empty
	// lets the bundled buildpacks detect the app.
	Buildpacks []string
	// CacheGeneration names the app's build cache; purging it moves to a
	// new, empty one.
	CacheGeneration int
}
