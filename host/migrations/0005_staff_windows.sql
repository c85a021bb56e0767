-- The windows a clerk is assigned to (comma-separated; empty: any window,
-- typed at sign-in), and when a device was last seen (NULL: never
-- connected since it was registered).
ALTER TABLE staff ADD COLUMN windows TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN last_seen_at INTEGER;
