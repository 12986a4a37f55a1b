package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

// RecordAudit appends an audit entry.
func (s *Store) RecordAudit(ctx context.Context, e platform.AuditEntry) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO audit_log (actor_id, actor_email, source_ip, request_id, action, app, status, outcome, message)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, e.ActorID, e.ActorEmail, e.SourceIP, e.RequestID, e.Action, e.App, e.Status, e.Outcome, e.Message)
	if err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

// Audit returns up to limit entries older than before (0: the newest), newest
// first, optionally only those about one app.
func (s *Store) Audit(ctx context.Context, app string, before int64, limit int) ([]platform.AuditEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, created_at, actor_id, actor_email, source_ip, request_id, action, app, status, outcome, message
		FROM audit_log WHERE ($1 = '' OR app = $1) AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3`, app, before, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.AuditEntry, error) {
		var e platform.AuditEntry
		err := r.Scan(&e.ID, &e.CreatedAt, &e.ActorID, &e.ActorEmail, &e.SourceIP, &e.RequestID, &e.Action, &e.App, &e.Status, &e.Outcome, &e.Message)
		return e, err
	})
}
