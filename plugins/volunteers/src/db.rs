//! The volunteers' tables. The SQL runs unchanged on SQLite and PostgreSQL.

use linli_sdk::Fail;
use linli_sdk::prelude::*;
use linli_sdk::sql::Value;
use serde::de::DeserializeOwned;

const SCHEMA_VERSION: &str = "1";

const SCHEMA: &[&str] = &[
    // A volunteer: the pseudonym of the phone (one phone written three
    // ways is one volunteer), the name for the certificate, the phone
    // masked, and a personal code that opens their own record. The phone
    // itself is not kept: messages go in the call that has it.
    "CREATE TABLE IF NOT EXISTS volunteers (
        vkey TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        phone_shown TEXT NOT NULL,
        code TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
    )",
    // A shift of a position: a day, a time, a place, its places and its
    // lead (a staff member who confirms attendance and hours).
    "CREATE TABLE IF NOT EXISTS shifts (
        id INTEGER PRIMARY KEY,
        position TEXT NOT NULL,
        day TEXT NOT NULL,
        start_min INTEGER NOT NULL,
        end_min INTEGER NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL,
        place TEXT NOT NULL,
        places INTEGER NOT NULL,
        lead_id TEXT NOT NULL,
        lead_name TEXT NOT NULL,
        note TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS shifts_day ON shifts (day, start_min)",
    // A volunteer on a shift. `active_key` (`shift|volunteer`, NULL once
    // cancelled) is UNIQUE: the same shift signed twice is one sign-up.
    // `attended` and `minutes` are NULL until the lead records them.
    "CREATE TABLE IF NOT EXISTS signups (
        id INTEGER PRIMARY KEY,
        shift INTEGER NOT NULL,
        vkey TEXT NOT NULL,
        day TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL,
        status TEXT NOT NULL,
        active_key TEXT UNIQUE,
        attended INTEGER,
        minutes INTEGER,
        recorded_by TEXT,
        recorded_at INTEGER,
        created_at INTEGER NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS signups_shift ON signups (shift, status)",
    "CREATE INDEX IF NOT EXISTS signups_volunteer ON signups (vkey, day)",
    // Every recording and correction of hours: who, when, before, after, why.
    "CREATE TABLE IF NOT EXISTS timeline (
        id INTEGER PRIMARY KEY,
        signup INTEGER NOT NULL,
        shift INTEGER NOT NULL,
        at INTEGER NOT NULL,
        by_id TEXT NOT NULL,
        by_name TEXT NOT NULL,
        action TEXT NOT NULL,
        before_attended INTEGER,
        before_minutes INTEGER,
        after_attended INTEGER NOT NULL,
        after_minutes INTEGER NOT NULL,
        reason TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS timeline_shift ON timeline (shift, id)",
    // Certificates of hours (志愿服务时长证明), checked by anyone by code.
    "CREATE TABLE IF NOT EXISTS certificates (
        code TEXT PRIMARY KEY,
        vkey TEXT NOT NULL,
        name TEXT NOT NULL,
        year INTEGER NOT NULL,
        minutes INTEGER NOT NULL,
        shifts INTEGER NOT NULL,
        issuer TEXT NOT NULL,
        issued_day TEXT NOT NULL,
        issued_by TEXT NOT NULL,
        created_at INTEGER NOT NULL
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

/// The hall's local date and minute of the day at `ms`.
pub fn local_day(ms: i64) -> (String, u32) {
    let (y, m, d, hh, mm) = clock::local(ms);
    (format!("{y:04}-{m:02}-{d:02}"), hh * 60 + mm)
}

/// Minutes as hours with one decimal (`90` → `1.5`).
pub fn hours(minutes: i64) -> String {
    format!("{}.{}", minutes / 60, (minutes % 60) * 10 / 60)
}
