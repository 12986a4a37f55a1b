-- Builds: a source made into an image and released (Heroku's builds API,
-- and every git push). A build is pending until it succeeds, with the
-- slug and release it made, or fails with the reason. Its output is kept
-- in chunks as it is written, so output_stream_url can replay and follow
-- it from any server.
CREATE TABLE builds (
    id              uuid PRIMARY KEY,
    app_id          uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id         uuid REFERENCES users(id) ON DELETE SET NULL,
    user_email      text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    source_url      text NOT NULL DEFAULT '',
    source_version  text,
    source_checksum text,
    buildpacks      jsonb NOT NULL DEFAULT '[]',
    stack           text NOT NULL DEFAULT 'pier-1',
    slug_id         uuid REFERENCES slugs(id) ON DELETE SET NULL,
    release_id      uuid REFERENCES releases(id) ON DELETE SET NULL,
    failure         text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX builds_app_id ON builds (app_id, created_at);
CREATE INDEX builds_pending ON builds (status) WHERE status = 'pending';

CREATE TABLE build_output (
    build_id uuid NOT NULL REFERENCES builds(id) ON DELETE CASCADE,
    seq      int NOT NULL CHECK (seq >= 0),
    data     bytea NOT NULL,
    PRIMARY KEY (build_id, seq)
);

-- A build settles once: pending → succeeded|failed, and nothing else of it
-- changes afterwards.
CREATE FUNCTION builds_settle_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'build % already %', OLD.id, OLD.status;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER builds_settle_once BEFORE UPDATE ON builds FOR EACH ROW EXECUTE FUNCTION builds_settle_once();
