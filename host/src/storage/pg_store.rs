//! The key-value namespaces of a hall's plugins and the hall's event log in
//! PostgreSQL (a district): what every host of the hall shares, so that a
//! plugin's data and the events the screens follow are the same whichever
//! host serves a request.
//!
//! Event ids are given under a row lock of the hall's counter, held until
//! the appending transaction commits: ids commit in their order, so a
//! reader that has seen id N and reads "after N" never skips an id that
//! commits later. Each append notifies `linli_events` (delivered at
//! commit); every host of the hall listens and broadcasts what the log
//! holds after the last id it sent (see [`crate::bus::EventBus::shared`]).

use super::postgres::{PgTarget, UNREACHABLE_MARK, connect_until, describe, error_text, is_unreachable, off_runtime};
use super::{EventLog, KvStore, NewEvent, Result, StorageError, StoredEvent};
use parking_lot::Mutex;
use postgres::Client;
use std::time::{Duration, Instant};

/// Connections kept for reuse.
const POOL: usize = 8;

/// A connection idle this long is checked (one empty query) before it is
/// used again: PostgreSQL may have restarted, or the link been cut, in
/// the meantime, and a statement on a dead connection fails the call
/// that sent it. Busy connections are reused unchecked.
const CHECK_AFTER_IDLE: Duration = Duration::from_millis(100);

/// How long that check, and a new connection, may take: a plugin call
/// waits for it, and the default call has 1 s.
const CHECK_WAIT: Duration = Duration::from_secs(1);

pub struct PgStore {
    config: postgres::Config,
    hall: String,
    /// Idle connections and when each was last used.
    pool: Mutex<Vec<(Client, Instant)>>,
}

fn err(e: postgres::Error) -> StorageError {
    StorageError::Backend(error_text("PostgreSQL", &e))
}


const SCHEMA: &str = "
    CREATE SCHEMA IF NOT EXISTS linli;
    REVOKE ALL ON SCHEMA linli FROM PUBLIC;
    CREATE TABLE IF NOT EXISTS linli.kv (
        hall TEXT NOT NULL, ns TEXT NOT NULL, key TEXT COLLATE \"C\" NOT NULL, value BYTEA NOT NULL,
        PRIMARY KEY (hall, ns, key));
    CREATE TABLE IF NOT EXISTS linli.event_ids (hall TEXT PRIMARY KEY, last_id BIGINT NOT NULL);
    CREATE TABLE IF NOT EXISTS linli.events (
        hall TEXT NOT NULL, id BIGINT NOT NULL, topic TEXT NOT NULL, payload TEXT NOT NULL,
        source TEXT NOT NULL, time BIGINT NOT NULL, PRIMARY KEY (hall, id));
    CREATE INDEX IF NOT EXISTS events_time ON linli.events (hall, time);";

impl PgStore {
    /// Open (making the tables once) the shared store of the target's hall.
    pub fn open(target: &PgTarget) -> Result<PgStore> {
        let config: postgres::Config = target.url.parse().map_err(|e: postgres::Error| StorageError::Invalid(format!("[store] postgres_url: {e}")))?;
        let store = PgStore { config, hall: target.hall.clone(), pool: Mutex::new(Vec::new()) };
        store.with(|c| {
            let mut tx = c.transaction()?;
            tx.batch_execute("SELECT pg_advisory_xact_lock(7163221)")?;
            tx.batch_execute(SCHEMA)?;
            tx.commit()
        })?;
        Ok(store)
    }

    pub fn hall(&self) -> &str {
        &self.hall
    }

    /// The connection settings (for a listener of its own).
    pub fn config(&self) -> &postgres::Config {
        &self.config
    }

