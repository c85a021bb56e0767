-- Plugins an admin disabled on the plugins page. A disabled plugin stays
-- loaded but serves no route, shows no page, gets no tick and no event;
-- its data (database, key-value) is kept. A row survives a restart and an
-- upgrade of the plugin's file (keyed by the plugin's id, not the file).
CREATE TABLE plugin_state (
    plugin_id  TEXT PRIMARY KEY,
    disabled   INTEGER NOT NULL DEFAULT 0,
    changed_by TEXT NOT NULL,
    changed_at INTEGER NOT NULL
);
