-- Registered devices: kiosks, window evaluators, signage screens. Only the
-- SHA-256 of a device token is stored; the token is shown once.
CREATE TABLE devices (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('kiosk', 'evaluator', 'screen')),
    token_hash TEXT NOT NULL UNIQUE,
    window     TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

-- Capability grants an admin gave a plugin (overrides the default).
CREATE TABLE plugin_grants (
    plugin_id    TEXT PRIMARY KEY,
    capabilities TEXT NOT NULL,          -- JSON array
    granted_by   TEXT NOT NULL,
    granted_at   INTEGER NOT NULL
);

-- The audit log: append-only. Each entry carries the hash of the previous
-- one, so a change made behind the API's back (editing the file) shows.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id   TEXT,
    actor_name TEXT,
    action     TEXT NOT NULL,
    target     TEXT,
    detail     TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_time ON audit (time);
CREATE INDEX audit_target ON audit (target);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Resident records: the one record every service uses. ID card number and
-- phone are encrypted (AES-256-GCM, key kept outside this file); the
-- *_index columns are keyed hashes, so a lookup by phone needs no decryption
-- and the file alone reveals nothing.
CREATE TABLE residents (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    id_number_enc   BLOB,
    id_number_index TEXT UNIQUE,
    phone_enc       BLOB,
    phone_index     TEXT,
    address         TEXT,
    tags            TEXT NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX residents_phone ON residents (phone_index);
