package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
	"github.com/pier-paas/pier/server/postgres/pgtest"
)

// A source's URLs work for an hour: then uploads and downloads are refused
// as not found, and the next POST /sources deletes it with its chunks.
func TestSourceExpires(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	s, err := postgres.Open(ctx, pgtest.URL(t), postgres.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.CreateUser(ctx, "Ann", "ann@example.com", "ann-password-1", false)
	if err != nil {
		t.Fatal(err)
	}
	src, err := s.CreateSource(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutSourceBlob(ctx, src.ID, src.Secret, bytes.NewReader([]byte("tarball")), 1<<20); err != nil {
		t.Fatal(err)
	}
	// Refused and replaced uploads leave no chunks behind.
	if _, err := s.PutSourceBlob(ctx, src.ID, src.Secret, bytes.NewReader(make([]byte, 3<<20)), 2<<20); !errors.As(err, new(*platform.SourceTooLarge)) {
		t.Fatalf("too large: %v", err)
	}
	if _, err := s.PutSourceBlob(ctx, src.ID, src.Secret, bytes.NewReader([]byte("tarball")), 1<<20); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM source_chunks WHERE source_id = $1`, src.ID).Scan(&left); err != nil || left != 1 {
		t.Fatalf("%d chunk(s) stored for a one-chunk source (%v)", left, err)
	}
	now = now.Add(59 * time.Minute)
	r, size, err := s.SourceBlob(ctx, src.ID, src.Secret)
	if err != nil || size != 7 {
		t.Fatalf("after 59 min: size %d, %v", size, err)
	}
	if b, _ := io.ReadAll(r); string(b) != "tarball" {
		t.Fatalf("read %q", b)
	}
	now = now.Add(2 * time.Minute)
	if _, _, err := s.SourceBlob(ctx, src.ID, src.Secret); err != platform.ErrSourceNotFound {
		t.Errorf("GET after 61 min: %v", err)
	}
	if _, err := s.PutSourceBlob(ctx, src.ID, src.Secret, bytes.NewReader([]byte("x")), 1<<20); err != platform.ErrSourceNotFound {
		t.Errorf("PUT after 61 min: %v", err)
	}
	if _, err := s.CreateSource(ctx, u); err != nil {
		t.Fatal(err)
	}
	var sources, chunks int
	if err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM sources WHERE id = $1), (SELECT count(*) FROM source_chunks WHERE source_id = $1)`,
		src.ID).Scan(&sources, &chunks); err != nil {
		t.Fatal(err)
	}
	if sources != 0 || chunks != 0 {
		t.Errorf("expired source kept: %d row(s), %d chunk(s)", sources, chunks)
	}
}
