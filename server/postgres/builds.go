package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pier-paas/pier/server/platform"
)

const buildCols = `b.id, b.app_id, a.name, b.user_id, b.user_email, b.status, b.source_url, b.source_version,
	b.source_checksum, b.buildpacks, b.stack, b.slug_id, b.release_id, b.failure, b.created_at, b.updated_at`

const buildFrom = ` FROM builds b JOIN apps a ON a.id = b.app_id `

func scanBuild(r pgx.Row) (platform.Build, error) {
	var b platform.Build
	err := r.Scan(uid(&b.ID), uid(&b.App.ID), &b.App.Name, &b.UserID, &b.UserEmail, &b.Status, &b.SourceURL, &b.SourceVersion,
		&b.SourceChecksum, &b.Buildpacks, &b.Stack, &b.SlugID, &b.ReleaseID, &b.Failure, &b.CreatedAt, &b.UpdatedAt)
	return b, err
}

// Advisory lock namespaces (the first key of pg_advisory_lock(int, int)).
const (
	buildLockSpace    = 0x6275 // "bu": held by whoever runs the build
	appBuildLockSpace = 0x6162 // "ab": one build per app at a time
)

func lockKey(id uuid.UUID) int32 {
	return int32(binary.BigEndian.Uint32(id[:4]) ^ binary.BigEndian.Uint32(id[12:]))
}

// BuildSlot is a running build's hold on the database: a connection of its
// own with two session locks. The build's lock tells a sweeper on any
// server that the build is alive (a pending build without it lost its
// server); the app's lock, taken by WaitForApp, lets one build per app run
// at a time. Close lets both go.
type BuildSlot struct {
	Build platform.Build
	conn  *pgxpool.Conn
}

// CreateBuild records a pending build and returns its slot. The build's
// lock is taken before its row exists, so no sweeper ever sees it
// unlocked while it runs.
func (s *Store) CreateBuild(ctx context.Context, actor platform.User, a platform.App, b platform.Build) (*BuildSlot, error) {
	if len(b.SourceURL) > 4096 {
		return nil, platform.Invalid("source_blob.url is too long (at most 4096 characters).")
	}
	if b.Buildpacks == nil {
		b.Buildpacks = []string{}
	}
	if b.Stack == "" {
		b.Stack = "pier-1"
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("create build: %w", err)
	}
	id := uuid.New()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, buildLockSpace, lockKey(id)); err != nil {
		conn.Release()
		return nil, fmt.Errorf("create build: lock: %w", err)
	}
	slot := &BuildSlot{conn: conn}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var err error
		slot.Build, err = scanBuild(tx.QueryRow(ctx, `WITH b AS (INSERT INTO builds (id, app_id, user_id, user_email, source_url,
			source_version, source_checksum, buildpacks, stack) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING *)
			SELECT `+buildCols+` FROM b JOIN apps a ON a.id = b.app_id`,
			id, a.ID, actor.ID, actor.Email, b.SourceURL, b.SourceVersion, b.SourceChecksum, b.Buildpacks, b.Stack))
		if errors.Is(err, pgx.ErrNoRows) {
			return platform.ErrAppNotFound
		}
		if err != nil {
			return fmt.Errorf("create build: %w", err)
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "build.create", actor.Email, map[string]any{"build_id": id})
	})
	if err != nil {
		slot.Close()
		return nil, err
	}
	return slot, nil
}

// WaitForApp takes the app's build lock, waiting for a build that holds it
// to settle; waiting is called first when it must wait.
func (b *BuildSlot) WaitForApp(ctx context.Context, waiting func()) error {
	var got bool
	key := lockKey(b.Build.App.ID)
	if err := b.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, appBuildLockSpace, key).Scan(&got); err != nil {
		return fmt.Errorf("build lock: %w", err)
	}
	if got {
		return nil
	}
	if waiting != nil {
		waiting()
	}
	if _, err := b.conn.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, appBuildLockSpace, key); err != nil {
		return fmt.Errorf("build lock: %w", err)
	}
	return nil
}

// Close lets the slot's locks go and returns its connection.
func (b *BuildSlot) Close() {
	if b.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := b.conn.Exec(ctx, `SELECT pg_advisory_unlock_all()`); err != nil {
		// A connection that can't say so must not keep the locks in the pool.
		_ = b.conn.Conn().Close(ctx)
	}
	b.conn.Release()
	b.conn = nil
}

