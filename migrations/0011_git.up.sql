-- Each app's git repository, kept in PostgreSQL like all state: its
-- objects (as git hashes them) and its branches. A push stores the new
-- objects as they arrive; a branch moves only when the build of its new
-- commit is released, in the same transaction. Objects a failed push left
-- behind are reused by the next push of them.
CREATE TABLE git_objects (
    app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    hash   bytea NOT NULL CHECK (length(hash) = 20),
    type   smallint NOT NULL,
    data   bytea NOT NULL,
    PRIMARY KEY (app_id, hash)
);

CREATE TABLE git_refs (
    app_id     uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    name       text NOT NULL,
    hash       bytea NOT NULL CHECK (length(hash) = 20),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (app_id, name)
);
