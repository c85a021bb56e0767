//! Registered devices (kiosks, window evaluators, signage screens), each with
//! its own revocable token and a narrow scope. In a district the devices
//! are the hall's (PostgreSQL): paired through one host, known to all, and
//! a revoked token is refused by every host at once, since each request
//! reads the token's row (there is no cache to go stale).

use super::{Field, InputError, check_line, check_window};
use crate::storage::host_db::sql_args;
use crate::storage::Result;
use crate::storage::host_db::{HostDb, Row};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const KINDS: &[&str] = &["kiosk", "evaluator", "screen"];

pub const NAME: Field = Field { name: "name", zh: "设备名称", en: "Device name" };
pub const KIND: Field = Field { name: "kind", zh: "设备类型", en: "Device kind" };
pub const WINDOW: Field = Field { name: "window", zh: "窗口号", en: "Window" };

/// How often a device's last contact is written: a kiosk asking every few
/// seconds must not write the database on each request.
const SEEN_EVERY_MS: i64 = 60_000;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Device {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub window: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// When the device last used its token (None: never connected).
    pub last_seen_at: Option<i64>,
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Register a device; returns it and its token (shown once, stored hashed).
pub fn create(db: &HostDb, name: &str, kind: &str, window: Option<&str>, now: i64) -> std::result::Result<(Device, String), InputError> {
    let name = check_line(NAME, name, 40, false)?;
    if !KINDS.contains(&kind) {
        return Err(InputError::new(
            "field_invalid",
            Some(KIND.name),
            "设备类型只能是自助取号机、等候区显示屏或窗口评价器",
            format!("unknown device kind (known: {})", KINDS.join(", ")),
        ));
    }
    let window = check_window(WINDOW, window.unwrap_or(""))?;
    let token = format!("dev_{}", super::sessions::random_token());
    let id = db
        .write(|tx| {
            tx.query_one(
                "INSERT INTO devices (name, kind, token_hash, \"window\", created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                sql_args![&name, kind, hash(&token), window.as_deref(), now],
            )?
            .get(0)
        })
        .map_err(InputError::internal)?;
    Ok((Device { id, name, kind: kind.into(), window, created_at: now, revoked_at: None, last_seen_at: None }, token))
}

const COLUMNS: &str = "id, name, kind, \"window\", created_at, revoked_at, last_seen_at";

/// The live device behind a token, if any. Notes when it was seen (at most
/// once a minute).
pub fn resolve(db: &HostDb, token: &str) -> Result<Option<Device>> {
    resolve_at(db, token, None)
}

/// [`resolve`], noting the contact at `now`.
pub fn resolve_at(db: &HostDb, token: &str, now: Option<i64>) -> Result<Option<Device>> {
    let d = db.read(|tx| tx.query_opt(&format!("SELECT {COLUMNS} FROM devices WHERE token_hash = ?1 AND revoked_at IS NULL"), sql_args![hash(token)])?.map(|r| row(&r)).transpose())?;
    if let (Some(d), Some(now)) = (&d, now)
        && d.last_seen_at.is_none_or(|t| now - t >= SEEN_EVERY_MS)
        && let Err(e) = db.write(|tx| tx.execute("UPDATE devices SET last_seen_at = ?2 WHERE id = ?1", sql_args![d.id, now]))
    {
        tracing::warn!(error = %e, device = d.id, "could not note the device's last contact");
    }
    Ok(d)
}

fn row(r: &Row) -> Result<Device> {
    Ok(Device {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        window: r.get(3)?,
        created_at: r.get(4)?,
        revoked_at: r.get(5)?,
        last_seen_at: r.get(6)?,
    })
}

pub fn list(db: &HostDb) -> Result<Vec<Device>> {
    db.read(|tx| tx.query(&format!("SELECT {COLUMNS} FROM devices ORDER BY id DESC"), &[]))?.iter().map(row).collect()
}

/// Revoke a device: its token stops working at once.
pub fn revoke(db: &HostDb, id: i64, now: i64) -> Result<bool> {
    db.write(|tx| Ok(tx.execute("UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", sql_args![id, now])? > 0))
}
