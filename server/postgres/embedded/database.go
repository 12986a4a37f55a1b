package embedded

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func connect(ctx context.Context, dir, db string) (*pgx.Conn, error) {
	q := url.Values{"host": {dir}, "sslmode": {"disable"}}
	return pgx.Connect(ctx, fmt.Sprintf("postgres://%s@/%s?%s", superuser, db, q.Encode()))
}

func ping(ctx context.Context, dir, db string) error {
	c, err := connect(ctx, dir, db)
	if err != nil {
		return err
	}
	return c.Close(ctx)
}

func (s *Server) ensureDatabase(ctx context.Context) error {
	c, err := connect(ctx, s.Dir, "postgres")
	if err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{s.Database}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database
		return nil
	}
	if err != nil {
		return fmt.Errorf("embedded postgres: create database: %w", err)
	}
	return nil
}
