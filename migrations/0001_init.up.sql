-- Pier's state. Everything Pier knows lives in these tables; the event log at the
-- end is the ordered, append-only history the scheduler, router and dashboard follow.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL UNIQUE CHECK (email = lower(email)),
    name          text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    admin         boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- API tokens. Only a SHA-256 of the token is kept: tokens are 256-bit random
-- strings, so a fast hash is enough and keeps authentication cheap.
CREATE TABLE tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    hash         bytea NOT NULL UNIQUE,
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz
);
CREATE INDEX tokens_user_id ON tokens (user_id);

-- release_version is the app's optimistic-concurrency guard: every change that
-- makes a release moves it from N to N+1 with a compare-and-swap.
CREATE TABLE apps (
    id              uuid PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    owner_id        uuid NOT NULL REFERENCES users,
    maintenance     boolean NOT NULL DEFAULT false,
    release_version integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    released_at     timestamptz
);
CREATE INDEX apps_owner_id ON apps (owner_id);
CREATE INDEX apps_updated_at ON apps (updated_at, id);

CREATE TABLE collaborators (
    id         uuid PRIMARY KEY,
    app_id     uuid NOT NULL REFERENCES apps ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (app_id, user_id)
);
CREATE INDEX collaborators_user_id ON collaborators (user_id);

-- Config versions are immutable: a change writes a new row and a new release.
CREATE TABLE configs (
    id         uuid PRIMARY KEY,
    app_id     uuid NOT NULL REFERENCES apps ON DELETE CASCADE,
    vars       jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX configs_app_id ON configs (app_id);

-- A slug is what a release runs: a container image and its process types.
CREATE TABLE slugs (
    id            uuid PRIMARY KEY,
    app_id        uuid NOT NULL REFERENCES apps ON DELETE CASCADE,
    image         text NOT NULL DEFAULT '',
    process_types jsonb NOT NULL DEFAULT '{}',
    commit        text,
    commit_description text,
    buildpack_provided_description text,
    stack         text NOT NULL DEFAULT 'pier-1',
    checksum      text,
    size          bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX slugs_app_id ON slugs (app_id);

CREATE TABLE releases (
    id          uuid PRIMARY KEY,
    app_id      uuid NOT NULL REFERENCES apps ON DELETE CASCADE,
    version     integer NOT NULL CHECK (version > 0),
    description text NOT NULL,
    status      text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    slug_id     uuid REFERENCES slugs,
    config_id   uuid NOT NULL REFERENCES configs,
    user_id     uuid,
    user_email  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (app_id, version)
);

-- Releases are immutable: only a pending release may settle to succeeded or failed.
CREATE FUNCTION releases_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.app_id <> OLD.app_id OR NEW.version <> OLD.version
       OR NEW.description <> OLD.description OR NEW.slug_id IS DISTINCT FROM OLD.slug_id
       OR NEW.config_id <> OLD.config_id OR NEW.user_id IS DISTINCT FROM OLD.user_id
       OR NEW.user_email <> OLD.user_email OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'releases are immutable';
    END IF;
    IF NEW.status <> OLD.status AND OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'release v% already %', OLD.version, OLD.status;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER releases_immutable BEFORE UPDATE ON releases
    FOR EACH ROW EXECUTE FUNCTION releases_immutable();

CREATE TABLE formations (
    id         uuid PRIMARY KEY,
    app_id     uuid NOT NULL REFERENCES apps ON DELETE CASCADE,
    type       text NOT NULL,
    command    text NOT NULL DEFAULT '',
    quantity   integer NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    size       text NOT NULL DEFAULT 'Standard-1X',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (app_id, type)
);

CREATE TABLE domains (
    id         uuid PRIMARY KEY,
    app_id     uuid NOT NULL REFERENCES apps ON DELETE CASCADE,
    hostname   text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_app_id ON domains (app_id);

-- The event log. Rows are only ever inserted, in the same transaction as the
-- change they describe; writers take an advisory lock before inserting so ids
-- become visible in id order and a follower reading "id > last" misses nothing.
-- app_id has no foreign key: the history outlives a destroyed app.
CREATE TABLE events (
    id         bigserial PRIMARY KEY,
    app_id     uuid,
    app_name   text NOT NULL DEFAULT '',
    kind       text NOT NULL,
    actor      text NOT NULL DEFAULT '',
    data       jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_app_id ON events (app_id, id);

-- Every mutating API call, successful or not. Never holds secret values.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid,
    actor_email text NOT NULL DEFAULT '',
    source_ip   text NOT NULL DEFAULT '',
    request_id  text NOT NULL DEFAULT '',
    action      text NOT NULL,
    app         text NOT NULL DEFAULT '',
    status      integer NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('success', 'failure')),
    message     text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_app ON audit_log (app, id);

CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION append_only();
