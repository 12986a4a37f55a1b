package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

// BuildSettings reads an app's buildpack installations and the generation
// of its build cache.
func (s *Store) BuildSettings(ctx context.Context, a platform.App) (platform.BuildSettings, error) {
	var bs platform.BuildSettings
	err := s.pool.QueryRow(ctx, `SELECT buildpacks, build_cache_generation FROM apps WHERE id = $1`, a.ID).
		Scan(&bs.Buildpacks, &bs.CacheGeneration)
	if errors.Is(err, pgx.ErrNoRows) {
		return bs, platform.ErrAppNotFound
	}
	if err != nil {
		return bs, fmt.Errorf("read build settings of %s: %w", a.Name, err)
	}
	return bs, nil
}

// SetBuildpacks replaces an app's buildpack installations, as Heroku's PUT
// does: the whole list at once, so two writers can't interleave.
func (s *Store) SetBuildpacks(ctx context.Context, actor platform.User, a platform.App, buildpacks []string) ([]string, error) {
	if buildpacks == nil {
		buildpacks = []string{}
	}
	var out []string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE apps SET buildpacks = $2, updated_at = now() WHERE id = $1 RETURNING buildpacks`, a.ID, buildpacks).Scan(&out)
		if errors.Is(err, pgx.ErrNoRows) {
			return platform.ErrAppNotFound
		}
		if err != nil {
			return fmt.Errorf("set buildpacks of %s: %w", a.Name, err)
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "buildpacks.update", actor.Email, map[string]any{"buildpacks": out})
	})
	return out, err
}

// PurgeBuildCache moves an app to a new, empty build cache; builds remove
// the old one from their engine.
func (s *Store) PurgeBuildCache(ctx context.Context, actor platform.User, a platform.App) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var gen int
		err := tx.QueryRow(ctx, `UPDATE apps SET build_cache_generation = build_cache_generation + 1 WHERE id = $1
			RETURNING build_cache_generation`, a.ID).Scan(&gen)
		if errors.Is(err, pgx.ErrNoRows) {
			return platform.ErrAppNotFound
		}
		if err != nil {
			return fmt.Errorf("purge the build cache of %s: %w", a.Name, err)
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "build_cache.purge", actor.Email, map[string]any{"generation": gen})
	})
}
