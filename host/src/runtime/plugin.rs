//! One loaded plugin: its validated manifest, its pre-linked component, its
//! grants and limits, and its health.

use super::bindings::{Plugin, PluginPre, WIT_PACKAGE, WIT_VERSION, types};
use super::capabilities::{CallState, Capability, HostServices};
use super::engine::{EPOCH_TICK, SandboxEngine};
use super::lane::{Lane, Out, Settle};
use super::limits::{Limits, MAX_MEMORY_MIB};
use crate::manifest::{Manifest, validate_manifest};
use crate::storage::plugin_db::PluginDb;
use crate::storage::sqlite::{Durability, PluginSql};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Store, StoreLimitsBuilder};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx};

/// Why a file could not become a running plugin. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: not a WebAssembly file (it does not start with \\0asm)")]
    NotWasm { file: String },
    #[error("{file}: a core WebAssembly module, not a component; build the plugin with `--target wasm32-wasip2`")]
    CoreModule { file: String },
    #[error("{file}: not a valid component: {reason}")]
    Invalid { file: String, reason: String },
    #[error("{file}: built against {found}, but this host speaks {WIT_PACKAGE}@{WIT_VERSION}")]
    WitVersion { file: String, found: String },
    #[error("{file}: not a Linli plugin: it does not export `{missing}` ({WIT_PACKAGE}@{WIT_VERSION} world `plugin`)")]
    NotAPlugin { file: String, missing: String },
    #[error("{file}: cannot be linked: {reason}")]
    Link { file: String, reason: String },
    #[error("{file}: manifest: {reason}")]
    Manifest { file: String, reason: String },
    #[error("{file}: calling manifest() failed: {reason}")]
    ManifestCall { file: String, reason: String },
    #[error("{file}: {reason}")]
    Other { file: String, reason: String },
}

/// Why one call into a plugin failed. The plugin's id is in every message.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("plugin `{plugin}` ran past its time limit of {limit_ms} ms and was stopped")]
    Timeout { plugin: String, limit_ms: u64 },
    #[error("plugin `{plugin}` ran out of memory (limit {limit_mib} MiB)")]
    Memory { plugin: String, limit_mib: u64 },
    #[error("plugin `{plugin}` failed: {reason}")]
    Trap { plugin: String, reason: String },
    #[error("plugin `{plugin}` returned an invalid response: {reason}")]
    BadResponse { plugin: String, reason: String },
    /// A limit of the host's work for the plugin (its storage quota, its
    /// host calls): the message names the limit and holds no internals.
    #[error("{message}")]
    Limit { plugin: String, limit: String, message: String },
}

/// Per-plugin settings an admin can change (in `linli.toml`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PluginSettings {
    /// Leave the plugin unloaded.
    pub disabled: bool,
    /// Capabilities granted; `None` grants what the manifest asks for.
    pub grants: Option<Vec<String>>,
    pub limits: Limits,
    /// The plugin's configuration (merged over its declared defaults).
    pub config: Option<serde_json::Value>,
    /// Hosts the plugin may send requests to with the `http` capability:
    /// `sms.example.com` (its default port), `127.0.0.1:9000`. Empty: none.
    pub http_allow: Vec<String>,
    /// CA certificates (a PEM file, absolute path) its https requests trust
    /// beside the built-in roots: a hall's internal gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_ca_file: Option<PathBuf>,
}

/// Calls, failures and the last error of a plugin.
#[derive(Default)]
pub struct Health {
    pub calls: AtomicU64,
    pub failures: AtomicU64,
    /// Failures in a row, per kind of call (requests, events, ticks): a
    /// working tick must not hide a handler that keeps failing.
    pub consecutive_failures: [AtomicU64; 3],
    pub nanos: AtomicU64,
    /// Host calls (storage, events…) made by all calls together.
    pub host_calls: AtomicU64,
    pub last_error: Mutex<Option<String>>,
    /// Calls running right now.
    pub in_flight: AtomicU64,
}

