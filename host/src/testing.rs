//! A test harness for plugin authors: load the built `.wasm` into a real
//! wasmtime host (the same sandbox, limits and capabilities as `linli
//! serve`) with an in-memory store and a controllable clock, and call it.
//!
//! ```
//! use linli_host::auth::Caller;
//! use linli_host::testing::{PluginHarness, build_plugin};
//! use serde_json::json;
//! # fn main() -> anyhow::Result<()> {
//! // The plugin's own crate, built for wasm32-wasip2 (here: the notices example).
//! let wasm = build_plugin(concat!(env!("CARGO_MANIFEST_DIR"), "/../plugins/notices"))?;
//! let h = PluginHarness::load(&wasm)?;
//! let r = h.post_json("/api/notices", &json!({"title": "停水通知", "body": "周三 9:00-12:00"}), &Caller::staff(&["editor"]));
//! assert_eq!(r.status, 201, "{}", r.text());
//! assert_eq!(h.events()[0].topic, "notices.created");
//! # Ok(()) }
//! ```

pub mod pg;

use crate::runtime::bindings::ToWit;
use crate::auth::{Caller, CallerKind};
use crate::bus::EventBus;
use crate::registry::{Registry, Routed, audience_allows};
use crate::runtime::bindings::types;
use crate::runtime::capabilities::{HostServices, ManualClock};
use crate::runtime::plugin::{LoadContext, PluginSettings, make_linker};
use crate::runtime::{CallError, SandboxEngine};
use crate::storage::StoredEvent;
use crate::storage::memory::MemoryStorage;
use crate::storage::sqlite::Durability;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// A plugin loaded into a private, in-memory host.
pub struct PluginHarness {
    registry: Arc<Registry>,
    services: Arc<HostServices>,
    clock: Arc<ManualClock>,
    /// The plugin under test; [`add_plugin`](Self::add_plugin) loads
    /// others beside it (the plugins it calls with `services`).
    main: String,
    engine: SandboxEngine,
    linker: wasmtime::component::Linker<crate::runtime::capabilities::CallState>,
    /// The last event [`deliver_events`](Self::deliver_events) handed on.
    delivered: std::sync::atomic::AtomicU64,
    _dir: tempfile::TempDir,
}

/// What the plugin answered.
#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Caller {
    /// A signed-in staff member with these roles (for tests).
    pub fn staff(roles: &[&str]) -> Caller {
        Caller {
            kind: CallerKind::Staff,
            id: Some("1".into()),
            name: Some("测试员".into()),
            roles: roles.iter().map(|s| s.to_string()).collect(),
            window: None,
            lang: "zh-CN".into(),
        }
    }
}

impl PluginHarness {
    /// Load a built plugin with the capabilities it asks for.
    pub fn load(wasm: impl AsRef<Path>) -> anyhow::Result<Self> {
        Self::load_with(wasm, PluginSettings::default())
    }

