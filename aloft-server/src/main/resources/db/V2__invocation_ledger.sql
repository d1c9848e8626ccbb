-- The invocation ledger: one row per invocation attempt chain, whatever triggered it.
CREATE TABLE invocations (
    id                TEXT PRIMARY KEY,
    function_name     TEXT NOT NULL,
    function_revision INTEGER NOT NULL,
    trigger_type      TEXT NOT NULL,
    status            TEXT NOT NULL,
    error_type        TEXT,
    error_message     TEXT,
    received_at_ms    INTEGER NOT NULL,
    started_at_ms     INTEGER,
    finished_at_ms    INTEGER,
    cold              INTEGER NOT NULL,
    init_ms           INTEGER NOT NULL,
    queue_ms          INTEGER NOT NULL,
    duration_ms       INTEGER NOT NULL,
    billed_ms         INTEGER NOT NULL,
    memory_mb         INTEGER NOT NULL,
    attempt           INTEGER NOT NULL,
    idempotency_key   TEXT,
    replay_of         TEXT,
    instance_id       TEXT,
    input             BLOB,
    input_bytes       INTEGER NOT NULL,
    output            BLOB,
    output_bytes      INTEGER NOT NULL
);
CREATE INDEX invocations_by_function ON invocations (function_name, received_at_ms);
CREATE INDEX invocations_by_time ON invocations (received_at_ms);

-- Functions marked sensitive keep no input or output in the ledger.
ALTER TABLE functions ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;
