//! Registered devices (kiosks, window evaluators, signage screens), each with
//! its own revocable token and a narrow scope.

use crate::storage::sqlite::SqliteStorage;
use crate::storage::{Result, StorageError};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const KINDS: &[&str] = &["kiosk", "evaluator", "screen"];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Device {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub window: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Register a device; returns it and its token (shown once, stored hashed).
pub fn create(db: &SqliteStorage, name: &str, kind: &str, window: Option<&str>, now: i64) -> Result<(Device, String)> {
    if !KINDS.contains(&kind) {
        return Err(StorageError::Invalid(format!("unknown device kind `{kind}` (known: {})", KINDS.join(", "))));
    }
    if name.trim().is_empty() {
        return Err(StorageError::Invalid("a device needs a name".into()));
    }
    let token = format!("dev_{}", super::sessions::random_token());
    let id = db.with_writer(|c| {
        c.execute(
            "INSERT INTO devices (name, kind, token_hash, window, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name.trim(), kind, hash(&token), window, now],
        )?;
        Ok(c.last_insert_rowid())
    })?;
    Ok((Device { id, name: name.trim().into(), kind: kind.into(), window: window.map(Into::into), created_at: now, revoked_at: None }, token))
}

/// The live device behind a token, if any.
pub fn resolve(db: &SqliteStorage, token: &str) -> Result<Option<Device>> {
    db.with_reader(|c| {
        c.prepare_cached("SELECT id, name, kind, window, created_at, revoked_at FROM devices WHERE token_hash = ?1 AND revoked_at IS NULL")?
            .query_row([hash(token)], row)
            .optional()
    })
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device { id: r.get(0)?, name: r.get(1)?, kind: r.get(2)?, window: r.get(3)?, created_at: r.get(4)?, revoked_at: r.get(5)? })
}

pub fn list(db: &SqliteStorage) -> Result<Vec<Device>> {
    db.with_reader(|c| {
        let mut st = c.prepare_cached("SELECT id, name, kind, window, created_at, revoked_at FROM devices ORDER BY id")?;
        let rows = st.query_map([], row)?;
        rows.collect()
    })
}

/// Revoke a device: its token stops working at once.
pub fn revoke(db: &SqliteStorage, id: i64, now: i64) -> Result<bool> {
    db.with_writer(|c| c.execute("UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", params![id, now]).map(|n| n > 0))
}