    /// Load with explicit settings (grants, limits, configuration).
    pub fn load_with(wasm: impl AsRef<Path>, settings: PluginSettings) -> anyhow::Result<Self> {
        let wasm = wasm.as_ref();
        let bytes = std::fs::read(wasm).map_err(|e| anyhow::anyhow!("{}: {e} (build the plugin for wasm32-wasip2 first)", wasm.display()))?;
        let dir = tempfile::tempdir()?;
        let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(1_767_225_600_000))); // 2026-01-01 08:00 +08:00
        let storage = Arc::new(MemoryStorage::default());
        let vault = Arc::new(crate::residents::Vault::open(&dir.path().join("harness.key"))?);
        let files = Arc::new(crate::files::FileStore::open(&dir.path().join("files"), &dir.path().join("files.key"), storage.clone())?);
        let services = Arc::new(HostServices { storage: storage.clone(), residents: None, vault, bus: EventBus::new(storage), clock: clock.clone(), utc_offset_minutes: 480, budgets: Default::default(), calendar: parking_lot::RwLock::new(Arc::new(shipped_calendar())), outbox: Arc::new(crate::notify::Outbox::new(None, None, Default::default())), screens: Default::default(), files, calls: Default::default(), audit_kept: Default::default() });
        let engine = SandboxEngine::new(None)?;
        let linker = make_linker(&engine)?;
        let postgres = harness_postgres();
        let ctx = LoadContext { engine: &engine, linker: &linker, services: services.clone(), data_dir: dir.path(), durability: Durability::Normal, postgres: postgres.as_ref() };
        let plugin = crate::runtime::LoadedPlugin::load(&ctx, wasm, &bytes, &|_| settings.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
        strict_portability(&plugin);
        // The shipped layouts have every zone; `set_screen_zones` narrows it.
        services.screens.set_fallback_zones(linli_content::ZoneKind::ALL.to_vec());
        let registry = Arc::new(Registry::default());
        let main = plugin.manifest.id.clone();
        registry.install(plugin).map_err(|e| anyhow::anyhow!(e))?;
        // `services` calls find their callees among this harness's plugins.
        services.calls.attach(Arc::downgrade(&registry) as std::sync::Weak<dyn crate::runtime::capabilities::services::Directory>);
        Ok(PluginHarness { registry, services, clock, main, engine, linker, delivered: Default::default(), _dir: dir })
    }

    /// The manifest as the host read it.
    pub fn manifest(&self) -> crate::manifest::Manifest {
        self.main_plugin().map(|p| p.manifest.clone()).unwrap_or_default()
    }

    fn main_plugin(&self) -> Option<Arc<crate::runtime::LoadedPlugin>> {
        self.registry.snapshot().plugins.get(&self.main).cloned()
    }

    /// Load another built plugin beside the one under test (sharing its
    /// store, clock and outbox): one it calls with `services`. Requests
    /// reach it by its routes like any other. Returns its id.
    pub fn add_plugin(&self, wasm: impl AsRef<Path>, settings: PluginSettings) -> anyhow::Result<String> {
        let wasm = wasm.as_ref();
        let bytes = std::fs::read(wasm).map_err(|e| anyhow::anyhow!("{}: {e} (build the plugin for wasm32-wasip2 first)", wasm.display()))?;
        let postgres = harness_postgres();
        let ctx = LoadContext { engine: &self.engine, linker: &self.linker, services: self.services.clone(), data_dir: self._dir.path(), durability: Durability::Normal, postgres: postgres.as_ref() };
        let plugin = crate::runtime::LoadedPlugin::load(&ctx, wasm, &bytes, &|_| settings.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
        strict_portability(&plugin);
        let id = plugin.manifest.id.clone();
        self.registry.install(plugin).map_err(|e| anyhow::anyhow!(e))?;
        Ok(id)
    }

    /// Allow plugin `caller` to call plugin `callee` (capability
    /// `services`), as an admin does on the plugins page.
    pub fn allow_call(&self, caller: &str, callee: &str) {
        let _ = self.services.calls.set_link(caller, callee, true, "harness", self.clock.0.load(Ordering::SeqCst));
    }

    /// Disable or enable a plugin added beside the one under test (its
    /// routes and service calls answer 404 while disabled).
    pub fn set_enabled(&self, id: &str, enabled: bool) -> anyhow::Result<()> {
        self.registry.set_disabled(id, !enabled).map_err(|e| anyhow::anyhow!(e))
    }

    /// Set the clock the plugin sees (ms since the Unix epoch).
    /// Use this working-day calendar (by default the one shipped in the
    /// repository's `content/calendar/`).
    pub fn set_calendar(&self, calendar: linli_shared::calendar::Calendar) {
        *self.services.calendar.write() = Arc::new(calendar);
    }

    /// The zones the hall's screen layouts have (`carousel`, `ticker`…);
    /// by default every zone, as in the shipped `content/screens/`.
    pub fn set_screen_zones(&self, zones: &[&str]) {
        let zones = zones.iter().filter_map(|z| linli_content::ZoneKind::parse(z)).collect();
        self.services.screens.set_fallback_zones(zones);
    }

    /// What the plugin has on the screens now (kept calls only), as the
    /// player reads it: ids `plugin/<id>/<item>`, best first.
    pub fn screen_items(&self) -> Vec<linli_content::Item> {
        let id = self.manifest().id;
        let mut items = self.services.screens.index_items(self.services.storage.as_ref(), std::iter::once(id.as_str()), linli_content::UtcOffset::CHINA);
        items.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id)));
        items
    }

    pub fn set_time(&self, ms: i64) {
        self.clock.0.store(ms, Ordering::SeqCst);
    }

    /// Route and run a request as `caller`, with the host's audience check.
    pub fn request(&self, method: &str, path_and_query: &str, body: &[u8], caller: &Caller) -> TestResponse {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let snap = self.registry.snapshot();
        let (target, params) = match snap.route(method, path) {
            Routed::Found { target, params } => (target, params),
            Routed::MethodNotAllowed { .. } => return TestResponse { status: 405, headers: vec![], body: vec![] },
            Routed::NotFound => return TestResponse { status: 404, headers: vec![], body: vec![] },
        };
        if !audience_allows(target.route.audience, &target.route.roles, caller) {
            let status = if caller.kind == CallerKind::Anonymous { 401 } else { 403 };
            return TestResponse { status, headers: vec![], body: vec![] };
        }
        let req = types::Request {
            method: method.into(),
            path: path.into(),
            route: target.route.path.clone(),
            params,
            query: query.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_vec(),
            caller: caller.to_wit(),
        };
        match target.plugin.handle(caller, req) {
            Ok(r) => TestResponse { status: r.status, headers: r.headers, body: r.body },
            Err(e) => TestResponse { status: call_error_status(&e), headers: vec![], body: e.to_string().into_bytes() },
        }
    }

    pub fn get(&self, path: &str) -> TestResponse {
        self.request("GET", path, &[], &Caller::anonymous("zh-CN"))
    }

    pub fn post_json(&self, path: &str, body: &serde_json::Value, caller: &Caller) -> TestResponse {
        self.request("POST", path, body.to_string().as_bytes(), caller)
    }

    /// Run SQL on the plugin's own database from the test: set up the state
    /// an older version of the plugin left behind, or look at what it wrote.
    pub fn sql<T>(&self, f: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T>) -> anyhow::Result<T> {
        let plugin = self.main_plugin().ok_or_else(|| anyhow::anyhow!("no plugin loaded"))?;
        let db = plugin.sql_db().ok_or_else(|| anyhow::anyhow!("the plugin was not granted `sql`"))?;
        match db {
            crate::storage::plugin_db::PluginDb::Sqlite(db) => db.with(f).map_err(|e| anyhow::anyhow!("{e}")),
            crate::storage::plugin_db::PluginDb::Postgres(_) => anyhow::bail!("the plugin's SQL is in PostgreSQL here; use sql_query"),
        }
    }

    /// Read or write the plugin's key-value namespace from the test.
    pub fn kv_get(&self, key: &str) -> Option<Vec<u8>> {
        self.services.storage.kv_get(&self.manifest().id, key).ok().flatten()
    }

    pub fn kv_set(&self, key: &str, value: &[u8]) {
        self.services.storage.kv_set(&self.manifest().id, key, value).expect("kv set in the harness");
    }

    /// Every event the plugin published so far.
    pub fn events(&self) -> Vec<StoredEvent> {
        self.services.bus.since(0, u32::MAX).unwrap_or_default()
    }

    /// The captured outbox: every message the plugin's kept calls sent
    /// (capability `notify`), oldest first, as the host would deliver them
    /// (nothing is delivered in the harness). A call that trapped left none.
    pub fn outbox(&self) -> Vec<crate::notify::OutboxRow> {
        let mut rows = self.services.outbox.list(usize::MAX);
        rows.reverse();
        rows
    }

    /// The audit entries the plugin's kept calls recorded (capability
    /// `audit`), oldest first, as the host would write them to its log
    /// (actor, `plugin: action`, subject as `target`, detail). A call that
    /// trapped or failed left none.
    pub fn audit(&self) -> Vec<crate::audit::Entry> {
        self.services.audit_kept.0.lock().clone()
    }

    /// Upload `bytes` as the file `name` to an upload route of the plugin
    /// (capability `files`), as `linli serve` does: stored in pieces,
    /// its type sniffed and checked with the route's cap and the plugin's
    /// quota, then the plugin called with `x-linli-file`. A refusal answers
    /// 413, 415 or 507 with the message (naming the plugin) as the body; a
    /// file the call did not keep is removed when the call fails.
    pub fn upload(&self, path_and_query: &str, name: &str, bytes: &[u8], caller: &Caller) -> TestResponse {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let snap = self.registry.snapshot();
        let found = ["POST", "PUT"].into_iter().find_map(|m| match snap.route(m, path) {
            Routed::Found { target, params } => Some((m, target, params)),
            _ => None,
        });
        let Some((method, target, params)) = found else { return TestResponse { status: 404, headers: vec![], body: vec![] } };
        if !audience_allows(target.route.audience, &target.route.roles, caller) {
            let status = if caller.kind == CallerKind::Anonymous { 401 } else { 403 };
            return TestResponse { status, headers: vec![], body: vec![] };
        }
        let plugin = &target.plugin;
        let Some(rule) = plugin.uploads.iter().find(|r| r.method == method && r.path == target.route.path) else {
            return TestResponse { status: 415, headers: vec![], body: format!("`{method} {path}` is not an upload route of plugin `{}`", plugin.manifest.id).into_bytes() };
        };
        if !plugin.grants.contains("files") {
            return TestResponse { status: 403, headers: vec![], body: format!("plugin `{}` was not granted `files`", plugin.manifest.id).into_bytes() };
        }
        let files = &self.services.files;
        let quota = (plugin.limits.files_count, plugin.limits.files_mib.saturating_mul(1024 * 1024));
        let stored = files.begin(&plugin.manifest.id, rule, quota, Some(bytes.len() as u64)).and_then(|mut up| {
            for piece in bytes.chunks(16 * 1024) {
                up.write(piece)?;
            }
            up.finish(name, self.clock.0.load(Ordering::SeqCst))
        });
        let meta = match stored {
            Ok(m) => m,
            Err(e) => return TestResponse { status: e.status(), headers: vec![], body: e.to_string().into_bytes() },
        };
        let req = types::Request {
            method: method.into(),
            path: path.into(),
            route: target.route.path.clone(),
            params,
            query: query.into(),
            headers: vec![("x-linli-file".into(), meta.id.clone())],
            body: vec![],
            caller: caller.to_wit(),
        };
        let answer = match plugin.handle(caller, req) {
            Ok(r) => TestResponse { status: r.status, headers: r.headers, body: r.body },
            Err(e) => TestResponse { status: call_error_status(&e), headers: vec![], body: e.to_string().into_bytes() },
        };
        if answer.status >= 400 && files.get(&plugin.manifest.id, &meta.id).ok().flatten().is_some_and(|m| !m.kept) {
            let _ = files.discard(&plugin.manifest.id, &meta.id);
        }
        answer
    }

    /// The plugin's stored files (capability `files`).
    pub fn files(&self) -> Vec<crate::files::FileMeta> {
        self.services.files.list(&self.manifest().id).unwrap_or_default()
    }

    /// The content of one of the plugin's files.
    pub fn file_bytes(&self, id: &str) -> Option<Vec<u8>> {
        let m = self.services.files.get(&self.manifest().id, id).ok()??;
        self.services.files.read_range(&m, 0, m.size as usize).ok()
    }

    /// Remove the files nobody kept for longer than the grace period, at
    /// the harness clock's time; returns how many went.
    pub fn sweep_files(&self) -> usize {
        self.services.files.sweep(self.clock.0.load(Ordering::SeqCst)).unwrap_or(0)
    }

    /// Deliver the events published since the last delivery to the
    /// harness's plugins subscribed to them, in order, as `linli serve`
    /// does once a call's changes are committed (a plugin never gets its
    /// own back). Returns how many deliveries were made, or the first
    /// plugin's error (its `on-event` refused or trapped) after delivering
    /// the rest.
    pub fn deliver_events(&self) -> Result<usize, String> {
        let after = self.delivered.load(Ordering::SeqCst);
        let events = self.services.bus.since(after, u32::MAX).map_err(|e| e.to_string())?;
        let (mut n, mut first_error) = (0, None);
        for ev in events {
            self.delivered.store(ev.id, Ordering::SeqCst);
            for plugin in self.registry.snapshot().subscribers(&ev.topic) {
                if plugin.manifest.id == ev.source {
                    continue;
                }
                let wit = types::Event { id: ev.id, topic: ev.topic.clone(), payload: ev.payload.clone(), source: ev.source.clone(), time: ev.time };
                n += 1;
                let outcome = match plugin.on_event(wit) {
                    Ok(Ok(())) => continue,
                    Ok(Err(msg)) => msg,
                    Err(e) => e.to_string(),
                };
                first_error.get_or_insert(format!("plugin `{}` on event {} ({}): {outcome}", plugin.manifest.id, ev.id, ev.topic));
            }
        }
        first_error.map_or(Ok(n), Err)
    }

    /// Run the plugin's scheduled tick at the harness clock's time.
    pub fn tick(&self) -> Result<(), String> {
        let now = self.clock.0.load(Ordering::SeqCst);
        let p = self.main_plugin().ok_or("no plugin")?;
        p.tick(now).map_err(|e| e.to_string())?
    }
}

