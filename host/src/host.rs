//! The running host: plugins, storage, bus and settings tied together.

use crate::bus::EventBus;
use crate::registry::Registry;
use crate::runtime::bindings::types;
use crate::runtime::capabilities::{CallState, Clock, HostServices, SystemClock};
use crate::runtime::plugin::{LoadContext, PluginSettings, make_linker};
use crate::runtime::{LoadedPlugin, SandboxEngine};
use crate::settings::Settings;
use crate::storage::host_db::HostDb;
use crate::storage::sqlite::{Durability, SqliteStorage};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime::component::Linker;

/// How a host is set up (from the command line).
#[derive(Debug, Clone)]
pub struct HostConfig {
    pub data_dir: PathBuf,
    pub plugins_dir: PathBuf,
    pub content_dir: Option<PathBuf>,
    pub durability: Durability,
    /// Offset of the hall's local time from UTC, in minutes (+480 = 北京时间).
    pub utc_offset_minutes: i32,
    /// Cache compiled plugins under the data directory.
    pub compile_cache: bool,
    /// The key file for resident records (default `DATA/keys/residents.key`).
    pub key_file: Option<PathBuf>,
}

pub struct Host {
    pub config: HostConfig,
    /// The host's own tables: this host's SQLite file, or in a district
    /// the hall's schema in PostgreSQL (see [`HostDb`]).
    pub db: Arc<HostDb>,
    pub services: Arc<HostServices>,
    pub registry: Registry,
    pub engine: SandboxEngine,
    linker: Linker<CallState>,
    pub settings: parking_lot::RwLock<Settings>,
    /// Rate limits of the public and kiosk endpoints.
    pub rate: crate::rate::RateLimiter,
    /// When `/healthz` last read the store and what it found (`Some`: why
    /// it could not): public and asked every few seconds by a balancer, it
    /// reads the store at most once a second.
    pub store_probe: parking_lot::Mutex<Option<(std::time::Instant, Option<String>)>>,
    pub started_ms: i64,
    /// The live content folder, once opened by `serve::start`.
    pub content: std::sync::OnceLock<crate::content::LiveContent>,
    /// The calendar files as last read (see `refresh_calendar`).
    calendar_seen: parking_lot::Mutex<Option<Vec<(PathBuf, u64, Option<std::time::SystemTime>)>>>,
    /// Serialises loads, so two reloads of one file cannot race.
    load_lock: parking_lot::Mutex<()>,
}

/// The outcome of loading one file.
#[derive(Debug)]
pub enum LoadOutcome {
    Loaded { id: String, version: String, replaced: Option<String> },
    Failed(String),
}

