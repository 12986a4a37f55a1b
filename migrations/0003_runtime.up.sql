-- This installation's id. Pier labels its containers with it, so two Pier
-- installations (or a developer's Pier and the tests) sharing a Docker
-- host never adopt or stop each other's containers.
CREATE TABLE cluster (
    id         uuid PRIMARY KEY,
    singleton  boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO cluster (id) VALUES (gen_random_uuid());

-- ps:restart bumps a process type's generation; dynos of an older
-- generation are replaced the way an older release's are.
ALTER TABLE formations ADD COLUMN generation integer NOT NULL DEFAULT 0;
