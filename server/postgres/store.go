// Package postgres is the Postgres adapter: it keeps all of Pier's state and
// enforces its invariants with transactions, constraints and optimistic
// concurrency. Every state change writes an event in the same transaction.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pier-paas/pier/server/platform"
)

// Store is Pier's state in PostgreSQL.
type Store struct {
	pool   *pgxpool.Pool
	log    *slog.Logger
	now    func() time.Time
	domain string // apps answer at APP.Domain; used for the built-in domain
}

// Options tune Open.
type Options struct {
	Logger   *slog.Logger
	Now      func() time.Time
	MaxConns int32
	Domain   string
}

// Open connects, applies pending migrations and returns the store.
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Domain == "" {
		o.Domain = "localhost"
	}
	if err := Migrate(url); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &Store{pool: pool, log: o.Logger, now: o.Now, domain: o.Domain}, nil
}

// Close releases the connections.
func (s *Store) Close() { s.pool.Close() }

// Pool exposes the connection pool to tests and benchmarks.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// errStale means an optimistic write lost a race: the caller re-reads and retries.
var errStale = errors.New("stale write")

// maxAttempts bounds optimistic retries; each attempt loses only to a writer
// that committed, so 50 concurrent writers on one app need at most 50.
const maxAttempts = 200

// tx runs fn in a transaction, committing if it returns nil.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// retry runs fn in a transaction and runs it again, from a fresh read, when it
// loses an optimistic race (errStale) or Postgres reports a serialization
// failure or deadlock. Other errors end it.
func (s *Store) retry(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tx(ctx, fn)
		if err == nil || !retryable(err) {
			return err
		}
		if attempt == maxAttempts {
			return platform.Conflict("The app changed too often while this change was being made; try again.")
		}
		// Jitter spreads the losers so they don't collide again in lockstep.
		d := time.Duration(rand.IntN(1+min(attempt, 10))) * time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
}

func retryable(err error) bool {
	if errors.Is(err, errStale) {
		return true
	}
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && (constraint == "" || pgErr.ConstraintName == constraint)
}

// uid scans a uuid column through pgx's binary path: uuid.UUID implements
// sql.Scanner, which pgx prefers and which goes through text and a parse.
func uid(id *uuid.UUID) *[16]byte { return (*[16]byte)(id) }

// uids passes ids as raw bytes: as uuid.UUIDs, pgx would format each one
// as text through driver.Valuer, which costs milliseconds for a thousand.
func uids(ids []uuid.UUID) [][16]byte {
	out := make([][16]byte, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// idSet runs query, which selects the ids among $1 that qualify, and
// returns them as a set.
func (s *Store) idSet(ctx context.Context, what, query string, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
	rows, err := s.pool.Query(ctx, query, uids(ids))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (uuid.UUID, error) {
		var id uuid.UUID
		return id, r.Scan(uid(&id))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out := make(map[uuid.UUID]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}
