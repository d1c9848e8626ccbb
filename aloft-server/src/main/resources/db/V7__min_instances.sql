-- Provisioned instances: kept warm, never scaled below. Schedules may target a version or alias.
ALTER TABLE functions ADD COLUMN min_instances INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN qualifier TEXT;
