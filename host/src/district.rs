//! A district's plugins: a plugin installed on one host of a hall is loaded
//! by every host of that hall.
//!
//! Hosts on PostgreSQL (`[store] backend = "postgres"`) keep each hall's
//! plugin files in `linli.plugin_files` as well as in their own plugins
//! folder. A `.wasm` file dropped into (or removed from) one host's folder
//! is stored (or marked removed) there and announced on `linli_plugins`;
//! every other host of the hall writes it into (or deletes it from) its own
//! folder, where its folder watcher loads (or unloads) it as if an admin had
//! put it there. The table is the truth: a host that was down catches up
//! when it starts, and a file a host still has that the hall removed while
//! it was away is deleted, not installed again (the removal keeps the
//! file's hash). No host ever reads another's folder.

use crate::storage::postgres::PgTarget;
use notify::{EventKind, RecursiveMode, Watcher};
use postgres::{Client, NoTls};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The notification channel; the payload is the hall.
const CHANNEL: &str = "linli_plugins";
/// How often a host looks at the table when no notification came (one lost
/// while it was reconnecting).
const POLL: Duration = Duration::from_secs(5);
/// The largest plugin file kept (a standard plugin is 0.3–2 MiB).
pub const MAX_PLUGIN_BYTES: u64 = 64 << 20;
/// A change to the folder is acted on once the file stops changing.
const SETTLE: Duration = Duration::from_millis(300);

const SCHEMA: &str = "CREATE SCHEMA IF NOT EXISTS linli;
CREATE TABLE IF NOT EXISTS linli.plugin_files (
    hall TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BYTEA,
    removed BOOLEAN NOT NULL DEFAULT FALSE,
    changed_at BIGINT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (hall, name)
);
CREATE TABLE IF NOT EXISTS linli.hall_hosts (
    hall TEXT NOT NULL,
    host TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (hall, host)
)";

/// How often a host says it is alive; one silent for three times this is
/// shown offline on the district page.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// Keeps the folder watcher alive; dropping it stops publishing (the
/// follower and heartbeat threads end with the process).
pub struct PluginSync {
    _watcher: Option<notify::RecommendedWatcher>,
}

/// What one host knows of the hall's plugins.
struct Sync {
    config: postgres::Config,
    hall: String,
    dir: PathBuf,
    /// This host, in `changed_by` and the log.
    me: String,
}

/// Register this host in the hall (a heartbeat the district page reads)
/// and, with `dir` (hot reload on), keep that plugins folder and the hall's
/// plugin table the same. Fails only when the database cannot be reached at
/// all at start.
pub fn start(dir: Option<&Path>, target: &PgTarget) -> anyhow::Result<PluginSync> {
    let config: postgres::Config = target.url.parse().map_err(|e: postgres::Error| anyhow::anyhow!("[store] postgres_url: {e}"))?;
    // One process can run several hosts (the tests do): each its own name.
    static STARTED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let me = format!("{}:{}:{}", hostname(), std::process::id(), STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let sync = std::sync::Arc::new(Sync { config, hall: target.hall.clone(), dir: dir.map(Path::to_owned).unwrap_or_default(), me });
    // The blocking client must not run on an async worker (the host
    // starts this from its runtime).
    let first = sync.clone();
    let syncing = dir.is_some();
    std::thread::spawn(move || -> anyhow::Result<()> {
        let mut c = first.connect("plugins")?;
        first.prepare(&mut c)?;
        first.heartbeat(&mut c, true)?;
        if syncing {
            first.reconcile(&mut c, true)?;
        }
        Ok(())
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the hall's plugin table could not be read (a panic)"))??;
    let beating = sync.clone();
    std::thread::Builder::new().name("linli-hall-heartbeat".into()).spawn(move || beating.beat())?;
    let Some(dir) = dir else { return Ok(PluginSync { _watcher: None }) };
    let (tx, rx) = std::sync::mpsc::channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && matches!(ev.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_))
        {
            for p in ev.paths {
                let _ = tx.send(p);
            }
        }
    })?;
    watcher.watch(dir, RecursiveMode::NonRecursive)?;
    let publisher = sync.clone();
    std::thread::Builder::new().name("linli-plugin-publish".into()).spawn(move || publisher.publish_changes(rx))?;
    let follower = sync;
    std::thread::Builder::new().name("linli-plugin-follow".into()).spawn(move || follower.follow())?;
    Ok(PluginSync { _watcher: Some(watcher) })
}

