//! The plugin's SQLite schema and small helpers to read rows as structs.
//!
//! Every call runs in a fresh instance, so the schema is checked per call
//! through one kv read; the tables are created once, idempotently.

use crate::fail::Fail;
use linli_sdk::prelude::*;
use linli_sdk::sql::Value;
use serde::de::DeserializeOwned;

const SCHEMA_KEY: &str = "schema";
const SCHEMA_VERSION: &[u8] = b"6";

const SCHEMA: &[&str] = &[
    // One row per ticket. `number` is per original service per day and is
    // never reused (UNIQUE); `service` is where the ticket waits now (it
    // changes on a transfer, the label does not). `sort_time` is the place
    // in the queue: the issue time, kept on a transfer, moved on a requeue.
    "CREATE TABLE IF NOT EXISTS tickets (
        id INTEGER PRIMARY KEY,
        day TEXT NOT NULL,
        origin_service TEXT NOT NULL,
        number INTEGER NOT NULL,
        label TEXT NOT NULL,
        service TEXT NOT NULL,
        token TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        proxy INTEGER NOT NULL DEFAULT 0,
        channel TEXT NOT NULL,
        phone TEXT,
        name TEXT,
        appointment_id TEXT,
        appointment_time INTEGER,
        status TEXT NOT NULL,
        sort_time INTEGER NOT NULL,
        \"window\" TEXT,
        target_window TEXT,
        from_window TEXT,
        clerk_id TEXT,
        clerk_name TEXT,
        issued_at INTEGER NOT NULL,
        called_at INTEGER,
        last_called_at INTEGER,
        recalled_at INTEGER,
        recalls INTEGER NOT NULL DEFAULT 0,
        serving_at INTEGER,
        finished_at INTEGER,
        missed_at INTEGER,
        left_at INTEGER,
        skips INTEGER NOT NULL DEFAULT 0,
        transfers INTEGER NOT NULL DEFAULT 0,
        outcome TEXT,
        windows_open INTEGER NOT NULL DEFAULT 0,
        est_wait_ms INTEGER NOT NULL DEFAULT 0,
        period TEXT NOT NULL,
        printed INTEGER NOT NULL DEFAULT 0,
        idem_key TEXT UNIQUE,
        UNIQUE (day, origin_service, number)
    )",
    // Partial indexes (v5): each holds only the tickets in one state, so a
    // ticket moving on touches only the indexes of the states it leaves and
    // enters (two index entries per call, not six), and each stays as small
    // as that state: the waiting queue, the tickets at windows (one per
    // window at most), the finished ones (for handling times), the missed
    // ones, and the phones (the one-ticket-per-phone rule). v4 indexed every
    // ticket by status, window and handling times, rewriting all three on
    // every change of status.
    "DROP INDEX IF EXISTS tickets_queue",
    "DROP INDEX IF EXISTS tickets_window",
    "DROP INDEX IF EXISTS tickets_handling",
    "CREATE INDEX IF NOT EXISTS tickets_waiting ON tickets (service, sort_time) WHERE status = 'waiting'",
    "CREATE INDEX IF NOT EXISTS tickets_at_window ON tickets (\"window\", last_called_at) WHERE status IN ('called', 'serving')",
    "CREATE INDEX IF NOT EXISTS tickets_done ON tickets (service, finished_at, serving_at, last_called_at) WHERE status = 'finished'",
    "CREATE INDEX IF NOT EXISTS tickets_missed ON tickets (missed_at) WHERE status = 'missed'",
    "CREATE INDEX IF NOT EXISTS tickets_phone ON tickets (phone) WHERE phone IS NOT NULL",
    // (day, origin_service) lookups use the UNIQUE (day, origin_service,
    // number) index; a second index on the same prefix only cost writes (v3).
    "DROP INDEX IF EXISTS tickets_day",
    // v2's handling-time index (v3 replaced it, v5 replaced that).
    "DROP INDEX IF EXISTS tickets_finished",
    // Tickets issued per day, service and period (v3): the daily limit and
    // the period quotas are checked without counting the day's tickets.
    "CREATE TABLE IF NOT EXISTS issue_counts (
        day TEXT NOT NULL,
        service TEXT NOT NULL,
        period TEXT NOT NULL,
        issued INTEGER NOT NULL,
        PRIMARY KEY (day, service, period)
    ) WITHOUT ROWID",
    "INSERT INTO issue_counts (day, service, period, issued)
        SELECT day, origin_service, period, COUNT(*) FROM tickets WHERE true GROUP BY day, origin_service, period
        ON CONFLICT DO NOTHING",
    // Per service, the average handling time of the day's newest finished
    // tickets (v4): written when a ticket is finished, read by every wait
    // estimate (which before read the newest tickets of every service).
    "CREATE TABLE IF NOT EXISTS handling (
        service TEXT PRIMARY KEY,
        day TEXT NOT NULL,
        ms REAL
    )",
    // From v3: start from the last day's finished tickets (all of them,
    // not just the newest; the next finish of each service corrects it).
    "INSERT INTO handling (service, day, ms)
        SELECT service, day, AVG(finished_at - COALESCE(serving_at, last_called_at)) FROM tickets
        WHERE status = 'finished' AND day = (SELECT MAX(day) FROM tickets) GROUP BY service, day
        ON CONFLICT DO NOTHING",
    // One row per window that has been used: who is there, paused or not,
    // and how many appointment/priority calls it made in a row.
    "CREATE TABLE IF NOT EXISTS windows (
        number TEXT PRIMARY KEY,
        paused INTEGER NOT NULL DEFAULT 0,
        clerk_id TEXT,
        clerk_name TEXT,
        streak INTEGER NOT NULL DEFAULT 0,
        last_seen INTEGER NOT NULL DEFAULT 0
    )",
    // v6: who had the counter open at which window, when (export.rs).
    crate::export::SPANS_TABLE,
    crate::export::SPANS_INDEX,
    crate::export::SPANS_DAY_INDEX,
];

