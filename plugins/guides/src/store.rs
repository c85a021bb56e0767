//! The items and their versions in the plugin's SQL database. The SQL is
//! plain enough for both SQLite and PostgreSQL (a district's backend):
//! `?N` placeholders, `ON CONFLICT … DO NOTHING`, `RETURNING`, `COALESCE`,
//! ISO dates compared as text, no SQLite-only functions.

use crate::model::Item;
use linli_sdk::prelude::*;
use linli_sdk::store::HostError;
use serde::{Deserialize, Serialize};

const SCHEMA_KEY: &str = "schema";
const SCHEMA_VERSION: &[u8] = b"1";

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS guide_items (
        code TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        seeded INTEGER NOT NULL DEFAULT 0
    )",
    // One row per saved version: the whole item as JSON, in force from
    // `effective` (a date in the hall's time) until a later version is.
    "CREATE TABLE IF NOT EXISTS guide_versions (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL,
        version INTEGER NOT NULL,
        effective TEXT NOT NULL,
        doc TEXT NOT NULL,
        editor TEXT NOT NULL,
        note TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (code, version)
    )",
    "CREATE INDEX IF NOT EXISTS guide_versions_in_force ON guide_versions (code, effective)",
];

/// When the shipped items take effect: the guides they were written from
/// are those of 2026 (a hall started earlier gets them from its first day).
const SEED_EFFECTIVE: &str = "2026-01-01";

/// A version's facts (not its text).
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct VersionInfo {
    pub version: i64,
    pub effective: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub editor: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub created_at: i64,
}

#[derive(Deserialize)]
struct Row {
    code: String,
    version: i64,
    effective: String,
    doc: String,
    editor: String,
    note: String,
    created_at: i64,
}

impl Row {
    fn split(self) -> Result<(Item, VersionInfo), HostError> {
        let mut item: Item = serde_json::from_str(&self.doc).map_err(|e| HostError::Invalid(format!("item {} version {}: {e}", self.code, self.version)))?;
        item.code = self.code;
        Ok((item, VersionInfo { version: self.version, effective: self.effective, editor: self.editor, note: self.note, created_at: self.created_at }))
    }
}

const COLUMNS: &str = "code, version, effective, doc, editor, note, created_at";

/// Create the tables and seed the shipped items, once (a kv flag spares
/// every later call the work; the seed itself is idempotent too: an item
/// already there, edited or not, is left as it is).
pub fn ensure() -> Result<(), HostError> {
    if kv::get(SCHEMA_KEY)?.as_deref() == Some(SCHEMA_VERSION) {
        return Ok(());
    }
    for s in SCHEMA {
        sql::execute(s, &[])?;
    }
    let today = calendar::today();
    let effective = if today.as_str() < SEED_EFFECTIVE { today } else { SEED_EFFECTIVE.to_owned() };
    let seeds: Vec<Item> = serde_json::from_str(include_str!("seed.json")).map_err(|e| HostError::Invalid(format!("seed.json: {e}")))?;
    let now = clock::now();
    for item in seeds {
        let code = item.code.clone();
        let item = item.checked().map_err(|e| HostError::Invalid(format!("seed item {code}: {}", e.en)))?;
        let fresh: Vec<String> = sql::query_as(
            "INSERT INTO guide_items (code, created_at, seeded) VALUES (?1, ?2, 1) ON CONFLICT (code) DO NOTHING RETURNING code",
            &[sql::text(&code), sql::int(now)],
        )?;
        if !fresh.is_empty() {
            insert_version(&item, 1, &effective, "系统预置", "预置事项（据公开办事指南整理）", now)?;
        }
    }
    kv::set(SCHEMA_KEY, SCHEMA_VERSION)?;
    Ok(())
}

fn insert_version(item: &Item, version: i64, effective: &str, editor: &str, note: &str, now: i64) -> Result<(), HostError> {
    let mut doc = item.clone();
    // The code is the row's key, not part of the text.
    doc.code = String::new();
    let doc = serde_json::to_string(&doc).map_err(|e| HostError::Invalid(e.to_string()))?;
    sql::execute(
        "INSERT INTO guide_versions (code, version, effective, doc, editor, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[sql::text(&item.code), sql::int(version), sql::text(effective), sql::text(&doc), sql::text(editor), sql::text(note), sql::int(now)],
    )?;
    Ok(())
}

