-- The hall's own information (大厅信息), set by an admin on
-- /admin/host/hall and read by every plugin through the `hall` interface:
-- its name, the public address residents' phones reach (QR codes) and a
-- service phone. One row (id 'hall'); no row means nothing set yet.
CREATE TABLE hall_info (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    public_url TEXT NOT NULL,
    phone      TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at INTEGER NOT NULL
);