impl Host {
    pub fn new(config: HostConfig) -> anyhow::Result<Arc<Host>> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    pub fn with_clock(mut config: HostConfig, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<Host>> {
        // The watchers report absolute paths; a folder given as a relative
        // path (`--plugins plugins/dist`, the default) would otherwise hold
        // each plugin under two names, and an upgrade dropped into it would
        // clash with the version it replaces.
        config.plugins_dir = std::path::absolute(&config.plugins_dir).unwrap_or(config.plugins_dir);
        config.content_dir = config.content_dir.map(|d| std::path::absolute(&d).unwrap_or(d));
        std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
        let db_path = config.data_dir.join("linli.db");
        let local = Arc::new(SqliteStorage::open(&db_path, config.durability).with_context(|| format!("opening {}", db_path.display()))?);
        let key_file = config.key_file.clone().unwrap_or_else(|| config.data_dir.join("keys").join("residents.key"));
        let vault = Arc::new(crate::residents::Vault::open(&key_file)?);
        let settings = Settings::load(&config.data_dir.join("linli.toml"))?;
        // A district's shared schema is migrated before anything uses it
        // (unless `linli migrate` did it already), and one that a newer
        // linli migrated is refused, naming that version.
        if let Some(target) = settings.store.postgres_target() {
            crate::storage::migrate::postgres_apply(&target).map_err(|e| anyhow::anyhow!("[store] {e}"))?;
        }
        // A district: the host's own tables (staff, sessions, devices,
        // grants, the audit log…) in the hall's schema, shared by its hosts.
        let db = Arc::new(HostDb::open(local, settings.store.postgres_target().as_ref()).map_err(|e| anyhow::anyhow!("[store] PostgreSQL: the host's tables: {e}"))?);
        // A log from before the keyed chain is linked to the key now, not at
        // its next entry (until then a plain rewrite would go unnoticed).
        crate::audit::seal_legacy(&db, vault.audit_chain(), clock.now_ms()).context("sealing the audit log's chain with the key")?;
        // A district: the plugins' key-value data and the hall's event log
        // are shared by every host of the hall in PostgreSQL; a hall alone
        // keeps them in its SQLite file.
        let (storage, bus): (Arc<dyn crate::storage::Storage>, EventBus) = match settings.store.postgres_target() {
            Some(target) => {
                let pg = Arc::new(crate::storage::pg_store::PgStore::open(&target).map_err(|e| anyhow::anyhow!("[store] PostgreSQL: {e}"))?);
                let bus = EventBus::shared(pg.clone()).map_err(|e| anyhow::anyhow!("[store] PostgreSQL: reading the event log: {e}"))?;
                crate::storage::pg_store::listen(pg.clone(), &bus).context("starting the events listener")?;
                (pg, bus)
            }
            None => (db.local().clone(), EventBus::new(db.local().clone())),
        };
        let residents = Some(crate::runtime::capabilities::ResidentRecords { db: db.clone(), vault: vault.clone() });
        let outbox = Arc::new(crate::notify::Outbox::new(Some(db.clone()), Some(vault.clone()), settings.notify.clone()));
        // Uploaded files: records in the plugins' key-value store (the
        // hall's, in a district) and bytes in the data folder; in a district
        // also in PostgreSQL, so any host of the hall reads what another
        // stored, with the files key kept beside the hall's shared key file
        // (the hosts of a hall share that folder's keys).
        let files = match (settings.store.postgres_target(), &config.key_file) {
            (Some(target), key_file) => {
                let key = key_file.as_ref().map_or_else(|| config.data_dir.join("keys").join("files.key"), |k| k.with_file_name("files.key"));
                let remote = crate::storage::pg_blobs::PgBlobs::open(&target).map_err(|e| anyhow::anyhow!("[store] {e}"))?;
                crate::files::FileStore::open(&config.data_dir.join("files"), &key, storage.clone())?.with_remote(remote)
            }
            (None, _) => crate::files::FileStore::open(&config.data_dir.join("files"), &config.data_dir.join("keys").join("files.key"), db.local().clone())?,
        };
        let files = Arc::new(files);
        let services = Arc::new(HostServices { storage, residents, vault, bus, clock, utc_offset_minutes: config.utc_offset_minutes, budgets: Default::default(), calendar: Default::default(), outbox, screens: Default::default(), files, calls: crate::runtime::capabilities::services::Calls::open(db.clone()).context("reading the allowed service links")?, audit_kept: Default::default() });
        let engine = SandboxEngine::new(config.compile_cache.then(|| config.data_dir.join("cache")))?;
        let linker = make_linker(&engine)?;
        let now = services.clock.now_ms();
        let rate = crate::rate::RateLimiter::new(settings.http.rate_per_minute, settings.http.rate_burst);
        let host = Arc::new(Host {
            rate,
            store_probe: Default::default(),
            config,
            db,
            services,
            registry: Registry::default(),
            engine,
            linker,
            settings: parking_lot::RwLock::new(settings),
            started_ms: now,
            content: std::sync::OnceLock::new(),
            calendar_seen: parking_lot::Mutex::new(None),
            load_lock: parking_lot::Mutex::new(()),
        });
        // Service calls find their callees among this host's plugins.
        host.services.calls.attach(Arc::downgrade(&host) as std::sync::Weak<dyn crate::runtime::capabilities::services::Directory>);
        // Plugins an admin disabled stay disabled: known before any loads.
        host.registry.set_disabled_all(crate::auth::grants::disabled(&host.db).context("reading which plugins are disabled")?);
        host.refresh_calendar();
        // A district: the plugins' switches and grants the hall's other
        // hosts change apply here too.
        host.follow_hall();
        Ok(host)
    }

    pub fn bus(&self) -> &EventBus {
        &self.services.bus
    }

    pub fn now_ms(&self) -> i64 {
        self.services.clock.now_ms()
    }

    /// Load (or reload) one `.wasm` file. On failure the running version, if
    /// any, keeps serving and the error is recorded against the file.
    pub fn load_file(&self, path: &Path) -> LoadOutcome {
        self.load_file_inner(path, false)
    }

    fn load_file_inner(&self, path: &Path, force: bool) -> LoadOutcome {
        let _g = self.load_lock.lock();
        let fname = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return self.fail(&fname, format!("{fname}: cannot read: {e}")),
        };
        // An unchanged file (the watcher fires on touch too) is left alone.
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        if let Some(p) = self.registry.snapshot().plugins.values().find(|p| p.file == path)
            && p.sha256 == digest
            && !force
        {
            return LoadOutcome::Loaded { id: p.manifest.id.clone(), version: p.manifest.version.clone(), replaced: None };
        }
        let settings = self.settings.read().clone();
        let postgres = settings.store.postgres_target();
        let ctx = LoadContext {
            engine: &self.engine,
            linker: &self.linker,
            services: self.services.clone(),
            data_dir: &self.config.data_dir,
            durability: self.config.durability,
            postgres: postgres.as_ref(),
        };
        let lookup = |id: &str| -> PluginSettings {
            let mut s = settings.plugins.get(id).cloned().unwrap_or_default();
            if let Some(g) = crate::auth::grants::stored(&self.db, id) {
                s.grants = Some(g);
            }
            s
        };
        let plugin = match LoadedPlugin::load(&ctx, path, &bytes, &lookup) {
            Ok(p) => p,
            Err(e) => return self.fail(&fname, e.to_string()),
        };
        let (id, version) = (plugin.manifest.id.clone(), plugin.manifest.version.clone());
        let cached = plugin.from_cache;
        match self.registry.install(plugin) {
            Ok(old) => {
                self.registry.set_error(&fname, None);
                let replaced = old.map(|o| o.manifest.version.clone());
                tracing::info!(plugin = %id, %version, file = %fname, from_cache = cached, replaced = ?replaced, "plugin loaded");
                let payload = serde_json::json!({"plugin": id, "version": version, "file": fname, "replaced": replaced});
                let _ = self.bus().publish("host.plugin.loaded", &payload.to_string(), "host", self.now_ms());
                LoadOutcome::Loaded { id, version, replaced }
            }
            Err(e) => self.fail(&fname, format!("{fname}: {e}")),
        }
    }

