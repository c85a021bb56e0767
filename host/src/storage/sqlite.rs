//! The embedded default backend: one SQLite file in WAL mode.
//!
//! Writes go through one connection (SQLite allows one writer at a time
//! anyway); reads use a small pool so that readers never wait on a writer.
//! `synchronous=NORMAL` in WAL mode keeps every committed transaction across
//! a crash or `kill -9` of the host process (only an OS crash or power loss
//! can lose the last transactions; `--durability full` closes that too).

use super::{EventLog, KvStore, NewEvent, Result, StorageError, StoredEvent};
use parking_lot::Mutex;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The host file's schema migrations, in order (applied by
/// [`super::migrate::sqlite_apply`]; a change is a new file at the end).
pub(crate) const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../migrations/0001_init.sql")),
    ("0002_staff", include_str!("../../migrations/0002_staff.sql")),
    ("0003_security", include_str!("../../migrations/0003_security.sql")),
    ("0004_events_index", include_str!("../../migrations/0004_events_index.sql")),
    ("0005_staff_windows", include_str!("../../migrations/0005_staff_windows.sql")),
    ("0006_fleet", include_str!("../../migrations/0006_fleet.sql")),
    ("0007_plugin_state", include_str!("../../migrations/0007_plugin_state.sql")),
    ("0008_notify_outbox", include_str!("../../migrations/0008_notify_outbox.sql")),
    ("0009_services", include_str!("../../migrations/0009_services.sql")),
    ("0010_login_failures", include_str!("../../migrations/0010_login_failures.sql")),
    ("0011_hall_info", include_str!("../../migrations/0011_hall_info.sql")),
];

/// How hard a commit is pushed to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Durability {
    /// Survives a crash or kill of the host process (WAL, synchronous=NORMAL).
    #[default]
    Normal,
    /// Also survives power loss (synchronous=FULL); slower writes.
    Full,
}

pub struct SqliteStorage {
    path: PathBuf,
    /// Keeps the background checkpoints going while the store is open.
    _checkpoints: Arc<()>,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    kv_cache: KvCache,
    /// Bytes per namespace (keys and values), counted once on first use
    /// and kept up to date by every write.
    kv_usage: Mutex<std::collections::HashMap<String, i64>>,
}

/// The bytes a key takes now (0 when absent), read inside the write.
fn stored_len(c: &Connection, ns: &str, key: &str) -> rusqlite::Result<i64> {
    c.prepare_cached("SELECT length(key) + length(value) FROM kv WHERE ns = ?1 AND key = ?2")?
        .query_row(params![ns, key], |r| r.get(0))
        .optional()
        .map(|n| n.unwrap_or(0))
}

/// Values read from `kv` lately. A plugin reads the same few keys on every
/// call (its schema version, its settings), and a read through the pool
/// costs a read transaction (file-lock system calls) each time; this host
/// process is the only writer of `kv`, and every write below drops the key
/// here, so a hit is never stale.
#[derive(Default)]
struct KvCache {
    map: Mutex<std::collections::HashMap<String, Option<Vec<u8>>>>,
    /// Bumped by every write, so a read that raced a write is not kept.
    writes: std::sync::atomic::AtomicU64,
}

impl KvCache {
    const MAX_ENTRIES: usize = 4096;
    const MAX_VALUE: usize = 16 * 1024;

    fn key(ns: &str, key: &str) -> String {
        format!("{ns}\0{key}")
    }

    fn get(&self, ns: &str, key: &str) -> Option<Option<Vec<u8>>> {
        self.map.lock().get(&Self::key(ns, key)).cloned()
    }

    /// Keep what was read, unless a write came in since `writes_before`.
    fn put(&self, ns: &str, key: &str, value: &Option<Vec<u8>>, writes_before: u64) {
        if value.as_ref().is_some_and(|v| v.len() > Self::MAX_VALUE) {
            return;
        }
        let mut map = self.map.lock();
        if self.writes.load(Ordering::SeqCst) != writes_before {
            return;
        }
        if map.len() >= Self::MAX_ENTRIES {
            map.clear();
        }
        map.insert(Self::key(ns, key), value.clone());
    }

    fn forget(&self, ns: &str, key: &str) {
        let mut map = self.map.lock();
        map.remove(&Self::key(ns, key));
        self.writes.fetch_add(1, Ordering::SeqCst);
    }
}