    /// A connection for one operation: a pooled one that is alive (one
    /// idle for a while is checked first), else a new one. A dead one
    /// found in the pool empties it: its siblings died with it.
    fn take(&self) -> Result<Client> {
        loop {
            let taken = self.pool.lock().pop();
            match taken {
                Some((c, _)) if c.is_closed() => self.pool.lock().clear(),
                Some((c, used)) if used.elapsed() < CHECK_AFTER_IDLE => return Ok(c),
                Some((mut c, _)) => match c.is_valid(CHECK_WAIT) {
                    Ok(()) => return Ok(c),
                    Err(_) => self.pool.lock().clear(),
                },
                None => break,
            }
        }
        let mut cfg = self.config.clone();
        cfg.application_name("linli host");
        connect_until(&cfg, Some(Instant::now() + CHECK_WAIT)).map_err(|e| StorageError::Backend(error_text("connecting to PostgreSQL", &e)))
    }

    /// Run `f` on a pooled connection (made when none is free; dropped
    /// when it failed, so a restarted server is reconnected to). A failure
    /// to reach the server is marked ([`UNREACHABLE_MARK`]): the plugin
    /// call that met it is refused as a whole.
    fn with<T: Send>(&self, f: impl FnOnce(&mut Client) -> std::result::Result<T, postgres::Error> + Send) -> Result<T> {
        off_runtime(|| {
            let mut client = self.take()?;
            let r = f(&mut client);
            match &r {
                Ok(_) if !client.is_closed() => {
                    let mut pool = self.pool.lock();
                    if pool.len() < POOL {
                        pool.push((client, Instant::now()));
                    }
                }
                Err(e) if is_unreachable(e) => self.pool.lock().clear(),
                _ => {}
            }
            r.map_err(err)
        })
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        let clients = std::mem::take(&mut *self.pool.lock());
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::Builder::new().name("linli-pg-close".into()).spawn(move || drop(clients));
        }
    }
}

impl KvStore for PgStore {
    fn kv_get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>> {
        self.with(|c| Ok(c.query_opt("SELECT value FROM linli.kv WHERE hall = $1 AND ns = $2 AND key = $3", &[&self.hall, &ns, &key])?.map(|r| r.get(0))))
    }

    fn kv_set(&self, ns: &str, key: &str, value: &[u8]) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO linli.kv (hall, ns, key, value) VALUES ($1, $2, $3, $4) ON CONFLICT (hall, ns, key) DO UPDATE SET value = excluded.value",
                &[&self.hall, &ns, &key, &value],
            )
            .map(|_| ())
        })
    }

    fn kv_delete(&self, ns: &str, key: &str) -> Result<bool> {
        self.with(|c| Ok(c.execute("DELETE FROM linli.kv WHERE hall = $1 AND ns = $2 AND key = $3", &[&self.hall, &ns, &key])? > 0))
    }

    fn kv_scan(&self, ns: &str, prefix: &str, after: Option<&str>, limit: u32) -> Result<Vec<(String, Vec<u8>)>> {
        let upper = format!("{prefix}\u{10FFFF}");
        let lower = after.filter(|a| a.starts_with(prefix)).unwrap_or(prefix).to_owned();
        let op = if after.is_some() { ">" } else { ">=" };
        let sql = format!("SELECT key, value FROM linli.kv WHERE hall = $1 AND ns = $2 AND key {op} $3 AND key < $4 ORDER BY key LIMIT $5");
        self.with(|c| Ok(c.query(&sql, &[&self.hall, &ns, &lower, &upper, &i64::from(limit)])?.iter().map(|r| (r.get(0), r.get(1))).collect()))
    }

    fn kv_cas(&self, ns: &str, key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) -> Result<bool> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            // The row (or, for a key not there yet, the namespace's turn)
            // is held until the commit.
            tx.execute("SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2 || '/' || $3))", &[&self.hall, &ns, &key])?;
            let current: Option<Vec<u8>> = tx.query_opt("SELECT value FROM linli.kv WHERE hall = $1 AND ns = $2 AND key = $3 FOR UPDATE", &[&self.hall, &ns, &key])?.map(|r| r.get(0));
            if current.as_deref() != expected {
                return Ok(false);
            }
            match new {
                Some(v) => tx.execute(
                    "INSERT INTO linli.kv (hall, ns, key, value) VALUES ($1, $2, $3, $4) ON CONFLICT (hall, ns, key) DO UPDATE SET value = excluded.value",
                    &[&self.hall, &ns, &key, &v],
                )?,
                None => tx.execute("DELETE FROM linli.kv WHERE hall = $1 AND ns = $2 AND key = $3", &[&self.hall, &ns, &key])?,
            };
            tx.commit()?;
            Ok(true)
        })
    }

    fn kv_increment(&self, ns: &str, key: &str, delta: i64) -> Result<i64> {
        let r = self.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2 || '/' || $3))", &[&self.hall, &ns, &key])?;
            let current: Option<Vec<u8>> = tx.query_opt("SELECT value FROM linli.kv WHERE hall = $1 AND ns = $2 AND key = $3 FOR UPDATE", &[&self.hall, &ns, &key])?.map(|r| r.get(0));
            let next = match super::next_count(current.as_deref(), key, delta) {
                Ok(n) => n,
                Err(why) => return Ok(Err(why)),
            };
            tx.execute(
                "INSERT INTO linli.kv (hall, ns, key, value) VALUES ($1, $2, $3, $4) ON CONFLICT (hall, ns, key) DO UPDATE SET value = excluded.value",
                &[&self.hall, &ns, &key, &next.to_string().into_bytes()],
            )?;
            tx.commit()?;
            Ok(Ok(next))
        })?;
        r.map_err(StorageError::Invalid)
    }

    fn kv_usage(&self, ns: &str) -> Result<u64> {
        self.with(|c| {
            let n: i64 = c
                .query_one("SELECT COALESCE(SUM(octet_length(key) + octet_length(value)), 0)::int8 FROM linli.kv WHERE hall = $1 AND ns = $2", &[&self.hall, &ns])?
                .get(0);
            Ok(n.max(0) as u64)
        })
    }
}