    fn fail(&self, fname: &str, msg: String) -> LoadOutcome {
        tracing::error!(file = %fname, error = %msg, "plugin rejected; anything already running keeps running");
        self.registry.set_error(fname, Some(msg.clone()));
        let payload = serde_json::json!({"file": fname, "error": msg});
        let _ = self.bus().publish("host.plugin.failed", &payload.to_string(), "host", self.now_ms());
        LoadOutcome::Failed(msg)
    }

    /// Store an admin's grants for a plugin and reload it so they apply.
    /// Returns what is granted now (the requested capabilities among them).
    pub fn set_grants(&self, plugin_id: &str, capabilities: &[String]) -> anyhow::Result<Vec<String>> {
        let snap = self.registry.snapshot();
        let plugin = snap.plugins.get(plugin_id).ok_or_else(|| anyhow::anyhow!("no plugin `{plugin_id}` is loaded"))?;
        if let Some(bad) = capabilities.iter().find(|c| crate::manifest::Capability::parse(c).is_none()) {
            anyhow::bail!("unknown capability `{bad}`");
        }
        crate::auth::grants::store(&self.db, plugin_id, capabilities, self.now_ms())?;
        let file = plugin.file.clone();
        drop(snap);
        match self.load_file_inner(&file, true) {
            LoadOutcome::Loaded { .. } => {}
            LoadOutcome::Failed(e) => anyhow::bail!(e),
        }
        // The hall's other hosts load it again too (see `follow_hall`).
        let payload = serde_json::json!({"plugin": plugin_id, "origin": self.db.instance()});
        let _ = self.bus().publish("host.grants.changed", &payload.to_string(), "host", self.now_ms());
        let snap = self.registry.snapshot();
        Ok(snap.plugins.get(plugin_id).map(|p| p.grants.iter().cloned().collect()).unwrap_or_default())
    }

