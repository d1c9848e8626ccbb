-- Asynchronous delivery. An accepted event is a ledger row (status queued) plus a queue row that
-- holds its full payload and delivery state; the queue row is deleted when the invocation is final.
CREATE TABLE async_queue (
    id                 TEXT PRIMARY KEY,
    function_name      TEXT NOT NULL,
    payload            BLOB NOT NULL,
    received_at_ms     INTEGER NOT NULL,
    attempts           INTEGER NOT NULL,
    next_attempt_at_ms INTEGER NOT NULL,
    claimed_until_ms   INTEGER
);
CREATE INDEX async_queue_due ON async_queue (next_attempt_at_ms);

-- Events that exhausted their retries (or their age) and had no on-failure destination.
CREATE TABLE dead_letters (
    id             TEXT PRIMARY KEY,
    function_name  TEXT NOT NULL,
    payload        BLOB NOT NULL,
    condition_name TEXT NOT NULL,
    error_type     TEXT,
    error_message  TEXT,
    attempts       INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    failed_at_ms   INTEGER NOT NULL
);
CREATE INDEX dead_letters_by_function ON dead_letters (function_name, failed_at_ms);

CREATE INDEX invocations_by_idempotency_key ON invocations (function_name, idempotency_key);

-- Per-function asynchronous invocation settings, as Lambda's EventInvokeConfig.
ALTER TABLE functions ADD COLUMN max_retry_attempts INTEGER NOT NULL DEFAULT 2;
ALTER TABLE functions ADD COLUMN max_event_age_seconds INTEGER NOT NULL DEFAULT 21600;
ALTER TABLE functions ADD COLUMN on_success TEXT;
ALTER TABLE functions ADD COLUMN on_failure TEXT;