impl Sync {
    fn connect(&self, what: &str) -> Result<Client, postgres::Error> {
        connect(&self.config, what)
    }

    fn prepare(&self, c: &mut Client) -> Result<(), postgres::Error> {
        // Two hosts starting together would race on CREATE … IF NOT EXISTS.
        let mut tx = c.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('linli.plugin_files'))", &[])?;
        tx.batch_execute(SCHEMA)?;
        tx.commit()
    }

    /// This host is alive (`first`: it has just started).
    fn heartbeat(&self, c: &mut Client, first: bool) -> Result<(), postgres::Error> {
        let now = now_ms();
        c.execute(
            "INSERT INTO linli.hall_hosts (hall, host, started_at, last_seen, version) VALUES ($1, $2, $3, $3, $4)
             ON CONFLICT (hall, host) DO UPDATE SET last_seen = EXCLUDED.last_seen, version = EXCLUDED.version,
             started_at = CASE WHEN $5 THEN EXCLUDED.started_at ELSE linli.hall_hosts.started_at END",
            &[&self.hall, &self.me, &now, &env!("CARGO_PKG_VERSION"), &first],
        )?;
        Ok(())
    }

    fn beat(&self) {
        let mut client: Option<Client> = None;
        loop {
            std::thread::sleep(HEARTBEAT);
            if client.as_ref().is_none_or(|c| c.is_closed()) {
                client = self.connect("heartbeat").ok();
            }
            if let Some(c) = client.as_mut()
                && let Err(e) = self.heartbeat(c, false)
            {
                tracing::warn!(error = %e, "the hall heartbeat failed; will try again");
                client = None;
            }
        }
    }

    /// Folder events, debounced per file, published to the table.
    fn publish_changes(&self, rx: std::sync::mpsc::Receiver<PathBuf>) {
        let mut pending: BTreeMap<String, Instant> = BTreeMap::new();
        let mut client: Option<Client> = None;
        loop {
            let wait = if pending.is_empty() { Duration::from_secs(3600) } else { SETTLE / 3 };
            match rx.recv_timeout(wait) {
                Ok(p) => {
                    if let Some(name) = plugin_name(&p) {
                        pending.insert(name, Instant::now());
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            }
            let ready: Vec<String> = pending.iter().filter(|(_, t)| t.elapsed() >= SETTLE).map(|(n, _)| n.clone()).collect();
            for name in ready {
                if client.as_ref().is_none_or(|c| c.is_closed()) {
                    client = self.connect("plugins").map_err(|e| tracing::warn!(error = %e, "publishing plugin files: PostgreSQL unreachable; will try again")).ok();
                }
                let Some(c) = client.as_mut() else { break };
                match self.publish(c, &name) {
                    Ok(()) => {
                        pending.remove(&name);
                    }
                    Err(e) => {
                        tracing::warn!(plugin_file = %name, error = %e, "publishing a plugin file to the hall failed; will try again");
                        client = None;
                        break;
                    }
                }
            }
        }
    }

    /// Store what the folder now holds under `name` (or its removal), if
    /// the table does not say so already, and tell the other hosts.
    fn publish(&self, c: &mut Client, name: &str) -> Result<(), postgres::Error> {
        let local = read_local(&self.dir.join(name));
        let mut tx = c.transaction()?;
        let row = tx.query_opt("SELECT sha256, removed FROM linli.plugin_files WHERE hall = $1 AND name = $2 FOR UPDATE", &[&self.hall, &name])?;
        let known = row.map(|r| (r.get::<_, String>(0), r.get::<_, bool>(1)));
        let now = now_ms();
        match (&local, known) {
            (Some((sha, _)), Some((known_sha, false))) if *sha == known_sha => return Ok(()),
            (None, None) | (None, Some((_, true))) => return Ok(()),
            (Some((sha, bytes)), _) => {
                tx.execute(
                    "INSERT INTO linli.plugin_files (hall, name, sha256, bytes, removed, changed_at, changed_by) VALUES ($1, $2, $3, $4, FALSE, $5, $6)
                     ON CONFLICT (hall, name) DO UPDATE SET sha256 = EXCLUDED.sha256, bytes = EXCLUDED.bytes, removed = FALSE,
                     changed_at = EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by",
                    &[&self.hall, &name, sha, bytes, &now, &self.me],
                )?;
                tracing::info!(hall = %self.hall, plugin_file = %name, sha256 = %&sha[..12], "plugin file installed for every host of the hall");
            }
            (None, Some((_, false))) => {
                tx.execute(
                    "UPDATE linli.plugin_files SET removed = TRUE, bytes = NULL, changed_at = $3, changed_by = $4 WHERE hall = $1 AND name = $2",
                    &[&self.hall, &name, &now, &self.me],
                )?;
                tracing::info!(hall = %self.hall, plugin_file = %name, "plugin file removed from every host of the hall");
            }
        }
        tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &self.hall])?;
        tx.commit()
    }

    /// Wait for announcements (or poll) and bring the folder in line.
    fn follow(&self) {
        use postgres::fallible_iterator::FallibleIterator;
        loop {
            let mut c = match self.connect("plugins, following").and_then(|mut c| c.batch_execute(&format!("LISTEN {CHANNEL}")).map(|()| c)) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "following the hall's plugins: PostgreSQL unreachable; trying again in 5 s");
                    std::thread::sleep(POLL);
                    continue;
                }
            };
            loop {
                if let Err(e) = self.reconcile(&mut c, false) {
                    tracing::warn!(error = %e, "following the hall's plugins failed; reconnecting");
                    break;
                }
                let waited = c.notifications().timeout_iter(POLL).next().map(|_| ());
                match waited {
                    Ok(()) => {
                        let _ = c.notifications().iter().count();
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "following the hall's plugins: connection lost; reconnecting");
                        break;
                    }
                }
            }
        }
    }

    /// Make the folder hold what the table says. At start (`starting`), a
    /// file the table does not know is this host's to publish (the first
    /// host of a hall seeds it).
    fn reconcile(&self, c: &mut Client, starting: bool) -> Result<(), postgres::Error> {
        let rows = c.query("SELECT name, sha256, removed, changed_at FROM linli.plugin_files WHERE hall = $1", &[&self.hall])?;
        let mut known = BTreeMap::new();
        for r in rows {
            let name: String = r.get(0);
            let sha: String = r.get(1);
            let removed: bool = r.get(2);
            let changed_at: i64 = r.get(3);
            known.insert(name.clone(), ());
            // A name another host wrote is checked like a name typed by a
            // person: no folder, no hidden file, a `.wasm` file only.
            if plugin_name(Path::new(&name)).as_deref() != Some(name.as_str()) {
                tracing::warn!(plugin_file = %name, "the hall's plugin table names a file that is not a plain .wasm name; left alone");
                continue;
            }
            let path = self.dir.join(&name);
            let local = read_local(&path).map(|(s, _)| s);
            if local.is_some() && local.as_deref() != Some(sha.as_str()) || removed && local.is_some() {
                match local_change(&path, changed_at) {
                    // Being written now: the folder watcher publishes it
                    // once it stops changing.
                    LocalChange::Settling => continue,
                    // Put here after the hall's version (an admin's copy,
                    // made in place or while the publisher was away): this
                    // host's is the newer, never overwritten.
                    LocalChange::Newer => {
                        self.publish(c, &name)?;
                        continue;
                    }
                    LocalChange::Older => {}
                }
            }
            if removed {
                // Removed while this host had it: delete.
                if local.is_some() {
                    match std::fs::remove_file(&path) {
                        Ok(()) => tracing::info!(plugin_file = %name, "plugin removed by another host of the hall; removed here too"),
                        Err(e) => tracing::warn!(plugin_file = %name, error = %e, "removing a plugin the hall removed"),
                    }
                }
                continue;
            }
            if local.as_deref() == Some(sha.as_str()) {
                continue;
            }
            let Some(row) = c.query_opt("SELECT bytes FROM linli.plugin_files WHERE hall = $1 AND name = $2 AND sha256 = $3", &[&self.hall, &name, &sha])? else {
                continue; // changed meanwhile; the next round sees it
            };
            let bytes: Option<Vec<u8>> = row.get(0);
            let Some(bytes) = bytes else { continue };
            if hex::encode(Sha256::digest(&bytes)) != sha {
                tracing::error!(plugin_file = %name, "the hall's copy of a plugin does not match its hash; not installed");
                continue;
            }
            if let Err(e) = write_atomically(&path, &bytes) {
                tracing::error!(plugin_file = %name, error = %e, "writing a plugin installed by another host of the hall");
            } else {
                tracing::info!(plugin_file = %name, sha256 = %&sha[..12], "plugin installed by another host of the hall; installed here too");
            }
        }
        if starting {
            for e in std::fs::read_dir(&self.dir).map(|d| d.flatten().collect::<Vec<_>>()).unwrap_or_default() {
                if let Some(name) = plugin_name(&e.path())
                    && !known.contains_key(&name)
                {
                    self.publish(c, &name)?;
                }
            }
        }
        Ok(())
    }
}

