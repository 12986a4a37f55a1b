-- A TCP engine's TLS client certificates: a directory on the Pier server
-- holding ca.pem, cert.pem and key.pem (Docker's DOCKER_CERT_PATH layout).
-- Only the path is stored, so no private key ever sits in the database.
ALTER TABLE hosts ADD COLUMN tls_dir text NOT NULL DEFAULT '';