fn call_error_status(e: &CallError) -> u16 {
    match e {
        CallError::Timeout { .. } => 504,
        CallError::Memory { .. } => 503,
        CallError::Trap { .. } => 500,
        CallError::BadResponse { .. } => 502,
        CallError::Limit { limit, .. } if limit == "storage_mib" => 507,
        CallError::Limit { .. } => 503,
    }
}

/// Build the plugin crate in `crate_dir` for wasm32-wasip2 (release) and
/// return the path of its `.wasm`. Uses a target directory of its own under
/// `target/plugin-test`, so it can run inside `cargo test`.
pub fn build_plugin(crate_dir: impl AsRef<Path>) -> anyhow::Result<std::path::PathBuf> {
    let dir = crate_dir.as_ref();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml"))?;
    let name = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("name").and_then(|r| r.trim().strip_prefix('=')).map(|v| v.trim().trim_matches('"').to_owned()))
        .ok_or_else(|| anyhow::anyhow!("{}: no package name", dir.display()))?;
    let target = std::env::var_os("LINLI_PLUGIN_TARGET_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| dir.join("target/plugin-test"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(dir)
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .env("CARGO_TARGET_DIR", &target)
        .status()?;
    anyhow::ensure!(status.success(), "building {} for wasm32-wasip2 failed", dir.display());
    Ok(target.join("wasm32-wasip2/release").join(format!("{}.wasm", name.replace('-', "_"))))
}