/// After this many failures in a row a plugin is reported unhealthy.
pub const UNHEALTHY_AFTER: u64 = 3;

impl Health {
    pub fn healthy(&self) -> bool {
        self.consecutive_failures.iter().all(|c| c.load(Ordering::Relaxed) < UNHEALTHY_AFTER)
    }
}

pub struct LoadedPlugin {
    pub manifest: Manifest,
    pub file: PathBuf,
    pub sha256: String,
    pub grants: Arc<BTreeSet<String>>,
    pub limits: Limits,
    pub config_json: Arc<str>,
    /// The hosts its `http` requests may reach (`http_allow`).
    pub http_allow: Arc<super::capabilities::http::AllowList>,
    pub health: Health,
    /// Its upload routes (capability `files`).
    pub uploads: Vec<crate::files::UploadRule>,
    pub from_cache: bool,
    pub loaded_at_ms: i64,
    pre: PluginPre<CallState>,
    sql: Option<PluginDb>,
    /// Where the calls run when the plugin has its own SQL database.
    lane: Option<Lane>,
    services: Arc<HostServices>,
    budgets: Arc<super::limits::Budgets>,
}

/// A wall clock frozen at the Unix epoch: WASI's clock is not a capability,
/// so `SystemTime::now()` inside a plugin reads 1970. Plugins use `clock`.
struct FrozenClock;
impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}
impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// The linker every plugin is linked with: WASI (with nothing granted: no
/// files, no network, no environment, a frozen clock) and the Linli imports.
pub fn make_linker(engine: &SandboxEngine) -> anyhow::Result<Linker<CallState>> {
    let mut linker = Linker::new(&engine.engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    Plugin::add_to_linker::<CallState, wasmtime::component::HasSelf<CallState>>(&mut linker, |s| s)?;
    Ok(linker)
}

fn check_header(file: &str, bytes: &[u8]) -> Result<(), LoadError> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(LoadError::NotWasm { file: file.into() });
    }
    // Core modules have version 1 and layer 0; components have layer 1.
    if bytes[6..8] == [0, 0] {
        return Err(LoadError::CoreModule { file: file.into() });
    }
    Ok(())
}

/// The WIT version check: every `linli:plugin/...` import must be ours.
fn check_interface(file: &str, engine: &SandboxEngine, component: &wasmtime::component::Component) -> Result<(), LoadError> {
    let ty = component.component_type();
    for (name, _) in ty.imports(&engine.engine) {
        if let Some(rest) = name.strip_prefix("linli:plugin/") {
            let version = rest.split_once('@').map(|(_, v)| v).unwrap_or("");
            if version != WIT_VERSION {
                return Err(LoadError::WitVersion { file: file.into(), found: format!("{WIT_PACKAGE}@{version}") });
            }
        } else if name.starts_with("linli:") {
            return Err(LoadError::Link { file: file.into(), reason: format!("imports `{name}`, which this host does not provide") });
        }
    }
    let exports: BTreeSet<&str> = ty.exports(&engine.engine).map(|(n, _)| n).collect();
    for required in ["manifest", "handle", "on-event", "tick"] {
        if !exports.contains(required) {
            return Err(LoadError::NotAPlugin { file: file.into(), missing: required.into() });
        }
    }
    Ok(())
}

pub struct LoadContext<'a> {
    pub engine: &'a SandboxEngine,
    pub linker: &'a Linker<CallState>,
    pub services: Arc<HostServices>,
    pub data_dir: &'a Path,
    pub durability: Durability,
    /// Where plugins' SQL lives when not in SQLite files (`[store]`).
    pub postgres: Option<&'a crate::storage::postgres::PgTarget>,
}

