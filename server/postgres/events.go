package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

// Channel is the LISTEN/NOTIFY channel that carries new event ids.
const Channel = "pier_events"

// eventLockKey serialises event inserts (see the events table's comment).
const eventLockKey = 0x70696572 // "pier"

// appendEvent writes an event in tx. It must be the transaction's last
// statement: it takes a lock held until commit, so ids commit in order.
func appendEvent(ctx context.Context, tx pgx.Tx, appID *uuid.UUID, appName, kind, actor string, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("event %s: %w", kind, err)
	}
	_, err = tx.Exec(ctx, `
		WITH l AS (SELECT pg_advisory_xact_lock($6)),
		     e AS (INSERT INTO events (app_id, app_name, kind, actor, data)
		           SELECT $1, $2, $3, $4, $5 FROM l RETURNING id)
		SELECT pg_notify($7, id::text) FROM e`,
		appID, appName, kind, actor, b, eventLockKey, Channel)
	if err != nil {
		return fmt.Errorf("event %s: %w", kind, err)
	}
	return nil
}

// Events returns up to limit events with id > after, oldest first; appID, when
// set, restricts them to one app.
func (s *Store) Events(ctx context.Context, after int64, appID *uuid.UUID, limit int) ([]platform.Event, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, app_id, app_name, kind, actor, data, created_at FROM events
		WHERE id > $1 AND ($2::uuid IS NULL OR app_id = $2) ORDER BY id LIMIT $3`, after, appID, limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.Event, error) {
		var e platform.Event
		err := r.Scan(&e.ID, &e.AppID, &e.AppName, &e.Kind, &e.Actor, &e.Data, &e.CreatedAt)
		return e, err
	})
}

// LastEventID is the id of the newest event, 0 when there is none.
func (s *Store) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&id)
	return id, err
}

// Follow delivers every event with id > after, in order, then each new one as
// it commits, until ctx ends. It wakes on NOTIFY and also polls every
// pollEvery, so a lost connection or notification only delays events.
// live, when not nil, is told true once the follower has caught up and is
// listening, and false whenever it loses its connection: a follower that
// caches state can stop trusting its cache meanwhile.
func (s *Store) Follow(ctx context.Context, after int64, fn func(platform.Event), live func(bool)) error {
	const pollEvery = 5 * time.Second
	if live == nil {
		live = func(bool) {}
	}
	for ctx.Err() == nil {
		err := s.follow(ctx, &after, pollEvery, fn, live)
		live(false)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.Warn("event follower reconnecting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return ctx.Err()
}

func (s *Store) follow(ctx context.Context, after *int64, pollEvery time.Duration, fn func(platform.Event), live func(bool)) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection carries a LISTEN: don't hand it back to the pool.
	defer func() { conn.Conn().Close(context.Background()); conn.Release() }()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	for {
		for {
			evs, err := s.Events(ctx, *after, nil, 500)
			if err != nil {
				return err
			}
			for _, e := range evs {
				fn(e)
				*after = e.ID
			}
			if len(evs) < 500 {
				break
			}
		}
		live(true)
		wctx, cancel := context.WithTimeout(ctx, pollEvery)
		_, err := conn.Conn().WaitForNotification(wctx)
		cancel()
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && wctx.Err() == nil {
			return err
		}
	}
}

// FollowFromNow is Follow from the newest event at the time of the call:
// for followers that only care about changes from now on. It keeps trying
// to read where "now" is until it can, and returns when ctx ends.
func (s *Store) FollowFromNow(ctx context.Context, fn func(platform.Event), live func(bool)) error {
	for {
		last, err := s.LastEventID(ctx)
		if err == nil {
			return s.Follow(ctx, last, fn, live)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.Warn("event follower can't read the newest event; retrying", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