fn configure(conn: &mut Connection, durability: Durability) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Every transaction takes the write lock when it begins (waiting up to
    // the busy timeout): a deferred one that reads and then writes would
    // fail at once with "database is locked" when the checkpoint thread's
    // TRUNCATE of a quiet database holds the lock waiting for its read.
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let sync = match durability {
        Durability::Normal => "NORMAL",
        Durability::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A call's savepoint journal (the pages it changed, to roll back to)
    // stays in memory instead of a temporary file created and deleted on
    // every call that changes more than 64 KiB of pages.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // When the log starts over after a checkpoint, it is cut back to this
    // size instead of keeping the busiest moment's size on disk.
    conn.pragma_update(None, "journal_size_limit", 4 * 1024 * 1024)?;
    // Plugins build many distinct statements; the default cache (16) thrashes.
    conn.set_prepared_statement_cache_capacity(256);
    Ok(())
}

impl SqliteStorage {
    /// Open (creating if needed) the database file and apply migrations.
    pub fn open(path: &Path, durability: Durability) -> Result<Self> {
        let mut writer = Connection::open(path)?;
        configure(&mut writer, durability)?;
        migrate(&writer, path)?;
        let checkpoints = super::checkpoint::hand_over(&writer, path)?;
        let readers = (0..4)
            .map(|_| {
                let c = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(std::time::Duration::from_secs(5))?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SqliteStorage {
            path: path.to_owned(),
            _checkpoints: checkpoints,
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            kv_cache: KvCache::default(),
            kv_usage: Mutex::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A write to `ns` changed its size by `delta` (call with the writer
    /// held, so the count and the table move together).
    fn kv_grew(&self, ns: &str, delta: i64) {
        if delta != 0
            && let Some(n) = self.kv_usage.lock().get_mut(ns)
        {
            *n += delta;
        }
    }

    /// Run `f` with the writer connection (host tables: staff, audit…).
    pub fn with_writer<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T> {
        Ok(f(&mut self.writer.lock())?)
    }

    /// Run `f` with a read-only connection from the pool.
    pub fn with_reader<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        // Prefer an idle connection; fall back to waiting on one in turn.
        for c in &self.readers {
            if let Some(conn) = c.try_lock() {
                return Ok(f(&conn)?);
            }
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        Ok(f(&self.readers[i].lock())?)
    }
}

fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    // Refuses a file a newer linli migrated, naming that version.
    super::migrate::sqlite_apply(conn, MIGRATIONS, &format!("SQLite {}", path.display())).map(|_| ())
}

/// Drops a key from the cache when a write to it ends, however it ends.
struct Forget<'a>(&'a KvCache, &'a str, &'a str);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.0.forget(self.1, self.2);
    }
}

impl KvStore for SqliteStorage {
    fn kv_get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>> {
        if let Some(hit) = self.kv_cache.get(ns, key) {
            return Ok(hit);
        }
        let writes_before = self.kv_cache.writes.load(Ordering::SeqCst);
        let value = self.with_reader(|c| {
            c.prepare_cached("SELECT value FROM kv WHERE ns = ?1 AND key = ?2")?
                .query_row(params![ns, key], |r| r.get(0))
                .optional()
        })?;
        self.kv_cache.put(ns, key, &value, writes_before);
        Ok(value)
    }

    fn kv_set(&self, ns: &str, key: &str, value: &[u8]) -> Result<()> {
        let _forget = Forget(&self.kv_cache, ns, key);
        self.with_writer(|c| {
            let before = stored_len(c, ns, key)?;
            c.prepare_cached("INSERT INTO kv (ns, key, value) VALUES (?1, ?2, ?3) ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value")?
                .execute(params![ns, key, value])?;
            self.kv_grew(ns, (key.len() + value.len()) as i64 - before);
            Ok(())
        })
    }

    fn kv_delete(&self, ns: &str, key: &str) -> Result<bool> {
        let _forget = Forget(&self.kv_cache, ns, key);
        self.with_writer(|c| {
            let before = stored_len(c, ns, key)?;
            let gone = c.prepare_cached("DELETE FROM kv WHERE ns = ?1 AND key = ?2")?.execute(params![ns, key])? > 0;
            self.kv_grew(ns, -before);
            Ok(gone)
        })
    }

    fn kv_usage(&self, ns: &str) -> Result<u64> {
        if let Some(n) = self.kv_usage.lock().get(ns) {
            return Ok((*n).max(0) as u64);
        }
        // Counted under the writer, so no write slips between the count and
        // its entry.
        self.with_writer(|c| {
            let n: i64 = c
                .prepare_cached("SELECT COALESCE(SUM(length(key) + length(value)), 0) FROM kv WHERE ns = ?1")?
                .query_row([ns], |r| r.get(0))?;
            self.kv_usage.lock().insert(ns.to_owned(), n);
            Ok(n.max(0) as u64)
        })
    }

    fn kv_scan(&self, ns: &str, prefix: &str, after: Option<&str>, limit: u32) -> Result<Vec<(String, Vec<u8>)>> {
        // Range scan on the primary key: [prefix, prefix + U+10FFFF).
        let upper = format!("{prefix}\u{10FFFF}");
        let lower = after.filter(|a| a.starts_with(prefix)).unwrap_or(prefix).to_owned();
        let strict = after.is_some();
        self.with_reader(|c| {
            let sql = if strict {
                "SELECT key, value FROM kv WHERE ns = ?1 AND key > ?2 AND key < ?3 ORDER BY key LIMIT ?4"
            } else {
                "SELECT key, value FROM kv WHERE ns = ?1 AND key >= ?2 AND key < ?3 ORDER BY key LIMIT ?4"
            };
            let mut st = c.prepare_cached(sql)?;
            let rows = st.query_map(params![ns, lower, upper, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
    }

    fn kv_cas(&self, ns: &str, key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) -> Result<bool> {
        let _forget = Forget(&self.kv_cache, ns, key);
        self.with_writer(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let current: Option<Vec<u8>> = tx
                .prepare_cached("SELECT value FROM kv WHERE ns = ?1 AND key = ?2")?
                .query_row(params![ns, key], |r| r.get(0))
                .optional()?;
            if current.as_deref() != expected {
                return Ok(false);
            }
            let before = current.as_ref().map_or(0, |v| (key.len() + v.len()) as i64);
            let after = new.map_or(0, |v| (key.len() + v.len()) as i64);
            match new {
                Some(v) => tx.execute(
                    "INSERT INTO kv (ns, key, value) VALUES (?1, ?2, ?3) ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value",
                    params![ns, key, v],
                )?,
                None => tx.execute("DELETE FROM kv WHERE ns = ?1 AND key = ?2", params![ns, key])?,
            };
            tx.commit()?;
            self.kv_grew(ns, after - before);
            Ok(true)
        })
    }

    fn kv_increment(&self, ns: &str, key: &str, delta: i64) -> Result<i64> {
        let _forget = Forget(&self.kv_cache, ns, key);
        let r = self.with_writer(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let current: Option<Vec<u8>> = tx
                .prepare_cached("SELECT value FROM kv WHERE ns = ?1 AND key = ?2")?
                .query_row(params![ns, key], |r| r.get(0))
                .optional()?;
            let before = current.as_ref().map_or(0, |v| (key.len() + v.len()) as i64);
            let next = match super::next_count(current.as_deref(), key, delta) {
                Ok(n) => n,
                Err(why) => return Ok(Err(why)),
            };
            tx.execute(
                "INSERT INTO kv (ns, key, value) VALUES (?1, ?2, ?3) ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value",
                params![ns, key, next.to_string().into_bytes()],
            )?;
            tx.commit()?;
            self.kv_grew(ns, (key.len() + next.to_string().len()) as i64 - before);
            Ok(Ok(next))
        })?;
        r.map_err(StorageError::Invalid)
    }
}

impl EventLog for SqliteStorage {
    fn append_all(&self, events: &[NewEvent], source: &str) -> Result<Vec<u64>> {
        self.with_writer(|c| {
            let tx = c.transaction()?;
            let mut ids = Vec::with_capacity(events.len());
            {
                let mut st = tx.prepare_cached("INSERT INTO events (topic, payload, source, time) VALUES (?1, ?2, ?3, ?4)")?;
                for e in events {
                    st.execute(params![e.topic, e.payload, source, e.time])?;
                    ids.push(tx.last_insert_rowid() as u64);
                }
            }
            tx.commit()?;
            Ok(ids)
        })
    }

    fn since(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached("SELECT id, topic, payload, source, time FROM events WHERE id > ?1 ORDER BY id LIMIT ?2")?;
            let rows = st.query_map(params![after as i64, limit], |r| {
                Ok(StoredEvent { id: r.get::<_, i64>(0)? as u64, topic: r.get(1)?, payload: r.get(2)?, source: r.get(3)?, time: r.get(4)? })
            })?;
            rows.collect()
        })
    }

    fn last_id(&self) -> Result<u64> {
        // sqlite_sequence keeps the last id given even when its row was pruned.
        self.with_reader(|c| {
            c.query_row(
                "SELECT MAX(COALESCE((SELECT MAX(id) FROM events), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0))",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
        })
    }

    fn first_id_since(&self, time_ms: i64) -> Result<Option<u64>> {
        // Times grow with ids (both are taken in publishing order), so the
        // scan from the newest end stops early for a recent time.
        self.with_reader(|c| {
            c.prepare_cached("SELECT MIN(id) FROM events WHERE time >= ?1")?
                .query_row([time_ms], |r| r.get::<_, Option<i64>>(0))
                .map(|n| n.map(|n| n as u64))
        })
    }

    fn prune(&self, rules: &[(String, i64)], default_cutoff: i64) -> Result<u64> {
        // The cutoff of each event, longest prefix first; deleted in slices
        // so the writer is never held for long.
        let mut sql = String::from("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE time < CASE");
        let mut params: Vec<rusqlite::types::Value> = Vec::new();
        let mut sorted: Vec<&(String, i64)> = rules.iter().collect();
        sorted.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        for (prefix, cutoff) in sorted {
            sql.push_str(&format!(" WHEN substr(topic, 1, {}) = ?{} THEN ?{}", prefix.chars().count(), params.len() + 1, params.len() + 2));
            params.push(prefix.clone().into());
            params.push((*cutoff).into());
        }
        sql.push_str(&format!(" ELSE ?{} END LIMIT 5000)", params.len() + 1));
        params.push(default_cutoff.into());
        let mut total = 0u64;
        loop {
            let n = self.with_writer(|c| c.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(params.iter())))?;
            total += n as u64;
            if n < 5000 {
                return Ok(total);
            }
        }
    }
}

/// A plugin's own SQL database: a separate file, opened only for that plugin.
///
/// A separate file (rather than a table prefix in the host's file) is what
/// makes "one plugin cannot read another's data" hold for arbitrary SQL:
/// there is no other plugin's table to name, and `ATTACH` is disabled.
///
/// Each call into the plugin is one unit of work: its first statement takes
/// the connection ([`PluginSql::begin`]) and opens a savepoint, which is
/// released when the call returns and rolled back when it traps (time,
/// memory or host-call limit, panic). A handler therefore never leaves half
/// its changes behind.
///
/// **Group commit.** The savepoints live in a transaction that more than one
/// call can share. The plugin's calls run one after another on its lane
/// (`runtime::lane`): a call that returned joins its changes to the open
/// group ([`SqlUnit::join_group`]), and the lane commits the group
/// ([`PluginSql::commit_group`]) when no other call is queued, or after
/// [`GROUP_MAX_CALLS`] calls or [`GROUP_MAX_AGE`]. Calls are answered only
/// once their group is committed, so nothing is answered before it is
/// stored; the pages several calls touch (the same index leaves, the same
/// counters) go to the write-ahead log once per group instead of once per
/// call. (The calls' events are kept by the lane, not here, and stored in
/// commit order once the group is committed.) A call that trapped drops
/// only its own savepoint; a commit that fails fails every call of its
/// group.
pub struct PluginSql {
    path: PathBuf,
    quota_bytes: u64,
    shared: Arc<Mutex<Shared>>,
    /// When the running call's time is up (see [`Deadline`]); SQLite's
    /// progress handler interrupts a statement still running then.
    deadline: Arc<Deadline>,
    /// Its groups and commits (shared with the PostgreSQL backend).
    pub book: super::plugin_db::GroupBook,
    _checkpoints: Arc<()>,
    /// Statements already warned about (see `first_warning`).
    warned: Mutex<std::collections::HashSet<String>>,
    /// What each statement seen would do on PostgreSQL (see
    /// [`Self::portable`]), and whether a non-portable one is refused.
    portable_seen: Mutex<std::collections::HashMap<String, Option<String>>>,
    portable_strict: std::sync::atomic::AtomicBool,
}

/// Whether a statement is in the dialect both backends run.
#[derive(Debug, Clone, PartialEq)]
pub enum Portable {
    Yes,
    /// Not portable, seen for the first time: run it and warn.
    WarnOnce(String),
    /// Not portable, seen before: run it (warned already).
    Known,
    /// Not portable, and this database refuses such statements.
    Refuse(String),
}

/// Run one of the statements every call or group runs (`SAVEPOINT`,
/// `RELEASE`, `BEGIN`, `COMMIT`) from the statement cache instead of
/// compiling it each time.
fn run(conn: &Connection, statement: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(statement)?.execute([]).map(|_| ())
}

/// Rows returned by one query, at most this many.
pub const MAX_SQL_ROWS: usize = 10_000;

/// At most this many calls share one commit.
pub const GROUP_MAX_CALLS: u32 = 8;
/// A group is committed once its transaction is this old, even if more
/// calls are waiting.
pub const GROUP_MAX_AGE: std::time::Duration = std::time::Duration::from_millis(2);

/// `LINLI_GROUP_COMMIT=0` commits every call on its own (to compare, or to
/// rule group commit out).
pub(crate) fn group_commit_enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var("LINLI_GROUP_COMMIT").map_or(true, |v| v != "0"))
}

