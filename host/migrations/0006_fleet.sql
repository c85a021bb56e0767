-- Fleet status: each paired screen's last heartbeat (what it reported, as
-- JSON), since when it is online or offline, its latest screenshot, and
-- the maintainer's requests to it (screenshot, reload, restart), handed
-- out in the heartbeat's answer.
CREATE TABLE screen_status (
    device_id     INTEGER PRIMARY KEY REFERENCES devices(id),
    report        TEXT NOT NULL,
    last_event_id INTEGER NOT NULL DEFAULT 0,
    heartbeat_at  INTEGER NOT NULL,
    online_since  INTEGER NOT NULL,
    offline_since INTEGER,
    screenshot    BLOB,
    screenshot_at INTEGER
);
CREATE TABLE screen_commands (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id  INTEGER NOT NULL REFERENCES devices(id),
    kind       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER,
    done_at    INTEGER
);
CREATE INDEX screen_commands_device ON screen_commands (device_id, id);
