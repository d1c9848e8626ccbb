-- What each function's keep-alive learned from its idle times (KeepAlivePolicy), kept across
-- restarts so a function called every 20 minutes is not cold again for hours after an upgrade.
CREATE TABLE idle_histograms (
    pool_key TEXT PRIMARY KEY,       -- function name ':' version
    bins BLOB NOT NULL,              -- one big-endian 32-bit count per minute of idle time (240)
    out_of_range INTEGER NOT NULL,   -- idle times of 4 hours or more
    updated_at_ms INTEGER NOT NULL
);