impl LoadedPlugin {
    /// Validate and prepare a plugin from its bytes. Nothing global changes
    /// here: the caller decides whether to swap it in.
    pub fn load(
        ctx: &LoadContext<'_>,
        file: &Path,
        bytes: &[u8],
        settings_for: &dyn Fn(&str) -> PluginSettings,
    ) -> Result<LoadedPlugin, LoadError> {
        let fname = file.display().to_string();
        let file_err = |reason: String| LoadError::Other { file: fname.clone(), reason };
        check_header(&fname, bytes)?;
        let (component, from_cache) = ctx
            .engine
            .compile(bytes)
            .map_err(|e| LoadError::Invalid { file: fname.clone(), reason: format!("{e:#}") })?;
        check_interface(&fname, ctx.engine, &component)?;
        let pre = ctx
            .linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Link { file: fname.clone(), reason: format!("{e:#}") })?;
        let pre = PluginPre::new(pre).map_err(|e| LoadError::Link { file: fname.clone(), reason: format!("{e:#}") })?;

        let mut plugin = LoadedPlugin {
            manifest: Manifest::default(),
            file: file.to_owned(),
            sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes)),
            grants: Arc::new(BTreeSet::new()),
            limits: Limits::default(),
            config_json: Arc::from("{}"),
            http_allow: Default::default(),
            health: Health::default(),
            uploads: Vec::new(),
            from_cache,
            loaded_at_ms: ctx.services.clock.now_ms(),
            pre,
            sql: None,
            lane: None,
            services: ctx.services.clone(),
            budgets: Default::default(),
        };
        // Upload routes (capability `files`) are declared by calls made
        // from manifest(): the manifest record of 0.1.0 has no field for them.
        let (raw, uploads) = plugin
            .call_here("manifest", None, |p, store| {
                let m = p.call_manifest(&mut *store)?;
                Ok((m, std::mem::take(&mut store.data_mut().upload_rules)))
            })
            .map_err(|e| LoadError::ManifestCall { file: fname.clone(), reason: e.to_string() })?;
        let manifest = Manifest::from(raw);
        validate_manifest(&manifest).map_err(|reason| LoadError::Manifest { file: fname.clone(), reason })?;
        crate::files::check_rules(&manifest.routes, &uploads).map_err(|reason| LoadError::Manifest { file: fname.clone(), reason })?;
        plugin.uploads = uploads;
        let settings = settings_for(&manifest.id);
        if settings.disabled {
            return Err(file_err(format!("plugin `{}` is disabled in the settings", manifest.id)));
        }
        plugin.http_allow = Arc::new(
            super::capabilities::http::AllowList::parse(&settings.http_allow)
                .and_then(|l| l.with_ca_file(settings.http_ca_file.as_deref()))
                .map_err(|e| file_err(format!("settings of plugin `{}`: {e}", manifest.id)))?,
        );
        plugin.limits = settings.limits.clone();
        plugin.limits.memory_mib = plugin.limits.memory_mib.min(MAX_MEMORY_MIB);

        plugin.budgets = ctx.services.budgets_of(&manifest.id);

        let requested: BTreeSet<String> = manifest.capabilities.iter().cloned().collect();
        let grants: BTreeSet<String> = match &settings.grants {
            None => requested.iter().filter(|c| Capability::parse(c).is_some_and(|c| !c.sensitive())).cloned().collect(),
            Some(g) => {
                if let Some(bad) = g.iter().find(|c| Capability::parse(c).is_none()) {
                    return Err(file_err(format!("settings grant unknown capability `{bad}`")));
                }
                g.iter().filter(|c| requested.contains(*c)).cloned().collect()
            }
        };
        if grants.contains(Capability::Sql.name()) {
            let quota = plugin.limits.storage_mib.saturating_mul(1024 * 1024);
            let db = match ctx.postgres {
                // A district: the plugin's schema and role in PostgreSQL.
                Some(target) => PluginDb::Postgres(Arc::new(
                    crate::storage::postgres::PgPluginSql::open(target, &manifest.id, quota)
                        .map_err(|e| file_err(format!("plugin `{}`: its PostgreSQL schema: {e}", manifest.id)))?,
                )),
                None => {
                    let dir = ctx.data_dir.join("plugins");
                    std::fs::create_dir_all(&dir).map_err(|e| file_err(format!("creating {}: {e}", dir.display())))?;
                    let path = dir.join(format!("{}.sqlite", manifest.id));
                    PluginDb::Sqlite(Arc::new(
                        PluginSql::open_with_quota(&path, ctx.durability, quota).map_err(|e| file_err(format!("opening {}: {e}", path.display())))?,
                    ))
                }
            };
            // A committed group's events go to the bus, in commit order.
            // Its messages go to the outbox first (an event may announce them).
            let (bus, source, outbox) = (ctx.services.bus.clone(), manifest.id.clone(), ctx.services.outbox.clone());
            let publish: super::lane::Publisher = Arc::new(move |events, messages| {
                outbox.write(messages);
                if !events.is_empty() {
                    bus.publish_stored(&events, &source);
                }
            });
            plugin.lane = Some(Lane::start(&manifest.id, db.clone(), publish).map_err(|e| file_err(format!("starting the plugin's thread: {e}")))?);
            plugin.sql = Some(db);
        }
        let mut config: serde_json::Value = if manifest.config_default.trim().is_empty() {
            serde_json::json!({})
        } else {
            serde_json::from_str(&manifest.config_default)
                .map_err(|e| LoadError::Manifest { file: fname.clone(), reason: format!("config-default is not JSON: {e}") })?
        };
        if let (Some(serde_json::Value::Object(over)), serde_json::Value::Object(base)) = (&settings.config, &mut config) {
            for (k, v) in over {
                base.insert(k.clone(), v.clone());
            }
        }
        plugin.config_json = Arc::from(config.to_string());
        plugin.grants = Arc::new(grants);
        plugin.manifest = manifest;
        Ok(plugin)
    }

    /// The plugin's own SQL database, when it was granted `sql`.
    pub fn sql_db(&self) -> Option<&PluginDb> {
        self.sql.as_ref()
    }

    /// Have this plugin's calls been quick (warmed up, under `max_avg` on
    /// average, none failing in a row), and is none running now? (Plugins
    /// with their own database have a lane and are never run inline.)
    pub fn is_quick(&self, max_avg: std::time::Duration) -> bool {
        let h = &self.health;
        let calls = h.calls.load(Ordering::Relaxed);
        calls >= 20
            && h.in_flight.load(Ordering::Relaxed) == 0
            && h.consecutive_failures.iter().all(|c| c.load(Ordering::Relaxed) == 0)
            && h.nanos.load(Ordering::Relaxed) / calls < max_avg.as_nanos() as u64
    }

    pub fn id(&self) -> &str {
        &self.manifest.id
    }

    /// Does this plugin run its calls on a lane (it has its own SQL
    /// database)?
    pub fn has_lane(&self) -> bool {
        self.lane.is_some()
    }

    /// The lane's queue and busy time, for `/metrics`.
    pub fn lane_stats(&self) -> Option<&super::lane::LaneStats> {
        self.lane.as_ref().map(|l| &*l.stats)
    }

    /// Run `f` against a fresh instance in a fresh store, within the limits:
    /// on the plugin's lane when it has one (waiting for the answer), else
    /// on this thread.
    pub fn call<R: Send + 'static>(
        self: &Arc<Self>,
        what: &'static str,
        caller: Option<crate::auth::Caller>,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R> + Send + 'static,
    ) -> Result<R, CallError> {
        let Some(lane) = &self.lane else { return self.call_here(what, caller, f) };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.queue_on(lane, what, caller, f, move |r| {
            let _ = tx.send(r);
        })?;
        rx.recv().unwrap_or_else(|_| Err(self.call_lost()))
    }

    /// [`call`](Self::call) for async code: on the lane without blocking a
    /// worker, else on a blocking thread. A call lost on the way (a host
    /// panic) is an error naming the plugin.
    pub async fn call_async<R: Send + 'static>(
        self: &Arc<Self>,
        what: &'static str,
        caller: Option<crate::auth::Caller>,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R> + Send + 'static,
    ) -> Result<R, CallError> {
        match &self.lane {
            Some(lane) => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                self.queue_on(lane, what, caller, f, move |r| {
                    let _ = tx.send(r);
                })?;
                rx.await.unwrap_or_else(|_| Err(self.call_lost()))
            }
            None => {
                let this = self.clone();
                tokio::task::spawn_blocking(move || this.call_here(what, caller, f)).await.unwrap_or_else(|_| Err(self.call_lost()))
            }
        }
    }

    /// A call for another plugin (capability `services`): like
    /// [`call`](Self::call), but its caller waits no longer than
    /// `deadline` (the callee's time is the caller's), and `done` sees the
    /// result as soon as the call's changes are kept or dropped, whether or
    /// not the caller still waits. `f` must itself run nothing once the
    /// deadline is past (a call that waited too long on the lane).
    pub fn call_within<R: Send + 'static>(
        self: &Arc<Self>,
        what: &'static str,
        caller: Option<crate::auth::Caller>,
        deadline: std::time::Instant,
        done: impl FnOnce(&Result<R, CallError>) + Send + 'static,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R> + Send + 'static,
    ) -> Result<R, CallError> {
        let Some(lane) = &self.lane else {
            let r = self.call_here(what, caller, f);
            done(&r);
            return r;
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.queue_on(lane, what, caller, f, move |r| {
            done(&r);
            let _ = tx.send(r);
        })?;
        // A little past the deadline: the callee stopped by its own time
        // limit answers first, with that reason.
        let wait = deadline.saturating_duration_since(std::time::Instant::now()) + Duration::from_millis(50);
        match rx.recv_timeout(wait) {
            Ok(r) => r,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(CallError::Limit {
                plugin: self.manifest.id.clone(),
                limit: "time_ms".into(),
                message: format!("plugin `{}` did not answer within its caller's time (limit time_ms)", self.manifest.id),
            }),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(self.call_lost()),
        }
    }

    fn call_lost(&self) -> CallError {
        CallError::Trap { plugin: self.manifest.id.clone(), reason: "the call was lost (host error; see the log)".into() }
    }

    fn queue_on<R: Send + 'static>(
        self: &Arc<Self>,
        lane: &Lane,
        what: &'static str,
        caller: Option<crate::auth::Caller>,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R> + Send + 'static,
        reply: impl FnOnce(Result<R, CallError>) + Send + 'static,
    ) -> Result<(), CallError> {
        let this = self.clone();
        lane.send(Box::new(move |out| this.run_in_lane(out, what, caller, f, reply))).map_err(|_| self.call_lost())
    }

    /// One call on the lane. A call that returned keeps its changes in the
    /// lane's open group and is answered once the group is committed; a
    /// failed call is answered at once.
    fn run_in_lane<R: Send + 'static>(
        self: Arc<Self>,
        out: &Out,
        what: &'static str,
        caller: Option<crate::auth::Caller>,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R>,
        reply: impl FnOnce(Result<R, CallError>) + Send + 'static,
    ) -> Option<Settle> {
        let started = std::time::Instant::now();
        let (result, mut store) = self.run_fresh(caller, f);
        let joined = match result {
            Ok(r) => store.data_mut().join_group().map(|waits| (r, waits)),
            Err(e) => {
                store.data_mut().roll_back();
                Err(e)
            }
        };
        let host_calls = store.data().host_calls;
        let kept = store.data_mut().take_kept_effect();
        // Resetting the instance's memory is not the next call's business.
        out.dispose(Box::new(store));
        match joined {
            Ok((r, Some((events, messages)))) => Some(Settle::with_messages(
                events,
                messages,
                Box::new(move |committed: Result<(), String>| {
                    let result = committed.map(|()| r).map_err(|e| wasmtime::format_err!("plugin `{}`: saving the call's SQL changes failed: {e}", self.manifest.id));
                    reply(self.account(what, started, host_calls, result));
                }),
            )
            .when_kept(kept)),
            Ok((r, None)) => {
                // Nothing of the call waits for a commit: its screen items
                // are kept now.
                if let Some(kept) = kept {
                    kept();
                }
                reply(self.account(what, started, host_calls, Ok(r)));
                None
            }
            Err(e) => {
                reply(self.account(what, started, host_calls, Err(e)));
                None
            }
        }
    }

    /// Run `f` on this thread, committing at once.
    fn call_here<R>(
        &self,
        what: &str,
        caller: Option<crate::auth::Caller>,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        let started = std::time::Instant::now();
        let (result, mut store) = self.run_fresh(caller, f);
        // One unit of work: a call that returned commits its SQL changes and
        // sends its events; one that trapped leaves nothing behind.
        let result = match result {
            Ok(r) => store.data_mut().commit().map(|()| r),
            Err(e) => {
                store.data_mut().roll_back();
                Err(e)
            }
        };
        let host_calls = store.data().host_calls;
        drop(store);
        self.account(what, started, host_calls, result)
    }

    /// A fresh store and instance, and `f` run against it.
    fn run_fresh<R>(
        &self,
        caller: Option<crate::auth::Caller>,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> (wasmtime::Result<R>, Store<CallState>) {
        self.health.in_flight.fetch_add(1, Ordering::Relaxed);
        struct Done<'a>(&'a AtomicU64);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let _done = Done(&self.health.in_flight);
        let plugin_id: Arc<str> = Arc::from(self.manifest.id.as_str());
        let mut wasi = WasiCtx::builder();
        if !self.grants.contains("clock") {
            wasi.wall_clock(FrozenClock).monotonic_clock(FrozenClock);
        }
        let state = CallState {
            plugin_id,
            grants: self.grants.clone(),
            limits: self.limits.clone(),
            services: self.services.clone(),
            sql: self.sql.clone(),
            sql_unit: None,
            events: Vec::new(),
            messages: Vec::new(),
            screen_ops: Vec::new(),
            file_ops: Vec::new(),
            audit_held: Vec::new(),
            upload_rules: Vec::new(),
            config_json: self.config_json.clone(),
            caller,
            via: Vec::new(),
            host_calls: 0,
            deadline: std::time::Instant::now() + Duration::from_millis(self.limits.time_ms),
            http_allow: self.http_allow.clone(),
            budgets: self.budgets.clone(),
            event_bytes: 0,
            log_bytes: 0,
            limit_hit: None,
            store_limits: StoreLimitsBuilder::new()
                .memory_size((self.limits.memory_mib * 1024 * 1024) as usize)
                .table_elements(self.limits.table_elements)
                .instances(self.limits.instances)
                .tables(self.limits.instances)
                .memories(self.limits.instances)
                .trap_on_grow_failure(true)
                .build(),
            wasi: wasi.build(),
            table: ResourceTable::new(),
        };
        let mut store = Store::new(self.pre.engine(), state);
        store.limiter(|s| &mut s.store_limits);
        let ticks = self.limits.time_ms.div_ceil(EPOCH_TICK.as_millis() as u64).max(1);
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let result = self.pre.instantiate(&mut store).and_then(|p| f(&p, &mut store));
        (result, store)
    }

    /// Count a finished call in the plugin's health and turn a failure into
    /// a [`CallError`].
    fn account<R>(&self, what: &str, started: std::time::Instant, host_calls: u32, result: wasmtime::Result<R>) -> Result<R, CallError> {
        let elapsed = started.elapsed();
        self.health.host_calls.fetch_add(u64::from(host_calls), Ordering::Relaxed);
        self.health.calls.fetch_add(1, Ordering::Relaxed);
        self.health.nanos.fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
        match result {
            Ok(r) => {
                self.health.consecutive_failures[kind_index(what)].store(0, Ordering::Relaxed);
                Ok(r)
            }
            Err(e) => {
                let plugin_name = if self.manifest.id.is_empty() { self.file.display().to_string() } else { self.manifest.id.clone() };
                let err = self.classify(&plugin_name, e);
                self.record_failure(what, &err);
                Err(err)
            }
        }
    }

    fn classify(&self, plugin: &str, e: wasmtime::Error) -> CallError {
        let plugin = plugin.to_owned();
        // The full chain (with the wasm backtrace) goes to the log; the
        // reply names the cause.
        tracing::debug!(plugin = %plugin, "trap detail: {e:?}");
        let text = e.root_cause().to_string();
        if let Some(hit) = e.downcast_ref::<super::limits::LimitReached>() {
            return CallError::Limit { plugin, limit: hit.limit.to_owned(), message: hit.message.clone() };
        }
        // Its changes could not be committed because PostgreSQL could not
        // be reached: refused as such (503), not as the plugin's failure.
        if format!("{e:#}").contains(crate::storage::postgres::UNREACHABLE_MARK) {
            let hit = super::capabilities::store_unreachable(&plugin);
            tracing::warn!(plugin = %plugin, error = %text, "a plugin call's store could not be reached");
            return CallError::Limit { plugin, limit: hit.limit.to_owned(), message: hit.message };
        }
        match e.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::Interrupt) => CallError::Timeout { plugin, limit_ms: self.limits.time_ms },
            _ if text.contains("forcing trap when growing memory") || text.contains("memory minimum size") => {
                CallError::Memory { plugin, limit_mib: self.limits.memory_mib }
            }
            _ => CallError::Trap { plugin, reason: first_lines(&text) },
        }
    }

    /// Record a failure (also for invalid responses found by the caller).
    pub fn record_failure(&self, what: &str, err: &CallError) {
        self.health.failures.fetch_add(1, Ordering::Relaxed);
        let n = self.health.consecutive_failures[kind_index(what)].fetch_add(1, Ordering::Relaxed) + 1;
        *self.health.last_error.lock() = Some(err.to_string());
        tracing::error!(plugin = %self.manifest.id, call = what, consecutive_failures = n, error = %err, "plugin call failed");
        if n == UNHEALTHY_AFTER {
            tracing::warn!(plugin = %self.manifest.id, "plugin marked unhealthy after {n} failures in a row");
        }
    }

    /// Handle a request on behalf of its verified caller.
    pub fn handle(self: &Arc<Self>, caller: &crate::auth::Caller, req: types::Request) -> Result<types::Response, CallError> {
        self.call("handle", Some(caller.clone()), move |p, store| p.call_handle(store, &req))
    }

    /// [`handle`](Self::handle) for async code.
    pub async fn handle_async(self: &Arc<Self>, caller: &crate::auth::Caller, req: types::Request) -> Result<types::Response, CallError> {
        self.call_async("handle", Some(caller.clone()), move |p, store| p.call_handle(store, &req)).await
    }

    pub fn on_event(self: &Arc<Self>, ev: types::Event) -> Result<Result<(), String>, CallError> {
        self.call("on-event", None, move |p, store| p.call_on_event(store, &ev))
    }

    pub fn tick(self: &Arc<Self>, now: i64) -> Result<Result<(), String>, CallError> {
        self.call("tick", None, move |p, store| p.call_tick(store, now))
    }
}

/// Which failure counter a call kind uses.
fn kind_index(what: &str) -> usize {
    match what {
        "on-event" => 1,
        "tick" => 2,
        _ => 0,
    }
}

/// Keep a trap message short: its first lines name the cause; the wasm
/// backtrace after them goes to the log only.
fn first_lines(text: &str) -> String {
    text.lines().take(3).collect::<Vec<_>>().join(" | ").chars().take(600).collect()
}
