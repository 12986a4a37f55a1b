DROP TABLE source_chunks;
DROP TABLE sources;

CREATE TABLE sources (
    id          uuid PRIMARY KEY,
    owner_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    secret_hash bytea NOT NULL,
    size        bigint CHECK (size >= 0),
    sha256      bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    uploaded_at timestamptz,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sources_expires_at ON sources (expires_at);

CREATE TABLE source_chunks (
    source_id uuid NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    seq       int NOT NULL CHECK (seq >= 0),
    data      bytea NOT NULL,
    PRIMARY KEY (source_id, seq)
);
