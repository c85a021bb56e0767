//! The plugin's tables and small helpers. The SQL runs unchanged on SQLite
//! and on PostgreSQL (a district's store): `?N` placeholders, INTEGER ms
//! times from the host clock, no dialect functions, booleans as 0/1.

use linli_sdk::prelude::*;
use linli_sdk::sql::Value;
use serde::de::DeserializeOwned;

const SCHEMA_VERSION: &str = "1";

const SCHEMA: &[&str] = &[
    // One row per suggestion, complaint or praise. `open_due` is the
    // deadline (ms) while the case waits for the staff (received, assigned,
    // in hand) and NULL otherwise, so "overdue" is one range on one index.
    // `words` is the lower-cased text the console's word filter searches.
    // `name` and `phone` are NULL for an anonymous case.
    "CREATE TABLE IF NOT EXISTS cases (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        category TEXT NOT NULL,
        channel TEXT NOT NULL,
        body TEXT NOT NULL,
        words TEXT NOT NULL,
        anonymous INTEGER NOT NULL,
        name TEXT,
        phone TEXT,
        photo TEXT,
        status TEXT NOT NULL,
        assignee TEXT,
        assignee_name TEXT,
        created_at INTEGER NOT NULL,
        created_day TEXT NOT NULL,
        due_day TEXT NOT NULL,
        open_due INTEGER,
        overdue_sent INTEGER NOT NULL DEFAULT 0,
        reply TEXT,
        replied_at INTEGER,
        replied_by TEXT,
        reopened INTEGER NOT NULL DEFAULT 0,
        reopen_reason TEXT,
        accepted INTEGER NOT NULL DEFAULT 0,
        closed_at INTEGER,
        close_note TEXT,
        updated_at INTEGER NOT NULL
    )",
    // The console lists newest first and pages by id (keyset), each filter
    // through its own index; a date range becomes an id range (created_at).
    "CREATE INDEX IF NOT EXISTS cases_status ON cases (status, id)",
    "CREATE INDEX IF NOT EXISTS cases_category ON cases (category, id)",
    "CREATE INDEX IF NOT EXISTS cases_kind ON cases (kind, id)",
    "CREATE INDEX IF NOT EXISTS cases_assignee ON cases (assignee, id)",
    "CREATE INDEX IF NOT EXISTS cases_created ON cases (created_at, id)",
    // The cases waiting for staff, newest first (the console's "waiting"
    // and "overdue" lists), and by deadline (counting the overdue ones,
    // the tick): both only as large as the cases still waiting.
    "CREATE INDEX IF NOT EXISTS cases_waiting ON cases (id) WHERE open_due IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS cases_due ON cases (open_due) WHERE open_due IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS cases_replied ON cases (status, replied_at)",
    // How many cases are in each status, kept with every change of status
    // (counting 100,000 rows on every console page cost PostgreSQL 100 ms).
    "CREATE TABLE IF NOT EXISTS tallies (
        status TEXT PRIMARY KEY,
        n INTEGER NOT NULL
    )",
    // What happened to a case, in order (shown to staff; the resident's
    // tracking page shows the steps without staff names).
    "CREATE TABLE IF NOT EXISTS steps (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL,
        at INTEGER NOT NULL,
        action TEXT NOT NULL,
        actor TEXT,
        note TEXT
    )",
    "CREATE INDEX IF NOT EXISTS steps_case ON steps (case_id, id)",
    // Replies published on the public page, as a staff member confirmed
    // them (personal details already masked).
    "CREATE TABLE IF NOT EXISTS published (
        case_id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        category TEXT NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        published_at INTEGER NOT NULL,
        published_by TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS published_at ON published (published_at, case_id)",
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

/// A single integer (COUNT, MIN); NULL and no row are `None`.
pub fn opt_int(statement: &str, params: &[Value]) -> Result<Option<i64>, Fail> {
    Ok(rows::<Option<i64>>(statement, params)?.into_iter().next().flatten())
}

pub fn opt_text(s: Option<&str>) -> Value {
    s.map(sql::text).unwrap_or(Value::Null)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (None unless it is a real date).
pub fn days_of(date: &str) -> Option<i64> {
    calendar::days_of(date)
}

/// The instant (ms) the hall's local day `date` begins.
pub fn day_start(date: &str) -> Option<i64> {
    calendar::instant(date, 0)
}

/// The hall's local date at `ms`.
pub fn local_day(ms: i64) -> String {
    let (y, m, d, _, _) = clock::local(ms);
    format!("{y:04}-{m:02}-{d:02}")
}
