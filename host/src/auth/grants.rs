//! Capability grants an admin gave each plugin.
//!
//! Without a stored grant a plugin gets what its manifest asks for, except
//! the sensitive capabilities (resident records), which an admin must grant
//! explicitly after seeing the request on the plugins page.
//!
//! In a district these are the hall's (PostgreSQL): a change on one host
//! reaches the others through the hall's event bus (see
//! `Host::follow_hall`).

use crate::storage::host_db::sql_args;
use crate::storage::Result;
use crate::storage::host_db::HostDb;

// Which capabilities are never granted by default: `Capability::sensitive`.

/// The stored grants for a plugin, if an admin set them.
pub fn stored(db: &HostDb, plugin_id: &str) -> Option<Vec<String>> {
    let text: Option<String> = db
        .read(|tx| tx.query_opt("SELECT capabilities FROM plugin_grants WHERE plugin_id = ?1", sql_args![plugin_id])?.map(|r| r.get(0)).transpose())
        .ok()
        .flatten();
    text.and_then(|t| serde_json::from_str(&t).ok())
}

pub fn store(db: &HostDb, plugin_id: &str, caps: &[String], now: i64) -> Result<()> {
    let json = serde_json::to_string(caps).unwrap_or_else(|_| "[]".into());
    db.write(|tx| {
        tx.execute(
            "INSERT INTO plugin_grants (plugin_id, capabilities, granted_by, granted_at) VALUES (?1, ?2, 'admin', ?3)
             ON CONFLICT(plugin_id) DO UPDATE SET capabilities = excluded.capabilities, granted_at = excluded.granted_at",
            sql_args![plugin_id, &json, now],
        )
        .map(|_| ())
    })
}

/// The plugins an admin disabled (by id), as stored: read at start, so a
/// disabled plugin stays disabled across restarts and upgrades.
pub fn disabled(db: &HostDb) -> Result<std::collections::BTreeSet<String>> {
    db.read(|tx| tx.query("SELECT plugin_id FROM plugin_state WHERE disabled = 1", &[]))?.iter().map(|r| r.get(0)).collect()
}

/// Record that an admin disabled or enabled a plugin.
pub fn store_disabled(db: &HostDb, plugin_id: &str, disabled: bool, by: &str, now: i64) -> Result<()> {
    db.write(|tx| {
        tx.execute(
            "INSERT INTO plugin_state (plugin_id, disabled, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(plugin_id) DO UPDATE SET disabled = excluded.disabled, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
            sql_args![plugin_id, disabled, by, now],
        )
        .map(|_| ())
    })
}

/// The service links an admin allowed (capability `services`): (caller
/// plugin, callee plugin) pairs.
pub fn links(db: &HostDb) -> Result<std::collections::BTreeSet<(String, String)>> {
    db.read(|tx| tx.query("SELECT caller_id, callee_id FROM service_links", &[]))?.iter().map(|r| Ok((r.get(0)?, r.get(1)?))).collect()
}

/// Allow (or stop allowing) plugin `caller` to call plugin `callee`.
pub fn store_link(db: &HostDb, caller: &str, callee: &str, allowed: bool, by: &str, now: i64) -> Result<()> {
    db.write(|tx| {
        if allowed {
            tx.execute(
                "INSERT INTO service_links (caller_id, callee_id, granted_by, granted_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(caller_id, callee_id) DO UPDATE SET granted_by = excluded.granted_by, granted_at = excluded.granted_at",
                sql_args![caller, callee, by, now],
            )
        } else {
            tx.execute("DELETE FROM service_links WHERE caller_id = ?1 AND callee_id = ?2", sql_args![caller, callee])
        }
        .map(|_| ())
    })
}

/// Whether `caller` may call `callee`, read from the hall's table (a
/// district: a link allowed or withdrawn on one host holds on all at once).
pub fn linked(db: &HostDb, caller: &str, callee: &str) -> Result<bool> {
    db.read(|tx| Ok(tx.query_opt("SELECT 1 FROM service_links WHERE caller_id = ?1 AND callee_id = ?2", sql_args![caller, callee])?.is_some()))
}
