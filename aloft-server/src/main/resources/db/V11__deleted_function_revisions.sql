-- The last revision of each deleted function: one created again under its name continues after it,
-- so an instance or a queued call of the deleted one can never pass for the new one's.
CREATE TABLE deleted_function_revisions (
    name TEXT PRIMARY KEY,
    revision INTEGER NOT NULL
);