struct Shared {
    conn: Connection,
    group: Option<Group>,
}

/// The open transaction and what its calls left in it.
struct Group {
    group_no: u64,
    /// Calls whose changes are in the transaction.
    calls: u32,
    opened: std::time::Instant,
    /// Set when the database itself rolled the transaction back (disk full,
    /// I/O error): the group can no longer commit.
    lost: Option<String>,
}

/// One call's hold on the plugin's connection, from its first statement to
/// its end ([`SqlUnit::join_group`] or [`SqlUnit::finish`]); dropped without
/// either, it counts as a call that failed.
pub struct SqlUnit {
    guard: Option<parking_lot::ArcMutexGuard<parking_lot::RawMutex, Shared>>,
    db: Arc<PluginSql>,
}

impl std::ops::Deref for SqlUnit {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.guard.as_ref().expect("a unit is used only until it ends").conn
    }
}

impl std::ops::DerefMut for SqlUnit {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.guard.as_mut().expect("a unit is used only until it ends").conn
    }
}

impl Drop for SqlUnit {
    fn drop(&mut self) {
        if self.guard.is_some() {
            // Ended without `join_group` (a panic on the host side): that
            // call failed, so its changes go; the rest of the group stays.
            let _ = self.end(false);
        }
    }
}

impl SqlUnit {
    /// A statement of this call failed and SQLite rolled the whole
    /// transaction back with it (a full quota, an interrupted write): keep
    /// why, so every call of the group is told the cause, not only that
    /// its changes are gone.
    pub fn note_rollback(&mut self, cause: &str) {
        if let Some(g) = self.guard.as_mut()
            && g.conn.is_autocommit()
            && let Some(group) = g.group.as_mut()
        {
            group.lost.get_or_insert_with(|| format!("the transaction was rolled back: {cause}"));
        }
    }

