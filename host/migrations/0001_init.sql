-- Key-value namespaces of the plugins.
CREATE TABLE kv (
    ns    TEXT NOT NULL,
    key   TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (ns, key)
) WITHOUT ROWID;

-- The event log behind the bus: ids are stable and ordered (AUTOINCREMENT
-- never reuses an id, even after the newest rows are deleted).
CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    topic   TEXT NOT NULL,
    payload TEXT NOT NULL,
    source  TEXT NOT NULL,
    time    INTEGER NOT NULL
);
CREATE INDEX events_topic ON events (topic, id);