/// Create the tables unless this database already has them (and bring an
/// older version up to date: every statement is idempotent). A call's SQL is
/// one transaction, so a half-applied schema never stays behind.
pub fn ensure_schema() -> Result<(), Fail> {
    if kv::get(SCHEMA_KEY)?.as_deref() == Some(SCHEMA_VERSION) {
        return Ok(());
    }
    let stmts: Vec<(String, Vec<Value>)> = SCHEMA.iter().map(|s| (s.to_string(), vec![])).collect();
    sql::transaction(&stmts)?;
    kv::set(SCHEMA_KEY, SCHEMA_VERSION)?;
    Ok(())
}

/// Run a query (or a statement with RETURNING) and read each row as `T`,
/// by column name.
pub fn rows<T: DeserializeOwned>(statement: &str, params: &[Value]) -> Result<Vec<T>, Fail> {
    sql::query(statement, params)?.decode().map_err(|e| Fail::Internal(format!("reading rows: {e}")))
}

/// The first row, if any.
pub fn row<T: DeserializeOwned>(statement: &str, params: &[Value]) -> Result<Option<T>, Fail> {
    Ok(rows(statement, params)?.into_iter().next())
}

/// A single integer (COUNT, MAX…); NULL and no row are 0.
pub fn int(statement: &str, params: &[Value]) -> Result<i64, Fail> {
    Ok(rows::<Option<i64>>(statement, params)?.into_iter().next().flatten().unwrap_or(0))
}

/// A text parameter, NULL when absent.
pub fn opt_text(s: Option<&str>) -> Value {
    s.map(sql::text).unwrap_or(Value::Null)
}

/// An integer parameter, NULL when absent.
pub fn opt_int(i: Option<i64>) -> Value {
    i.map(sql::int).unwrap_or(Value::Null)
}