    /// End the call and keep its changes in the open group (`keep`), or
    /// drop them. Nothing is committed here: the group is committed by
    /// [`PluginSql::commit_group`], and the call may be answered only after
    /// that. Returns whether the call's changes are in the group; an error
    /// means they could not be kept (and are gone). The call's events are
    /// not the database's business: the lane keeps them with the call.
    pub fn join_group(mut self, keep: bool) -> Result<bool> {
        self.end(keep)
    }

    /// End the call and commit at once (with whatever else is in the open
    /// group): for calls made outside a lane.
    pub fn finish(self, commit: bool) -> Result<()> {
        let db = self.db.clone();
        let kept = self.join_group(commit);
        super::plugin_db::finished(kept, db.commit_group())
    }

    fn end(&mut self, keep: bool) -> Result<bool> {
        // The call is over: nothing the host runs from here on (RELEASE,
        // the group's COMMIT) may be interrupted by its deadline.
        self.db.deadline.set(None);
        let mut g = self.guard.take().expect("a unit ends once");
        if g.conn.is_autocommit() {
            // SQLite rolled the whole transaction back (disk full, I/O
            // error): every call of the group lost its changes.
            let default = || "the transaction was rolled back by the database (see the statement that failed)".to_string();
            let err = match g.group.as_mut() {
                Some(group) => group.lost.get_or_insert_with(default).clone(),
                None => default(),
            };
            return if keep { Err(StorageError::Backend(err)) } else { Ok(false) };
        }
        // This call's own part: kept in the group or undone.
        match keep.then(|| run(&g.conn, "RELEASE linli_call")) {
            Some(Ok(())) => {
                let group = g.group.as_mut().expect("a unit belongs to the open group");
                group.calls += 1;
                Ok(true)
            }
            released => {
                if let Err(e) = g.conn.execute_batch("ROLLBACK TO linli_call; RELEASE linli_call") {
                    tracing::error!(error = %e, "rolling back a failed call's savepoint");
                }
                match released {
                    Some(Err(e)) => Err(e.into()),
                    _ => Ok(false),
                }
            }
        }
    }
}