    /// A district: follow what the hall's other hosts change in the
    /// plugins' state (an admin's switch, grants), announced on the hall's
    /// event bus (`host.plugin.enabled`/`disabled`, `host.grants.changed`),
    /// and apply it here: the stored state is the truth, the event only the
    /// wake-up. A hall alone has nothing to follow. Service links need
    /// nothing here: in a district they are read from the hall's table on
    /// every call.
    fn follow_hall(self: &Arc<Self>) {
        use tokio::sync::broadcast::error::RecvError;
        if self.db.backend() != crate::storage::host_db::Backend::Postgres {
            return;
        }
        let mut events = self.bus().subscribe();
        let weak = Arc::downgrade(self);
        let spawned = std::thread::Builder::new().name("linli-hall-follow".into()).spawn(move || {
            loop {
                let event = match events.blocking_recv() {
                    Ok(e) => Some(e),
                    // Missed some: take the whole stored state again.
                    Err(RecvError::Lagged(_)) => None,
                    Err(RecvError::Closed) => return,
                };
                let Some(host) = weak.upgrade() else { return };
                let payload: serde_json::Value = event.as_ref().and_then(|e| serde_json::from_str(&e.payload).ok()).unwrap_or_default();
                let plugin = payload["plugin"].as_str();
                let mine = payload["origin"].as_str() == Some(host.db.instance());
                match event.as_ref().map(|e| e.topic.as_str()) {
                    None => {
                        host.apply_stored_switches(None);
                        for id in host.registry.snapshot().plugins.keys() {
                            host.reload_plugin(id);
                        }
                    }
                    Some("host.plugin.enabled" | "host.plugin.disabled") if !mine => host.apply_stored_switches(plugin),
                    Some("host.grants.changed") if !mine => {
                        if let Some(id) = plugin {
                            host.reload_plugin(id);
                        }
                    }
                    _ => {}
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start following the hall's plugin switches and grants");
        }
    }

    /// Make this host's switch of `plugin` (or of every plugin) what the
    /// hall's table says.
    fn apply_stored_switches(&self, plugin: Option<&str>) {
        let stored = match crate::auth::grants::disabled(&self.db) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "reading which plugins the hall disabled");
                return;
            }
        };
        let snap = self.registry.snapshot();
        let ids: Vec<String> = match plugin {
            Some(id) => vec![id.to_owned()],
            None => snap.plugins.keys().cloned().chain(stored.iter().cloned()).collect(),
        };
        for id in ids {
            let want = stored.contains(&id);
            if snap.is_disabled(&id) != want
                && let Err(e) = self.registry.set_disabled(&id, want)
            {
                tracing::error!(plugin = %id, error = %e, "applying another host's switch of a plugin");
            }
        }
    }

    /// Load a plugin's file again, with what is stored for it now (another
    /// host of the hall changed its grants).
    pub fn reload_plugin(&self, plugin_id: &str) -> Option<LoadOutcome> {
        let file = self.registry.snapshot().plugins.get(plugin_id)?.file.clone();
        Some(self.load_file_inner(&file, true))
    }

