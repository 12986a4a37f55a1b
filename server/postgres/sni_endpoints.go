package postgres

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/secretkey"
	"github.com/pier-paas/pier/server/tlsconfig"
)

// An SNI endpoint's private key is sealed under the server's secret key and
// bound to the endpoint's id; no query below ever returns it to a caller
// other than SNICertificates, which hands it to the TLS listener.

const sniCols = `e.id, e.app_id, a.name, e.name, e.certificate_chain, e.cert_domains, e.subject, e.issuer,
	e.starts_at, e.expires_at, e.ca_signed, e.self_signed, e.created_at, e.updated_at`

func scanSNIEndpoint(r pgx.Row) (platform.SNIEndpoint, error) {
	var e platform.SNIEndpoint
	err := r.Scan(uid(&e.ID), uid(&e.App.ID), &e.App.Name, &e.Name, &e.CertificateChain, &e.Cert.CertDomains,
		&e.Cert.Subject, &e.Cert.Issuer, &e.Cert.StartsAt, &e.Cert.ExpiresAt, &e.Cert.CASigned, &e.Cert.SelfSigned,
		&e.CreatedAt, &e.UpdatedAt)
	if e.Cert.CertDomains == nil {
		e.Cert.CertDomains = []string{}
	}
	return e, err
}

// systemRoots are the CAs this machine trusts: a certificate that chains to
// one is shown as CA-signed ("Trusted").
var systemRoots = sync.OnceValue(func() *x509.CertPool {
	p, err := x509.SystemCertPool()
	if err != nil {
		return nil
	}
	return p
})

var errNoSealer = errors.New("sni endpoints: no secret key to seal or unseal private keys with")

// sealBinding ties a sealed key to its endpoint's row.
func sealBinding(id uuid.UUID) []byte { return []byte("sni_endpoints.sealed_key/" + id.String()) }

// sniQuerier is a pool or a transaction.
type sniQuerier interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}

