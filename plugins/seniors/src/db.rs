//! The corner's tables. The SQL runs unchanged on SQLite and PostgreSQL:
//! `?N` placeholders, INTEGER ms times from the host clock, `YYYY-MM-DD`
//! dates made here, booleans as 0/1.

use linli_sdk::Fail;
use linli_sdk::prelude::*;
use linli_sdk::sql::Value;
use serde::de::DeserializeOwned;

const SCHEMA_VERSION: &str = "1";

const SCHEMA: &[&str] = &[
    // An activity: weekly (`weekday` 1 = Monday … 7 = Sunday, from
    // `from_day` until `until_day` or for ever) or once (`day`). Times as
    // minutes after midnight. `active = 0`: taken off the calendar.
    "CREATE TABLE IF NOT EXISTS activities (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        place TEXT NOT NULL,
        leader TEXT NOT NULL,
        note TEXT NOT NULL,
        start_min INTEGER NOT NULL,
        end_min INTEGER NOT NULL,
        capacity INTEGER NOT NULL,
        weekday INTEGER,
        day TEXT,
        from_day TEXT NOT NULL,
        until_day TEXT,
        active INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_by TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    )",
    // One sign-up for one activity on one day. `status`: booked, waiting,
    // checked_in, cancelled. While it holds a place or a place on the
    // waiting list `active_key` is `activity|day|resident` (UNIQUE: one per
    // resident per activity and day), NULL once cancelled. `resident` is
    // the pseudonym of the phone, or of the name for a resident without a
    // phone signed up by a volunteer (代办: `proxy`, `signed_by`). The phone
    // is kept only for the messages; `phone_shown` is masked.
    "CREATE TABLE IF NOT EXISTS signups (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        activity INTEGER NOT NULL,
        day TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL,
        resident TEXT NOT NULL,
        name TEXT NOT NULL,
        phone TEXT,
        phone_shown TEXT NOT NULL,
        status TEXT NOT NULL,
        active_key TEXT UNIQUE,
        proxy INTEGER NOT NULL,
        signed_by TEXT,
        signed_by_name TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        promoted_at INTEGER,
        checked_in_at INTEGER,
        cancelled_by TEXT,
        reminded_day INTEGER NOT NULL DEFAULT 0,
        reminded_hour INTEGER NOT NULL DEFAULT 0
    )",
    "CREATE INDEX IF NOT EXISTS signups_occurrence ON signups (activity, day, status, id)",
    "CREATE INDEX IF NOT EXISTS signups_start ON signups (status, start_ms)",
    "CREATE INDEX IF NOT EXISTS signups_resident ON signups (resident, day)",
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

pub fn opt_text(s: Option<&str>) -> Value {
    s.map(sql::text).unwrap_or(Value::Null)
}

/// The hall's local date and minute of the day at `ms`.
pub fn local_day(ms: i64) -> (String, u32) {
    let (y, m, d, hh, mm) = clock::local(ms);
    (format!("{y:04}-{m:02}-{d:02}"), hh * 60 + mm)
}

/// 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday).
pub fn weekday(date: &str) -> Option<u32> {
    calendar::days_of(date).map(|d| ((d + 3).rem_euclid(7) + 1) as u32)
}

/// The date `n` days after `date`.
pub fn add_days(date: &str, n: i64) -> Option<String> {
    let ms = calendar::instant(date, 12 * 60)? + n * 86_400_000;
    Some(local_day(ms).0)
}

/// Whether the hall (and so the corner) is open on `date`: the hall's
/// working-day calendar; a year the calendar lacks counts Monday to
/// Friday, so the corner's calendar never goes blank on New Year.
pub fn open_on(date: &str) -> bool {
    match calendar::is_working_day(date) {
        Ok(open) => open,
        Err(_) => weekday(date).is_some_and(|w| w <= 5),
    }
}