/// How a plugin file of this host's folder that differs from the hall's
/// stands against the hall's last change of it (by modification time).
enum LocalChange {
    /// Changed within the last two seconds: still being written, perhaps.
    Settling,
    /// Written after the hall's change: this host's version wins.
    Newer,
    /// Older than the hall's change: the hall's version wins.
    Older,
}

fn local_change(path: &Path, hall_changed_at: i64) -> LocalChange {
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64);
    if now_ms() - modified < 2_000 {
        LocalChange::Settling
    } else if modified > hall_changed_at {
        LocalChange::Newer
    } else {
        LocalChange::Older
    }
}

/// The file name of a plugin file in the folder: `name.wasm`, no hidden
/// file (editors' and this module's temporary files start with a dot).
fn plugin_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let ok = name.ends_with(".wasm")
        && !name.starts_with('.')
        && name.len() <= 200
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    ok.then(|| name.to_owned())
}

/// The hash and bytes of a plugin file, if there is one of a size kept.
fn read_local(path: &Path) -> Option<(String, Vec<u8>)> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    if meta.len() > MAX_PLUGIN_BYTES {
        tracing::warn!(plugin_file = %path.display(), bytes = meta.len(), "plugin file larger than {} MiB is not shared with the hall's other hosts", MAX_PLUGIN_BYTES >> 20);
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    Some((hex::encode(Sha256::digest(&bytes)), bytes))
}

