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

struct Watched {
    path: PathBuf,
    alive: Weak<()>,
    conn: Option<Connection>,
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
        self.dbs.lock().push(Watched { path: path.to_owned(), alive, conn: None });
    }

    /// Checkpoint every watched log that has grown; forget closed databases.
    pub fn run_once(&self) {
        let mut dbs = self.dbs.lock();
        dbs.retain(|w| w.alive.strong_count() > 0);
        for w in dbs.iter_mut() {
            let wal = wal_path(&w.path);
            let pages = std::fs::metadata(&wal).map(|m| m.len() / 4096).unwrap_or(0);
            if pages < CHECKPOINT_PAGES {
                continue;
            }
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
            match c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))) {
                Ok((log, done)) => tracing::debug!(db = %w.path.display(), log, done, ms = started.elapsed().as_millis() as u64, "checkpoint"),
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