/// The end of the running call, for SQLite's progress handler: a
/// statement the plugin started may not outlive the call's time limit, so
/// a recursive query that never ends is stopped like a loop inside the
/// sandbox would be. Nanoseconds after [`Deadline::base`]; `u64::MAX` when
/// no call is running (the host's own statements, a group's `COMMIT`).
pub struct Deadline(std::sync::atomic::AtomicU64);

impl Deadline {
    const NONE: u64 = u64::MAX;

    fn base() -> std::time::Instant {
        static BASE: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        *BASE.get_or_init(std::time::Instant::now)
    }

    fn set(&self, at: Option<std::time::Instant>) {
        let v = at.map_or(Self::NONE, |t| t.saturating_duration_since(Self::base()).as_nanos().min(u128::from(Self::NONE - 1)) as u64);
        self.0.store(v, Ordering::SeqCst);
    }

    fn passed(&self) -> bool {
        let v = self.0.load(Ordering::Relaxed);
        v != Self::NONE && Self::base().elapsed().as_nanos() as u64 >= v
    }
}

/// All SQLite memory of this process together (page caches, sorts, a
/// plugin's in-memory temporary tables) may not pass this: a plugin's query
/// that would need more gets "out of memory" instead of the host being
/// killed by the OS. The host's own use is a few MiB per connection.
pub const SQLITE_HEAP_LIMIT: i64 = 512 * 1024 * 1024;

