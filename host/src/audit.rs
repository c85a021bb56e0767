//! The audit log: who read or changed which resident's data, who changed
//! roles, grants, plugins and configuration.
//!
//! Entries are only ever appended: the table refuses UPDATE and DELETE
//! (triggers), no API edits it, and each entry carries the hash of the one
//! before it, so [`verify_chain`] notices rows changed behind the API's back.
//!
//! The chain is keyed: each hash is an HMAC-SHA-256 under a [`ChainKey`]
//! derived from the resident-data key file, which is kept apart from the
//! database. Whoever can write the database file but not read the key
//! cannot rehash a changed entry. The newest entry's id and hash are also
//! written to a head file beside the key on every append, so a chain
//! rewritten even with the key (or cut short, or swapped for another
//! database) no longer ends where the head file says.
//!
//! In a district (the host tables in PostgreSQL) the hosts of a hall append
//! to one log: each append takes a lock on the table that only appends
//! conflict with, so entries are chained in the order they commit,
//! whichever host writes them; a trigger refuses UPDATE, DELETE and
//! TRUNCATE. Each host's head file names the newest entry *it* appended,
//! which the chain must still hold unchanged (entries after it are the
//! other hosts').
//!
//! Databases from before the key keep their plain SHA-256 entries: they are
//! verified as plain, and the first keyed entry (written as `audit.keyed` by
//! [`seal_legacy`] when the host starts) links to the last plain one, so the
//! old part is covered by the key from there on. Keyed hashes carry the
//! prefix `k1:`; a plain entry after a keyed one is a break.

use crate::auth::Caller;
use crate::storage::host_db::sql_args;
use crate::storage::host_db::{Backend, HostDb};
use crate::storage::{Result, StorageError};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The prefix of a keyed hash; entries without it are plain SHA-256.
const KEYED: &str = "k1:";

/// The audit chain's secret and the head file that records its newest entry.
pub struct ChainKey {
    key: [u8; 32],
    head: PathBuf,
    /// Held from an append to its head file's write, so this host's head
    /// files are written in the order of its entries.
    appending: parking_lot::Mutex<()>,
}

impl ChainKey {
    /// A chain key from secret key material (the resident-data key file's),
    /// with its head file at `head`.
    pub fn new(key: [u8; 32], head: PathBuf) -> ChainKey {
        ChainKey { key, head, appending: parking_lot::Mutex::new(()) }
    }

    /// The head file: `<id> <hash>` of the newest entry.
    pub fn head_path(&self) -> &Path {
        &self.head
    }

    fn hash(&self, prev: &str, fields: &Fields<'_>) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!("any key length works"));
        for part in fields.parts(prev) {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part.as_bytes());
        }
        format!("{KEYED}{}", hex::encode(mac.finalize().into_bytes()))
    }

    fn read_head(&self) -> std::io::Result<Option<(i64, String)>> {
        match std::fs::read_to_string(&self.head) {
            Ok(text) => {
                let mut it = text.split_whitespace();
                let id = it.next().and_then(|s| s.parse().ok());
                let hash = it.next().map(str::to_owned);
                match (id, hash) {
                    (Some(id), Some(hash)) => Ok(Some((id, hash))),
                    // Unreadable content is a changed head file: nothing matches it.
                    _ => Ok(Some((0, String::new()))),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Write the head file whole (a temporary file renamed over it), so a
    /// crash leaves the old head or the new one, never half of one.
    fn write_head(&self, id: i64, hash: &str) -> std::io::Result<()> {
        let mut tmp = self.head.clone().into_os_string();
        tmp.push(".tmp");
        std::fs::write(&tmp, format!("{id} {hash}\n"))?;
        std::fs::rename(&tmp, &self.head)
    }
}

/// One entry's hashed fields, in the order they are hashed.
struct Fields<'a> {
    time: i64,
    kind: &'a str,
    id: Option<&'a str>,
    name: Option<&'a str>,
    action: &'a str,
    target: Option<&'a str>,
    detail: Option<&'a str>,
}

impl Fields<'_> {
    fn parts<'s>(&'s self, prev: &'s str) -> [std::borrow::Cow<'s, str>; 8] {
        use std::borrow::Cow::{Borrowed, Owned};
        [
            Borrowed(prev),
            Owned(self.time.to_string()),
            Borrowed(self.kind),
            Borrowed(self.id.unwrap_or("")),
            Borrowed(self.name.unwrap_or("")),
            Borrowed(self.action),
            Borrowed(self.target.unwrap_or("")),
            Borrowed(self.detail.unwrap_or("")),
        ]
    }
}

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

