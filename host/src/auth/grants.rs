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

/// The plugins an admin disabled (by id), as stored: read at start, so a
/// disabled plugin stays disabled across restarts and upgrades.
pub fn disabled(db: &SqliteStorage) -> Result<std::collections::BTreeSet<String>> {
    db.with_reader(|c| {
        let mut st = c.prepare("SELECT plugin_id FROM plugin_state WHERE disabled = 1")?;
        let ids: std::collections::BTreeSet<String> = st.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    })
}

/// Record that an admin disabled or enabled a plugin.
pub fn store_disabled(db: &SqliteStorage, plugin_id: &str, disabled: bool, by: &str, now: i64) -> Result<()> {
    db.with_writer(|c| {
        c.execute(
            "INSERT INTO plugin_state (plugin_id, disabled, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(plugin_id) DO UPDATE SET disabled = excluded.disabled, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
            params![plugin_id, i64::from(disabled), by, now],
        )
        .map(|_| ())
    })
}

/// The service links an admin allowed (capability `services`): (caller
/// plugin, callee plugin) pairs.
pub fn links(db: &SqliteStorage) -> Result<std::collections::BTreeSet<(String, String)>> {
    db.with_reader(|c| {
        let mut st = c.prepare("SELECT caller_id, callee_id FROM service_links")?;
        let pairs = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?.collect::<rusqlite::Result<_>>()?;
        Ok(pairs)
    })
}

/// Allow (or stop allowing) plugin `caller` to call plugin `callee`.
pub fn store_link(db: &SqliteStorage, caller: &str, callee: &str, allowed: bool, by: &str, now: i64) -> Result<()> {
    db.with_writer(|c| {
        if allowed {
            c.execute(
                "INSERT INTO service_links (caller_id, callee_id, granted_by, granted_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(caller_id, callee_id) DO UPDATE SET granted_by = excluded.granted_by, granted_at = excluded.granted_at",
                params![caller, callee, by, now],
            )
        } else {
            c.execute("DELETE FROM service_links WHERE caller_id = ?1 AND callee_id = ?2", params![caller, callee])
        }
        .map(|_| ())
    })
}
