package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// schedulerLockKey is the session advisory lock held by the one scheduler
// that acts when several servers share a database.
const schedulerLockKey = 0x70696572_0001

// Lease is a held session advisory lock. It lasts as long as its
// connection: if the connection dies, Postgres releases the lock and
// another server takes over, so a holder must Check before acting.
type Lease struct {
	conn *pgxpool.Conn
}

// TryLeadScheduler takes the scheduler lock if nobody holds it; nil means
// another server leads.
func (s *Store) TryLeadScheduler(ctx context.Context) (*Lease, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("scheduler lock: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(schedulerLockKey)).Scan(&ok); err != nil {
		conn.Release()
		return nil, fmt.Errorf("scheduler lock: %w", err)
	}
	if !ok {
		conn.Release()
		return nil, nil
	}
	return &Lease{conn: conn}, nil
}

// Check confirms the lock is still held: its connection still answers.
func (l *Lease) Check(ctx context.Context) error {
	if err := l.conn.Ping(ctx); err != nil {
		return fmt.Errorf("scheduler lock lost: %w", err)
	}
	return nil
}

// Release gives the lock up. The connection is closed rather than returned
// to the pool, which ends the session and so releases the lock for sure.
func (l *Lease) Release() {
	if l == nil || l.conn == nil {
		return
	}
	_ = l.conn.Conn().Close(context.Background())
	l.conn.Release()
	l.conn = nil
}