// SucceedBuild settles a build: its slug and a release of it, with the
// app's current config, in one transaction with the build's new status
// and, for a push, the branch it moves.
func (s *Store) SucceedBuild(ctx context.Context, actor platform.User, a platform.App, buildID uuid.UUID, x platform.Slug, desc string, ref *platform.RefUpdate) (platform.Release, error) {
	return s.settleBuild(ctx, actor, a, buildID, x, desc, ref, nil)
}

// FailReleasePhase settles a build whose release command failed: its
// release is recorded, failed from the start, so the one before keeps
// serving; the build fails with reason and no branch moves.
func (s *Store) FailReleasePhase(ctx context.Context, actor platform.User, a platform.App, buildID uuid.UUID, x platform.Slug, desc, reason string) (platform.Release, error) {
	return s.settleBuild(ctx, actor, a, buildID, x, desc, nil, &reason)
}

func (s *Store) settleBuild(ctx context.Context, actor platform.User, a platform.App, buildID uuid.UUID, x platform.Slug, desc string, ref *platform.RefUpdate, failure *string) (platform.Release, error) {
	if err := normalizeSlug(&x); err != nil {
		return platform.Release{}, err
	}
	status := platform.BuildSucceeded
	if failure != nil {
		status = platform.BuildFailed
	}
	var r platform.Release
	err := s.retry(ctx, func(tx pgx.Tx) error {
		slug, rel, err := deployIn(ctx, tx, actor, &a, x, desc)
		if err != nil {
			return err
		}
		r = rel
		if failure != nil {
			if _, err := tx.Exec(ctx, `UPDATE releases SET status = 'failed', updated_at = now() WHERE id = $1`, r.ID); err != nil {
				return fmt.Errorf("fail release: %w", err)
			}
			r.Status, r.Current = platform.ReleaseFailed, false
		}
		tag, err := tx.Exec(ctx, `UPDATE builds SET status = $4, slug_id = $2, release_id = $3, failure = $5, updated_at = now()
			WHERE id = $1 AND status = 'pending'`, buildID, slug.ID, r.ID, status, failure)
		if err != nil {
			return fmt.Errorf("settle build: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return platform.Conflict("The build had already ended (Pier restarted during it?); nothing was released.")
		}
		if ref != nil {
			if err := moveRef(ctx, tx, a.ID, *ref); err != nil {
				return err
			}
		}
		if err := deployEvents(ctx, tx, actor, a, slug, r, map[string]any{"build_id": buildID}); err != nil {
			return err
		}
		if failure != nil {
			if err := appendEvent(ctx, tx, &a.ID, a.Name, "release.fail", "pier",
				map[string]any{"release_id": r.ID, "version": r.Version, "reason": *failure}); err != nil {
				return err
			}
			return appendEvent(ctx, tx, &a.ID, a.Name, "build.fail", actor.Email, map[string]any{"build_id": buildID, "reason": *failure})
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "build.succeed", actor.Email, map[string]any{"build_id": buildID, "release_id": r.ID})
	})
	return r, err
}

// FailBuild settles a pending build as failed, for reason.
func (s *Store) FailBuild(ctx context.Context, app platform.Ref, buildID uuid.UUID, reason string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE builds SET status = 'failed', failure = $2, updated_at = now()
			WHERE id = $1 AND status = 'pending'`, buildID, reason)
		if err != nil {
			return fmt.Errorf("fail build: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		return appendEvent(ctx, tx, &app.ID, app.Name, "build.fail", "pier", map[string]any{"build_id": buildID, "reason": reason})
	})
}

// FailAbandonedBuilds fails the pending builds whose runner is gone (its
// server stopped or crashed mid-build): those whose build lock is free.
func (s *Store) FailAbandonedBuilds(ctx context.Context) (int, error) {
	rows, err := s.pool.Query(ctx, `SELECT b.id, b.app_id, a.name FROM builds b JOIN apps a ON a.id = b.app_id WHERE b.status = 'pending'`)
	if err != nil {
		return 0, fmt.Errorf("abandoned builds: %w", err)
	}
	type pending struct {
		id  uuid.UUID
		app platform.Ref
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pending, error) {
		var p pending
		return p, r.Scan(uid(&p.id), uid(&p.app.ID), &p.app.Name)
	})
	if err != nil || len(ps) == 0 {
		return 0, err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	failed := 0
	for _, p := range ps {
		var free bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, buildLockSpace, lockKey(p.id)).Scan(&free); err != nil {
			return failed, err
		}
		if !free {
			continue
		}
		err := s.FailBuild(ctx, p.app, p.id, "The build was cut short: the Pier server running it stopped. Start it again.")
		if _, uerr := conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, buildLockSpace, lockKey(p.id)); uerr != nil && err == nil {
			err = uerr
		}
		if err != nil {
			return failed, err
		}
		failed++
	}
	return failed, nil
}

// AppendBuildOutput stores the build's output chunk number seq.
func (s *Store) AppendBuildOutput(ctx context.Context, buildID uuid.UUID, seq int, data []byte) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO build_output (build_id, seq, data) VALUES ($1, $2, $3)`, buildID, seq, data); err != nil {
		return fmt.Errorf("build output: %w", err)
	}
	return nil
}

