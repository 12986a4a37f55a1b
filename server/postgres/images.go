package postgres

import (
	"context"
	"fmt"
)

// KeptImages is every image (its name and id) that one of the newest keep
// releases of some app runs: those rollback can reach, whose images stay
// on the hosts.
func (s *Store) KeptImages(ctx context.Context, keep int) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT s.image, coalesce(s.checksum, '') FROM (
			SELECT slug_id, row_number() OVER (PARTITION BY app_id ORDER BY version DESC) AS n
			FROM releases WHERE slug_id IS NOT NULL) r
		JOIN slugs s ON s.id = r.slug_id
		WHERE r.n <= $1`, keep)
	if err != nil {
		return nil, fmt.Errorf("read kept images: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var image, checksum string
		if err := rows.Scan(&image, &checksum); err != nil {
			return nil, fmt.Errorf("read kept images: %w", err)
		}
		out[image] = true
		if checksum != "" {
			out[checksum] = true
		}
	}
	return out, rows.Err()
}
