-- Messages plugins sent (capability `notify`), written when the call that
-- sent them was kept, and their delivery: pending until an adapter took
-- them (sent) or every attempt failed (failed, with the last error).
-- `next_at` is when the next attempt is due (backoff after a failure).
CREATE TABLE notify_outbox (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    plugin_id      TEXT NOT NULL,
    recipient_kind TEXT NOT NULL,
    recipient      TEXT NOT NULL,
    channel        TEXT NOT NULL,
    template       TEXT NOT NULL,
    text_zh        TEXT NOT NULL,
    text_en        TEXT NOT NULL,
    params         TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'pending',
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_at        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    sent_at        INTEGER,
    last_error     TEXT
);
CREATE INDEX notify_outbox_due ON notify_outbox (status, next_at);