// customHostnames are the app's custom domains, sorted.
func customHostnames(ctx context.Context, q sniQuerier, appID uuid.UUID) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT hostname FROM domains WHERE app_id = $1 ORDER BY hostname`, appID)
	if err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// SNIEndpoints lists the app's certificates, by name, each with the custom
// domains it covers.
func (s *Store) SNIEndpoints(ctx context.Context, a platform.App) ([]platform.SNIEndpoint, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sniCols+` FROM sni_endpoints e JOIN apps a ON a.id = e.app_id
		WHERE e.app_id = $1 ORDER BY e.name`, a.ID)
	if err != nil {
		return nil, fmt.Errorf("list sni endpoints: %w", err)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.SNIEndpoint, error) { return scanSNIEndpoint(r) })
	if err != nil {
		return nil, fmt.Errorf("list sni endpoints: %w", err)
	}
	hosts, err := customHostnames(ctx, s.pool, a.ID)
	if err != nil {
		return nil, err
	}
	for i := range es {
		es[i].Domains = platform.CoveredHostnames(es[i].Cert.CertDomains, hosts)
	}
	return es, nil
}

// SNIEndpoint finds one of the app's certificates by id or name.
func (s *Store) SNIEndpoint(ctx context.Context, a platform.App, ident string) (platform.SNIEndpoint, error) {
	e, err := s.sniEndpoint(ctx, s.pool, a, ident, "")
	if err != nil {
		return e, err
	}
	return e, s.coverDomains(ctx, &e)
}

func (s *Store) sniEndpoint(ctx context.Context, q sniQuerier, a platform.App, ident, lock string) (platform.SNIEndpoint, error) {
	id, _ := uuid.Parse(ident)
	e, err := scanSNIEndpoint(q.QueryRow(ctx, `SELECT `+sniCols+` FROM sni_endpoints e JOIN apps a ON a.id = e.app_id
		WHERE e.app_id = $1 AND (e.name = $2 OR e.id = $3)`+lock, a.ID, strings.ToLower(ident), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, platform.ErrSNIEndpointNotFound
	}
	if err != nil {
		return e, fmt.Errorf("find sni endpoint: %w", err)
	}
	return e, nil
}

func (s *Store) coverDomains(ctx context.Context, e *platform.SNIEndpoint) error {
	hosts, err := customHostnames(ctx, s.pool, e.App.ID)
	e.Domains = platform.CoveredHostnames(e.Cert.CertDomains, hosts)
	return err
}

// parseUpload checks an uploaded chain and key, and that there is a sealer
// to store the key with: what adding and updating a certificate share.
func (s *Store) parseUpload(sealer *secretkey.Sealer, chainPEM, keyPEM string) (platform.Certificate, error) {
	if sealer == nil {
		return platform.Certificate{}, errNoSealer
	}
	return platform.ParseCertificate(chainPEM, keyPEM, s.now(), systemRoots())
}

// AddSNIEndpoint checks a PEM certificate chain and private key and gives
// them to the app under a generated name. The key is stored sealed by sealer.
func (s *Store) AddSNIEndpoint(ctx context.Context, sealer *secretkey.Sealer, actor platform.User, a platform.App, chainPEM, keyPEM string) (platform.SNIEndpoint, error) {
	cert, err := s.parseUpload(sealer, chainPEM, keyPEM)
	if err != nil {
		return platform.SNIEndpoint{}, err
	}
	var e platform.SNIEndpoint
	for attempt := 0; ; attempt++ {
		err = s.tx(ctx, func(tx pgx.Tx) error {
			var err error
			// Count under the app's row lock, so concurrent uploads can't pass the limit.
			var n int
			if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM sni_endpoints WHERE app_id = a.id)
				FROM apps a WHERE a.id = $1 FOR NO KEY UPDATE`, a.ID).Scan(&n); err != nil {
				if errors.Is(err, pgx.ErrNoRows) {
					return platform.ErrAppNotFound
				}
				return fmt.Errorf("add sni endpoint: %w", err)
			}
			if n >= platform.MaxSNIEndpointsPerApp {
				return platform.Invalid("%s has %d SSL certificates, the most an app may have: remove one first.", a.Name, n)
			}
			id := uuid.New()
			e, err = scanSNIEndpoint(tx.QueryRow(ctx, `WITH e AS (
					INSERT INTO sni_endpoints (id, app_id, name, certificate_chain, sealed_key, cert_domains, subject, issuer,
						starts_at, expires_at, ca_signed, self_signed)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *)
				SELECT `+sniCols+` FROM e JOIN apps a ON a.id = e.app_id`,
				id, a.ID, platform.GenerateSNIEndpointName(), cert.ChainPEM, sealer.Seal(cert.KeyPEM, sealBinding(id)),
				cert.Info.CertDomains, cert.Info.Subject, cert.Info.Issuer, cert.Info.StartsAt, cert.Info.ExpiresAt,
				cert.Info.CASigned, cert.Info.SelfSigned))
			if err != nil {
				return fmt.Errorf("add sni endpoint: %w", err)
			}
			return appendEvent(ctx, tx, &a.ID, a.Name, "sni_endpoint.create", actor.Email, map[string]any{"id": e.ID.String(), "name": e.Name})
		})
		// A generated name already taken in this app: draw another.
		if !isUniqueViolation(err, "sni_endpoints_app_id_name_key") || attempt == 10 {
			break
		}
	}
	if err != nil {
		return platform.SNIEndpoint{}, err
	}
	return e, s.coverDomains(ctx, &e)
}

