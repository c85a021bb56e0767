//! The plugin's tables and small helpers. The SQL runs unchanged on SQLite
//! and on PostgreSQL (a district's store): `?N` placeholders, INTEGER ms
//! times from the host clock, dates as TEXT made here, no dialect
//! functions, booleans as 0/1.

use crate::fail::Fail;
use linli_sdk::prelude::*;
use linli_sdk::sql::Value;
use serde::de::DeserializeOwned;

// 2: the case thread's links and certificate revocations (new tables only).
const SCHEMA_VERSION: &str = "2";

const SCHEMA: &[&str] = &[
    // One row per application. `token` is the resident's secret link
    // (the page and the uploads); staff reach it by `id`. The legal clock:
    // `clock_day` is the day the latest (re)submission arrived, `due_day`
    // the last working day a correction may be asked for; after it the
    // application counts as accepted (`deemed`).
    "CREATE TABLE IF NOT EXISTS applications (
        id INTEGER PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        item TEXT NOT NULL,
        item_name TEXT NOT NULL,
        item_version INTEGER,
        source TEXT NOT NULL,
        applicant TEXT NOT NULL,
        phone TEXT NOT NULL,
        phone_shown TEXT NOT NULL,
        resident TEXT NOT NULL,
        id_key TEXT,
        id_shown TEXT,
        address TEXT,
        purpose TEXT,
        proxy INTEGER NOT NULL DEFAULT 0,
        proxy_by TEXT,
        prefilled INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        clerk TEXT,
        clerk_name TEXT,
        submitted_at INTEGER,
        clock_day TEXT,
        due_day TEXT,
        deemed INTEGER NOT NULL DEFAULT 0,
        rounds INTEGER NOT NULL DEFAULT 0,
        outcome_reason TEXT,
        decided_at INTEGER,
        decided_by TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS applications_status_due ON applications (status, due_day)",
    "CREATE INDEX IF NOT EXISTS applications_id_key ON applications (id_key)",
    // Each listed material of an application: `missing`, `uploaded`,
    // `accepted`, `correction` (asked again, with reasons) or `on_file`
    // (the hall holds it: not asked).
    "CREATE TABLE IF NOT EXISTS materials (
        id INTEGER PRIMARY KEY,
        app_id INTEGER NOT NULL,
        mid TEXT NOT NULL,
        name TEXT NOT NULL,
        position INTEGER NOT NULL,
        status TEXT NOT NULL,
        file_id TEXT,
        file_name TEXT,
        file_type TEXT,
        file_size INTEGER,
        sha256 TEXT,
        reasons TEXT,
        note TEXT,
        held_from INTEGER,
        uploaded_at INTEGER,
        uploaded_by TEXT,
        reviewed_at INTEGER,
        reviewed_by TEXT,
        UNIQUE (app_id, mid)
    )",
    // Every step: who (a resident, a guide for them, a clerk, the system),
    // when, what.
    "CREATE TABLE IF NOT EXISTS timeline (
        id INTEGER PRIMARY KEY,
        app_id INTEGER NOT NULL,
        at INTEGER NOT NULL,
        who TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS timeline_app ON timeline (app_id, id)",
    // Certificates the hall issued (社区证明), checked by anyone by `code`.
    "CREATE TABLE IF NOT EXISTS certificates (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        app_id INTEGER NOT NULL UNIQUE,
        title_zh TEXT NOT NULL,
        title_en TEXT NOT NULL,
        holder TEXT NOT NULL,
        id_shown TEXT,
        address TEXT,
        purpose TEXT,
        issued_day TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        issuer TEXT NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
    )",
    // The one case thread: the booking an application was booked with
    // (checked with the appointments plugin) and the ticket it got (the
    // booking's check-in ticket, or a priority ticket), with the ticket's
    // queue token for its called and finished times.
    "CREATE TABLE IF NOT EXISTS case_links (
        app_id INTEGER NOT NULL UNIQUE,
        booking_code TEXT,
        ticket_label TEXT,
        ticket_token TEXT,
        ticket_via TEXT,
        updated_at INTEGER NOT NULL
    )",
    // A revoked certificate: when, by which supervisor, the reason from
    // the fixed list (shown by the public check) and the supervisor's note
    // (staff only: free text may name people).
    "CREATE TABLE IF NOT EXISTS revocations (
        code TEXT NOT NULL UNIQUE,
        at INTEGER NOT NULL,
        day TEXT NOT NULL,
        by_id TEXT,
        by_name TEXT NOT NULL,
        reason TEXT NOT NULL,
        note TEXT
    )",
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

/// An application as stored.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct App {
    pub id: i64,
    pub token: String,
    pub item: String,
    pub item_name: String,
    pub item_version: Option<i64>,
    pub source: String,
    pub applicant: String,
    pub phone: String,
    pub phone_shown: String,
    pub id_shown: Option<String>,
    pub address: Option<String>,
    pub purpose: Option<String>,
    pub proxy: i64,
    pub proxy_by: Option<String>,
    pub prefilled: i64,
    pub status: String,
    pub clerk: Option<String>,
    pub clerk_name: Option<String>,
    pub submitted_at: Option<i64>,
    pub clock_day: Option<String>,
    pub due_day: Option<String>,
    pub deemed: i64,
    pub rounds: i64,
    pub outcome_reason: Option<String>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

pub const APP_COLUMNS: &str = "id, token, item, item_name, item_version, source, applicant, phone, phone_shown, id_shown, address, purpose, proxy, proxy_by, prefilled, status, clerk, clerk_name, submitted_at, clock_day, due_day, deemed, rounds, outcome_reason, decided_at, created_at";

/// One material of an application as stored.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Material {
    pub mid: String,
    pub name: String,
    pub status: String,
    pub file_id: Option<String>,
    pub file_name: Option<String>,
    pub file_type: Option<String>,
    pub file_size: Option<i64>,
    pub reasons: Option<String>,
    pub note: Option<String>,
    pub held_from: Option<i64>,
    pub uploaded_at: Option<i64>,
    pub uploaded_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub reviewed_by: Option<String>,
}

pub const MATERIAL_COLUMNS: &str = "mid, name, status, file_id, file_name, file_type, file_size, reasons, note, held_from, uploaded_at, uploaded_by, reviewed_at, reviewed_by";

pub fn app_by_token(token: &str) -> Result<Option<App>, Fail> {
    row(&format!("SELECT {APP_COLUMNS} FROM applications WHERE token = ?1"), &[sql::text(token)])
}

pub fn app_by_id(id: i64) -> Result<Option<App>, Fail> {
    row(&format!("SELECT {APP_COLUMNS} FROM applications WHERE id = ?1"), &[sql::int(id)])
}

pub fn materials(app: i64) -> Result<Vec<Material>, Fail> {
    rows(&format!("SELECT {MATERIAL_COLUMNS} FROM materials WHERE app_id = ?1 ORDER BY position"), &[sql::int(app)])
}

/// Add a step to the application's timeline.
pub fn step(app: i64, now: i64, who: &str, actor: &str, action: &str, detail: &str) -> Result<(), Fail> {
    sql::execute(
        "INSERT INTO timeline (app_id, at, who, actor, action, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[sql::int(app), sql::int(now), sql::text(who), sql::text(actor), sql::text(action), sql::text(detail)],
    )?;
    Ok(())
}

/// The hall's local date at `ms`.
pub fn local_day(ms: i64) -> String {
    let (y, m, d, _, _) = clock::local(ms);
    format!("{y:04}-{m:02}-{d:02}")
}
