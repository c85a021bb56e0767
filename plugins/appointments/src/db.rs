//! The plugin's tables and small helpers. The SQL runs unchanged on SQLite
//! and on PostgreSQL (a district's store): `?N` placeholders, INTEGER ms
//! times from the host clock, no dialect functions, booleans as 0/1.

use linli_sdk::Fail;
use linli_sdk::prelude::*;
use linli_sdk::sql::Value;
use serde::de::DeserializeOwned;

const SCHEMA_VERSION: &str = "1";

const SCHEMA: &[&str] = &[
    // One row per booking. While a booking holds its place (booked or
    // checked in) `active_key` is `item|day|resident` and `seat` its place
    // in the slot; both are NULL once it is cancelled or missed. The two
    // UNIQUE constraints are the last line of defence behind the checks
    // (the plugin's calls already run one at a time): one booking per
    // resident per item per day, never two residents on one seat, and
    // seats only go up to the bookable count.
    "CREATE TABLE IF NOT EXISTS bookings (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        item TEXT NOT NULL,
        day TEXT NOT NULL,
        slot TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        resident TEXT NOT NULL,
        phone TEXT,
        phone_shown TEXT NOT NULL,
        id_key TEXT,
        status TEXT NOT NULL,
        seat INTEGER,
        active_key TEXT UNIQUE,
        proxy INTEGER NOT NULL DEFAULT 0,
        booked_by TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        checked_in_at INTEGER,
        ticket TEXT,
        ticket_page TEXT,
        noshow_used INTEGER NOT NULL DEFAULT 0,
        confirmed INTEGER NOT NULL DEFAULT 0,
        reminded_day INTEGER NOT NULL DEFAULT 0,
        reminded_hour INTEGER NOT NULL DEFAULT 0
    )",
    "CREATE UNIQUE INDEX IF NOT EXISTS bookings_seat ON bookings (item, day, slot, seat)",
    "CREATE INDEX IF NOT EXISTS bookings_status_start ON bookings (status, start_ms)",
    "CREATE INDEX IF NOT EXISTS bookings_resident ON bookings (resident, day)",
    "CREATE INDEX IF NOT EXISTS bookings_id_key ON bookings (id_key, day)",
    // A pause in booking after too many no-shows; lifting keeps the row
    // (who and when) and the host's audit log keeps the staff action.
    "CREATE TABLE IF NOT EXISTS bans (
        id INTEGER PRIMARY KEY,
        resident TEXT NOT NULL,
        phone_shown TEXT NOT NULL,
        since_ms INTEGER NOT NULL,
        until_ms INTEGER NOT NULL,
        noshows INTEGER NOT NULL,
        lifted_at INTEGER,
        lifted_by TEXT
    )",
    "CREATE INDEX IF NOT EXISTS bans_resident ON bans (resident, until_ms)",
];

/// Create the tables once (the SDK's `ensure_schema`: all or nothing,
/// the version recorded with them).
pub fn ensure_schema() -> Result<(), Fail> {
    Ok(sql::ensure_schema(SCHEMA_VERSION, SCHEMA)?)
}

pub fn rows<T: DeserializeOwned>(statement: &str, params: &[Value]) -> Result<Vec<T>, Fail> {
    Ok(sql::query_as(statement, params)?)
}

pub fn row<T: DeserializeOwned>(statement: &str, params: &[Value]) -> Result<Option<T>, Fail> {
    Ok(sql::query_one(statement, params)?)
}

/// A single integer (COUNT); NULL and no row are 0.
pub fn int(statement: &str, params: &[Value]) -> Result<i64, Fail> {
    Ok(sql::query_i64(statement, params)?)
}

pub fn opt_text(s: Option<&str>) -> Value {
    s.map(sql::text).unwrap_or(Value::Null)
}

/// A booking as stored.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Booking {
    pub id: i64,
    pub code: String,
    pub item: String,
    pub day: String,
    pub slot: String,
    pub start_ms: i64,
    pub resident: String,
    pub phone_shown: String,
    pub status: String,
    pub proxy: i64,
    pub checked_in_at: Option<i64>,
    pub ticket: Option<String>,
    pub ticket_page: Option<String>,
}

pub const BOOKING_COLUMNS: &str = "id, code, item, day, slot, start_ms, resident, phone_shown, status, proxy, checked_in_at, ticket, ticket_page";

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (None unless it is a real date).
pub fn days_of(date: &str) -> Option<i64> {
    calendar::days_of(date)
}

/// The instant (ms) of local time `minute` (after midnight) on `date`.
pub fn instant(date: &str, minute: u32) -> Option<i64> {
    calendar::instant(date, minute)
}

/// The hall's local date and minute of the day at `ms`.
pub fn local_day(ms: i64) -> (String, u32) {
    let (y, m, d, hh, mm) = clock::local(ms);
    (format!("{y:04}-{m:02}-{d:02}"), hh * 60 + mm)
}

/// `HH:MM` of a minute of the day.
pub fn hhmm(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}
