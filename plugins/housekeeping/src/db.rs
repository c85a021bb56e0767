//! The plugin's tables. The SQL runs unchanged on SQLite and on PostgreSQL:
//! `?N` placeholders, INTEGER ms times from the host clock, dates as
//! `YYYY-MM-DD` text made here, booleans as 0/1.

use linli_sdk::Fail;
use linli_sdk::prelude::*;
use linli_sdk::sql::Value;
use serde::de::DeserializeOwned;

const SCHEMA_VERSION: &str = "1";

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS providers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        contact TEXT NOT NULL,
        intro TEXT NOT NULL,
        active INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT
    )",
    "CREATE TABLE IF NOT EXISTS services (
        id INTEGER PRIMARY KEY,
        provider_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        price_cents INTEGER NOT NULL,
        unit TEXT NOT NULL,
        active INTEGER NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS services_provider ON services (provider_id)",
    // A bookable time of one service; `capacity` bookings at most (1 unless set).
    "CREATE TABLE IF NOT EXISTS slots (
        id INTEGER PRIMARY KEY,
        provider_id INTEGER NOT NULL,
        service_id INTEGER NOT NULL,
        day TEXT NOT NULL,
        start_time TEXT NOT NULL,
        end_time TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL,
        capacity INTEGER NOT NULL,
        UNIQUE (service_id, day, start_time)
    )",
    "CREATE INDEX IF NOT EXISTS slots_day ON slots (day, start_ms)",
    // One row per booking. While it holds its place (pending or confirmed)
    // `seat` is its place in the slot and `active_key` is `slot|resident`;
    // both are NULL once it is declined or cancelled. The UNIQUE
    // constraints stand behind the checks: never two bookings on one
    // seat, never one resident twice in one slot.
    "CREATE TABLE IF NOT EXISTS bookings (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        slot_id INTEGER NOT NULL,
        service_id INTEGER NOT NULL,
        provider_id INTEGER NOT NULL,
        resident TEXT NOT NULL,
        phone TEXT NOT NULL,
        phone_shown TEXT NOT NULL,
        address TEXT NOT NULL,
        note TEXT,
        status TEXT NOT NULL,
        seat INTEGER,
        active_key TEXT UNIQUE,
        created_at INTEGER NOT NULL,
        decided_at INTEGER,
        decline_reason TEXT,
        rating INTEGER,
        rating_words TEXT,
        rated_at INTEGER,
        UNIQUE (slot_id, seat)
    )",
    "CREATE INDEX IF NOT EXISTS bookings_provider ON bookings (provider_id, status)",
    // A provider's access: one-time sign-in codes and the keys they are
    // exchanged for, each kept only as the host's keyed pseudonym.
    "CREATE TABLE IF NOT EXISTS access (
        id INTEGER PRIMARY KEY,
        provider_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        created_by TEXT,
        used_at INTEGER,
        revoked_at INTEGER
    )",
    "CREATE INDEX IF NOT EXISTS access_provider ON access (provider_id, kind)",
    // Wrong codes or keys per provider (0: a secret naming no provider)
    // since the window began.
    "CREATE TABLE IF NOT EXISTS guesses (
        provider_id INTEGER PRIMARY KEY,
        fails INTEGER NOT NULL,
        since INTEGER NOT NULL
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

/// Minutes after midnight of `HH:MM`.
pub fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Random characters a person can read out and type (no 0/O, 1/I).
pub fn random_code(n: usize) -> Result<String, Fail> {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| Fail::internal(format!("no random bytes: {e}")))?;
    Ok(b.iter().map(|x| ALPHABET[(*x & 31) as usize] as char).collect())
}
