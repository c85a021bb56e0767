//! The audit log: who read or changed which resident's data, who changed
//! roles, grants, plugins and configuration.
//!
//! Entries are only ever appended: the table refuses UPDATE and DELETE
//! (triggers), no API edits it, and each entry carries the hash of the one
//! before it, so [`verify_chain`] notices rows changed behind the API's back.

use crate::auth::Caller;
use crate::storage::Result;
use crate::storage::sqlite::SqliteStorage;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub time: i64,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
}

fn entry_hash(prev: &str, time: i64, kind: &str, id: Option<&str>, name: Option<&str>, action: &str, target: Option<&str>, detail: Option<&str>) -> String {
    let mut h = Sha256::new();
    for part in [prev, &time.to_string(), kind, id.unwrap_or(""), name.unwrap_or(""), action, target.unwrap_or(""), detail.unwrap_or("")] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Append one entry.
pub fn record(db: &SqliteStorage, actor: &Caller, time: i64, action: &str, target: Option<&str>, detail: Option<&str>) -> Result<()> {
    let kind = actor.kind_str();
    let (id, name) = (actor.id.as_deref(), actor.name.as_deref());
    db.with_writer(|c| {
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let prev: String = tx
            .query_row("SELECT hash FROM audit ORDER BY id DESC LIMIT 1", [], |r| r.get(0))
            .optional()?
            .unwrap_or_else(|| "genesis".into());
        let hash = entry_hash(&prev, time, kind, id, name, action, target, detail);
        tx.execute(
            "INSERT INTO audit (time, actor_kind, actor_id, actor_name, action, target, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![time, kind, id, name, action, target, detail, prev, hash],
        )?;
        tx.commit()
    })
}

/// What to look for; every field narrows the result.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub from: Option<i64>,
    pub until: Option<i64>,
    pub limit: Option<u32>,
}

pub fn query(db: &SqliteStorage, f: &Filter) -> Result<Vec<Entry>> {
    let like = |s: &Option<String>| s.as_ref().filter(|s| !s.is_empty()).map(|s| format!("%{s}%"));
    db.with_reader(|c| {
        let mut st = c.prepare_cached(
            "SELECT id, time, actor_kind, actor_id, actor_name, action, target, detail FROM audit
              WHERE (?1 IS NULL OR actor_name LIKE ?1 OR actor_id LIKE ?1)
                AND (?2 IS NULL OR action LIKE ?2)
                AND (?3 IS NULL OR target LIKE ?3)
                AND (?4 IS NULL OR time >= ?4)
                AND (?5 IS NULL OR time < ?5)
              ORDER BY id DESC LIMIT ?6",
        )?;
        let rows = st.query_map(params![like(&f.actor), like(&f.action), like(&f.target), f.from, f.until, f.limit.unwrap_or(500).min(10_000)], |r| {
            Ok(Entry {
                id: r.get(0)?,
                time: r.get(1)?,
                actor_kind: r.get(2)?,
                actor_id: r.get(3)?,
                actor_name: r.get(4)?,
                action: r.get(5)?,
                target: r.get(6)?,
                detail: r.get(7)?,
            })
        })?;
        rows.collect()
    })
}

/// Check the hash chain; returns the id of the first entry that does not
/// match, or None when the log is intact.
pub fn verify_chain(db: &SqliteStorage) -> Result<Option<i64>> {
    db.with_reader(|c| {
        let mut st = c.prepare("SELECT id, time, actor_kind, actor_id, actor_name, action, target, detail, prev_hash, hash FROM audit ORDER BY id")?;
        let mut rows = st.query([])?;
        let mut prev = "genesis".to_owned();
        while let Some(r) = rows.next()? {
            let (id, time): (i64, i64) = (r.get(0)?, r.get(1)?);
            let (kind, aid, name, action, target, detail): (String, Option<String>, Option<String>, String, Option<String>, Option<String>) =
                (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?);
            let (p, h): (String, String) = (r.get(8)?, r.get(9)?);
            let expect = entry_hash(&prev, time, &kind, aid.as_deref(), name.as_deref(), &action, target.as_deref(), detail.as_deref());
            if p != prev || h != expect {
                return Ok(Some(id));
            }
            prev = h;
        }
        Ok(None)
    })
}

/// CSV for the supervisor's export (RFC 4180 quoting).
pub fn to_csv(entries: &[Entry], utc_offset_minutes: i32) -> String {
    let mut out = String::from("\u{feff}id,time,actor_kind,actor_id,actor_name,action,target,detail\r\n");
    for e in entries {
        let fields = [
            e.id.to_string(),
            crate::http::shell::format_local(e.time, utc_offset_minutes),
            e.actor_kind.clone(),
            e.actor_id.clone().unwrap_or_default(),
            e.actor_name.clone().unwrap_or_default(),
            e.action.clone(),
            e.target.clone().unwrap_or_default(),
            e.detail.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_field(s: &str) -> String {
    // A leading = + - @ would be run as a formula by spreadsheet programs.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}
