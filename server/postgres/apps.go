package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

const appCols = `a.id, a.name, a.maintenance, a.release_version, a.created_at, a.updated_at, a.released_at,
	o.id, o.email, o.name, o.admin, o.created_at, o.updated_at`

const appFrom = ` FROM apps a JOIN users o ON o.id = a.owner_id `

// scanApp reads appCols, then any extra columns into extra.
func scanApp(r pgx.Row, extra ...any) (platform.App, error) {
	var a platform.App
	err := r.Scan(append([]any{uid(&a.ID), &a.Name, &a.Maintenance, &a.ReleaseVersion, &a.CreatedAt, &a.UpdatedAt, &a.ReleasedAt,
		uid(&a.Owner.ID), &a.Owner.Email, &a.Owner.Name, &a.Owner.Admin, &a.Owner.CreatedAt, &a.Owner.UpdatedAt}, extra...)...)
	return a, err
}

// Role is what a user may do with an app.
type Role int

const (
	RoleNone Role = iota
	RoleCollaborator
	RoleOwner // owners and admins
)

// App finds an app by id or name and checks that u may act on it with at
// least the given role. Someone with no access at all learns only that the
// app exists, as on Heroku.
func (s *Store) App(ctx context.Context, u platform.User, ident string, need Role) (platform.App, error) {
	var collab bool
	q := `SELECT ` + appCols + `, EXISTS (SELECT 1 FROM collaborators c WHERE c.app_id = a.id AND c.user_id = $2)` + appFrom
	var row pgx.Row
	if id, err := uuid.Parse(ident); err == nil {
		row = s.pool.QueryRow(ctx, q+`WHERE a.id = $1`, id, u.ID)
	} else {
		row = s.pool.QueryRow(ctx, q+`WHERE a.name = $1`, ident, u.ID)
	}
	a, err := scanApp(row, &collab)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, platform.ErrAppNotFound
	}
	if err != nil {
		return a, fmt.Errorf("find app: %w", err)
	}
	role := RoleNone
	switch {
	case u.Admin || a.Owner.ID == u.ID:
		role = RoleOwner
	case collab:
		role = RoleCollaborator
	}
	if role == RoleNone {
		return a, platform.Forbidden("You do not have access to the app %s.", a.Name)
	}
	if role < need {
		return a, platform.Forbidden("Only the owner of %s (%s) can do that.", a.Name, a.Owner.Email)
	}
	return a, nil
}

// appSortColumns whitelists the columns a Range header may sort apps by.
var appSortColumns = map[string]string{"id": "a.id", "name": "a.name", "updated_at": "a.updated_at"}

// Apps lists the apps u can see (all of them for admins), one page at a time.
// more reports whether items exist past the page.
func (s *Store) Apps(ctx context.Context, u platform.User, p platform.Page) (apps []platform.App, more bool, err error) {
	where := `WHERE ($1 OR a.owner_id = $2 OR EXISTS (SELECT 1 FROM collaborators c WHERE c.app_id = a.id AND c.user_id = $2))`
	q, args, err := pageQuery(`SELECT `+appCols+appFrom+where, appSortColumns, "a.id", p, []any{u.Admin, u.ID})
	if err != nil {
		return nil, false, err
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("list apps: %w", err)
	}
	apps, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.App, error) { return scanApp(r) })
	if err != nil {
		return nil, false, fmt.Errorf("list apps: %w", err)
	}
	if len(apps) > p.Max {
		return apps[:p.Max], true, nil
	}
	return apps, false, nil
}

// CreateApp makes an app owned by owner with release v1 ("Initial release",
// no slug) and an empty config. An empty name is generated.
func (s *Store) CreateApp(ctx context.Context, owner platform.User, name string) (platform.App, error) {
	generated := name == ""
	for attempt := 0; ; attempt++ {
		if generated {
			name = platform.GenerateAppName()
		}
		if err := platform.ValidateAppName(name); err != nil {
			return platform.App{}, err
		}
		a, err := s.createApp(ctx, owner, name)
		if isUniqueViolation(err, "apps_name_key") {
			if generated && attempt < 10 {
				continue
			}
			return a, platform.Invalid("Name %s is already taken.", name)
		}
		return a, err
	}
}

func (s *Store) createApp(ctx context.Context, owner platform.User, name string) (platform.App, error) {
	id := uuid.New()
	var a platform.App
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO apps (id, name, owner_id) VALUES ($1, $2, $3)`, id, name, owner.ID); err != nil {
			return err
		}
		a = platform.App{ID: id, Name: name, Owner: owner}
		r, err := createRelease(ctx, tx, &a, owner, "Initial release", nil, map[string]string{}, nil)
		if err != nil {
			return err
		}
		a, err = scanApp(tx.QueryRow(ctx, `SELECT `+appCols+appFrom+`WHERE a.id = $1`, id))
		if err != nil {
			return err
		}
		if err := appendEvent(ctx, tx, &a.ID, a.Name, "app.create", owner.Email, nil); err != nil {
			return err
		}
		return releaseEvent(ctx, tx, a, r, owner, nil)
	})
	return a, err
}

// AppUpdate changes an app's name and/or maintenance flag.
type AppUpdate struct {
	Name        *string
	Maintenance *bool
}

// UpdateApp renames an app or sets its maintenance mode.
func (s *Store) UpdateApp(ctx context.Context, actor platform.User, a platform.App, up AppUpdate) (platform.App, error) {
	if up.Name != nil {
		if err := platform.ValidateAppName(*up.Name); err != nil {
			return a, err
		}
	}
	var out platform.App
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = scanApp(tx.QueryRow(ctx, `WITH u AS (UPDATE apps SET name = coalesce($2, name), maintenance = coalesce($3, maintenance),
			updated_at = now() WHERE id = $1 RETURNING *) SELECT `+appCols+` FROM u a JOIN users o ON o.id = a.owner_id`, a.ID, up.Name, up.Maintenance))
		if isUniqueViolation(err, "apps_name_key") {
			return platform.Invalid("Name %s is already taken.", *up.Name)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return platform.ErrAppNotFound
		}
		if err != nil {
			return fmt.Errorf("update app: %w", err)
		}
		data := map[string]any{}
		if up.Name != nil && *up.Name != a.Name {
			data["old_name"], data["name"] = a.Name, out.Name
		}
		if up.Maintenance != nil && *up.Maintenance != a.Maintenance {
			data["maintenance"] = out.Maintenance
		}
		if len(data) == 0 {
			return nil
		}
		return appendEvent(ctx, tx, &a.ID, out.Name, "app.update", actor.Email, data)
	})
	return out, err
}

// DestroyApp deletes an app and everything that belongs to it; the event log
// keeps its history.
func (s *Store) DestroyApp(ctx context.Context, actor platform.User, a platform.App) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		// Releases point at slugs and configs of the same app; drop them first
		// so the cascade has no order to respect.
		if _, err := tx.Exec(ctx, `DELETE FROM releases WHERE app_id = $1`, a.ID); err != nil {
			return fmt.Errorf("destroy app: %w", err)
		}
		tag, err := tx.Exec(ctx, `DELETE FROM apps WHERE id = $1`, a.ID)
		if err != nil {
			return fmt.Errorf("destroy app: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return platform.ErrAppNotFound
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "app.destroy", actor.Email, nil)
	})
}

// ExistingApps says which of ids are apps that exist.
func (s *Store) ExistingApps(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
	return s.idSet(ctx, "existing apps", `SELECT id FROM apps WHERE id = ANY($1)`, ids)
}
