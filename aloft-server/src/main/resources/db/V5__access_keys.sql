-- Access keys that sign requests (AWS Signature Version 4). SigV4 needs the plaintext secret to
-- recompute the HMAC, so it cannot be hashed: it is sealed with AES-256-GCM under <data>/master.key
-- (12-byte nonce followed by ciphertext and tag) and bound to its key id as associated data.
CREATE TABLE access_keys (
    access_key_id    TEXT PRIMARY KEY,
    secret_sealed    BLOB NOT NULL,
    description      TEXT NOT NULL,
    created_at_ms    INTEGER NOT NULL,
    last_used_at_ms  INTEGER,
    disabled         INTEGER NOT NULL DEFAULT 0
);