fn limit_sqlite_heap() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sets a process-wide limit; safe to call at any time.
        unsafe { rusqlite::ffi::sqlite3_hard_heap_limit64(SQLITE_HEAP_LIMIT) };
    });
}

/// A plugin database's quota when none is set (the default of the
/// `storage_mib` limit).
pub const DEFAULT_QUOTA_BYTES: u64 = 512 * 1024 * 1024;

/// SQLite virtual-machine steps between two looks at the deadline (a few
/// tens of microseconds of work).
const PROGRESS_STEPS: std::os::raw::c_int = 10_000;

/// `PRAGMA`s a plugin may read. Writing is allowed only for the two that
/// are the plugin's own bookkeeping; everything else (`max_page_count`,
/// `journal_mode`, `synchronous`, `writable_schema`…) is the host's, and a
/// plugin changing it could lift its quota or endanger its data.
const PRAGMAS_READ: &[&str] = &[
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
    "foreign_key_check", "user_version", "application_id", "page_count", "page_size", "freelist_count",
    "max_page_count", "integrity_check", "quick_check", "data_version", "schema_version",
];
const PRAGMAS_WRITE: &[&str] = &["user_version", "application_id"];

/// What a plugin's statements may do (checked when a statement is compiled).
fn authorize(ctx: rusqlite::hooks::AuthContext<'_>) -> rusqlite::hooks::Authorization {
    use rusqlite::hooks::{AuthAction, Authorization};
    match ctx.action {
        AuthAction::Pragma { pragma_name, pragma_value } => {
            let name = pragma_name.to_ascii_lowercase();
            let allowed = match pragma_value {
                None => PRAGMAS_READ.contains(&name.as_str()),
                Some(_) => PRAGMAS_WRITE.contains(&name.as_str()),
            };
            if allowed { Authorization::Allow } else { Authorization::Deny }
        }
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => Authorization::Deny,
        AuthAction::Function { function_name } if function_name.eq_ignore_ascii_case("load_extension") => Authorization::Deny,
        _ => Authorization::Allow,
    }
}

impl PluginSql {
    /// Open a plugin's database with the default quota (see [`Self::open_with_quota`]).
    pub fn open(path: &Path, durability: Durability) -> Result<Self> {
        Self::open_with_quota(path, durability, DEFAULT_QUOTA_BYTES)
    }