// BuildOutput returns the build's output chunks from seq from on, and the
// build's status as it was before they were read: when it is no longer
// pending, nothing follows what was returned.
func (s *Store) BuildOutput(ctx context.Context, buildID uuid.UUID, from int) (chunks [][]byte, status string, err error) {
	if err := s.pool.QueryRow(ctx, `SELECT status FROM builds WHERE id = $1`, buildID).Scan(&status); errors.Is(err, pgx.ErrNoRows) {
		return nil, "", platform.ErrBuildNotFound
	} else if err != nil {
		return nil, "", fmt.Errorf("build output: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT data FROM build_output WHERE build_id = $1 AND seq >= $2 ORDER BY seq`, buildID, from)
	if err != nil {
		return nil, "", fmt.Errorf("build output: %w", err)
	}
	chunks, err = pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, "", fmt.Errorf("build output: %w", err)
	}
	return chunks, status, nil
}

// followBuildEvery is how often a follower of a running build's output
// looks for more (the builder appends it as it comes).
const followBuildEvery = 100 * time.Millisecond

// FollowBuildOutput reads a build's output from the start and passes each
// batch (empty while nothing new came) to send with the build's status,
// looking again every 100 ms while the build is pending, until it
// settles, send fails or ctx ends. It returns the error that stopped it:
// nil once send has had the settled build's last batch.
func (s *Store) FollowBuildOutput(ctx context.Context, buildID uuid.UUID, send func(chunks [][]byte, status string) error) error {
	tick := time.NewTicker(followBuildEvery)
	defer tick.Stop()
	for seq := 0; ; {
		chunks, status, err := s.BuildOutput(ctx, buildID, seq)
		if err != nil {
			return err
		}
		if err := send(chunks, status); err != nil {
			return err
		}
		seq += len(chunks)
		if status != platform.BuildPending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

var buildSortColumns = map[string]string{"id": "b.id", "started_at": "b.created_at", "created_at": "b.created_at"}

// Builds lists an app's builds one page at a time.
func (s *Store) Builds(ctx context.Context, a platform.App, p platform.Page) ([]platform.Build, bool, error) {
	q, args, err := pageQuery(`SELECT `+buildCols+buildFrom+`WHERE b.app_id = $1`, buildSortColumns, "b.id", p, []any{a.ID})
	if err != nil {
		return nil, false, err
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("list builds: %w", err)
	}
	bs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.Build, error) { return scanBuild(r) })
	if err != nil {
		return nil, false, fmt.Errorf("list builds: %w", err)
	}
	if len(bs) > p.Max {
		return bs[:p.Max], true, nil
	}
	return bs, false, nil
}

// Build finds one of an app's builds by id.
func (s *Store) Build(ctx context.Context, a platform.App, ident string) (platform.Build, error) {
	id, err := uuid.Parse(ident)
	if err != nil {
		return platform.Build{}, platform.ErrBuildNotFound
	}
	b, err := scanBuild(s.pool.QueryRow(ctx, `SELECT `+buildCols+buildFrom+`WHERE b.app_id = $1 AND b.id = $2`, a.ID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return b, platform.ErrBuildNotFound
	}
	return b, err
}

// BuildByID finds a build by id alone, for its output URL, whose secret is
// the credential.
func (s *Store) BuildByID(ctx context.Context, id uuid.UUID) (platform.Build, error) {
	b, err := scanBuild(s.pool.QueryRow(ctx, `SELECT `+buildCols+buildFrom+`WHERE b.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return b, platform.ErrBuildNotFound
	}
	return b, err
}

// PendingBuilds says which of ids are builds still pending; settled and
// unknown ids are not in the map.
func (s *Store) PendingBuilds(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
	return s.idSet(ctx, "pending builds", `SELECT id FROM builds WHERE id = ANY($1) AND status = 'pending'`, ids)
}
