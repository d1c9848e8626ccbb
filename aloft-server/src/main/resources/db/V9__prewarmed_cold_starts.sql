-- Whether a cold start took a prewarmed process (1) or started its own (0). Rows written before
-- this migration did not record it and say 0.
ALTER TABLE invocations ADD COLUMN prewarmed INTEGER NOT NULL DEFAULT 0;