impl PgStore {
    fn append_once(&self, events: &[NewEvent], source: &str, committing: &std::sync::atomic::AtomicBool) -> Result<Vec<u64>> {
        let n = events.len() as i64;
        self.with(|c| {
            let mut tx = c.transaction()?;
            // The hall's counter row is locked until the commit: ids are
            // given, and committed, in order across every host.
            tx.execute("INSERT INTO linli.event_ids (hall, last_id) VALUES ($1, 0) ON CONFLICT (hall) DO NOTHING", &[&self.hall])?;
            let last: i64 = tx.query_one("UPDATE linli.event_ids SET last_id = last_id + $2 WHERE hall = $1 RETURNING last_id", &[&self.hall, &n])?.get(0);
            let first = last - n + 1;
            let st = tx.prepare("INSERT INTO linli.events (hall, id, topic, payload, source, time) VALUES ($1, $2, $3, $4, $5, $6)")?;
            let mut ids = Vec::with_capacity(events.len());
            for (i, e) in events.iter().enumerate() {
                let id = first + i as i64;
                tx.execute(&st, &[&self.hall, &id, &e.topic, &e.payload, &source, &e.time])?;
                ids.push(id as u64);
            }
            tx.execute("SELECT pg_notify('linli_events', $1)", &[&self.hall])?;
            committing.store(true, std::sync::atomic::Ordering::SeqCst);
            tx.commit()?;
            Ok(ids)
        })
    }
}

