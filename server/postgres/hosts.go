package postgres

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

const hostCols = `id, name, endpoint, tls_dir, labels, draining, cpus, memory_mb, engine_version, healthy, unhealthy_since,
	last_seen_at, created_at, updated_at`

func scanHost(r pgx.Row) (platform.Host, error) {
	var h platform.Host
	err := r.Scan(uid(&h.ID), &h.Name, &h.Endpoint, &h.TLSDir, &h.Labels, &h.Draining, &h.CPUs, &h.MemoryMB, &h.EngineVersion,
		&h.Healthy, &h.UnhealthySince, &h.LastSeenAt, &h.CreatedAt, &h.UpdatedAt)
	return h, err
}

var (
	labelRe    = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,63}$`)
	hostNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
)

// ValidateLabels checks host labels, which placement constraints match.
func ValidateLabels(labels map[string]string) error {
	for k, v := range labels {
		if !labelRe.MatchString(k) || !labelRe.MatchString(v) {
			return platform.Invalid("Invalid label %q=%q: use 1 to 63 letters, digits, dots, dashes, underscores or slashes.", k, v)
		}
	}
	return nil
}

// AddHost registers an engine (already reached by the caller, which read
// info from it). An empty name takes the engine's own, made unique.
func (s *Store) AddHost(ctx context.Context, actor platform.User, spec platform.HostSpec, info platform.HostInfo) (platform.Host, error) {
	endpoint, name, labels := spec.Endpoint, spec.Name, spec.Labels
	if err := ValidateLabels(labels); err != nil {
		return platform.Host{}, err
	}
	if labels == nil {
		labels = map[string]string{}
	}
	explicit := name != ""
	if !explicit {
		name = info.Name
	}
	if !hostNameRe.MatchString(name) {
		return platform.Host{}, platform.Invalid("Invalid host name %q: use letters, digits, dots, dashes and underscores.", name)
	}
	var h platform.Host
	for n := 1; ; n++ {
		try := name
		if n > 1 {
			try = fmt.Sprintf("%s-%d", name, n)
		}
		err := s.tx(ctx, func(tx pgx.Tx) error {
			var err error
			h, err = scanHost(tx.QueryRow(ctx, `INSERT INTO hosts (id, name, endpoint, tls_dir, labels, cpus, memory_mb, engine_version, last_seen_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now()) RETURNING `+hostCols,
				uuid.New(), try, endpoint, spec.TLSDir, labels, info.CPUs, info.MemoryMB, info.EngineVersion))
			if err != nil {
				return err
			}
			return appendEvent(ctx, tx, nil, "", "host.create", actor.Email, map[string]any{"host_id": h.ID, "name": h.Name, "endpoint": endpoint})
		})
		switch {
		case isUniqueViolation(err, "hosts_endpoint_key"):
			return h, platform.Invalid("%s is already in the pool.", endpoint)
		case isUniqueViolation(err, "hosts_name_key") && !explicit && n < 100:
			continue
		case isUniqueViolation(err, "hosts_name_key"):
			return h, platform.Invalid("A host named %s is already in the pool.", try)
		case err != nil:
			return h, fmt.Errorf("add host: %w", err)
		}
		return h, nil
	}
}

// Hosts lists the pool by name.
func (s *Store) Hosts(ctx context.Context) ([]platform.Host, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+hostCols+` FROM hosts ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list hosts: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.Host, error) { return scanHost(r) })
}

// Host finds a host by id or name.
func (s *Store) Host(ctx context.Context, ident string) (platform.Host, error) {
	id, _ := uuid.Parse(ident)
	h, err := scanHost(s.pool.QueryRow(ctx, `SELECT `+hostCols+` FROM hosts WHERE name = $1 OR id = $2`, ident, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return h, platform.ErrHostNotFound
	}
	return h, err
}

// SetDraining marks a host as draining (it takes no new containers and the
// scheduler moves its containers away) or puts it back in service.
func (s *Store) SetDraining(ctx context.Context, actor platform.User, h platform.Host, draining bool) (platform.Host, error) {
	var out platform.Host
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = scanHost(tx.QueryRow(ctx, `UPDATE hosts SET draining = $2, updated_at = now() WHERE id = $1 RETURNING `+hostCols, h.ID, draining))
		if errors.Is(err, pgx.ErrNoRows) {
			return platform.ErrHostNotFound
		}
		if err != nil {
			return fmt.Errorf("drain host: %w", err)
		}
		return appendEvent(ctx, tx, nil, "", "host.update", actor.Email, map[string]any{"host_id": h.ID, "draining": draining})
	})
	return out, err
}

// RemoveHost takes a host out of the pool.
func (s *Store) RemoveHost(ctx context.Context, actor platform.User, h platform.Host) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM hosts WHERE id = $1`, h.ID)
		if err != nil {
			return fmt.Errorf("remove host: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return platform.ErrHostNotFound
		}
		return appendEvent(ctx, tx, nil, "", "host.destroy", actor.Email, map[string]any{"host_id": h.ID, "name": h.Name})
	})
}

// CountHosts tells whether the pool is empty (first start).
func (s *Store) CountHosts(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM hosts`).Scan(&n)
	return n, err
}

// SetHostHealth records what the scheduler saw when it last talked to a
// host. Only a change of health is written (with an event); a healthy host
// that stays healthy costs nothing.
func (s *Store) SetHostHealth(ctx context.Context, h platform.Host, healthy bool, reason string) error {
	if h.Healthy == healthy {
		return nil
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE hosts SET healthy = $2, updated_at = now(),
			unhealthy_since = CASE WHEN $2 THEN NULL ELSE now() END,
			last_seen_at = CASE WHEN $2 THEN now() ELSE last_seen_at END
			WHERE id = $1 AND healthy <> $2`, h.ID, healthy)
		if err != nil {
			return fmt.Errorf("set host health: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil // already recorded, or removed
		}
		data := map[string]any{"host_id": h.ID, "name": h.Name, "healthy": healthy}
		if reason != "" {
			data["reason"] = reason
		}
		return appendEvent(ctx, tx, nil, "", "host.health", "pier", data)
	})
}
