package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

// MaxQuantity bounds one process type's count.
const MaxQuantity = 1000

const formationCols = `f.id, f.app_id, a.name, f.type, f.command, f.quantity, f.size, f.generation, f.created_at, f.updated_at`

func scanFormation(r pgx.Row) (platform.Formation, error) {
	var f platform.Formation
	err := r.Scan(uid(&f.ID), uid(&f.App.ID), &f.App.Name, &f.Type, &f.Command, &f.Quantity, &f.Size, &f.Generation, &f.CreatedAt, &f.UpdatedAt)
	return f, err
}

// Formation lists an app's process types by type.
func (s *Store) Formation(ctx context.Context, a platform.App) ([]platform.Formation, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+formationCols+` FROM formations f JOIN apps a ON a.id = f.app_id
		WHERE f.app_id = $1 ORDER BY f.type`, a.ID)
	if err != nil {
		return nil, fmt.Errorf("list formation: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.Formation, error) { return scanFormation(r) })
}

// FormationType finds one process type by name or id.
func (s *Store) FormationType(ctx context.Context, a platform.App, ident string) (platform.Formation, error) {
	id, _ := uuid.Parse(ident)
	f, err := scanFormation(s.pool.QueryRow(ctx, `SELECT `+formationCols+` FROM formations f JOIN apps a ON a.id = f.app_id
		WHERE f.app_id = $1 AND (f.type = $2 OR f.id = $3)`, a.ID, ident, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return f, platform.NotFound("formation", fmt.Sprintf("Couldn't find that process type (%s).", ident))
	}
	return f, err
}

// UpdateFormation applies a batch of scale and resize changes atomically:
// all of them or none. Relative changes are applied by Postgres to the value
// it holds, so concurrent `ps:scale web+1` calls all count.
func (s *Store) UpdateFormation(ctx context.Context, actor platform.User, a platform.App, ups []platform.FormationUpdate) ([]platform.Formation, error) {
	if len(ups) == 0 {
		return nil, platform.Invalid("No formation updates given.")
	}
	for i, up := range ups {
		if up.Size != "" {
			size, err := platform.LookupSize(up.Size)
			if err != nil {
				return nil, err
			}
			ups[i].Size = size.Name
		}
		if up.Quantity != nil && (*up.Quantity > MaxQuantity || (!up.Relative && *up.Quantity < 0) || *up.Quantity < -MaxQuantity) {
			return nil, platform.Invalid("Quantity for %s must be between 0 and %d.", up.Type, MaxQuantity)
		}
	}
	var out []platform.Formation
	err := s.tx(ctx, func(tx pgx.Tx) error {
		out = out[:0]
		var changes []map[string]any
		for _, up := range ups {
			f, err := scanFormation(tx.QueryRow(ctx, `WITH f AS (UPDATE formations SET
				quantity = CASE WHEN $3::int IS NULL THEN quantity WHEN $4 THEN greatest(0, quantity + $3) ELSE $3 END,
				size = coalesce(nullif($5, ''), size), updated_at = now()
				WHERE app_id = $1 AND type = $2 RETURNING *)
				SELECT `+formationCols+` FROM f JOIN apps a ON a.id = f.app_id`, a.ID, up.Type, up.Quantity, up.Relative, up.Size))
			if errors.Is(err, pgx.ErrNoRows) {
				return platform.NotFound("formation", fmt.Sprintf("Couldn't find that process type (%s).", up.Type))
			}
			if err != nil {
				return fmt.Errorf("update formation: %w", err)
			}
			if f.Quantity > MaxQuantity {
				return platform.Invalid("Quantity for %s must be between 0 and %d.", up.Type, MaxQuantity)
			}
			out = append(out, f)
			changes = append(changes, map[string]any{"type": f.Type, "quantity": f.Quantity, "size": f.Size})
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "formation.update", actor.Email, map[string]any{"updates": changes})
	})
	return out, err
}

// syncFormation makes the formation match a slug's process types: commands
// follow the slug, new types start at 0 (web at 1 on an app's first deploy),
// existing quantities carry over and types the slug lacks are removed.
func syncFormation(ctx context.Context, tx pgx.Tx, a platform.App, slugID uuid.UUID, first bool) error {
	_, err := tx.Exec(ctx, `
		WITH pt AS (SELECT key AS type, value AS command FROM slugs, jsonb_each_text(process_types) WHERE id = $2 AND key <> 'release'),
		del AS (DELETE FROM formations f WHERE f.app_id = $1 AND f.type NOT IN (SELECT type FROM pt))
		INSERT INTO formations (id, app_id, type, command, quantity)
		SELECT gen_random_uuid(), $1, pt.type, pt.command, CASE WHEN pt.type = 'web' AND $3 THEN 1 ELSE 0 END FROM pt
		ON CONFLICT (app_id, type) DO UPDATE SET command = excluded.command, updated_at = now()`, a.ID, slugID, first)
	if err != nil {
		return fmt.Errorf("sync formation: %w", err)
	}
	return nil
}

// Restart bumps the restart generation of one process type, or of all of
// them when typ is empty: the scheduler replaces their dynos (web with
// surge, so the app keeps serving).
func (s *Store) Restart(ctx context.Context, actor platform.User, a platform.App, typ string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE formations SET generation = generation + 1, updated_at = now()
			WHERE app_id = $1 AND ($2 = '' OR type = $2)`, a.ID, typ)
		if err != nil {
			return fmt.Errorf("restart: %w", err)
		}
		if tag.RowsAffected() == 0 && typ != "" {
			return platform.NotFound("formation", fmt.Sprintf("Couldn't find that process type (%s).", typ))
		}
		data := map[string]any{}
		if typ != "" {
			data["type"] = typ
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "dyno.restart", actor.Email, data)
	})
}

// Formations lists the process types of several apps at once, by app:
// the dashboard's overview of every app.
func (s *Store) Formations(ctx context.Context, appIDs []uuid.UUID) (map[uuid.UUID][]platform.Formation, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+formationCols+` FROM formations f JOIN apps a ON a.id = f.app_id
		WHERE f.app_id = ANY($1) ORDER BY f.app_id, f.type`, uids(appIDs))
	if err != nil {
		return nil, fmt.Errorf("list formations: %w", err)
	}
	fs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.Formation, error) { return scanFormation(r) })
	if err != nil {
		return nil, fmt.Errorf("list formations: %w", err)
	}
	out := make(map[uuid.UUID][]platform.Formation, len(appIDs))
	for _, f := range fs {
		out[f.App.ID] = append(out[f.App.ID], f)
	}
	return out, nil
}