/// The working-day calendar shipped with this build.
pub fn shipped_calendar() -> linli_shared::calendar::Calendar {
    crate::host::shipped_calendar().0
}

/// A fake upstream for plugins with the `http` capability: a tiny HTTP/1.1
/// server on 127.0.0.1 that answers every request with `reply` and keeps
/// what it was sent. Allow it by its address (`http_allow = [up.host()]`,
/// or in `PluginSettings::http_allow` for a [`PluginHarness`]); a name that
/// resolves to loopback is refused by design.
///
/// ```
/// use linli_host::testing::{FakeUpstream, UpstreamReply};
/// let up = FakeUpstream::start(|req| UpstreamReply::json(200, &serde_json::json!({"sent": req.path})))?;
/// let settings = linli_host::runtime::plugin::PluginSettings { http_allow: vec![up.host()], ..Default::default() };
/// assert_eq!(settings.http_allow, [up.host()]);
/// assert!(up.host().starts_with("127.0.0.1:"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct FakeUpstream {
    addr: std::net::SocketAddr,
    requests: Arc<parking_lot::Mutex<Vec<UpstreamRequest>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    /// Answering over TLS ([`FakeUpstream::start_tls`]).
    tls: bool,
}

/// One request the fake upstream received.
#[derive(Debug, Clone)]
pub struct UpstreamRequest {
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What the fake upstream answers.
#[derive(Debug, Clone)]
pub struct UpstreamReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (a slow upstream).
    pub delay: std::time::Duration,
    /// Send no `Content-Length` (the body ends when the connection closes),
    /// so a size limit must hold while reading.
    pub no_length: bool,
}