/// The hash of the chain before the key: plain SHA-256 (only verified now).
fn plain_hash(prev: &str, fields: &Fields<'_>) -> String {
    let mut h = Sha256::new();
    for part in fields.parts(prev) {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Append one entry, keyed, and move the head file to it.
pub fn record(db: &HostDb, chain: &ChainKey, actor: &Caller, time: i64, action: &str, target: Option<&str>, detail: Option<&str>) -> Result<()> {
    let fields = Fields { time, kind: actor.kind_str(), id: actor.id.as_deref(), name: actor.name.as_deref(), action, target, detail };
    let _appending = chain.appending.lock();
    let (id, hash) = db.write(|tx| {
        // Appends one at a time, across the hall's hosts too: the newest
        // entry read here is still the newest when this one commits.
        tx.lock_appends("audit")?;
        let prev: String = match tx.query_opt("SELECT hash FROM audit ORDER BY id DESC LIMIT 1", &[])? {
            Some(r) => r.get(0)?,
            None => "genesis".into(),
        };
        let hash = chain.hash(&prev, &fields);
        let id: i64 = tx
            .query_one(
                "INSERT INTO audit (time, actor_kind, actor_id, actor_name, action, target, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                sql_args![time, fields.kind, fields.id, fields.name, action, target, detail, &prev, &hash],
            )?
            .get(0)?;
        Ok((id, hash))
    })?;
    // Still holding `appending`: heads are written in the order the
    // entries were. A crash between the commit and this write leaves the
    // head one entry behind, which verification reports (a false alarm a
    // person checks beats a cut log that passes).
    chain.write_head(id, &hash).map_err(|e| StorageError::Backend(format!("audit head file {}: {e}", chain.head.display())))
}

/// On start: a log whose newest entry is still plain (a database from
/// before the key) gets a keyed `audit.keyed` entry, which links the plain
/// part to the key and starts the head file. A keyed or empty log is left
/// as it is.
pub fn seal_legacy(db: &HostDb, chain: &ChainKey, time: i64) -> Result<()> {
    let last: Option<String> = db.read(|tx| tx.query_opt("SELECT hash FROM audit ORDER BY id DESC LIMIT 1", &[])?.map(|r| r.get(0)).transpose())?;
    match last {
        Some(h) if !h.starts_with(KEYED) => {
            let host = Caller { kind: crate::auth::CallerKind::Anonymous, id: Some("host".into()), name: Some("linli".into()), roles: vec![], window: None, lang: "zh".into() };
            record(db, chain, &host, time, "audit.keyed", None, Some("此前的条目为未加密钥的哈希链，自此条起以密钥签名 / entries before this one are chained with plain SHA-256; keyed from here on"))
        }
        _ => Ok(()),
    }
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

pub fn query(db: &HostDb, f: &Filter) -> Result<Vec<Entry>> {
    let like = |s: &Option<String>| s.as_ref().filter(|s| !s.is_empty()).map(|s| format!("%{s}%"));
    // `lower(…) LIKE lower(…)`: SQLite's LIKE ignores the case of ASCII
    // letters and PostgreSQL's does not; this reads the same on both.
    let rows = db.read(|tx| {
        tx.query(
            "SELECT id, time, actor_kind, actor_id, actor_name, action, target, detail FROM audit
              WHERE (CAST(?1 AS TEXT) IS NULL OR lower(actor_name) LIKE lower(?1) OR lower(actor_id) LIKE lower(?1))
                AND (CAST(?2 AS TEXT) IS NULL OR lower(action) LIKE lower(?2))
                AND (CAST(?3 AS TEXT) IS NULL OR lower(target) LIKE lower(?3))
                AND (CAST(?4 AS INTEGER) IS NULL OR time >= ?4)
                AND (CAST(?5 AS INTEGER) IS NULL OR time < ?5)
              ORDER BY id DESC LIMIT ?6",
            sql_args![like(&f.actor), like(&f.action), like(&f.target), f.from, f.until, i64::from(f.limit.unwrap_or(500).min(10_000))],
        )
    })?;
    rows.iter()
        .map(|r| {
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
        })
        .collect()
}

/// Check the chain and its head file; returns the id of the first entry
/// that does not match (for a log that no longer ends at the head file's
/// entry: its last entry, or the head's id when that is gone), or None when
/// the log is intact.
pub fn verify_chain(db: &HostDb, chain: &ChainKey) -> Result<Option<i64>> {
    let head = chain.read_head().map_err(|e| StorageError::Backend(format!("audit head file {}: {e}", chain.head.display())))?;
    let rows = db.read(|tx| tx.query("SELECT id, time, actor_kind, actor_id, actor_name, action, target, detail, prev_hash, hash FROM audit ORDER BY id", &[]))?;
    // The hash the chain holds at the head file's entry.
    let mut at_head: Option<String> = None;
    // Ok((the last entry, whether the chain is keyed)) or Err(the first
    // entry that breaks it).
    type Walked = std::result::Result<(Option<(i64, String)>, bool), i64>;
    let walked = (|| -> Result<Walked> {
        let mut prev = "genesis".to_owned();
        let mut keyed = false;
        let mut last = None;
        for r in &rows {
            let (id, time): (i64, i64) = (r.get(0)?, r.get(1)?);
            let (kind, aid, name, action, target, detail): (String, Option<String>, Option<String>, String, Option<String>, Option<String>) =
                (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?);
            let (p, h): (String, String) = (r.get(8)?, r.get(9)?);
            let fields = Fields { time, kind: &kind, id: aid.as_deref(), name: name.as_deref(), action: &action, target: target.as_deref(), detail: detail.as_deref() };
            let expect = if h.starts_with(KEYED) {
                keyed = true;
                chain.hash(&prev, &fields)
            } else if keyed {
                // Once keyed, always keyed: a plain entry here was rehashed
                // by someone without the key.
                return Ok(Err(id));
            } else {
                plain_hash(&prev, &fields)
            };
            if p != prev || h != expect {
                return Ok(Err(id));
            }
            if head.as_ref().is_some_and(|(hid, _)| *hid == id) {
                at_head = Some(h.clone());
            }
            last = Some((id, h.clone()));
            prev = h;
        }
        Ok(Ok((last, keyed)))
    })()?;
    let (last, keyed) = match walked {
        Ok(v) => v,
        Err(id) => return Ok(Some(id)),
    };
    if db.backend() == Backend::Postgres
        && let (Some((hid, hh)), Some(_)) = (&head, &last)
    {
        // A district: the other hosts append after this host's newest
        // entry, so the chain must hold that entry unchanged, and may go on.
        return Ok(if at_head.as_ref() == Some(hh) { None } else { Some((*hid).max(1)) });
    }
    Ok(match (head, last) {
        // A keyed chain and no head: the head file was removed.
        (None, Some((id, _))) if keyed => Some(id),
        (None, _) => None,
        // Rewritten, cut short or extended behind the head's back: the
        // first entry that differs from what the head file vouches for.
        (Some((hid, hh)), Some((id, h))) if (hid, &hh) != (id, &h) => Some(id.min(hid + 1).max(1)),
        (Some(_), Some(_)) => None,
        // The head names an entry and the log is empty: swapped or emptied.
        (Some((hid, _)), None) => Some(hid.max(1)),
    })
}

/// CSV for the supervisor's export (RFC 4180 quoting).
pub fn to_csv(entries: &[Entry], utc_offset_minutes: i32) -> String {
    let mut out = String::from("\u{feff}id,time,actor_kind,actor_id,actor_name,action,target,detail\r\n");
    for e in entries {
        let fields = [
            e.id.to_string(),
            linli_shared::time::format(e.time, utc_offset_minutes),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::Durability;
    use rusqlite::params;

    struct Log {
        _dir: tempfile::TempDir,
        db: HostDb,
        chain: ChainKey,
    }

    fn log(entries: usize) -> Log {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = HostDb::sqlite(std::sync::Arc::new(crate::storage::sqlite::SqliteStorage::open(&dir.path().join("linli.db"), Durability::Normal).expect("db")));
        let chain = ChainKey::new([7; 32], dir.path().join("keys.audit-head"));
        let staff = Caller { kind: crate::auth::CallerKind::Staff, id: Some("1".into()), name: Some("王主管".into()), roles: vec!["supervisor".into()], window: None, lang: "zh".into() };
        for i in 0..entries {
            record(&db, &chain, &staff, 1_000 + i as i64, "resident.read", Some(&format!("resident:{i}")), Some("查看")).expect("record");
        }
        Log { _dir: dir, db, chain }
    }

    /// What someone with the database file can do: drop the triggers,
    /// change rows, put the triggers back.
    fn tamper(db: &HostDb, sql: &str, params: impl rusqlite::Params) {
        db.with_writer(|c| {
            c.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")?;
            c.execute(sql, params)?;
            c.execute_batch(
                "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                 CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
            )
        })
        .expect("tampered");
    }

    /// Rehash every entry from the first on with `hash`, as an attacker
    /// covering a change would.
    fn rehash(db: &HostDb, hash: impl Fn(&str, &Fields<'_>) -> String) {
        type Row = (i64, i64, String, Option<String>, Option<String>, String, Option<String>, Option<String>);
        let rows: Vec<Row> = db
            .with_reader(|c| {
                let mut st = c.prepare("SELECT id, time, actor_kind, actor_id, actor_name, action, target, detail FROM audit ORDER BY id")?;
                st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))?.collect()
            })
            .expect("rows");
        let mut prev = "genesis".to_owned();
        for (id, time, kind, aid, name, action, target, detail) in rows {
            let f = Fields { time, kind: &kind, id: aid.as_deref(), name: name.as_deref(), action: &action, target: target.as_deref(), detail: detail.as_deref() };
            let h = hash(&prev, &f);
            tamper(db, "UPDATE audit SET prev_hash = ?2, hash = ?3 WHERE id = ?1", params![id, prev, h]);
            prev = h;
        }
    }

    #[test]
    fn the_key_comes_from_the_key_file_and_the_head_lies_beside_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = dir.path().join("secrets/linli.key");
        let vault = crate::residents::Vault::open(&key).expect("key file made");
        let chain = vault.audit_chain();
        assert_eq!(chain.head_path(), dir.path().join("secrets/linli.key.audit-head"));
        // The same file gives the same chain key after a restart; another does not.
        let f = Fields { time: 1, kind: "staff", id: None, name: None, action: "x", target: None, detail: None };
        let again = crate::residents::Vault::open(&key).expect("key file read");
        assert_eq!(chain.hash("genesis", &f), again.audit_chain().hash("genesis", &f));
        let other = crate::residents::Vault::open(&dir.path().join("other.key")).expect("other key");
        assert_ne!(chain.hash("genesis", &f), other.audit_chain().hash("genesis", &f));
    }

    #[test]
    fn an_untouched_keyed_log_is_intact_and_keyed() {
        let l = log(5);
        assert_eq!(verify_chain(&l.db, &l.chain).expect("verify"), None);
        let hashes: Vec<String> = l.db.with_reader(|c| c.prepare("SELECT hash FROM audit")?.query_map([], |r| r.get(0))?.collect()).expect("hashes");
        assert!(hashes.iter().all(|h| h.starts_with(KEYED)), "every new entry is keyed: {hashes:?}");
        let head = std::fs::read_to_string(l.chain.head_path()).expect("head file");
        assert!(head.starts_with("5 k1:"), "the head file names the newest entry: {head}");
    }

    #[test]
    fn a_changed_entry_rehashed_with_plain_sha256_is_detected() {
        let l = log(5);
        tamper(&l.db, "UPDATE audit SET target = 'resident:999' WHERE id = 3", []);
        assert_eq!(verify_chain(&l.db, &l.chain).expect("verify"), Some(3), "changed row");
        // The whole chain rehashed the old way, without the key.
        rehash(&l.db, plain_hash);
        assert!(verify_chain(&l.db, &l.chain).expect("verify").is_some(), "a plain rehash is no longer a valid chain");
        // Rehashed without the key under another key: the HMACs do not match.
        let other = ChainKey::new([8; 32], l.chain.head.clone());
        rehash(&l.db, |p, f| other.hash(p, f));
        assert_eq!(verify_chain(&l.db, &l.chain).expect("verify"), Some(1), "a rehash under another key");
    }

    #[test]
    fn a_chain_rewritten_with_the_key_but_not_the_head_is_detected() {
        let l = log(5);
        tamper(&l.db, "UPDATE audit SET detail = '无' WHERE id = 2", []);
        rehash(&l.db, |p, f| l.chain.hash(p, f));
        // Every link matches under the key; only the head file tells.
        assert_eq!(verify_chain(&l.db, &l.chain).expect("verify"), Some(5), "the log no longer ends at the head's entry");
    }

    #[test]
    fn a_cut_log_a_lost_head_and_an_emptied_log_are_detected() {
        let l = log(5);
        tamper(&l.db, "DELETE FROM audit WHERE id = 5", []);
        assert_eq!(verify_chain(&l.db, &l.chain).expect("verify"), Some(4), "last entry cut off");

        let l = log(3);
        std::fs::remove_file(l.chain.head_path()).expect("remove head");
        assert_eq!(verify_chain(&l.db, &l.chain).expect("verify"), Some(3), "a keyed log without its head file");

        let l = log(3);
        tamper(&l.db, "DELETE FROM audit", []);
        assert_eq!(verify_chain(&l.db, &l.chain).expect("verify"), Some(3), "an emptied log");
    }

    #[test]
    fn a_plain_log_from_before_the_key_is_verified_as_plain_then_continued_keyed() {
        let l = log(0);
        // Three entries written the old way.
        let mut prev = "genesis".to_owned();
        for i in 0..3i64 {
            let target = format!("resident:{i}");
            let f = Fields { time: i, kind: "staff", id: Some("1"), name: Some("老系统"), action: "resident.read", target: Some(&target), detail: None };
            let h = plain_hash(&prev, &f);
            l.db.with_writer(|c| {
                c.execute(
                    "INSERT INTO audit (time, actor_kind, actor_id, actor_name, action, target, detail, prev_hash, hash) VALUES (?1, 'staff', '1', '老系统', 'resident.read', ?2, NULL, ?3, ?4)",
                    params![i, target, prev, h],
                )
            })
            .expect("old entry");
            prev = h;
        }
        assert_eq!(verify_chain(&l.db, &l.chain).expect("verify"), None, "the old plain chain verifies as plain");
        seal_legacy(&l.db, &l.chain, 10).expect("seal");
        seal_legacy(&l.db, &l.chain, 11).expect("sealing twice adds nothing");
        let actions: Vec<String> = l.db.with_reader(|c| c.prepare("SELECT action FROM audit ORDER BY id")?.query_map([], |r| r.get(0))?.collect()).expect("actions");
        assert_eq!(actions.last().map(String::as_str), Some("audit.keyed"));
        assert_eq!(actions.len(), 4);
        assert_eq!(verify_chain(&l.db, &l.chain).expect("verify"), None, "plain part, then keyed");

        // The old part is covered by the keyed marker: changed and rehashed
        // plain up to the marker, the marker's link breaks.
        tamper(&l.db, "UPDATE audit SET target = 'resident:77' WHERE id = 2", []);
        let rows = 3;
        let mut prev = "genesis".to_owned();
        for id in 1..=rows {
            let (time, target): (i64, String) = l.db.with_reader(|c| c.query_row("SELECT time, target FROM audit WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))).expect("row");
            let f = Fields { time, kind: "staff", id: Some("1"), name: Some("老系统"), action: "resident.read", target: Some(&target), detail: None };
            let h = plain_hash(&prev, &f);
            tamper(&l.db, "UPDATE audit SET prev_hash = ?2, hash = ?3 WHERE id = ?1", params![id, prev, h]);
            prev = h;
        }
        assert_eq!(verify_chain(&l.db, &l.chain).expect("verify"), Some(4), "the keyed marker no longer links");
    }

    #[test]
    fn a_plain_entry_after_a_keyed_one_is_a_break() {
        let l = log(2);
        // Entry 2 rewritten as a plain one, linked correctly, head updated:
        // an attacker with the head file but not the key.
        let prev: String = l.db.with_reader(|c| c.query_row("SELECT hash FROM audit WHERE id = 1", [], |r| r.get(0))).expect("prev");
        let f = Fields { time: 1_001, kind: "staff", id: Some("1"), name: Some("王主管"), action: "resident.read", target: Some("resident:1"), detail: Some("查看") };
        let h = plain_hash(&prev, &f);
        tamper(&l.db, "UPDATE audit SET hash = ?1 WHERE id = 2", [&h]);
        l.chain.write_head(2, &h).expect("head");
        assert_eq!(verify_chain(&l.db, &l.chain).expect("verify"), Some(2));
    }
}