impl EventLog for PgStore {
    fn append_all(&self, events: &[NewEvent], source: &str) -> Result<Vec<u64>> {
        // The events of a call whose changes are already committed: lost
        // here, a screen would never show them. A failure to reach the
        // server before the COMMIT was sent kept nothing, so the append is
        // tried again for a few seconds (PostgreSQL restarting); a failure
        // at the COMMIT itself may have kept them, and is not.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let committing = std::sync::atomic::AtomicBool::new(false);
            match self.append_once(events, source, &committing) {
                Err(StorageError::Backend(m))
                    if m.contains(UNREACHABLE_MARK) && !committing.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < deadline =>
                {
                    tracing::warn!(error = %m, "storing events: PostgreSQL cannot be reached; trying again");
                    std::thread::sleep(Duration::from_millis(250));
                }
                r => return r,
            }
        }
    }

    fn since(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT id, topic, payload, source, time FROM linli.events WHERE hall = $1 AND id > $2 ORDER BY id LIMIT $3",
                &[&self.hall, &(after as i64), &i64::from(limit)],
            )?
            .iter()
            .map(|r| StoredEvent { id: r.get::<_, i64>(0) as u64, topic: r.get(1), payload: r.get(2), source: r.get(3), time: r.get(4) })
            .collect())
        })
    }

    fn last_id(&self) -> Result<u64> {
        self.with(|c| Ok(c.query_opt("SELECT last_id FROM linli.event_ids WHERE hall = $1", &[&self.hall])?.map_or(0, |r| r.get::<_, i64>(0).max(0) as u64)))
    }

    fn first_id_since(&self, time_ms: i64) -> Result<Option<u64>> {
        self.with(|c| {
            Ok(c.query_one("SELECT MIN(id) FROM linli.events WHERE hall = $1 AND time >= $2", &[&self.hall, &time_ms])?.get::<_, Option<i64>>(0).map(|n| n as u64))
        })
    }

    fn prune(&self, rules: &[(String, i64)], default_cutoff: i64) -> Result<u64> {
        let mut sorted: Vec<&(String, i64)> = rules.iter().collect();
        sorted.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        let mut case = String::from("CASE");
        let mut params: Vec<Box<dyn postgres::types::ToSql + Sync + Send>> = vec![Box::new(self.hall.clone())];
        for (prefix, cutoff) in sorted {
            // Typed: PostgreSQL cannot infer a CASE of parameters alone (it
            // took them as text, and `bigint < text` failed every prune).
            case.push_str(&format!(" WHEN left(topic, {}) = ${} THEN ${}::BIGINT", prefix.chars().count(), params.len() + 1, params.len() + 2));
            params.push(Box::new(prefix.clone()));
            params.push(Box::new(*cutoff));
        }
        case.push_str(&format!(" ELSE ${}::BIGINT END", params.len() + 1));
        params.push(Box::new(default_cutoff));
        let sql = format!("DELETE FROM linli.events WHERE hall = $1 AND time < {case}");
        self.with(|c| {
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn postgres::types::ToSql + Sync)).collect();
            c.execute(&sql, &refs)
        })
    }
}

/// Follow `linli_events` for the bus of this host: every notification of
/// the hall (and once a second, in case one was missed while reconnecting)
/// broadcasts what the log holds after the last id this host sent. Ends
/// when the bus is gone.
pub fn listen(store: std::sync::Arc<PgStore>, bus: &crate::bus::EventBus) -> std::io::Result<()> {
    let weak = bus.downgrade();
    std::thread::Builder::new().name("linli-pg-listen".into()).spawn(move || {
        use postgres::fallible_iterator::FallibleIterator;
        let pump = || match crate::bus::EventBus::upgrade(&weak) {
            Some(bus) => {
                bus.pump();
                true
            }
            None => false,
        };
        loop {
            let mut cfg = store.config().clone();
            cfg.application_name("linli host (events)");
            let mut client = match connect_until(&cfg, None).and_then(|mut c| c.batch_execute("LISTEN linli_events").map(|()| c)) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %describe(&e), "listening for other hosts' events; trying again in 1 s");
                    std::thread::sleep(std::time::Duration::from_secs(1));
                    if !pump() {
                        return;
                    }
                    continue;
                }
            };
            // Listening again: what was appended meanwhile (while this host
            // could not hear) is read from the log after the last id sent.
            if !pump() {
                return;
            }
            loop {
                let waited = client.notifications().timeout_iter(std::time::Duration::from_secs(1)).next().map(|n| n.is_some());
                match waited {
                    Ok(_) => {
                        // Whatever else is queued is covered by one pump.
                        let _ = client.notifications().iter().count();
                        if !pump() {
                            return;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %describe(&e), "the events listener lost PostgreSQL; reconnecting");
                        break;
                    }
                }
            }
        }
    })?;
    Ok(())
}
