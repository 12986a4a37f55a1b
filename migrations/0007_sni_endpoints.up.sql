-- TLS certificates an app serves by SNI (Heroku's "SNI endpoints"). The
-- certificate chain is public; the private key is sealed with AES-256-GCM
-- under the server's secret key (PIER_DATA_DIR/secret.key), bound to the
-- row's id, so the database alone never reveals it. The certificate's
-- details are kept beside it so that lists need not parse PEM.
CREATE TABLE sni_endpoints (
    id                uuid PRIMARY KEY,
    app_id            uuid NOT NULL REFERENCES apps ON DELETE CASCADE,
    name              text NOT NULL,
    certificate_chain text NOT NULL,
    sealed_key        bytea NOT NULL,
    cert_domains      text[] NOT NULL DEFAULT '{}',
    subject           text NOT NULL DEFAULT '',
    issuer            text NOT NULL DEFAULT '',
    starts_at         timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    ca_signed         boolean NOT NULL DEFAULT false,
    self_signed       boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (app_id, name)
);
