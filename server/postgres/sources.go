package postgres

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

// sourceChunk is how much of a source tarball one row holds: uploads and
// downloads stream through this much memory, whatever the tarball's size.
const sourceChunk = 1 << 20

// CreateSource makes a slot for a source tarball, valid for
// platform.SourceLifetime. Expired slots (and their chunks) are deleted on
// the way.
func (s *Store) CreateSource(ctx context.Context, owner platform.User) (platform.Source, error) {
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return platform.Source{}, err
	}
	src := platform.Source{ID: uuid.New(), Secret: hex.EncodeToString(raw[:]), ExpiresAt: s.now().Add(platform.SourceLifetime)}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sources WHERE expires_at < $1`, s.now()); err != nil {
			return fmt.Errorf("expire sources: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sources (id, owner_id, secret_hash, expires_at) VALUES ($1, $2, $3, $4)`,
			src.ID, owner.ID, sourceSecretHash(src.Secret), src.ExpiresAt); err != nil {
			return fmt.Errorf("create source: %w", err)
		}
		return appendEvent(ctx, tx, nil, "", "source.create", owner.Email, map[string]any{"source_id": src.ID})
	})
	return src, err
}

func sourceSecretHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// lockSource finds a live source by id and secret, locking its row.
func lockSource(ctx context.Context, tx pgx.Tx, id uuid.UUID, secret string, now time.Time) (size *int64, err error) {
	var hash []byte
	var expires time.Time
	err = tx.QueryRow(ctx, `SELECT secret_hash, expires_at, size FROM sources WHERE id = $1 FOR UPDATE`, id).Scan(&hash, &expires, &size)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && (subtle.ConstantTimeCompare(hash, sourceSecretHash(secret)) != 1 || !now.Before(expires)) {
		return nil, platform.ErrSourceNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find source: %w", err)
	}
	return size, nil
}

// PutSourceBlob stores r as the source's tarball, replacing any earlier
// upload. An upload past limit bytes is refused with
// *platform.SourceTooLarge and leaves the source as it was.
func (s *Store) PutSourceBlob(ctx context.Context, id uuid.UUID, secret string, r io.Reader, limit int64) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := lockSource(ctx, tx, id, secret, s.now()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM source_chunks WHERE source_id = $1`, id); err != nil {
			return fmt.Errorf("replace source: %w", err)
		}
		h := sha256.New()
		buf := make([]byte, sourceChunk)
		for seq := 0; ; seq++ {
			k, err := io.ReadFull(r, buf)
			if k > 0 {
				if n += int64(k); n > limit {
					return &platform.SourceTooLarge{Limit: limit}
				}
				h.Write(buf[:k])
				if _, err := tx.Exec(ctx, `INSERT INTO source_chunks (source_id, seq, data) VALUES ($1, $2, $3)`, id, seq, buf[:k]); err != nil {
					return fmt.Errorf("store source: %w", err)
				}
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("read upload: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE sources SET size = $2, sha256 = $3, uploaded_at = $4 WHERE id = $1`, id, n, h.Sum(nil), s.now()); err != nil {
			return fmt.Errorf("store source: %w", err)
		}
		return appendEvent(ctx, tx, nil, "", "source.upload", "", map[string]any{"source_id": id, "size": n})
	})
	return n, err
}

// SourceBlob opens a source's tarball for reading, with its size. The
// reader fetches one chunk at a time.
func (s *Store) SourceBlob(ctx context.Context, id uuid.UUID, secret string) (io.Reader, int64, error) {
	var size *int64
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		size, err = lockSource(ctx, tx, id, secret, s.now())
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	if size == nil {
		return nil, 0, platform.ErrSourceEmpty
	}
	return &sourceReader{ctx: ctx, s: s, id: id}, *size, nil
}

// sourceReader reads a source's chunks in order.
type sourceReader struct {
	ctx context.Context
	s   *Store
	id  uuid.UUID
	seq int
	cur *bytes.Reader
}

func (r *sourceReader) Read(p []byte) (int, error) {
	for r.cur == nil || r.cur.Len() == 0 {
		var data []byte
		err := r.s.pool.QueryRow(r.ctx, `SELECT data FROM source_chunks WHERE source_id = $1 AND seq = $2`, r.id, r.seq).Scan(&data)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, io.EOF
		}
		if err != nil {
			return 0, fmt.Errorf("read source: %w", err)
		}
		r.seq++
		r.cur = bytes.NewReader(data)
	}
	return r.cur.Read(p)
}
