package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

// releaseCols reads a release of the app whose id is $1; callers know the
// app, so its name is not joined in per row.
const releaseCols = `r.id, r.version, r.description, r.status, r.slug_id, r.config_id, r.user_id, r.user_email,
	r.created_at, r.updated_at,
	r.version = (SELECT x.version FROM releases x WHERE x.app_id = $1 AND x.status = 'succeeded'
		ORDER BY x.version DESC LIMIT 1)` // walks the (app_id, version) index from the top

const releaseFrom = ` FROM releases r `

func scanRelease(r pgx.Row, a platform.App) (platform.Release, error) {
	x := platform.Release{App: platform.Ref{ID: a.ID, Name: a.Name}}
	var current *bool
	err := r.Scan(uid(&x.ID), &x.Version, &x.Description, &x.Status, &x.SlugID, uid(&x.ConfigID),
		&x.UserID, &x.UserEmail, &x.CreatedAt, &x.UpdatedAt, &current)
	x.Current = current != nil && *current
	return x, err
}

// createRelease appends release a.ReleaseVersion+1 with the given slug and
// config (a new config version is written when configID is nil). The app row
// is moved from its read version to the next with a compare-and-swap: losing
// that race returns errStale and the caller's transaction is retried from a
// fresh read, so no concurrent change is ever lost.
func createRelease(ctx context.Context, tx pgx.Tx, a *platform.App, actor platform.User, desc string,
	slugID *uuid.UUID, vars map[string]string, configID *uuid.UUID) (platform.Release, error) {
	next := a.ReleaseVersion + 1
	tag, err := tx.Exec(ctx, `UPDATE apps SET release_version = $3, released_at = now(), updated_at = now()
		WHERE id = $1 AND release_version = $2`, a.ID, a.ReleaseVersion, next)
	if err != nil {
		return platform.Release{}, fmt.Errorf("create release: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return platform.Release{}, errStale
	}
	if configID == nil {
		id := uuid.New()
		if _, err := tx.Exec(ctx, `INSERT INTO configs (id, app_id, vars) VALUES ($1, $2, $3)`, id, a.ID, vars); err != nil {
			return platform.Release{}, fmt.Errorf("create config: %w", err)
		}
		configID = &id
	}
	r, err := scanRelease(tx.QueryRow(ctx, `INSERT INTO releases (id, app_id, version, description, status, slug_id, config_id, user_id, user_email)
		VALUES ($1, $2, $3, $4, 'succeeded', $5, $6, $7, $8)
		RETURNING id, version, description, status, slug_id, config_id, user_id, user_email, created_at, updated_at, true`,
		uuid.New(), a.ID, next, desc, slugID, *configID, actor.ID, actor.Email), *a)
	if isUniqueViolation(err, "releases_app_id_version_key") {
		return r, errStale
	}
	if err != nil {
		return r, fmt.Errorf("create release: %w", err)
	}
	a.ReleaseVersion = next
	return r, nil
}

// releaseEvent records a new release in the event log; the API's
// "app[api]: Release v7 created by user ann@example.com" log line comes from it.
func releaseEvent(ctx context.Context, tx pgx.Tx, a platform.App, r platform.Release, actor platform.User, extra map[string]any) error {
	data := map[string]any{"release_id": r.ID, "version": r.Version, "description": r.Description}
	for k, v := range extra {
		data[k] = v
	}
	return appendEvent(ctx, tx, &a.ID, a.Name, "release.create", actor.Email, data)
}

// reloadApp re-reads the app's concurrency guard inside a retried transaction.
func reloadApp(ctx context.Context, tx pgx.Tx, a *platform.App) error {
	err := tx.QueryRow(ctx, `SELECT name, release_version FROM apps WHERE id = $1`, a.ID).Scan(&a.Name, &a.ReleaseVersion)
	if errors.Is(err, pgx.ErrNoRows) {
		return platform.ErrAppNotFound
	}
	return err
}

// newest returns the newest release's slug and config.
func newest(ctx context.Context, tx pgx.Tx, a platform.App) (slugID *uuid.UUID, vars map[string]string, err error) {
	err = tx.QueryRow(ctx, `SELECT r.slug_id, c.vars FROM releases r JOIN configs c ON c.id = r.config_id
		WHERE r.app_id = $1 AND r.version = $2`, a.ID, a.ReleaseVersion).Scan(&slugID, &vars)
	if err != nil {
		return nil, nil, fmt.Errorf("read newest release: %w", err)
	}
	return slugID, vars, nil
}

// ConfigVars returns the app's config: that of its newest release.
func (s *Store) ConfigVars(ctx context.Context, a platform.App) (map[string]string, error) {
	var vars map[string]string
	err := s.pool.QueryRow(ctx, `SELECT c.vars FROM releases r JOIN configs c ON c.id = r.config_id
		WHERE r.app_id = $1 ORDER BY r.version DESC LIMIT 1`, a.ID).Scan(&vars)
	if err != nil {
		return nil, fmt.Errorf("read config vars: %w", err)
	}
	return vars, nil
}

// ReleaseConfigVars returns the config a given release runs with.
func (s *Store) ReleaseConfigVars(ctx context.Context, r platform.Release) (map[string]string, error) {
	var vars map[string]string
	err := s.pool.QueryRow(ctx, `SELECT vars FROM configs WHERE id = $1`, r.ConfigID).Scan(&vars)
	return vars, err
}

// UpdateConfigVars sets (non-nil values) and removes (nil values) config vars,
// making a new release when anything changed. It retries internally when
// another writer changes the app meanwhile. It returns the resulting config.
func (s *Store) UpdateConfigVars(ctx context.Context, actor platform.User, a platform.App, changes map[string]*string) (map[string]string, error) {
	for k := range changes {
		if err := platform.ValidateConfigKey(k); err != nil {
			return nil, err
		}
	}
	var result map[string]string
	err := s.retry(ctx, func(tx pgx.Tx) error {
		if err := reloadApp(ctx, tx, &a); err != nil {
			return err
		}
		slugID, vars, err := newest(ctx, tx, a)
		if err != nil {
			return err
		}
		var set, removed []string
		for k, v := range changes {
			old, had := vars[k]
			switch {
			case v == nil && had:
				delete(vars, k)
				removed = append(removed, k)
			case v != nil && (!had || old != *v):
				vars[k] = *v
				set = append(set, k)
			}
		}
		result = vars
		if len(set)+len(removed) == 0 {
			return nil
		}
		if err := platform.ValidateConfigVars(vars); err != nil {
			return err
		}
		r, err := createRelease(ctx, tx, &a, actor, platform.ConfigChangeDescription(set, removed), slugID, vars, nil)
		if err != nil {
			return err
		}
		return releaseEvent(ctx, tx, a, r, actor, map[string]any{"config_set": set, "config_removed": removed})
	})
	return result, err
}

var releaseSortColumns = map[string]string{"version": "r.version", "id": "r.id"}

// Releases lists an app's releases one page at a time.
func (s *Store) Releases(ctx context.Context, a platform.App, p platform.Page) ([]platform.Release, bool, error) {
	q, args, err := pageQuery(`SELECT `+releaseCols+releaseFrom+`WHERE r.app_id = $1`, releaseSortColumns, "r.version", p, []any{a.ID})
	if err != nil {
		return nil, false, err
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("list releases: %w", err)
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.Release, error) { return scanRelease(r, a) })
	if err != nil {
		return nil, false, fmt.Errorf("list releases: %w", err)
	}
	if len(rs) > p.Max {
		return rs[:p.Max], true, nil
	}
	return rs, false, nil
}