    /// Disable or enable a loaded plugin (the admin's switch on the plugins
    /// page), stored so it holds across restarts. A disabled plugin stays
    /// loaded with its data untouched, but its routes answer 404, its pages
    /// leave the navigation, and it gets no tick and no event; enabling it
    /// brings all of that back at once. Returns whether anything changed.
    pub fn set_enabled(&self, plugin_id: &str, enabled: bool, by: &str) -> anyhow::Result<bool> {
        let _g = self.load_lock.lock();
        let snap = self.registry.snapshot();
        if !snap.plugins.contains_key(plugin_id) && !snap.is_disabled(plugin_id) {
            anyhow::bail!("no plugin `{plugin_id}` is loaded");
        }
        if snap.is_disabled(plugin_id) != enabled {
            return Ok(false);
        }
        drop(snap);
        crate::auth::grants::store_disabled(&self.db, plugin_id, !enabled, by, self.now_ms())?;
        self.registry.set_disabled(plugin_id, !enabled).map_err(|e| anyhow::anyhow!("plugin `{plugin_id}`: {e}"))?;
        tracing::info!(plugin = %plugin_id, by, "plugin {}", if enabled { "enabled" } else { "disabled" });
        let topic = if enabled { "host.plugin.enabled" } else { "host.plugin.disabled" };
        let _ = self.bus().publish(topic, &serde_json::json!({"plugin": plugin_id, "origin": self.db.instance()}).to_string(), "host", self.now_ms());
        self.screens_changed(plugin_id);
        Ok(true)
    }

    /// A plugin's items on the screens came or went with it (enabled,
    /// disabled, unloaded): tell the players when it has any.
    fn screens_changed(&self, plugin_id: &str) {
        if self.services.screens.items_of(self.services.storage.as_ref(), plugin_id).is_empty() {
            return;
        }
        self.services.screens.touch();
        let payload = serde_json::json!({"source": format!("plugin/{plugin_id}"), "screens_revision": self.services.screens.revision()});
        let _ = self.bus().publish("content.changed", &payload.to_string(), "host", self.now_ms());
    }

    /// A plugin file was deleted: unload what it held.
    pub fn unload_file(&self, path: &Path) {
        let _g = self.load_lock.lock();
        self.registry.set_error(&path.display().to_string(), None);
        if let Some(p) = self.registry.remove_file(path) {
            tracing::info!(plugin = %p.manifest.id, file = %path.display(), "plugin unloaded (file removed)");
            let payload = serde_json::json!({"plugin": p.manifest.id, "file": path.display().to_string()});
            let _ = self.bus().publish("host.plugin.unloaded", &payload.to_string(), "host", self.now_ms());
            self.screens_changed(&p.manifest.id);
        }
        drop(_g);
        // Files refused because of this one (same id, clashing routes) may load now.
        for file in self.registry.errors().into_keys() {
            let p = PathBuf::from(&file);
            if p.exists() && p != path {
                self.load_file(&p);
            }
        }
    }

