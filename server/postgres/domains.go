package postgres

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

const domainCols = `d.id, d.app_id, a.name, d.hostname, d.created_at, d.updated_at`

func scanDomain(r pgx.Row) (platform.Domain, error) {
	d := platform.Domain{Kind: "custom"}
	err := r.Scan(uid(&d.ID), uid(&d.App.ID), &d.App.Name, &d.Hostname, &d.CreatedAt, &d.UpdatedAt)
	return d, err
}

// builtinDomain is APP.DOMAIN, which every app has; it is derived, not
// stored, so that a rename moves it. Its id is stable for a given hostname.
func (s *Store) builtinDomain(a platform.App) platform.Domain {
	host := a.Name + "." + s.domain
	return platform.Domain{
		ID: uuid.NewHash(sha1.New(), a.ID, []byte(host), 5), App: platform.Ref{ID: a.ID, Name: a.Name},
		Hostname: host, Kind: "heroku", CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

// Domains lists the app's built-in domain and its custom domains.
func (s *Store) Domains(ctx context.Context, a platform.App) ([]platform.Domain, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+domainCols+` FROM domains d JOIN apps a ON a.id = d.app_id
		WHERE d.app_id = $1 ORDER BY d.hostname`, a.ID)
	if err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.Domain, error) { return scanDomain(r) })
	return append([]platform.Domain{s.builtinDomain(a)}, ds...), err
}

// Domain finds one of an app's domains by id or hostname.
func (s *Store) Domain(ctx context.Context, a platform.App, ident string) (platform.Domain, error) {
	ident = strings.ToLower(ident)
	if b := s.builtinDomain(a); ident == b.Hostname || ident == b.ID.String() {
		return b, nil
	}
	id, _ := uuid.Parse(ident)
	d, err := scanDomain(s.pool.QueryRow(ctx, `SELECT `+domainCols+` FROM domains d JOIN apps a ON a.id = d.app_id
		WHERE d.app_id = $1 AND (d.hostname = $2 OR d.id = $3)`, a.ID, ident, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, platform.ErrDomainNotFound
	}
	return d, err
}

// AddDomain attaches a custom hostname; a hostname belongs to one app only.
func (s *Store) AddDomain(ctx context.Context, actor platform.User, a platform.App, hostname string) (platform.Domain, error) {
	hostname = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(hostname)), ".")
	if err := platform.ValidateHostname(hostname); err != nil {
		return platform.Domain{}, err
	}
	if strings.HasSuffix(hostname, "."+s.domain) {
		return platform.Domain{}, platform.Invalid("%s is under Pier's own domain %s; apps get APP.%s already.", hostname, s.domain, s.domain)
	}
	var d platform.Domain
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		d, err = scanDomain(tx.QueryRow(ctx, `WITH d AS (INSERT INTO domains (id, app_id, hostname) VALUES ($1, $2, $3) RETURNING *)
			SELECT `+domainCols+` FROM d JOIN apps a ON a.id = d.app_id`, uuid.New(), a.ID, hostname))
		if isUniqueViolation(err, "domains_hostname_key") {
			return platform.Invalid("Domain %s is already in use by another app.", hostname)
		}
		if err != nil {
			return fmt.Errorf("add domain: %w", err)
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "domain.create", actor.Email, map[string]any{"hostname": hostname})
	})
	return d, err
}

// RemoveDomain detaches a custom domain and returns it.
func (s *Store) RemoveDomain(ctx context.Context, actor platform.User, a platform.App, ident string) (platform.Domain, error) {
	d, err := s.Domain(ctx, a, ident)
	if err != nil {
		return d, err
	}
	if d.Kind == "heroku" {
		return d, platform.Invalid("%s is the app's built-in domain and can't be removed.", d.Hostname)
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM domains WHERE id = $1`, d.ID)
		if err != nil {
			return fmt.Errorf("remove domain: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return platform.ErrDomainNotFound
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "domain.destroy", actor.Email, map[string]any{"hostname": d.Hostname})
	})
	return d, err
}
