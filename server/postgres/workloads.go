package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

// Workloads reads every app with its current release, formation and custom
// domains: the desired state the scheduler and the router work from. It
// reads in one repeatable-read transaction, so the three parts agree.
func (s *Store) Workloads(ctx context.Context) ([]platform.Workload, error) {
	var out []platform.Workload
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		out = out[:0]
		byID := map[uuid.UUID]int{}
		rows, err := tx.Query(ctx, `
			SELECT a.id, a.name, a.maintenance, r.id, r.version, r.created_at,
				-- a deploy records the image id as the checksum: run exactly that
				CASE WHEN s.checksum LIKE 'sha256:%' THEN s.checksum ELSE s.image END, s.image, s.process_types, c.vars
			FROM apps a
			LEFT JOIN LATERAL (SELECT x.id, x.version, x.created_at, x.slug_id, x.config_id FROM releases x
				WHERE x.app_id = a.id AND x.status = 'succeeded' ORDER BY x.version DESC LIMIT 1) r ON true
			LEFT JOIN slugs s ON s.id = r.slug_id
			LEFT JOIN configs c ON c.id = r.config_id
			ORDER BY a.name`)
		if err != nil {
			return fmt.Errorf("read workloads: %w", err)
		}
		for rows.Next() {
			var w platform.Workload
			var relID *uuid.UUID
			var version *int
			var image, ref *string
			var created *time.Time
			if err := rows.Scan(uid(&w.App.ID), &w.App.Name, &w.Maintenance, &relID, &version, &created,
				&image, &ref, &w.Commands, &w.Env); err != nil {
				return fmt.Errorf("read workloads: %w", err)
			}
			if relID != nil && image != nil {
				w.Release = &platform.Release{ID: *relID, Version: *version, App: w.App, CreatedAt: *created, Current: true}
				w.Image, w.ImageRef = *image, *ref
			}
			byID[w.App.ID] = len(out)
			out = append(out, w)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read workloads: %w", err)
		}
		rows, err = tx.Query(ctx, `SELECT `+formationCols+` FROM formations f JOIN apps a ON a.id = f.app_id ORDER BY f.type`)
		if err != nil {
			return fmt.Errorf("read formations: %w", err)
		}
		fs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.Formation, error) { return scanFormation(r) })
		if err != nil {
			return fmt.Errorf("read formations: %w", err)
		}
		for _, f := range fs {
			if i, ok := byID[f.App.ID]; ok {
				out[i].Formation = append(out[i].Formation, f)
			}
		}
		rows, err = tx.Query(ctx, `SELECT app_id, hostname FROM domains ORDER BY hostname`)
		if err != nil {
			return fmt.Errorf("read domains: %w", err)
		}
		var appID uuid.UUID
		var host string
		_, err = pgx.ForEachRow(rows, []any{uid(&appID), &host}, func() error {
			if i, ok := byID[appID]; ok {
				out[i].Domains = append(out[i].Domains, host)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read domains: %w", err)
		}
		return nil
	})
	return out, err
}