/// Written under a hidden temporary name, then renamed: the folder watcher
/// never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("plugin.wasm");
    let tmp = path.with_file_name(format!(".{name}.from-hall"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|s| s.trim().to_owned()).ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "host".into())
}

/// A connection (named in the server's session list), waiting 5 s at most.
fn connect(config: &postgres::Config, what: &str) -> Result<Client, postgres::Error> {
    let mut c = config.clone();
    c.connect_timeout(Duration::from_secs(5));
    c.application_name(&format!("linli host ({what})"));
    c.connect(NoTls)
}

/// The machine's clock (file times and heartbeats are the machine's, not
/// the hall's controllable clock).
fn now_ms() -> i64 {
    use crate::runtime::capabilities::Clock;
    crate::runtime::capabilities::SystemClock.now_ms()
}

/// One hall's figures of the day on the district page.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct HallFigures {
    pub hall: String,
    /// Hosts heard from in the last three heartbeats, and all it has had.
    pub hosts_online: i64,
    pub hosts_known: i64,
    pub issued: i64,
    pub called: i64,
    pub finished: i64,
    pub skipped: i64,
    /// Minutes from a ticket's issue to its first call, on average.
    pub avg_wait_min: Option<f64>,
    /// The newest event of the day, if any.
    pub last_event: Option<i64>,
}