    /// Load every `.wasm` in the plugins directory, in name order.
    pub fn load_all(&self) -> anyhow::Result<Vec<LoadOutcome>> {
        let dir = &self.config.plugins_dir;
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading plugins directory {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .collect();
        files.sort();
        Ok(files.iter().map(|f| self.load_file(f)).collect())
    }

    /// Does any plugin (other than its source) want this event?
    pub fn has_subscribers(&self, ev: &crate::storage::StoredEvent) -> bool {
        self.registry.snapshot().subscribers(&ev.topic).iter().any(|p| p.manifest.id != ev.source)
    }

    /// Deliver one stored event to every subscribed plugin, in order.
    pub fn deliver_event(&self, ev: &crate::storage::StoredEvent) {
        for plugin in self.registry.snapshot().subscribers(&ev.topic) {
            // A plugin does not receive its own events back (no loops).
            if plugin.manifest.id == ev.source {
                continue;
            }
            let wit = types::Event { id: ev.id, topic: ev.topic.clone(), payload: ev.payload.clone(), source: ev.source.clone(), time: ev.time };
            match plugin.on_event(wit) {
                Ok(Ok(())) => {}
                Ok(Err(msg)) => tracing::warn!(plugin = %plugin.manifest.id, event = ev.id, topic = %ev.topic, "on-event returned an error: {msg}"),
                Err(_) => {} // already logged and counted by the call
            }
        }
    }

    /// Read `content/calendar/*.toml` again if any of them changed since
    /// the last look (called at start and with every tick): the working
    /// days every plugin's deadlines are counted in. A broken file is
    /// logged with its line and field, and its year left out.
    pub fn refresh_calendar(&self) {
        // Without a content folder (or a calendar in it), the years shipped
        // with this build.
        let dir = self.config.content_dir.as_ref().map_or_else(|| PathBuf::from("/nonexistent"), |d| d.join("calendar"));
        let fingerprint: Vec<(std::path::PathBuf, u64, Option<std::time::SystemTime>)> = std::fs::read_dir(&dir)
            .map(|entries| {
                let mut v: Vec<_> = entries
                    .filter_map(|e| e.ok())
                    .filter_map(|e| e.metadata().ok().map(|m| (e.path(), m.len(), m.modified().ok())))
                    .collect();
                v.sort();
                v
            })
            .unwrap_or_default();
        {
            let mut seen = self.calendar_seen.lock();
            if seen.as_ref() == Some(&fingerprint) {
                return;
            }
            *seen = Some(fingerprint);
        }
        let (calendar, years, errors) = if dir.is_dir() { linli_content::calendar::load_dir(&dir) } else { shipped_calendar() };
        for e in &errors {
            tracing::error!("calendar: {e}");
        }
        for y in years.iter().filter(|y| y.provisional) {
            tracing::warn!(year = y.year, "calendar: {}.toml is provisional (the official arrangement with its make-up working days is not in it yet)", y.year);
        }
        tracing::info!(years = ?calendar.years(), "working-day calendar loaded");
        *self.services.calendar.write() = Arc::new(calendar);
    }

    /// Delete events past their retention (`[events]` in linli.toml).
    pub fn prune_events(&self) -> u64 {
        let (rules, default_cutoff) = self.settings.read().events.cutoffs(self.now_ms(), self.config.utc_offset_minutes);
        match self.bus().prune(&rules, default_cutoff) {
            Ok(n) => {
                if n > 0 {
                    tracing::info!(deleted = n, "events past their retention deleted from the event log");
                }
                n
            }
            Err(e) => {
                tracing::error!(error = %e, "pruning the event log failed");
                0
            }
        }
    }

    /// Where a stream of a caller who is not staff may start replaying
    /// from at the earliest: the start of the hall's day.
    pub fn public_replay_floor(&self) -> u64 {
        let day = linli_shared::time::day_start(self.now_ms(), self.config.utc_offset_minutes);
        self.bus().replay_floor(day).unwrap_or(0)
    }

    /// Call every active plugin's scheduled tick (a disabled one sleeps).
    pub fn tick_all(&self) {
        let now = self.now_ms();
        for plugin in self.registry.snapshot().active() {
            if let Ok(Err(msg)) = plugin.tick(now) {
                tracing::warn!(plugin = %plugin.manifest.id, "tick returned an error: {msg}");
            }
        }
    }
}

/// The calendar years shipped with this build (`content/calendar/`), for a
/// hall whose content folder has none.
pub fn shipped_calendar() -> (linli_shared::calendar::Calendar, Vec<linli_content::calendar::CalendarYear>, Vec<linli_content::ContentError>) {
    const SHIPPED: &[(&str, &str)] = &[
        ("calendar/2026.toml", include_str!("../../content/calendar/2026.toml")),
        ("calendar/2027.toml", include_str!("../../content/calendar/2027.toml")),
    ];
    let mut calendar = linli_shared::calendar::Calendar::default();
    let mut years = Vec::new();
    let mut errors = Vec::new();
    for (path, text) in SHIPPED {
        match linli_content::calendar::parse_year(path, text) {
            Ok(y) => {
                calendar.add_year(y.year, y.holidays.iter().map(|(_, d)| *d), y.workdays.iter().map(|(_, d)| *d));
                years.push(y);
            }
            Err(e) => errors.push(e),
        }
    }
    (calendar, years, errors)
}
