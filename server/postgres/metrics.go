package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

// MetricsRetention is how long samples of the dynos' resource use are
// kept: the dashboard charts the last hour.
const MetricsRetention = 2 * time.Hour

// RecordMetrics stores a round of samples taken at now and forgets those
// older than MetricsRetention. Samples of apps destroyed meanwhile are
// dropped.
func (s *Store) RecordMetrics(ctx context.Context, now time.Time, samples []platform.ProcessMetrics) error {
	n := len(samples)
	apps, types, ats := make([]uuid.UUID, n), make([]string, n), make([]time.Time, n)
	dynos, quotas := make([]int32, n), make([]int32, n)
	cpus, mems, maxes := make([]*float64, n), make([]float64, n), make([]float64, n)
	for i, m := range samples {
		apps[i], types[i], ats[i], dynos[i], quotas[i] = m.App, m.Type, m.At, int32(m.Dynos), int32(m.MemoryQuotaMB)
		cpus[i], mems[i], maxes[i] = m.CPUPercent, m.MemoryMB, m.MemoryMaxMB
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		if n > 0 {
			_, err := tx.Exec(ctx, `INSERT INTO process_metrics (app_id, type, at, dynos, cpu_percent, memory_mb, memory_max_mb, memory_quota_mb)
				SELECT m.app_id, m.type, m.at, m.dynos, m.cpu, m.mem, m.max, m.quota
				FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int[], $5::real[], $6::real[], $7::real[], $8::int[])
					AS m (app_id, type, at, dynos, cpu, mem, max, quota)
				JOIN apps a ON a.id = m.app_id
				ON CONFLICT DO NOTHING`, uids(apps), types, ats, dynos, cpus, mems, maxes, quotas)
			if err != nil {
				return fmt.Errorf("record metrics: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM process_metrics WHERE at < $1`, now.Add(-MetricsRetention)); err != nil {
			return fmt.Errorf("forget old metrics: %w", err)
		}
		return nil
	})
}

// ProcessMetrics lists an app's samples since a time, by process type and
// then time.
func (s *Store) ProcessMetrics(ctx context.Context, app uuid.UUID, since time.Time) ([]platform.ProcessMetrics, error) {
	rows, err := s.pool.Query(ctx, `SELECT app_id, type, at, dynos, cpu_percent, memory_mb, memory_max_mb, memory_quota_mb
		FROM process_metrics WHERE app_id = $1 AND at >= $2 ORDER BY type, at`, app, since)
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.ProcessMetrics, error) {
		var m platform.ProcessMetrics
		var cpu *float32
		var mem, maxMem float32
		err := r.Scan(uid(&m.App), &m.Type, &m.At, &m.Dynos, &cpu, &mem, &maxMem, &m.MemoryQuotaMB)
		if cpu != nil {
			c := float64(*cpu)
			m.CPUPercent = &c
		}
		m.MemoryMB, m.MemoryMaxMB = float64(mem), float64(maxMem)
		return m, err
	})
}