/// Every hall of the district with its queue figures since `since_ms` (the
/// day's start), from the halls' event logs: what the queue announced, no
/// resident's data. Halls are those with a host registered or an event
/// today, sorted by id.
pub fn overview(target: &PgTarget, since_ms: i64, now_ms: i64) -> Result<Vec<HallFigures>, String> {
    let config: postgres::Config = target.url.parse().map_err(|e: postgres::Error| format!("[store] postgres_url: {e}"))?;
    let mut c = connect(&config, "district").map_err(|e| e.to_string())?;
    let mut halls: BTreeMap<String, HallFigures> = BTreeMap::new();
    let blank = |hall: &str| HallFigures {
        hall: hall.to_owned(),
        hosts_online: 0,
        hosts_known: 0,
        issued: 0,
        called: 0,
        finished: 0,
        skipped: 0,
        avg_wait_min: None,
        last_event: None,
    };
    let online_after = now_ms - 3 * HEARTBEAT.as_millis() as i64;
    for r in c
        .query("SELECT hall, count(*), count(*) FILTER (WHERE last_seen >= $1) FROM linli.hall_hosts GROUP BY hall", &[&online_after])
        .map_err(|e| e.to_string())?
    {
        let hall: String = r.get(0);
        let f = halls.entry(hall.clone()).or_insert_with(|| blank(&hall));
        f.hosts_known = r.get(1);
        f.hosts_online = r.get(2);
    }
    for r in c
        .query(
            "SELECT hall, topic, count(*), max(time) FROM linli.events WHERE time >= $1
             AND topic IN ('queue.issued', 'queue.called', 'queue.finished', 'queue.skipped') GROUP BY hall, topic",
            &[&since_ms],
        )
        .map_err(|e| e.to_string())?
    {
        let hall: String = r.get(0);
        let topic: String = r.get(1);
        let n: i64 = r.get(2);
        let last: i64 = r.get(3);
        let f = halls.entry(hall.clone()).or_insert_with(|| blank(&hall));
        match topic.as_str() {
            "queue.issued" => f.issued = n,
            "queue.called" => f.called = n,
            "queue.finished" => f.finished = n,
            _ => f.skipped = n,
        }
        f.last_event = Some(f.last_event.map_or(last, |l| l.max(last)));
    }
    // A ticket's wait: its issue to its first call, matched by label
    // within the day (labels start again each day).
    for r in c
        .query(
            "WITH i AS (SELECT hall, payload::jsonb->>'ticket' AS ticket, min(time) AS t FROM linli.events
                        WHERE time >= $1 AND topic = 'queue.issued' GROUP BY 1, 2),
                  k AS (SELECT hall, payload::jsonb->>'ticket' AS ticket, min(time) AS t FROM linli.events
                        WHERE time >= $1 AND topic = 'queue.called' GROUP BY 1, 2)
             SELECT i.hall, avg(k.t - i.t)::float8 / 60000.0 FROM i JOIN k ON k.hall = i.hall AND k.ticket = i.ticket AND k.t >= i.t GROUP BY i.hall",
            &[&since_ms],
        )
        .map_err(|e| e.to_string())?
    {
        let hall: String = r.get(0);
        if let Some(f) = halls.get_mut(&hall) {
            f.avg_wait_min = r.get::<_, Option<f64>>(1).map(|m| (m * 10.0).round() / 10.0);
        }
    }
    Ok(halls.into_values().collect())
}
