package herokuapi

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
	"github.com/pier-paas/pier/server/secretkey"
)

// SNI endpoints are an app's TLS certificates, which the router serves by
// SNI for the app's custom domains. A certificate's private key goes in and
// is sealed by the store; no answer ever carries it.

func (a *API) sealer() (*secretkey.Sealer, error) {
	if a.Sealer != nil {
		return a.Sealer, nil
	}
	return nil, errorf(http.StatusServiceUnavailable, "unavailable", "This server has no secret key to protect certificates' private keys with, so it can't take certificates.")
}

type sslCertJSON struct {
	ID          uuid.UUID `json:"id"`
	ACM         bool      `json:"acm"`
	CASigned    bool      `json:"ca_signed?"`
	SelfSigned  bool      `json:"self_signed?"`
	CertDomains []string  `json:"cert_domains"`
	Subject     string    `json:"subject"`
	Issuer      string    `json:"issuer"`
	StartsAt    timestamp `json:"starts_at"`
	ExpiresAt   timestamp `json:"expires_at"`
}

type sniEndpointJSON struct {
	ID               uuid.UUID   `json:"id"`
	Name             string      `json:"name"`
	DisplayName      *string     `json:"display_name"`
	CertificateChain string      `json:"certificate_chain"`
	CreatedAt        timestamp   `json:"created_at"`
	UpdatedAt        timestamp   `json:"updated_at"`
	App              ref         `json:"app"`
	Domains          []string    `json:"domains"` // hostnames, which the heroku CLI shows as they are
	SSLCert          sslCertJSON `json:"ssl_cert"`
}

func renderSNIEndpoint(e platform.SNIEndpoint) sniEndpointJSON {
	domains := e.Domains
	if domains == nil {
		domains = []string{}
	}
	return sniEndpointJSON{
		ID: e.ID, Name: e.Name, CertificateChain: e.CertificateChain, CreatedAt: ts(e.CreatedAt), UpdatedAt: ts(e.UpdatedAt),
		App: ref{e.App.ID, e.App.Name}, Domains: domains,
		SSLCert: sslCertJSON{
			ID: e.ID, CASigned: e.Cert.CASigned, SelfSigned: e.Cert.SelfSigned, CertDomains: e.Cert.CertDomains,
			Subject: e.Cert.Subject, Issuer: e.Cert.Issuer, StartsAt: ts(e.Cert.StartsAt), ExpiresAt: ts(e.Cert.ExpiresAt),
		},
	}
}

// sniBody is what POST and PATCH take: both fields, in PEM.
type sniBody struct {
	CertificateChain *string `json:"certificate_chain"`
	PrivateKey       *string `json:"private_key"`
}

// sniUpload is what POST and PATCH share: the app, the sealer for the
// key, and the body's certificate chain and key.
type sniUpload struct {
	app        platform.App
	sealer     *secretkey.Sealer
	chain, key string
}

func (a *API) readSNIUpload(c echo.Context) (u sniUpload, err error) {
	if u.app, err = a.app(c, postgres.RoleCollaborator); err != nil {
		return u, err
	}
	if u.sealer, err = a.sealer(); err != nil {
		return u, err
	}
	var body sniBody
	if err := a.decode(c, &body); err != nil {
		return u, err
	}
	if body.CertificateChain == nil {
		return u, invalidParams("certificate_chain is required: the certificate (then any intermediates) in PEM.")
	}
	if body.PrivateKey == nil {
		return u, invalidParams("private_key is required: the certificate's private key in PEM.")
	}
	u.chain, u.key = *body.CertificateChain, *body.PrivateKey
	return u, nil
}

func (a *API) listSNIEndpoints(c echo.Context) error {
	p, err := parseRange(c.Request().Header.Get("Range"), fields("name", kindString, "id", kindUUID))
	if err != nil {
		return err
	}
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	es, err := a.Store.SNIEndpoints(c.Request().Context(), x)
	if err != nil {
		return err
	}
	keys := map[string]func(platform.SNIEndpoint) string{
		"name": func(e platform.SNIEndpoint) string { return e.Name },
		"id":   func(e platform.SNIEndpoint) string { return e.ID.String() },
	}
	page, more := pageSlice(es, p, keys)
	return writePage(c, p, page, more, keys[p.Field], renderSNIEndpoint)
}

func (a *API) createSNIEndpoint(c echo.Context) error {
	u, err := a.readSNIUpload(c)
	if err != nil {
		return err
	}
	e, err := a.Store.AddSNIEndpoint(c.Request().Context(), u.sealer, currentUser(c), u.app, u.chain, u.key)
	if err != nil {
		return err
	}
	noteAudit(c, u.app.Name, "added SSL certificate "+e.Name)
	return c.JSON(http.StatusCreated, renderSNIEndpoint(e))
}

func (a *API) getSNIEndpoint(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	e, err := a.Store.SNIEndpoint(c.Request().Context(), x, c.Param("sni_endpoint"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, renderSNIEndpoint(e))
}

func (a *API) updateSNIEndpoint(c echo.Context) error {
	u, err := a.readSNIUpload(c)
	if err != nil {
		return err
	}
	e, err := a.Store.UpdateSNIEndpoint(c.Request().Context(), u.sealer, currentUser(c), u.app, c.Param("sni_endpoint"), u.chain, u.key)
	if err != nil {
		return err
	}
	noteAudit(c, u.app.Name, "updated SSL certificate "+e.Name)
	return c.JSON(http.StatusOK, renderSNIEndpoint(e))
}

func (a *API) deleteSNIEndpoint(c echo.Context) error {
	x, err := a.app(c, postgres.RoleCollaborator)
	if err != nil {
		return err
	}
	e, err := a.Store.RemoveSNIEndpoint(c.Request().Context(), currentUser(c), x, c.Param("sni_endpoint"))
	if err != nil {
		return err
	}
	noteAudit(c, x.Name, "removed SSL certificate "+e.Name)
	return c.JSON(http.StatusOK, renderSNIEndpoint(e))
}
