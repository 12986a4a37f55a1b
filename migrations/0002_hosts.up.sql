-- The Docker host pool. Capacity is read from the engine when a host is
-- added; health is kept by the scheduler as it talks to the engine.
CREATE TABLE hosts (
    id              uuid PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    endpoint        text NOT NULL UNIQUE,
    labels          jsonb NOT NULL DEFAULT '{}',
    draining        boolean NOT NULL DEFAULT false,
    cpus            integer NOT NULL DEFAULT 0,
    memory_mb       integer NOT NULL DEFAULT 0,
    engine_version  text NOT NULL DEFAULT '',
    healthy         boolean NOT NULL DEFAULT true,
    unhealthy_since timestamptz,
    last_seen_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
