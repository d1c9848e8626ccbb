-- Provisioned instances: kept warm, never scaled below.
ALTER TABLE functions ADD COLUMN min_instances INTEGER NOT NULL DEFAULT 0;
