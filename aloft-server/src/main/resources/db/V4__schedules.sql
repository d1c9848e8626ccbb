-- Schedules that fire a function as an async invocation (EventBridge scheduled-event shape).
CREATE TABLE schedules (
    id             TEXT PRIMARY KEY,
    function_name  TEXT NOT NULL,
    cron           TEXT,
    rate           TEXT,
    timezone       TEXT NOT NULL,
    anchor_ms      INTEGER NOT NULL,
    input          TEXT,
    catch_up       TEXT NOT NULL,
    last_fired_ms  INTEGER NOT NULL
);
CREATE INDEX schedules_by_function ON schedules (function_name);
