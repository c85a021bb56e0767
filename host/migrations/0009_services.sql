-- Capability `services`: which plugin may call which (an admin allows
-- each link, caller → callee, on the plugins page), and the answers kept
-- for idempotency keys, so a retried flow never does a step twice: the
-- same caller, callee and key give the kept answer without running the
-- callee again, until the answer is older than the retention window.
CREATE TABLE service_links (
    caller_id  TEXT NOT NULL,
    callee_id  TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (caller_id, callee_id)
);
CREATE TABLE service_calls (
    caller_id   TEXT NOT NULL,
    callee_id   TEXT NOT NULL,
    idem_key    TEXT NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      INTEGER NOT NULL,
    headers     TEXT NOT NULL,
    body        BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (caller_id, callee_id, idem_key)
);
CREATE INDEX service_calls_age ON service_calls (created_at);
