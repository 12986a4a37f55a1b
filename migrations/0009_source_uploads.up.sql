-- Source uploads no longer run in one long transaction, which held a
-- database connection for as long as a client took to send its tarball.
-- Each upload writes its chunks under an upload id of its own, committed
-- as they come; a short transaction at the end makes it the source's
-- current upload and drops the others. A reader pins the upload current
-- when it started, so a replacement never mixes into a download. Sources
-- live an hour, so the tables are made afresh rather than migrated.
DROP TABLE source_chunks;
DROP TABLE sources;

CREATE TABLE sources (
    id          uuid PRIMARY KEY,
    owner_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    secret_hash bytea NOT NULL,
    upload_id   uuid,                       -- the current upload; NULL until one completed
    size        bigint CHECK (size >= 0),
    sha256      bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    uploaded_at timestamptz,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sources_expires_at ON sources (expires_at);

CREATE TABLE source_chunks (
    source_id uuid NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    upload_id uuid NOT NULL,
    seq       int NOT NULL CHECK (seq >= 0),
    data      bytea NOT NULL,
    PRIMARY KEY (source_id, upload_id, seq)
);
