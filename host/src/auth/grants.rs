//! Capability grants an admin gave each plugin.
//!
//! Without a stored grant a plugin gets what its manifest asks for, except
//! the sensitive capabilities (resident records), which an admin must grant
//! explicitly after seeing the request on the plugins page.
//!
//! In a district these are the hall's (PostgreSQL): a change on one host
//! reaches the others through the hall's event bus (see [`follow`]).

use crate::sql_args;
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

/// A district: follow what the hall's other hosts change in the plugins'
/// state (an admin's switch, grants), announced on the hall's event bus
/// (`host.plugin.enabled`/`disabled`, `host.grants.changed`), and apply it
/// here: the stored state is the truth, the event only the wake-up. A hall
/// alone has nothing to follow. Service links need nothing here: in a
/// district they are read from the hall's table on every call.
pub fn follow(host: &std::sync::Arc<crate::host::Host>) {
    use tokio::sync::broadcast::error::RecvError;
    if host.db.backend() != crate::storage::host_db::Backend::Postgres {
        return;
    }
    let mut events = host.bus().subscribe();
    let weak = std::sync::Arc::downgrade(host);
    let spawned = std::thread::Builder::new().name("linli-hall-follow".into()).spawn(move || {
        loop {
            let event = match events.blocking_recv() {
                Ok(e) => Some(e),
                // Missed some: take the whole stored state again.
                Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => return,
            };
            let Some(host) = weak.upgrade() else { return };
            let payload: serde_json::Value = event.as_ref().and_then(|e| serde_json::from_str(&e.payload).ok()).unwrap_or_default();
            let plugin = payload["plugin"].as_str();
            let mine = payload["origin"].as_str() == Some(host.db.instance());
            match event.as_ref().map(|e| e.topic.as_str()) {
                None => {
                    apply_disabled(&host, None);
                    for id in host.registry.snapshot().plugins.keys() {
                        host.reload_plugin(id);
                    }
                }
                Some("host.plugin.enabled" | "host.plugin.disabled") if !mine => apply_disabled(&host, plugin),
                Some("host.grants.changed") if !mine => {
                    if let Some(id) = plugin {
                        host.reload_plugin(id);
                    }
                }
                _ => {}
            }
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start following the hall's plugin switches and grants");
    }
}

/// Make this host's switch of `plugin` (or of every plugin) what the
/// hall's table says.
fn apply_disabled(host: &crate::host::Host, plugin: Option<&str>) {
    let stored = match disabled(&host.db) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "reading which plugins the hall disabled");
            return;
        }
    };
    let snap = host.registry.snapshot();
    let ids: Vec<String> = match plugin {
        Some(id) => vec![id.to_owned()],
        None => snap.plugins.keys().cloned().chain(stored.iter().cloned()).collect(),
    };
    for id in ids {
        let want = stored.contains(&id);
        if snap.is_disabled(&id) != want
            && let Err(e) = host.registry.set_disabled(&id, want)
        {
            tracing::error!(plugin = %id, error = %e, "applying another host's switch of a plugin");
        }
    }
}
