package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

const slugCols = `s.id, s.app_id, a.name, s.image, s.process_types, s.commit, s.commit_description,
	s.buildpack_provided_description, s.stack, s.checksum, s.size, s.created_at, s.updated_at`

func scanSlug(r pgx.Row) (platform.Slug, error) {
	var x platform.Slug
	err := r.Scan(uid(&x.ID), uid(&x.App.ID), &x.App.Name, &x.Image, &x.ProcessTypes, &x.Commit, &x.CommitDescription,
		&x.BuildpackProvidedDescription, &x.Stack, &x.Checksum, &x.Size, &x.CreatedAt, &x.UpdatedAt)
	return x, err
}

// CreateSlug records an image and its process types for an app.
func (s *Store) CreateSlug(ctx context.Context, actor platform.User, a platform.App, x platform.Slug) (platform.Slug, error) {
	if err := normalizeSlug(&x); err != nil {
		return x, err
	}
	var out platform.Slug
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if out, err = insertSlug(ctx, tx, a, x); err != nil {
			return err
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "slug.create", actor.Email, map[string]any{"slug_id": out.ID})
	})
	return out, err
}

// normalizeSlug checks process types and fills defaults.
func normalizeSlug(x *platform.Slug) error {
	for t := range x.ProcessTypes {
		if err := platform.ValidateProcessType(t); err != nil {
			return err
		}
	}
	if x.ProcessTypes == nil {
		x.ProcessTypes = map[string]string{}
	}
	if x.Stack == "" {
		x.Stack = "pier-1"
	}
	return nil
}

func insertSlug(ctx context.Context, tx pgx.Tx, a platform.App, x platform.Slug) (platform.Slug, error) {
	out, err := scanSlug(tx.QueryRow(ctx, `WITH s AS (INSERT INTO slugs (id, app_id, image, process_types, commit, commit_description,
		buildpack_provided_description, stack, checksum, size) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING *)
		SELECT `+slugCols+` FROM s JOIN apps a ON a.id = s.app_id`,
		uuid.New(), a.ID, x.Image, x.ProcessTypes, x.Commit, x.CommitDescription, x.BuildpackProvidedDescription, x.Stack, x.Checksum, x.Size))
	if err != nil {
		return out, fmt.Errorf("create slug: %w", err)
	}
	return out, nil
}

// Slug finds one of an app's slugs by id.
func (s *Store) Slug(ctx context.Context, a platform.App, ident string) (platform.Slug, error) {
	id, err := uuid.Parse(ident)
	if err != nil {
		return platform.Slug{}, platform.ErrSlugNotFound
	}
	x, err := scanSlug(s.pool.QueryRow(ctx, `SELECT `+slugCols+` FROM slugs s JOIN apps a ON a.id = s.app_id
		WHERE s.app_id = $1 AND s.id = $2`, a.ID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return x, platform.ErrSlugNotFound
	}
	return x, err
}