// Release finds a release by id, version ("12") or "v12".
func (s *Store) Release(ctx context.Context, a platform.App, ident string) (platform.Release, error) {
	var row pgx.Row
	if id, err := uuid.Parse(ident); err == nil {
		row = s.pool.QueryRow(ctx, `SELECT `+releaseCols+releaseFrom+`WHERE r.app_id = $1 AND r.id = $2`, a.ID, id)
	} else if v, err := strconv.ParseInt(strings.TrimPrefix(ident, "v"), 10, 32); err == nil {
		row = s.pool.QueryRow(ctx, `SELECT `+releaseCols+releaseFrom+`WHERE r.app_id = $1 AND r.version = $2`, a.ID, v)
	} else {
		return platform.Release{}, platform.ErrReleaseNotFound
	}
	r, err := scanRelease(row, a)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, platform.ErrReleaseNotFound
	}
	return r, err
}

// Rollback makes a new release that runs the slug and config of target.
func (s *Store) Rollback(ctx context.Context, actor platform.User, a platform.App, target string) (platform.Release, error) {
	old, err := s.Release(ctx, a, target)
	if err != nil {
		return old, err
	}
	if !old.EligibleForRollback() {
		return old, platform.Invalid("Release v%d %s and can't be rolled back to.", old.Version, old.Status)
	}
	var r platform.Release
	err = s.retry(ctx, func(tx pgx.Tx) error {
		if err := reloadApp(ctx, tx, &a); err != nil {
			return err
		}
		var err error
		r, err = createRelease(ctx, tx, &a, actor, fmt.Sprintf("Rollback to v%d", old.Version), old.SlugID, nil, &old.ConfigID)
		if err != nil {
			return err
		}
		if old.SlugID != nil {
			if err := syncFormation(ctx, tx, a, *old.SlugID, false); err != nil {
				return err
			}
		}
		return releaseEvent(ctx, tx, a, r, actor, map[string]any{"rollback_to": old.Version})
	})
	return r, err
}

