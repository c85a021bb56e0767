//! Capability grants an admin gave each plugin.
//!
//! Without a stored grant a plugin gets what its manifest asks for, except
//! the sensitive capabilities (resident records), which an admin must grant
//! explicitly after seeing the request on the plugins page.

use crate::storage::Result;
use crate::storage::sqlite::SqliteStorage;
use rusqlite::{OptionalExtension, params};

// Which capabilities are never granted by default: `Capability::sensitive`.

/// The stored grants for a plugin, if an admin set them.
pub fn stored(db: &SqliteStorage, plugin_id: &str) -> Option<Vec<String>> {
    let text: Option<String> = db
        .with_reader(|c| c.query_row("SELECT capabilities FROM plugin_grants WHERE plugin_id = ?1", [plugin_id], |r| r.get(0)).optional())
        .ok()
        .flatten();
    text.and_then(|t| serde_json::from_str(&t).ok())
}

pub fn store(db: &SqliteStorage, plugin_id: &str, caps: &[String], now: i64) -> Result<()> {
    let json = serde_json::to_string(caps).unwrap_or_else(|_| "[]".into());
    db.with_writer(|c| {
        c.execute(
            "INSERT INTO plugin_grants (plugin_id, capabilities, granted_by, granted_at) VALUES (?1, ?2, 'admin', ?3)
             ON CONFLICT(plugin_id) DO UPDATE SET capabilities = excluded.capabilities, granted_at = excluded.granted_at",
            params![plugin_id, json, now],
        )
        .map(|_| ())
    })
}
