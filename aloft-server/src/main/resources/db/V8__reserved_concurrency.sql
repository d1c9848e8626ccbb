-- Reserved concurrency: node memory (reserved_concurrency × memory_mb) kept for the function alone.
ALTER TABLE functions ADD COLUMN reserved_concurrency INTEGER NOT NULL DEFAULT 0;