// CreateRelease makes a release of slugID with the app's current config, as
// Heroku's POST /apps/{app}/releases with a slug does, and aligns the
// formation with the slug's process types.
func (s *Store) CreateRelease(ctx context.Context, actor platform.User, a platform.App, slugID uuid.UUID, desc string) (platform.Release, error) {
	slug, err := s.Slug(ctx, a, slugID.String())
	if err != nil {
		return platform.Release{}, err
	}
	if desc, err = releaseDescription(slug, desc); err != nil {
		return platform.Release{}, err
	}
	var r platform.Release
	err = s.retry(ctx, func(tx pgx.Tx) error {
		if r, err = releaseSlug(ctx, tx, &a, actor, slug.ID, desc); err != nil {
			return err
		}
		return releaseEvent(ctx, tx, a, r, actor, map[string]any{"slug_id": slug.ID})
	})
	return r, err
}

// Deploy records a slug and releases it in one transaction, so a failure
// leaves neither behind.
func (s *Store) Deploy(ctx context.Context, actor platform.User, a platform.App, x platform.Slug, desc string) (platform.Release, error) {
	if err := normalizeSlug(&x); err != nil {
		return platform.Release{}, err
	}
	var r platform.Release
	err := s.retry(ctx, func(tx pgx.Tx) error {
		slug, rel, err := deployIn(ctx, tx, actor, &a, x, desc)
		if err != nil {
			return err // rolls the slug back too
		}
		r = rel
		return deployEvents(ctx, tx, actor, a, slug, r, nil)
	})
	return r, err
}

// deployIn records a (normalized) slug and releases it in tx. The caller
// appends the events with deployEvents, last in its transaction.
func deployIn(ctx context.Context, tx pgx.Tx, actor platform.User, a *platform.App, x platform.Slug, desc string) (platform.Slug, platform.Release, error) {
	slug, err := insertSlug(ctx, tx, *a, x)
	if err != nil {
		return slug, platform.Release{}, err
	}
	d, err := releaseDescription(slug, desc)
	if err != nil {
		return slug, platform.Release{}, err
	}
	r, err := releaseSlug(ctx, tx, a, actor, slug.ID, d)
	return slug, r, err
}

// deployEvents appends a deploy's slug.create and release.create events.
func deployEvents(ctx context.Context, tx pgx.Tx, actor platform.User, a platform.App, slug platform.Slug, r platform.Release, extra map[string]any) error {
	if err := appendEvent(ctx, tx, &a.ID, a.Name, "slug.create", actor.Email, map[string]any{"slug_id": slug.ID}); err != nil {
		return err
	}
	data := map[string]any{"slug_id": slug.ID}
	for k, v := range extra {
		data[k] = v
	}
	return releaseEvent(ctx, tx, a, r, actor, data)
}

// releaseDescription is desc, or Heroku's "Deploy <commit or slug id>".
func releaseDescription(slug platform.Slug, desc string) (string, error) {
	if desc == "" {
		desc = "Deploy " + slug.ID.String()[:7]
		if slug.Commit != nil && *slug.Commit != "" {
			desc = "Deploy " + (*slug.Commit)[:min(7, len(*slug.Commit))]
		}
	}
	if len(desc) > 1024 {
		return "", platform.Invalid("Description is too long (at most 1024 characters).")
	}
	return desc, nil
}

// releaseSlug appends a release of slugID with the newest config and aligns
// the formation (web=1 on the app's first slug). The caller appends the
// event, last in its transaction.
func releaseSlug(ctx context.Context, tx pgx.Tx, a *platform.App, actor platform.User, slugID uuid.UUID, desc string) (platform.Release, error) {
	if err := reloadApp(ctx, tx, a); err != nil {
		return platform.Release{}, err
	}
	_, vars, err := newest(ctx, tx, *a)
	if err != nil {
		return platform.Release{}, err
	}
	var first bool
	if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM releases WHERE app_id = $1 AND slug_id IS NOT NULL)`, a.ID).Scan(&first); err != nil {
		return platform.Release{}, err
	}
	r, err := createRelease(ctx, tx, a, actor, desc, &slugID, vars, nil)
	if err != nil {
		return r, err
	}
	return r, syncFormation(ctx, tx, *a, slugID, first)
}

// FailRelease marks an app's current release failed (its web dynos never
// became healthy), so the newest earlier succeeded release is current
// again and keeps serving. A release already failed is left alone.
func (s *Store) FailRelease(ctx context.Context, app platform.Ref, r platform.Release, reason string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE releases SET status = 'failed', updated_at = now()
			WHERE id = $1 AND app_id = $2 AND status = 'succeeded'`, r.ID, app.ID)
		if err != nil {
			return fmt.Errorf("fail release: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		return appendEvent(ctx, tx, &app.ID, app.Name, "release.fail", "pier",
			map[string]any{"release_id": r.ID, "version": r.Version, "reason": reason})
	})
}
