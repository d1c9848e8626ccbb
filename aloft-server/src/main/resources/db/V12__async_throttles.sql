-- Throttled tries of a queued event since it last ran: only the first of an attempt counts in
-- aloft_invocations_throttled_total.
ALTER TABLE async_queue ADD COLUMN throttles INTEGER NOT NULL DEFAULT 0;
