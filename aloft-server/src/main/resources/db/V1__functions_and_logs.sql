-- Functions: the current configuration of each deployed function. Code lives on disk,
-- content-addressed by code_sha256 (see functions.CodeStore).
CREATE TABLE functions (
    name            TEXT PRIMARY KEY,
    runtime         TEXT NOT NULL,
    handler         TEXT NOT NULL,
    memory_mb       INTEGER NOT NULL,
    timeout_seconds INTEGER NOT NULL,
    environment     TEXT NOT NULL,
    concurrency     INTEGER NOT NULL,
    public_url      INTEGER NOT NULL,
    code_sha256     TEXT NOT NULL,
    code_size_bytes INTEGER NOT NULL,
    revision        INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- One row per line an instance printed, attributed to the invocation it was serving.
CREATE TABLE log_lines (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    function_name TEXT NOT NULL,
    invocation_id TEXT NOT NULL,
    time_ms       INTEGER NOT NULL,
    stream        TEXT NOT NULL,
    line          TEXT NOT NULL
);
CREATE INDEX log_lines_by_function ON log_lines (function_name, id);
CREATE INDEX log_lines_by_invocation ON log_lines (invocation_id);
