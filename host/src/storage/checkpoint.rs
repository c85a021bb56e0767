//! WAL checkpoints off the request path.
//!
//! SQLite's automatic checkpoint runs inside whichever commit pushes the
//! write-ahead log past its threshold: that request then copies pages into
//! the database file and waits for two fsyncs, which is where the slowest
//! 1% of requests came from. Every database the host opens turns the
//! automatic checkpoint down to a safety net and is watched by one
//! background thread, which checkpoints (PASSIVE: never blocks a reader or
//! a writer) any log that has grown past [`CHECKPOINT_PAGES`].

use parking_lot::Mutex;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

/// Checkpoint a log once it holds about this many pages (4 MiB at 4 KiB).
pub const CHECKPOINT_PAGES: u64 = 1000;
/// The automatic checkpoint that stays on in case the thread falls behind.
pub const SAFETY_NET_PAGES: i64 = 20_000;
/// How often the logs are looked at.
const EVERY: Duration = Duration::from_millis(200);
/// A log that has not changed for this long belongs to a quiet database:
/// it is checkpointed and truncated to nothing, so a busy day's log does
/// not keep its disk space overnight.
pub const IDLE: Duration = Duration::from_secs(10);

struct Watched {
    path: PathBuf,
    alive: Weak<()>,
    conn: Option<Connection>,
    /// The log's length at the last look, and since when it has been so.
    last_len: u64,
    unchanged_since: std::time::Instant,
}

/// The process's checkpoint thread (started on first use).
pub struct Checkpointer {
    dbs: Mutex<Vec<Watched>>,
}

impl Checkpointer {
    pub fn global() -> &'static Checkpointer {
        static GLOBAL: OnceLock<Checkpointer> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            std::thread::Builder::new()
                .name("linli-checkpoint".into())
                .spawn(|| {
                    loop {
                        std::thread::sleep(EVERY);
                        Checkpointer::global().run_once();
                    }
                })
                .expect("starting the checkpoint thread");
            Checkpointer { dbs: Mutex::new(Vec::new()) }
        })
    }

    /// Watch `path` for as long as `alive` can be upgraded.
    pub fn watch(&self, path: &Path, alive: Weak<()>) {
        self.dbs.lock().push(Watched { path: path.to_owned(), alive, conn: None, last_len: 0, unchanged_since: std::time::Instant::now() });
    }

    /// Checkpoint every watched log that has grown; forget closed databases.
    pub fn run_once(&self) {
        self.run_at(std::time::Instant::now(), IDLE);
    }

    /// One look at every log at `now`; logs unchanged for `idle` are
    /// truncated.
    fn run_at(&self, now: std::time::Instant, idle: Duration) {
        let mut dbs = self.dbs.lock();
        dbs.retain(|w| w.alive.strong_count() > 0);
        for w in dbs.iter_mut() {
            let wal = wal_path(&w.path);
            let len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
            if len != w.last_len {
                w.last_len = len;
                w.unchanged_since = now;
            }
            let quiet = len > 0 && now.duration_since(w.unchanged_since) >= idle;
            if len / 4096 < CHECKPOINT_PAGES && !quiet {
                continue;
            }
            // TRUNCATE waits for readers and writers (briefly: the database
            // is quiet) and leaves an empty log; PASSIVE never waits.
            let mode = if quiet { "TRUNCATE" } else { "PASSIVE" };
            if w.conn.is_none() {
                match Connection::open(&w.path) {
                    Ok(c) => w.conn = Some(c),
                    Err(e) => {
                        tracing::warn!(db = %w.path.display(), error = %e, "opening a database to checkpoint it");
                        continue;
                    }
                }
            }
            let Some(c) = &w.conn else { continue };
            let started = std::time::Instant::now();
            match c.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))) {
                Ok((busy, log, done)) => {
                    tracing::debug!(db = %w.path.display(), mode, busy, log, done, ms = started.elapsed().as_millis() as u64, "checkpoint");
                    if quiet {
                        w.last_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
                        w.unchanged_since = now;
                    }
                }
                Err(e) => tracing::warn!(db = %w.path.display(), error = %e, "checkpoint failed; SQLite's own will run later"),
            }
        }
    }
}

fn wal_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

/// Hand a connection's checkpoints to the background thread; keep the
/// returned token alive as long as the database is in use.
pub fn hand_over(conn: &Connection, path: &Path) -> rusqlite::Result<Arc<()>> {
    conn.pragma_update(None, "wal_autocheckpoint", SAFETY_NET_PAGES)?;
    let token = Arc::new(());
    Checkpointer::global().watch(path, Arc::downgrade(&token));
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A busy day leaves a large log behind; once the database is quiet
    /// the log is emptied (the issue found 80 MB left overnight).
    #[test]
    fn a_quiet_databases_log_is_truncated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "journal_mode", "WAL").unwrap();
        c.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        c.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        for _ in 0..100 {
            c.execute("INSERT INTO t VALUES (zeroblob(16000))", []).unwrap();
        }
        let wal = wal_path(&path);
        let wal_len = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert!(wal_len() > 1_000_000, "the log holds the day's writes");
        // A checkpointer of its own (not the global one), driven by hand.
        let cp = Checkpointer { dbs: Mutex::new(Vec::new()) };
        let token = Arc::new(());
        cp.watch(&path, Arc::downgrade(&token));
        let t0 = std::time::Instant::now();
        cp.run_at(t0, Duration::from_secs(10));
        assert!(wal_len() > 1_000_000, "not yet quiet: left alone ({} bytes)", wal_len());
        cp.run_at(t0 + Duration::from_secs(11), Duration::from_secs(10));
        assert_eq!(wal_len(), 0, "quiet for 11 s: checkpointed and truncated");
        let n: i64 = c.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 100, "nothing lost");
    }

    #[test]
    fn a_grown_log_is_checkpointed_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "journal_mode", "WAL").unwrap();
        let _token = hand_over(&c, &path).unwrap();
        c.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        // Well past the threshold, in separate commits as requests make them.
        for _ in 0..300 {
            c.execute("INSERT INTO t VALUES (zeroblob(16000))", []).unwrap();
        }
        // The background thread copies the log into the database file
        // (which held only the schema until then).
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let db_bytes = || std::fs::metadata(&path).unwrap().len();
        while db_bytes() < 4_000_000 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(db_bytes() >= 4_000_000, "checkpointed in the background: database file {} bytes", db_bytes());
    }
}
