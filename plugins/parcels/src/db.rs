//! The plugin's tables. The SQL runs unchanged on SQLite and on PostgreSQL:
//! `?N` placeholders, INTEGER ms times from the host clock, dates as
//! `YYYY-MM-DD` text made here, booleans as 0/1.

use linli_sdk::Fail;
use linli_sdk::prelude::*;
use linli_sdk::sql::Value;
use serde::de::DeserializeOwned;

const SCHEMA_VERSION: &str = "1";

const SCHEMA: &[&str] = &[
    // One row per parcel. The phone is kept only while the parcel waits
    // (the pickup code, the reminder and the return notice go to it) and
    // cleared when it is picked up or returned; `resident` (the host's
    // pseudonym of the phone) is what matching needs. The pickup code is
    // kept only as a pseudonym too: it works once it reaches the
    // resident, and a copy of the database does not open a shelf.
    // `waiting_place` is the location a rule gave while the parcel waits:
    // UNIQUE, so no two waiting parcels get one place.
    "CREATE TABLE IF NOT EXISTS parcels (
        id INTEGER PRIMARY KEY,
        tracking TEXT NOT NULL UNIQUE,
        carrier TEXT NOT NULL,
        resident TEXT NOT NULL,
        phone TEXT,
        phone_shown TEXT NOT NULL,
        location TEXT NOT NULL,
        waiting_place TEXT UNIQUE,
        code_hash TEXT,
        status TEXT NOT NULL,
        arrived_at INTEGER NOT NULL,
        arrived_day TEXT NOT NULL,
        registered_by TEXT,
        registered_by_name TEXT,
        notified INTEGER NOT NULL DEFAULT 0,
        reminded INTEGER NOT NULL DEFAULT 0,
        picked_at INTEGER,
        picked_day TEXT,
        handed_by TEXT,
        handed_by_name TEXT,
        picked_how TEXT,
        id_shown TEXT,
        id_key TEXT,
        proxy INTEGER NOT NULL DEFAULT 0,
        proxy_name TEXT,
        proxy_phone_shown TEXT,
        returned_at INTEGER,
        returned_day TEXT,
        returned_by TEXT,
        return_note TEXT
    )",
    "CREATE INDEX IF NOT EXISTS parcels_status ON parcels (status, arrived_at)",
    "CREATE INDEX IF NOT EXISTS parcels_resident ON parcels (resident, status)",
    "CREATE INDEX IF NOT EXISTS parcels_arrived_day ON parcels (arrived_day)",
    "CREATE INDEX IF NOT EXISTS parcels_picked_day ON parcels (picked_day)",
    "CREATE INDEX IF NOT EXISTS parcels_returned_day ON parcels (returned_day)",
    // Wrong pickup codes per phone (pseudonym): `fails` in a row, and the
    // time its code pickups are locked until.
    "CREATE TABLE IF NOT EXISTS locks (
        resident TEXT PRIMARY KEY,
        phone_shown TEXT NOT NULL,
        fails INTEGER NOT NULL,
        locked_until INTEGER NOT NULL,
        locked_at INTEGER,
        lifted_by TEXT,
        lifted_at INTEGER
    )",
];

pub fn ensure_schema() -> Result<(), Fail> {
    Ok(sql::ensure_schema(SCHEMA_VERSION, SCHEMA)?)
}

pub fn rows<T: DeserializeOwned>(statement: &str, params: &[Value]) -> Result<Vec<T>, Fail> {
    Ok(sql::query_as(statement, params)?)
}

pub fn row<T: DeserializeOwned>(statement: &str, params: &[Value]) -> Result<Option<T>, Fail> {
    Ok(sql::query_one(statement, params)?)
}

pub fn int(statement: &str, params: &[Value]) -> Result<i64, Fail> {
    Ok(sql::query_i64(statement, params)?)
}

pub fn opt(s: Option<&str>) -> Value {
    s.map(sql::text).unwrap_or(Value::Null)
}

/// The hall's local date of `ms`.
pub fn day_of(ms: i64) -> String {
    let (y, m, d, _, _) = clock::local(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A parcel as the staff pages and the tick read it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Parcel {
    pub id: i64,
    pub tracking: String,
    pub carrier: String,
    pub resident: String,
    pub phone: Option<String>,
    pub phone_shown: String,
    pub location: String,
    pub status: String,
    pub arrived_at: i64,
    pub registered_by_name: Option<String>,
    pub notified: i64,
    pub picked_at: Option<i64>,
    pub handed_by_name: Option<String>,
    pub picked_how: Option<String>,
    pub id_shown: Option<String>,
    pub proxy: i64,
    pub proxy_name: Option<String>,
    pub proxy_phone_shown: Option<String>,
    pub returned_at: Option<i64>,
    pub returned_by: Option<String>,
    pub return_note: Option<String>,
}

pub const COLUMNS: &str = "id, tracking, carrier, resident, phone, phone_shown, location, status, arrived_at, registered_by_name, notified, picked_at, handed_by_name, picked_how, id_shown, proxy, proxy_name, proxy_phone_shown, returned_at, returned_by, return_note";