    /// Open (creating) a plugin's database that may grow to `quota_bytes`.
    /// A database already larger than its quota opens (nothing stored is
    /// lost) and refuses writes that would grow it further.
    pub fn open_with_quota(path: &Path, durability: Durability, quota_bytes: u64) -> Result<Self> {
        limit_sqlite_heap();
        let mut conn = Connection::open(path)?;
        configure(&mut conn, durability)?;
        conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0)?;
        conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH, 16 * 1024 * 1024)?;
        let page_size: u64 = conn.query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0))?.max(512) as u64;
        let pages = (quota_bytes / page_size).max(1);
        // SQLite keeps max_page_count at least at the current size.
        conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        let deadline = Arc::new(Deadline(std::sync::atomic::AtomicU64::new(Deadline::NONE)));
        let d = deadline.clone();
        conn.progress_handler(PROGRESS_STEPS, Some(move || d.passed()));
        let checkpoints = super::checkpoint::hand_over(&conn, path)?;
        // Last: the host's own PRAGMAs above are not the plugin's.
        conn.authorizer(Some(authorize));
        Ok(PluginSql {
            path: path.to_owned(),
            quota_bytes: pages * page_size,
            deadline,
            shared: Arc::new(Mutex::new(Shared { conn, group: None })),
            book: Default::default(),
            _checkpoints: checkpoints,
            warned: Mutex::default(),
            portable_seen: Mutex::default(),
            portable_strict: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Take the connection for one call: join the open group's transaction
    /// (or open one) and set the call's savepoint.
    pub fn begin(self: &Arc<Self>) -> Result<SqlUnit> {
        self.begin_until(None)
    }

    /// [`begin`](Self::begin) for a call that must end by `deadline`: its
    /// statements are interrupted then (until the unit ends).
    pub fn begin_until(self: &Arc<Self>, deadline: Option<std::time::Instant>) -> Result<SqlUnit> {
        let mut g = self.shared.lock_arc();
        if g.group.is_some() && g.conn.is_autocommit() {
            // The open group was rolled back by the database and is not
            // settled yet: a statement now would run outside any transaction.
            return Err(StorageError::Backend("the plugin's open transaction was rolled back; the call can be tried again".into()));
        }
        // Set while this call holds the connection; cleared when it ends.
        self.deadline.set(deadline);
        if g.group.is_none() {
            if !g.conn.is_autocommit() {
                // Left open outside any group (a failure while ending one):
                // nobody is waiting for it.
                tracing::warn!("rolling back a plugin transaction left open by an unfinished call");
                g.conn.execute_batch("ROLLBACK")?;
            }
            // IMMEDIATE: the write lock is taken now, waiting (busy
            // timeout) if the checkpoint thread holds it. A deferred BEGIN
            // would read first and then fail at once with "database is
            // locked" on its first write when a TRUNCATE checkpoint of the
            // quiet database holds the lock waiting for that very read
            // (SQLite does not wait for a lock when upgrading a read
            // transaction): the first request after ten quiet seconds.
            run(&g.conn, "BEGIN IMMEDIATE")?;
            let group_no = self.book.open();
            g.group = Some(Group { group_no, calls: 0, opened: std::time::Instant::now(), lost: None });
        }
        let unit = SqlUnit { guard: Some(g), db: self.clone() };
        if let Err(e) = run(&unit, "SAVEPOINT linli_call") {
            // Dropping the unit ends it as a failed call, so the group goes on.
            drop(unit);
            return Err(e.into());
        }
        Ok(unit)
    }

    /// Is a group open that should be committed before another call joins
    /// it (it holds [`GROUP_MAX_CALLS`] calls, is [`GROUP_MAX_AGE`] old,
    /// group commit is off, or the database rolled it back)?
    pub fn group_is_full(&self) -> bool {
        let g = self.shared.lock();
        g.group.as_ref().is_some_and(|group| {
            group.calls >= GROUP_MAX_CALLS
                || group.opened.elapsed() >= GROUP_MAX_AGE
                || !group_commit_enabled()
                // A group SQLite rolled back (a full quota, an I/O error)
                // is settled at once: a next call must not run its
                // statements outside any transaction.
                || group.lost.is_some()
                || g.conn.is_autocommit()
        })
    }

    /// Commit the open group, if any, and say how it ended (`Err` with the
    /// reason). A failed commit is rolled back, so the data is never
    /// half-written.
    pub fn commit_group(&self) -> Option<std::result::Result<(), String>> {
        let mut g = self.shared.lock();
        let group = g.group.take()?;
        let result = if let Some(lost) = group.lost {
            if !g.conn.is_autocommit() {
                let _ = g.conn.execute_batch("ROLLBACK");
            }
            Err(lost)
        } else if group.calls == 0 {
            g.conn.execute_batch("ROLLBACK").map_err(|e| e.to_string())
        } else {
            run(&g.conn, "COMMIT").map_err(|e| {
                let _ = g.conn.execute_batch("ROLLBACK");
                e.to_string()
            })
        };
        drop(g);
        self.book.settle(group.group_no, result.is_ok(), group.calls);
        Some(result)
    }

    /// The database's size in bytes (pages in use, free pages included) and
    /// its quota.
    /// (Read through a connection of its own, so the plugins page never
    /// waits for the plugin's lane; what it counts is committed pages,
    /// wherever they are, the database file or its write-ahead log.)
    pub fn usage(&self) -> (u64, u64) {
        let pages = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .and_then(|c| c.query_row("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()", [], |r| r.get::<_, i64>(0)));
        let used = match pages {
            Ok(n) => n.max(0) as u64,
            Err(_) => std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0),
        };
        (used, self.quota_bytes)
    }

    /// Refuse statements PostgreSQL would not run (a plugin's own tests,
    /// through the harness), instead of warning once about each.
    pub fn set_portable_strict(&self, strict: bool) {
        self.portable_strict.store(strict, Ordering::Relaxed);
    }

    /// Would `statement` run, with the same meaning, on PostgreSQL (a
    /// district's backend)? Checked once per statement text.
    pub fn portable(&self, statement: &str) -> Portable {
        let mut seen = self.portable_seen.lock();
        let (verdict, first) = match seen.get(statement) {
            Some(v) => (v.clone(), false),
            None => {
                let v = super::postgres::portability(statement);
                if seen.len() >= 4096 {
                    seen.clear();
                }
                seen.insert(statement.to_owned(), v.clone());
                (v, true)
            }
        };
        match verdict {
            None => Portable::Yes,
            Some(r) if self.portable_strict.load(Ordering::Relaxed) => Portable::Refuse(r),
            Some(r) if first => Portable::WarnOnce(r),
            Some(_) => Portable::Known,
        }
    }

    /// True the first time a warning about `statement` is asked for.
    pub fn first_warning(&self, statement: &str) -> bool {
        let mut w = self.warned.lock();
        w.len() < 1000 && w.insert(statement.to_owned())
    }

    /// Run `f` on the connection outside any call (maintenance, tests),
    /// once no group's transaction is open.
    pub fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T> {
        loop {
            let mut g = self.shared.lock();
            match &g.group {
                None => return Ok(f(&mut g.conn)?),
                // The lane commits it as soon as no call is queued.
                Some(group) => {
                    let group_no = group.group_no;
                    drop(g);
                    self.book.wait_for(group_no);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit dropped without `finish` (a panic on the host side) counts as
    /// a failed call; the next call works.
    #[test]
    fn an_abandoned_call_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(PluginSql::open(&dir.path().join("p.sqlite"), Durability::Normal).unwrap());
        db.with(|c| c.execute_batch("CREATE TABLE t (n INTEGER)")).unwrap();
        let unit = db.begin().unwrap();
        unit.execute("INSERT INTO t VALUES (1)", []).unwrap();
        drop(unit);
        let unit = db.begin().unwrap();
        unit.execute("INSERT INTO t VALUES (2)", []).unwrap();
        unit.finish(true).unwrap();
        let rows: Vec<i64> = db.with(|c| c.prepare("SELECT n FROM t")?.query_map([], |r| r.get(0))?.collect()).unwrap();
        assert_eq!(rows, vec![2]);
    }

    /// The first call after a quiet spell meets the checkpoint thread
    /// truncating the log (CI saw a kiosk's ticket refused with "storage
    /// error" so): a call that reads, then writes, while a TRUNCATE
    /// checkpoint runs on another connection still writes.
    #[test]
    fn a_call_that_reads_then_writes_survives_a_truncating_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.sqlite");
        let db = Arc::new(PluginSql::open(&path, Durability::Normal).unwrap());
        db.with(|c| c.execute_batch("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1)")).unwrap();
        let unit = db.begin().unwrap();
        let n: i64 = unit.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        let checkpointer = {
            let path = path.clone();
            std::thread::spawn(move || {
                let c = Connection::open(&path).unwrap();
                c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
                c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0)).unwrap()
            })
        };
        // Let the checkpoint start and wait on the call.
        std::thread::sleep(std::time::Duration::from_millis(300));
        unit.execute("INSERT INTO t VALUES (2)", []).expect("the call's write after its read");
        unit.finish(true).unwrap();
        checkpointer.join().unwrap();
        let n: i64 = db.with(|c| c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))).unwrap();
        assert_eq!(n, 2, "nothing lost");
    }
}
