-- A function's stepped-back events, due first first: when one of its events gets an instance, the
-- next is brought forward instead of waiting out its backoff.
CREATE INDEX async_queue_by_function ON async_queue (function_name, next_attempt_at_ms);
