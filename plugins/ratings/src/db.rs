//! The plugin's tables and small helpers. The SQL runs unchanged on SQLite
//! and on PostgreSQL: `?N` placeholders, INTEGER ms times from the host
//! clock, dates as `YYYY-MM-DD` text made here, booleans as 0/1, the
//! reserved word `window` in double quotes.

use linli_sdk::Fail;
use linli_sdk::prelude::*;
use linli_sdk::sql::Value;
use serde::de::DeserializeOwned;

const SCHEMA_VERSION: &str = "1";

const SCHEMA: &[&str] = &[
    // One row per ticket finished at a window, as the queue reported it:
    // what every rating and case is tied to (ticket, window, clerk,
    // service, day). `queue_id` is the queue's ticket id; `rated` is set
    // once, by the one rating the ticket gets.
    "CREATE TABLE IF NOT EXISTS served (
        id INTEGER PRIMARY KEY,
        queue_id INTEGER NOT NULL UNIQUE,
        day TEXT NOT NULL,
        ticket TEXT NOT NULL,
        service TEXT NOT NULL,
        service_name_zh TEXT NOT NULL,
        service_name_en TEXT NOT NULL,
        \"window\" TEXT NOT NULL,
        clerk_id TEXT,
        clerk_name TEXT,
        finished_at INTEGER NOT NULL,
        rated INTEGER NOT NULL DEFAULT 0
    )",
    "CREATE UNIQUE INDEX IF NOT EXISTS served_day_ticket ON served (day, ticket)",
    "CREATE INDEX IF NOT EXISTS served_window ON served (\"window\", finished_at)",
    "CREATE INDEX IF NOT EXISTS served_unrated ON served (finished_at) WHERE rated = 0",
    // One rating per served ticket (UNIQUE: the last line of defence behind
    // the check). `is_default` ratings were given by the rule, not by a
    // resident, and are never counted as real ones; `voided` ones were
    // withdrawn by an upheld appeal.
    "CREATE TABLE IF NOT EXISTS ratings (
        id INTEGER PRIMARY KEY,
        served_id INTEGER NOT NULL UNIQUE,
        day TEXT NOT NULL,
        ticket TEXT NOT NULL,
        service TEXT NOT NULL,
        \"window\" TEXT NOT NULL,
        clerk_id TEXT,
        clerk_name TEXT,
        level INTEGER NOT NULL,
        source TEXT NOT NULL,
        is_default INTEGER NOT NULL DEFAULT 0,
        reasons TEXT NOT NULL,
        words TEXT NOT NULL,
        device_id TEXT,
        voided INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS ratings_day ON ratings (day, \"window\")",
    // One follow-up case per poor rating (差评): 整改, 回访, closed; the
    // clerk's appeal (申诉) and the second supervisor's decision.
    "CREATE TABLE IF NOT EXISTS cases (
        id INTEGER PRIMARY KEY,
        rating_id INTEGER NOT NULL UNIQUE,
        day TEXT NOT NULL,
        ticket TEXT NOT NULL,
        service TEXT NOT NULL,
        \"window\" TEXT NOT NULL,
        clerk_id TEXT,
        clerk_name TEXT,
        level INTEGER NOT NULL,
        reasons TEXT NOT NULL,
        words TEXT NOT NULL,
        status TEXT NOT NULL,
        opened_at INTEGER NOT NULL,
        deadline TEXT NOT NULL,
        handler_id TEXT,
        handler_name TEXT,
        fix_text TEXT,
        fix_at INTEGER,
        callback_result TEXT,
        callback_note TEXT,
        callback_at INTEGER,
        appeal_reason TEXT,
        appeal_at INTEGER,
        appeal_decision TEXT,
        appeal_note TEXT,
        decided_by TEXT,
        decided_by_name TEXT,
        decided_at INTEGER,
        closed_at INTEGER,
        closed_by TEXT,
        outcome TEXT,
        overdue_at INTEGER
    )",
    "CREATE INDEX IF NOT EXISTS cases_status ON cases (status, deadline)",
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

pub fn opt_text(s: Option<&str>) -> Value {
    s.map(sql::text).unwrap_or(Value::Null)
}

/// The hall's local date at `ms`.
pub fn local_day(ms: i64) -> String {
    let (y, m, d, _, _) = clock::local(ms);
    format!("{y:04}-{m:02}-{d:02}")
}
