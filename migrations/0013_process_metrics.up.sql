-- The dynos' resource use: one row per app, process type and sample
-- (every 20 s, written by the scheduling leader from Docker's stats), kept
-- two hours for the dashboard's charts of the last hour.
CREATE TABLE process_metrics (
    app_id          uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    type            text NOT NULL,
    at              timestamptz NOT NULL,
    dynos           integer NOT NULL,
    -- mean per dyno, 100 = one core; NULL until a dyno has two readings
    cpu_percent     real,
    -- mean per dyno and the largest dyno's, in MB
    memory_mb       real NOT NULL,
    memory_max_mb   real NOT NULL,
    -- a dyno's memory limit
    memory_quota_mb integer NOT NULL,
    PRIMARY KEY (app_id, type, at)
);
CREATE INDEX process_metrics_at ON process_metrics (at);
