package main

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The benchmark reaches the embedded PostgreSQL directly only to observe it
// (planner statistics) and to measure it (the SELECT 1 baseline), never to
// change Pier's data: seeding goes through the API.

// openDB connects to the embedded cluster's database over its unix socket.
func openDB(ctx context.Context, dataDir string, maxConns int32) (*pgxpool.Pool, error) {
	q := url.Values{"host": {filepath.Join(dataDir, "postgres")}, "sslmode": {"disable"}}
	cfg, err := pgxpool.ParseConfig("postgres://pier@/pier?" + q.Encode())
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the embedded PostgreSQL: %w", err)
	}
	return pool, nil
}

// analyzed reports whether table has been analyzed since a moment: until
// then the planner sees the table as it was, and may pick plans that read
// every row of a big app.
func analyzed(ctx context.Context, db *pgxpool.Pool, table string, since time.Time) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT coalesce(greatest(last_autoanalyze, last_analyze) >= $2, false)
		FROM pg_stat_user_tables WHERE relname = $1`, table, since).Scan(&ok)
	return ok, err
}

// waitAnalyzed waits for autovacuum to analyze table after since (it looks
// every minute).
func waitAnalyzed(ctx context.Context, db *pgxpool.Pool, table string, since time.Time, limit time.Duration) (time.Duration, error) {
	began := time.Now()
	for {
		ok, err := analyzed(ctx, db, table, since)
		if err != nil {
			return 0, fmt.Errorf("read statistics of %s: %w", table, err)
		}
		if ok {
			return time.Since(began), nil
		}
		if time.Since(began) > limit {
			return 0, fmt.Errorf("autovacuum did not analyze %s within %s", table, limit)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// pgBaseline runs `SELECT 1` from `clients` goroutines straight against the
// embedded PostgreSQL for d, through a pool as large as the server's (20).
// It is the ceiling of round trips per second on this machine, to set the
// API's throughput against: a GET /apps/NAME costs two queries.
func pgBaseline(ctx context.Context, dataDir string, clients int, d time.Duration) (float64, error) {
	pool, err := openDB(ctx, dataDir, 20)
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	began := time.Now()
	deadline := began.Add(d)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var one int
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, fmt.Errorf("SELECT 1: %w", firstErr)
	}
	return float64(n.Load()) / time.Since(began).Seconds(), ctx.Err()
}
