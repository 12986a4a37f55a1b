package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// ClusterID is this installation's id, made by the migrations.
func (s *Store) ClusterID(ctx context.Context) (string, error) {
	var id uuid.UUID
	if err := s.pool.QueryRow(ctx, `SELECT id FROM cluster`).Scan(uid(&id)); err != nil {
		return "", fmt.Errorf("read the cluster id: %w", err)
	}
	return id.String(), nil
}