impl UpstreamReply {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        UpstreamReply { status, headers: Vec::new(), body: body.into(), delay: std::time::Duration::ZERO, no_length: false }
    }
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::new(status, value.to_string()).header("content-type", "application/json")
    }
    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Self::new(status, "").header("location", location)
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn delay(mut self, d: std::time::Duration) -> Self {
        self.delay = d;
        self
    }
    pub fn without_length(mut self) -> Self {
        self.no_length = true;
        self
    }
}

impl FakeUpstream {
    /// Listen on a free port of 127.0.0.1 and answer with `reply`.
    pub fn start(reply: impl Fn(&UpstreamRequest) -> UpstreamReply + Send + Sync + 'static) -> std::io::Result<Self> {
        Self::listen(None, Arc::new(reply))
    }

    /// The same over TLS: the server presents `cert_chain_pem` (its
    /// certificate first) with `key_pem`; [`FakeUpstream::url`] is then
    /// `https://`. A client that refuses the certificate ends the
    /// connection before any request is read, so [`FakeUpstream::requests`]
    /// stays empty.
    pub fn start_tls(
        cert_chain_pem: &str,
        key_pem: &str,
        reply: impl Fn(&UpstreamRequest) -> UpstreamReply + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let bad = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
        let certs = CertificateDer::pem_slice_iter(cert_chain_pem.as_bytes()).collect::<Result<Vec<_>, _>>().map_err(|e| bad(format!("certificate: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| bad(format!("key: {e}")))?;
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| bad(e.to_string()))?;
        Self::listen(Some(Arc::new(config)), Arc::new(reply))
    }

    fn listen(tls: Option<Arc<rustls::ServerConfig>>, reply: Arc<dyn Fn(&UpstreamRequest) -> UpstreamReply + Send + Sync>) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let requests: Arc<parking_lot::Mutex<Vec<UpstreamRequest>>> = Default::default();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (reqs, stopped) = (requests.clone(), stop.clone());
        let is_tls = tls.is_some();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (reply, reqs, tls) = (reply.clone(), reqs.clone(), tls.clone());
                std::thread::spawn(move || {
                    let _ = match tls {
                        None => serve_one(conn, &*reply, &reqs),
                        Some(config) => rustls::ServerConnection::new(config)
                            .map_err(std::io::Error::other)
                            .and_then(|tls| {
                                let mut stream = rustls::StreamOwned::new(tls, conn);
                                serve_one(&mut stream, &*reply, &reqs)?;
                                // close_notify: a body without a length
                                // ends here, not at a truncated stream.
                                stream.conn.send_close_notify();
                                std::io::Write::flush(&mut stream)
                            }),
                    };
                });
            }
        });
        Ok(FakeUpstream { addr, requests, stop, tls: is_tls })
    }

    /// `127.0.0.1:PORT`: the entry for `http_allow`.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:PORT{path}` (`https://` when started with TLS).
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.addr)
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<UpstreamRequest> {
        self.requests.lock().clone()
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so it sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

fn serve_one(
    conn: impl std::io::Read + std::io::Write,
    reply: &(dyn Fn(&UpstreamRequest) -> UpstreamReply + Send + Sync),
    reqs: &parking_lot::Mutex<Vec<UpstreamRequest>>,
) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader, Read};
    // One request per connection (`connection: close`): nothing is left
    // in the reader's buffer when the answer is written.
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
    if method.is_empty() {
        return Ok(());
    }
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let len = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse::<usize>().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let req = UpstreamRequest { method, path, headers, body };
    let r = reply(&req);
    reqs.lock().push(req);
    std::thread::sleep(r.delay);
    let mut head = format!("HTTP/1.1 {} Fake\r\nconnection: close\r\n", r.status);
    if !r.no_length {
        head.push_str(&format!("content-length: {}\r\n", r.body.len()));
    }
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let conn = reader.get_mut();
    conn.write_all(head.as_bytes())?;
    conn.write_all(&r.body)?;
    conn.flush()
}

/// `LINLI_TEST_POSTGRES` (a connection string of a role that may create
/// roles and schemas) runs the harness's plugins with their SQL in
/// PostgreSQL, each harness in a hall of its own: a plugin's own tests
/// then check its SQL on the district's backend too
/// (`linli_host::testing::pg::Cluster` starts a throwaway server).
fn harness_postgres() -> Option<crate::storage::postgres::PgTarget> {
    let url = std::env::var("LINLI_TEST_POSTGRES").ok().filter(|u| !u.trim().is_empty())?;
    use rand_core::RngCore;
    let hall = format!("t{:08x}", rand_core::OsRng.next_u32());
    Some(crate::storage::postgres::PgTarget { url, hall })
}

/// A plugin's own tests refuse SQL that PostgreSQL would not run (the host
/// only warns about it): a plugin tested on SQLite then also works in a
/// district.
fn strict_portability(plugin: &crate::runtime::LoadedPlugin) {
    if let Some(crate::storage::plugin_db::PluginDb::Sqlite(db)) = plugin.sql_db() {
        db.set_portable_strict(true);
    }
}