/// Every item as in force on `date` (items not yet in force left out).
pub fn all_in_force(date: &str) -> Result<Vec<(Item, VersionInfo)>, HostError> {
    let rows: Vec<Row> = sql::query_as(
        &format!("SELECT {COLUMNS} FROM guide_versions WHERE effective <= ?1 ORDER BY code, effective DESC, version DESC"),
        &[sql::text(date)],
    )?;
    let mut out: Vec<(Item, VersionInfo)> = Vec::new();
    for r in rows {
        if out.last().is_some_and(|(i, _)| i.code == r.code) {
            continue;
        }
        out.push(r.split()?);
    }
    // The same order on either backend (PostgreSQL's collation may sort
    // codes differently from SQLite's bytes).
    out.sort_by(|a, b| a.0.code.cmp(&b.0.code));
    Ok(out)
}

/// One item as in force on `date`.
pub fn in_force(code: &str, date: &str) -> Result<Option<(Item, VersionInfo)>, HostError> {
    let rows: Vec<Row> = sql::query_as(
        &format!("SELECT {COLUMNS} FROM guide_versions WHERE code = ?1 AND effective <= ?2 ORDER BY effective DESC, version DESC LIMIT 1"),
        &[sql::text(code), sql::text(date)],
    )?;
    rows.into_iter().next().map(Row::split).transpose()
}

/// One version exactly.
pub fn by_version(code: &str, version: i64) -> Result<Option<(Item, VersionInfo)>, HostError> {
    let rows: Vec<Row> = sql::query_as(&format!("SELECT {COLUMNS} FROM guide_versions WHERE code = ?1 AND version = ?2"), &[sql::text(code), sql::int(version)])?;
    rows.into_iter().next().map(Row::split).transpose()
}

/// The newest saved version (perhaps not in force yet): what editors edit.
pub fn latest(code: &str) -> Result<Option<(Item, VersionInfo)>, HostError> {
    let rows: Vec<Row> = sql::query_as(&format!("SELECT {COLUMNS} FROM guide_versions WHERE code = ?1 ORDER BY version DESC LIMIT 1"), &[sql::text(code)])?;
    rows.into_iter().next().map(Row::split).transpose()
}

/// Every item's newest version (the editors' list).
pub fn all_latest() -> Result<Vec<(Item, VersionInfo)>, HostError> {
    let rows: Vec<Row> = sql::query_as(&format!("SELECT {COLUMNS} FROM guide_versions WHERE 1 = 1 ORDER BY code, version DESC"), &[])?;
    let mut out: Vec<(Item, VersionInfo)> = Vec::new();
    for r in rows {
        if out.last().is_some_and(|(i, _)| i.code == r.code) {
            continue;
        }
        out.push(r.split()?);
    }
    // The same order on either backend (PostgreSQL's collation may sort
    // codes differently from SQLite's bytes).
    out.sort_by(|a, b| a.0.code.cmp(&b.0.code));
    Ok(out)
}

/// The item's versions, newest first.
pub fn history(code: &str) -> Result<Vec<VersionInfo>, HostError> {
    sql::query_as(
        "SELECT version, effective, editor, note, created_at FROM guide_versions WHERE code = ?1 ORDER BY version DESC",
        &[sql::text(code)],
    )
}

pub fn exists(code: &str) -> Result<bool, HostError> {
    let rows: Vec<String> = sql::query_as("SELECT code FROM guide_items WHERE code = ?1", &[sql::text(code)])?;
    Ok(!rows.is_empty())
}

/// Store a new item; `false` when the code is taken.
pub fn create(item: &Item, effective: &str, editor: &str, note: &str) -> Result<bool, HostError> {
    let now = clock::now();
    let fresh: Vec<String> = sql::query_as(
        "INSERT INTO guide_items (code, created_at, seeded) VALUES (?1, ?2, 0) ON CONFLICT (code) DO NOTHING RETURNING code",
        &[sql::text(&item.code), sql::int(now)],
    )?;
    if fresh.is_empty() {
        return Ok(false);
    }
    insert_version(item, 1, effective, editor, note, now)?;
    Ok(true)
}

/// Store the next version of an item; its number.
pub fn save_version(item: &Item, effective: &str, editor: &str, note: &str) -> Result<i64, HostError> {
    let last: Vec<i64> = sql::query_as("SELECT COALESCE(MAX(version), 0) AS v FROM guide_versions WHERE code = ?1", &[sql::text(&item.code)])?;
    let version = last.first().copied().unwrap_or(0) + 1;
    insert_version(item, version, effective, editor, note, clock::now())?;
    Ok(version)
}
