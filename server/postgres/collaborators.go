package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

const collabCols = `c.id, c.app_id, a.name, c.created_at, c.updated_at, ` + userCols

const collabFrom = ` FROM collaborators c JOIN apps a ON a.id = c.app_id JOIN users u ON u.id = c.user_id `

func scanCollaborator(r pgx.Row) (platform.Collaborator, error) {
	c := platform.Collaborator{Role: "collaborator"}
	err := r.Scan(uid(&c.ID), uid(&c.App.ID), &c.App.Name, &c.CreatedAt, &c.UpdatedAt,
		uid(&c.User.ID), &c.User.Email, &c.User.Name, &c.User.Admin, &c.User.CreatedAt, &c.User.UpdatedAt)
	return c, err
}

// owner presents the app's owner as a collaborator with role "owner", as
// Heroku lists it.
func owner(a platform.App) platform.Collaborator {
	return platform.Collaborator{ID: a.Owner.ID, App: platform.Ref{ID: a.ID, Name: a.Name}, User: a.Owner,
		Role: "owner", CreatedAt: a.CreatedAt, UpdatedAt: a.CreatedAt}
}

// Collaborators lists the owner, then the collaborators by email.
func (s *Store) Collaborators(ctx context.Context, a platform.App) ([]platform.Collaborator, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+collabCols+collabFrom+`WHERE c.app_id = $1 ORDER BY u.email`, a.ID)
	if err != nil {
		return nil, fmt.Errorf("list collaborators: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.Collaborator, error) { return scanCollaborator(r) })
	return append([]platform.Collaborator{owner(a)}, cs...), err
}

// Collaborator finds one by id or email.
func (s *Store) Collaborator(ctx context.Context, a platform.App, ident string) (platform.Collaborator, error) {
	if ident == a.Owner.Email || ident == a.Owner.ID.String() {
		return owner(a), nil
	}
	id, _ := uuid.Parse(ident)
	c, err := scanCollaborator(s.pool.QueryRow(ctx, `SELECT `+collabCols+collabFrom+`WHERE c.app_id = $1 AND (u.email = lower($2) OR c.id = $3 OR u.id = $3)`, a.ID, ident, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, platform.ErrCollaboratorMissing
	}
	return c, err
}

// AddCollaborator gives an existing user access to the app.
func (s *Store) AddCollaborator(ctx context.Context, actor platform.User, a platform.App, email string) (platform.Collaborator, error) {
	email, err := platform.NormalizeEmail(email)
	if err != nil {
		return platform.Collaborator{}, err
	}
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, platform.ErrUserNotFound) {
		return platform.Collaborator{}, platform.Invalid("There is no user %s; an admin can add one with `pier users:add %s`.", email, email)
	}
	if err != nil {
		return platform.Collaborator{}, err
	}
	if u.ID == a.Owner.ID {
		return platform.Collaborator{}, platform.Invalid("%s owns %s already.", email, a.Name)
	}
	var c platform.Collaborator
	err = s.tx(ctx, func(tx pgx.Tx) error {
		c, err = scanCollaborator(tx.QueryRow(ctx, `WITH c AS (INSERT INTO collaborators (id, app_id, user_id) VALUES ($1, $2, $3) RETURNING *)
			SELECT `+collabCols+` FROM c JOIN apps a ON a.id = c.app_id JOIN users u ON u.id = c.user_id`, uuid.New(), a.ID, u.ID))
		if isUniqueViolation(err, "collaborators_app_id_user_id_key") {
			return platform.Invalid("%s is already a collaborator on %s.", email, a.Name)
		}
		if err != nil {
			return fmt.Errorf("add collaborator: %w", err)
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "collaborator.create", actor.Email, map[string]any{"email": email})
	})
	return c, err
}

// RemoveCollaborator takes a collaborator's access away.
func (s *Store) RemoveCollaborator(ctx context.Context, actor platform.User, a platform.App, ident string) (platform.Collaborator, error) {
	c, err := s.Collaborator(ctx, a, ident)
	if err != nil {
		return c, err
	}
	if c.Role == "owner" {
		return c, platform.Invalid("%s owns %s and can't be removed from it.", c.User.Email, a.Name)
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM collaborators WHERE id = $1`, c.ID); err != nil {
			return fmt.Errorf("remove collaborator: %w", err)
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "collaborator.destroy", actor.Email, map[string]any{"email": c.User.Email})
	})
	return c, err
}
