-- Published versions: immutable snapshots of a function's configuration and code.
CREATE TABLE function_versions (
    function_name TEXT NOT NULL,
    version       INTEGER NOT NULL,
    config        TEXT NOT NULL,
    code_sha256   TEXT NOT NULL,
    description   TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (function_name, version)
);

-- Aliases point at a version (or $LATEST), optionally sending a fraction of traffic to a second one.
CREATE TABLE function_aliases (
    function_name      TEXT NOT NULL,
    alias              TEXT NOT NULL,
    version            TEXT NOT NULL,
    additional_version TEXT,
    additional_weight  REAL,
    description        TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (function_name, alias)
);

-- The version an invocation ran and the qualifier its caller asked for.
ALTER TABLE invocations ADD COLUMN function_version TEXT NOT NULL DEFAULT '$LATEST';
ALTER TABLE invocations ADD COLUMN qualifier TEXT;
ALTER TABLE async_queue ADD COLUMN qualifier TEXT;