// UpdateSNIEndpoint replaces the certificate chain and key of one of the
// app's certificates, found by id or name.
func (s *Store) UpdateSNIEndpoint(ctx context.Context, sealer *secretkey.Sealer, actor platform.User, a platform.App, ident, chainPEM, keyPEM string) (platform.SNIEndpoint, error) {
	cert, err := s.parseUpload(sealer, chainPEM, keyPEM)
	if err != nil {
		return platform.SNIEndpoint{}, err
	}
	var e platform.SNIEndpoint
	err = s.tx(ctx, func(tx pgx.Tx) error {
		old, err := s.sniEndpoint(ctx, tx, a, ident, ` FOR UPDATE OF e`)
		if err != nil {
			return err
		}
		e, err = scanSNIEndpoint(tx.QueryRow(ctx, `WITH e AS (
				UPDATE sni_endpoints SET certificate_chain = $2, sealed_key = $3, cert_domains = $4, subject = $5,
					issuer = $6, starts_at = $7, expires_at = $8, ca_signed = $9, self_signed = $10, updated_at = now()
				WHERE id = $1 RETURNING *)
			SELECT `+sniCols+` FROM e JOIN apps a ON a.id = e.app_id`,
			old.ID, cert.ChainPEM, sealer.Seal(cert.KeyPEM, sealBinding(old.ID)), cert.Info.CertDomains,
			cert.Info.Subject, cert.Info.Issuer, cert.Info.StartsAt, cert.Info.ExpiresAt, cert.Info.CASigned, cert.Info.SelfSigned))
		if err != nil {
			return fmt.Errorf("update sni endpoint: %w", err)
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "sni_endpoint.update", actor.Email, map[string]any{"id": e.ID.String(), "name": e.Name})
	})
	if err != nil {
		return platform.SNIEndpoint{}, err
	}
	return e, s.coverDomains(ctx, &e)
}

// RemoveSNIEndpoint deletes one of the app's certificates and returns it.
func (s *Store) RemoveSNIEndpoint(ctx context.Context, actor platform.User, a platform.App, ident string) (platform.SNIEndpoint, error) {
	var e platform.SNIEndpoint
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if e, err = s.sniEndpoint(ctx, tx, a, ident, ` FOR UPDATE OF e`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sni_endpoints WHERE id = $1`, e.ID); err != nil {
			return fmt.Errorf("remove sni endpoint: %w", err)
		}
		return appendEvent(ctx, tx, &a.ID, a.Name, "sni_endpoint.destroy", actor.Email, map[string]any{"id": e.ID.String(), "name": e.Name})
	})
	if err != nil {
		return platform.SNIEndpoint{}, err
	}
	return e, s.coverDomains(ctx, &e)
}

// SNICertificates returns what the router's TLS listener serves: every
// certificate that covers one of its app's custom domains, with its key
// unsealed, named by those domains only (an app can't have its certificate
// served for a hostname another app owns). Give the result to
// tlsconfig.Certificates.SetNamed. A certificate whose key can't be unsealed
// (the secret key was replaced) or used is left out and logged.
func (s *Store) SNICertificates(ctx context.Context, sealer *secretkey.Sealer) ([]tlsconfig.Named, error) {
	if sealer == nil {
		return nil, errNoSealer
	}
	rows, err := s.pool.Query(ctx, `
		SELECT e.id, e.name, a.name, e.certificate_chain, e.sealed_key, e.cert_domains,
			coalesce((SELECT array_agg(d.hostname ORDER BY d.hostname) FROM domains d WHERE d.app_id = e.app_id), '{}')
		FROM sni_endpoints e JOIN apps a ON a.id = e.app_id
		ORDER BY e.expires_at, e.id`)
	if err != nil {
		return nil, fmt.Errorf("load certificates: %w", err)
	}
	type row struct {
		id                 uuid.UUID
		name, app, chain   string
		sealed             []byte
		certDomains, hosts []string
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(uid(&x.id), &x.name, &x.app, &x.chain, &x.sealed, &x.certDomains, &x.hosts)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("load certificates: %w", err)
	}
	var out []tlsconfig.Named
	for _, x := range all {
		names := platform.CoveredHostnames(x.certDomains, x.hosts)
		if len(names) == 0 {
			continue
		}
		key, err := sealer.Open(x.sealed, sealBinding(x.id))
		if err == nil {
			var cert tls.Certificate
			if cert, err = tls.X509KeyPair([]byte(x.chain), key); err == nil {
				out = append(out, tlsconfig.Named{Names: names, Certificate: &cert})
				continue
			}
		}
		s.log.Warn("certificate not served", "app", x.app, "sni_endpoint", x.name, "err", err)
	}
	return out, nil
}
