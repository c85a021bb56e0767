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

const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../migrations/0001_init.sql")),
    ("0002_staff", include_str!("../../migrations/0002_staff.sql")),
    ("0003_security", include_str!("../../migrations/0003_security.sql")),
    ("0004_events_index", include_str!("../../migrations/0004_events_index.sql")),
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
}

fn configure(conn: &Connection, durability: Durability) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let sync = match durability {
        Durability::Normal => "NORMAL",
        Durability::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Plugins build many distinct statements; the default cache (16) thrashes.
    conn.set_prepared_statement_cache_capacity(256);
    Ok(())
}

impl SqliteStorage {
    /// Open (creating if needed) the database file and apply migrations.
    pub fn open(path: &Path, durability: Durability) -> Result<Self> {
        let writer = Connection::open(path)?;
        configure(&writer, durability)?;
        migrate(&writer)?;
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
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
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

fn migrate(conn: &Connection) -> Result<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)")?;
    for (name, sql) in MIGRATIONS {
        let done: Option<String> = conn
            .query_row("SELECT name FROM schema_migrations WHERE name = ?1", [name], |r| r.get(0))
            .optional()?;
        if done.is_none() {
            conn.execute_batch(&format!("BEGIN; {sql}; COMMIT;"))
                .map_err(|e| StorageError::Backend(format!("migration {name}: {e}")))?;
            conn.execute("INSERT INTO schema_migrations VALUES (?1, strftime('%s','now'))", [name])?;
        }
    }
    Ok(())
}

impl KvStore for SqliteStorage {
    fn kv_get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>> {
        self.with_reader(|c| {
            c.prepare_cached("SELECT value FROM kv WHERE ns = ?1 AND key = ?2")?
                .query_row(params![ns, key], |r| r.get(0))
                .optional()
        })
    }

    fn kv_set(&self, ns: &str, key: &str, value: &[u8]) -> Result<()> {
        self.with_writer(|c| {
            c.prepare_cached("INSERT INTO kv (ns, key, value) VALUES (?1, ?2, ?3) ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value")?
                .execute(params![ns, key, value])
                .map(|_| ())
        })
    }

    fn kv_delete(&self, ns: &str, key: &str) -> Result<bool> {
        self.with_writer(|c| c.prepare_cached("DELETE FROM kv WHERE ns = ?1 AND key = ?2")?.execute(params![ns, key]).map(|n| n > 0))
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
        self.with_writer(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let current: Option<Vec<u8>> = tx
                .prepare_cached("SELECT value FROM kv WHERE ns = ?1 AND key = ?2")?
                .query_row(params![ns, key], |r| r.get(0))
                .optional()?;
            if current.as_deref() != expected {
                return Ok(false);
            }
            match new {
                Some(v) => tx.execute(
                    "INSERT INTO kv (ns, key, value) VALUES (?1, ?2, ?3) ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value",
                    params![ns, key, v],
                )?,
                None => tx.execute("DELETE FROM kv WHERE ns = ?1 AND key = ?2", params![ns, key])?,
            };
            tx.commit()?;
            Ok(true)
        })
    }

    fn kv_increment(&self, ns: &str, key: &str, delta: i64) -> Result<i64> {
        let r = self.with_writer(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let current: Option<Vec<u8>> = tx
                .prepare_cached("SELECT value FROM kv WHERE ns = ?1 AND key = ?2")?
                .query_row(params![ns, key], |r| r.get(0))
                .optional()?;
            let now = match current {
                None => 0i64,
                Some(bytes) => match std::str::from_utf8(&bytes).ok().and_then(|s| s.trim().parse().ok()) {
                    Some(n) => n,
                    None => return Ok(Err(format!("key `{key}` does not hold a decimal counter"))),
                },
            };
            let Some(next) = now.checked_add(delta) else {
                return Ok(Err(format!("counter `{key}` would overflow")));
            };
            tx.execute(
                "INSERT INTO kv (ns, key, value) VALUES (?1, ?2, ?3) ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value",
                params![ns, key, next.to_string().into_bytes()],
            )?;
            tx.commit()?;
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
        self.with_reader(|c| c.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get::<_, i64>(0)).map(|n| n as u64))
    }
}

/// A plugin's own SQL database: a separate file, opened only for that plugin.
///
/// A separate file (rather than a table prefix in the host's file) is what
/// makes "one plugin cannot read another's data" hold for arbitrary SQL:
/// there is no other plugin's table to name, and `ATTACH` is disabled.
///
/// Each call into the plugin is one unit of work: its first statement takes
/// the connection and opens a transaction ([`PluginSql::begin`]), which the
/// host commits when the call returns and rolls back when it traps (time,
/// memory or host-call limit, panic). A handler therefore never leaves half
/// its changes behind, and a call costs one commit however many statements
/// it runs.
pub struct PluginSql {
    conn: Arc<Mutex<Connection>>,
    _checkpoints: Arc<()>,
    /// Statements already warned about (see `first_warning`).
    warned: Mutex<std::collections::HashSet<String>>,
}

/// The connection of one call's unit of work, held until the call ends.
pub type SqlUnit = parking_lot::ArcMutexGuard<parking_lot::RawMutex, Connection>;

/// Rows returned by one query, at most this many.
pub const MAX_SQL_ROWS: usize = 10_000;

impl PluginSql {
    pub fn open(path: &Path, durability: Durability) -> Result<Self> {
        let conn = Connection::open(path)?;
        configure(&conn, durability)?;
        conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0)?;
        conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH, 16 * 1024 * 1024)?;
        let checkpoints = super::checkpoint::hand_over(&conn, path)?;
        Ok(PluginSql { conn: Arc::new(Mutex::new(conn)), _checkpoints: checkpoints, warned: Mutex::default() })
    }

    /// Take the connection for one call and open its transaction.
    pub fn begin(&self) -> Result<SqlUnit> {
        let c = self.conn.lock_arc();
        if !c.is_autocommit() {
            // Left open by a call that never reached its end (a panic on the
            // host side): that call failed, so its changes go.
            tracing::warn!("rolling back a plugin transaction left open by an unfinished call");
            c.execute_batch("ROLLBACK")?;
        }
        c.execute_batch("BEGIN")?;
        Ok(c)
    }

    /// End a call's unit of work: commit (when the call returned) or roll
    /// back (when it trapped). A commit that fails is rolled back and
    /// reported, so the plugin's data is never left half-written.
    pub fn finish(unit: SqlUnit, commit: bool) -> Result<()> {
        if unit.is_autocommit() {
            // SQLite already rolled the transaction back (disk full, I/O
            // error); the statement that hit it reported the error.
            return Ok(());
        }
        if commit {
            if let Err(e) = unit.execute_batch("COMMIT") {
                let _ = unit.execute_batch("ROLLBACK");
                return Err(e.into());
            }
            Ok(())
        } else {
            unit.execute_batch("ROLLBACK").map_err(Into::into)
        }
    }

    /// True the first time a warning about `statement` is asked for.
    pub fn first_warning(&self, statement: &str) -> bool {
        let mut w = self.warned.lock();
        w.len() < 1000 && w.insert(statement.to_owned())
    }

    /// Run `f` on the connection outside any call (maintenance, tests).
    pub fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T> {
        Ok(f(&mut self.conn.lock())?)
    }
}
