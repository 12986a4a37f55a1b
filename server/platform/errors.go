// Package platform is Pier's domain core: apps, releases, config, formation,
// domains, collaborators, users and the rules that hold between them. It does
// no I/O; adapters (Postgres, the Heroku API) use its types and errors.
package platform

import (
	"errors"
	"fmt"
)

// Kind classifies an error once, so the edge can turn it into a status code.
type Kind int

const (
	KindInternal     Kind = iota
	KindInvalid           // the request is malformed or breaks a rule: 422
	KindNotFound          // 404
	KindConflict          // a unique name is taken, or a write raced another: 409
	KindForbidden         // authenticated, but not allowed: 403
	KindUnauthorized      // no valid credentials: 401
)

// Error is a failure whose message is fit for the user.
type Error struct {
	Kind     Kind
	Resource string // e.g. "app", "release": Heroku's error JSON names it
	Message  string
}

func (e *Error) Error() string { return e.Message }

// KindOf returns the kind of err, KindInternal for errors of unknown origin.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

func Invalid(format string, a ...any) error {
	return &Error{Kind: KindInvalid, Message: fmt.Sprintf(format, a...)}
}

func NotFound(resource, message string) error {
	return &Error{Kind: KindNotFound, Resource: resource, Message: message}
}

func Conflict(format string, a ...any) error {
	return &Error{Kind: KindConflict, Message: fmt.Sprintf(format, a...)}
}

func Forbidden(format string, a ...any) error {
	return &Error{Kind: KindForbidden, Message: fmt.Sprintf(format, a...)}
}

func Unauthorized(message string) error {
	return &Error{Kind: KindUnauthorized, Message: message}
}

// Common not-found errors, worded as Heroku words them.
var (
	ErrAppNotFound         = NotFound("app", "Couldn't find that app.")
	ErrReleaseNotFound     = NotFound("release", "Couldn't find that release.")
	ErrFormationNotFound   = NotFound("formation", "Couldn't find that process type.")
	ErrDomainNotFound      = NotFound("domain", "Couldn't find that domain.")
	ErrCollaboratorMissing = NotFound("collaborator", "Couldn't find that collaborator.")
	ErrUserNotFound        = NotFound("user", "Couldn't find that user.")
	ErrTokenNotFound       = NotFound("authorization", "Couldn't find that authorization.")
	ErrSlugNotFound        = NotFound("slug", "Couldn't find that slug.")
	ErrHostNotFound        = NotFound("host", "Couldn't find that host.")
)
