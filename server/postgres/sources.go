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

// findSource checks a source's id and secret and that it has not expired,
// and returns its current upload (uuid.Nil when none completed) and size.
func (s *Store) findSource(ctx context.Context, q querier, id uuid.UUID, secret string, lock bool) (upload uuid.UUID, size int64, err error) {
	var hash []byte
	var expires time.Time
	var up *uuid.UUID
	var sz *int64
	query := `SELECT secret_hash, expires_at, upload_id, size FROM sources WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	err = q.QueryRow(ctx, query, id).Scan(&hash, &expires, &up, &sz)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && (subtle.ConstantTimeCompare(hash, sourceSecretHash(secret)) != 1 || !s.now().Before(expires)) {
		return uuid.Nil, 0, platform.ErrSourceNotFound
	}
	if err != nil {
		return uuid.Nil, 0, fmt.Errorf("find source: %w", err)
	}
	if up != nil && sz != nil {
		upload, size = *up, *sz
	}
	return upload, size, nil
}

// querier is what findSource needs of a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// PutSourceBlob stores r as the source's tarball, replacing any earlier
// upload. Chunks are committed as they arrive, under an upload id of their
// own, so a slow client holds no transaction; a short one at the end makes
// the upload current. An upload past limit bytes is refused with
// *platform.SourceTooLarge, and a refused or broken upload leaves the
// source as it was (its chunks go when the source expires).
func (s *Store) PutSourceBlob(ctx context.Context, id uuid.UUID, secret string, r io.Reader, limit int64) (int64, error) {
	if _, _, err := s.findSource(ctx, s.pool, id, secret, false); err != nil {
		return 0, err
	}
	upload := uuid.New()
	h := sha256.New()
	buf := make([]byte, sourceChunk)
	var n int64
	for seq := 0; ; seq++ {
		k, err := io.ReadFull(r, buf)
		if k > 0 {
			if n += int64(k); n > limit {
				s.dropUpload(ctx, id, upload)
				return 0, &platform.SourceTooLarge{Limit: limit}
			}
			h.Write(buf[:k])
			if _, err := s.pool.Exec(ctx, `INSERT INTO source_chunks (source_id, upload_id, seq, data) VALUES ($1, $2, $3, $4)`,
				id, upload, seq, buf[:k]); err != nil {
				s.dropUpload(ctx, id, upload)
				return 0, fmt.Errorf("store source: %w", err)
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			s.dropUpload(ctx, id, upload)
			return 0, fmt.Errorf("read upload: %w", err)
		}
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, _, err := s.findSource(ctx, tx, id, secret, true); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sources SET upload_id = $2, size = $3, sha256 = $4, uploaded_at = $5 WHERE id = $1`,
			id, upload, n, h.Sum(nil), s.now()); err != nil {
			return fmt.Errorf("store source: %w", err)
		}
		return appendEvent(ctx, tx, nil, "", "source.upload", "", map[string]any{"source_id": id, "size": n})
	})
	if err != nil {
		s.dropUpload(ctx, id, upload)
		return 0, err
	}
	// Earlier uploads: gone now that nobody can start reading them. A
	// download already under way loses its next chunk and fails rather
	// than mixing two tarballs.
	if _, err := s.pool.Exec(ctx, `DELETE FROM source_chunks WHERE source_id = $1 AND upload_id <> $2`, id, upload); err != nil && ctx.Err() == nil {
		s.log.Warn("could not delete a replaced source upload", "source", id, "err", err)
	}
	return n, nil
}

// dropUpload deletes an upload that will not become current.
func (s *Store) dropUpload(ctx context.Context, id, upload uuid.UUID) {
	_, _ = s.pool.Exec(context.WithoutCancel(ctx), `DELETE FROM source_chunks WHERE source_id = $1 AND upload_id = $2`, id, upload)
}

// SourceBlob opens a source's tarball for reading, with its size. The
// reader fetches one chunk at a time, all of the upload that was current
// when it was opened.
func (s *Store) SourceBlob(ctx context.Context, id uuid.UUID, secret string) (io.Reader, int64, error) {
	upload, size, err := s.findSource(ctx, s.pool, id, secret, false)
	if err != nil {
		return nil, 0, err
	}
	if upload == uuid.Nil {
		return nil, 0, platform.ErrSourceEmpty
	}
	return &sourceReader{ctx: ctx, s: s, id: id, upload: upload, left: size}, size, nil
}

// sourceReader reads an upload's chunks in order.
type sourceReader struct {
	ctx    context.Context
	s      *Store
	id     uuid.UUID
	upload uuid.UUID
	seq    int
	left   int64 // bytes still to come
	cur    *bytes.Reader
}

func (r *sourceReader) Read(p []byte) (int, error) {
	for r.cur == nil || r.cur.Len() == 0 {
		if r.left <= 0 {
			return 0, io.EOF
		}
		var data []byte
		err := r.s.pool.QueryRow(r.ctx, `SELECT data FROM source_chunks WHERE source_id = $1 AND upload_id = $2 AND seq = $3`,
			r.id, r.upload, r.seq).Scan(&data)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("read source: the upload was replaced while it was being read")
		}
		if err != nil {
			return 0, fmt.Errorf("read source: %w", err)
		}
		r.seq++
		r.left -= int64(len(data))
		r.cur = bytes.NewReader(data)
	}
	return r.cur.Read(p)
}
