//! The host side of every capability a plugin can import.
//!
//! Each call checks the plugin's grants first: a capability the admin did not
//! grant answers `error::denied` (or traps, for the functions whose WIT
//! signature has no error case), so an ungranted plugin can never reach the
//! data behind it. Every call also counts against the per-call host-call
//! limit, so a plugin flooding the host is stopped with a clear trap.

use super::bindings::linli::plugin::types;
use super::bindings::types::Error;
use super::limits::{Budgets, LimitReached, Limits};
use crate::bus::EventBus;
use crate::storage::plugin_db::{PluginDb, Unit};
use crate::storage::sqlite::MAX_SQL_ROWS;
use crate::storage::{NewEvent, Storage, StorageError};
use std::collections::BTreeSet;
use std::sync::Arc;
use wasmtime::StoreLimits;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Events one call may publish (they are held until the call returns).
pub const MAX_EVENTS_PER_CALL: usize = 1_000;

pub use crate::manifest::Capability;

/// The time source plugins see. Tests swap in a controllable clock.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
}

/// The machine's clock.
pub struct SystemClock;
impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock that can be set and advanced (for tests and rehearsals).
pub struct ManualClock(pub std::sync::atomic::AtomicI64);
impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Services shared by every call of every plugin.
pub struct HostServices {
    pub storage: Arc<dyn Storage>,
    /// Resident records (None where the host has no database, e.g. the
    /// in-memory test harness).
    pub residents: Option<ResidentRecords>,
    /// The keys behind resident data and pseudonyms.
    pub vault: Arc<crate::residents::Vault>,
    pub bus: EventBus,
    pub clock: Arc<dyn Clock>,
    pub utc_offset_minutes: i32,
    /// Per-minute budgets per plugin id; kept across hot reloads, so a new
    /// version does not start with a fresh minute.
    pub budgets: parking_lot::Mutex<std::collections::HashMap<String, Arc<Budgets>>>,
    /// The hall's working days (`content/calendar/`), replaced when an
    /// editor changes a year's file.
    pub calendar: parking_lot::RwLock<Arc<linli_shared::calendar::Calendar>>,
    /// Messages of kept calls, waiting for delivery (capability `notify`).
    pub outbox: Arc<crate::notify::Outbox>,
    /// Items plugins show on the waiting-area screens (`screens`).
    pub screens: screens::Board,
    /// Calls between plugins (`services`): the allowed links and the
    /// answers kept for idempotency keys.
    pub calls: services::Calls,
    /// Uploaded files (`files`), outside the database.
    pub files: Arc<crate::files::FileStore>,
    /// Plugins' audit entries (`audit`) of kept calls on a host without
    /// the audit database (the test harness), newest last.
    pub audit_kept: audit::Captured,
}

impl HostServices {
    /// The budgets of plugin `id` (made on first use).
    pub fn budgets_of(&self, id: &str) -> Arc<Budgets> {
        self.budgets.lock().entry(id.to_owned()).or_default().clone()
    }
}

/// The resident database, its keys and the audit log.
pub struct ResidentRecords {
    pub db: Arc<crate::storage::host_db::HostDb>,
    pub vault: Arc<crate::residents::Vault>,
}

/// The state of one store: one call into one plugin.
pub struct CallState {
    pub plugin_id: Arc<str>,
    pub grants: Arc<BTreeSet<String>>,
    pub limits: Limits,
    pub services: Arc<HostServices>,
    pub sql: Option<PluginDb>,
    /// The call's SQL transaction, from its first statement to its end.
    pub sql_unit: Option<Unit>,
    /// Events published by this call, stored and sent when it returns.
    pub events: Vec<NewEvent>,
    /// Screen items published or withdrawn by this call, applied when its
    /// changes are kept.
    pub screen_ops: Vec<screens::ScreenOp>,
    /// Messages sent by this call, written to the outbox when it is kept.
    pub messages: Vec<crate::notify::NewMessage>,
    /// Files kept or released by this call, applied when it is kept.
    pub file_ops: Vec<files::FileOp>,
    /// Audit entries recorded by this call, written when it is kept.
    pub audit_held: Vec<audit::Held>,
    /// Upload routes declared from `manifest()` (capability `files`).
    pub upload_rules: Vec<crate::files::UploadRule>,
    pub config_json: Arc<str>,
    /// The verified caller of the request being handled (None for events
    /// and ticks: nobody to act on behalf of).
    pub caller: Option<crate::auth::Caller>,
    /// The plugins whose service calls led to this call, outermost first
    /// (empty for a request, an event or a tick): the chain checked for
    /// cycles and depth (`services`).
    pub via: Vec<Arc<str>>,
    pub host_calls: u32,
    /// When the call's time (`limits.time_ms`) is up. The sandbox stops the
    /// plugin's own instructions then (epoch interruption); the host stops
    /// its work for the plugin then too: no host call starts after it, and
    /// a SQL statement still running is interrupted.
    pub deadline: std::time::Instant,
    /// The hosts the plugin may send requests to (`http_allow`).
    pub http_allow: Arc<http::AllowList>,
    /// The plugin's per-minute budgets (events, logs), shared by its calls.
    pub budgets: Arc<Budgets>,
    /// Event bytes published by this call so far.
    pub event_bytes: usize,
    /// Log bytes written by this call so far.
    pub log_bytes: usize,
    /// The limit a statement of this call ran into, if its transaction went
    /// with it: the call then fails naming that limit.
    pub limit_hit: Option<LimitReached>,
    pub store_limits: StoreLimits,
    pub wasi: WasiCtx,
    pub table: ResourceTable,
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

type HostResult<T> = wasmtime::Result<Result<T, Error>>;

impl CallState {
    /// Count a host call; trap once the per-call budget is spent.
    fn count(&mut self) -> wasmtime::Result<()> {
        // The store could not be reached earlier in this call: the call is
        // refused (503) now rather than after more waits for it.
        if self.limit_hit.as_ref().is_some_and(|hit| hit.limit == "store") {
            return Err(store_unreachable(&self.plugin_id).into());
        }
        if std::time::Instant::now() >= self.deadline {
            // Classified as the time limit, like an interrupted guest.
            return Err(wasmtime::Trap::Interrupt.into());
        }
        self.host_calls += 1;
        if self.host_calls > self.limits.host_calls {
            return Err(LimitReached {
                limit: "host_calls",
                message: format!("plugin `{}` made more than {} host calls in one call (limit host_calls)", self.plugin_id, self.limits.host_calls),
            }
            .into());
        }
        Ok(())
    }

    /// Count the call and check the grant; `Err(Error)` when denied.
    fn enter(&mut self, cap: Capability) -> wasmtime::Result<Result<(), Error>> {
        self.count()?;
        if self.grants.contains(cap.name()) {
            Ok(Ok(()))
        } else {
            Ok(Err(Error::Denied(format!("capability `{}` was not granted to plugin `{}`", cap.name(), self.plugin_id))))
        }
    }

    /// For functions without an error case: trap when not granted.
    fn enter_or_trap(&mut self, cap: Capability) -> wasmtime::Result<()> {
        match self.enter(cap)? {
            Ok(()) => Ok(()),
            Err(Error::Denied(msg)) => wasmtime::bail!(msg),
            Err(_) => Ok(()),
        }
    }

    /// A statement of this call was stopped at its deadline (or its store
    /// could not be reached): the call fails on that, and its changes go.
    /// On a lane (`on_lane`) only the call's own savepoint is undone: the
    /// group belongs to the lane, which commits it and answers the calls
    /// kept in it by the outcome (ending the group here answered them "kept"
    /// even when it was rolled back, and their tickets were issued again).
    fn out_of_time(&mut self, on_lane: bool) -> wasmtime::Result<()> {
        if self.limit_hit.as_ref().is_some_and(|hit| matches!(hit.limit, "time_ms" | "store")) {
            if let Some(unit) = self.sql_unit.take() {
                let _ = if on_lane { unit.join_group(false).map(|_| ()) } else { unit.finish(false) };
            }
            self.events.clear();
            self.messages.clear();
            self.screen_ops.clear();
            self.file_ops.clear();
            self.audit_held.clear();
            return Err(self.limit_hit.take().expect("checked").into());
        }
        Ok(())
    }

    /// The call returned: commit its SQL changes, then store and send its
    /// events (only now, so that no event announces a change that was
    /// rolled back). A failed commit fails the call.
    pub fn commit(&mut self) -> wasmtime::Result<()> {
        self.out_of_time(false)?;
        let events = std::mem::take(&mut self.events);
        let messages = std::mem::take(&mut self.messages);
        if let Some(unit) = self.sql_unit.take()
            && let Err(e) = unit.finish(true)
        {
            if let Some(hit) = self.limit_hit.take() {
                return Err(hit.into());
            }
            if e.to_string().contains(crate::storage::postgres::QUOTA_MARK) {
                return Err(self.quota_reached(&e.to_string()).into());
            }
            wasmtime::bail!("plugin `{}`: saving the call's SQL changes failed: {e}", self.plugin_id);
        }
        self.services.outbox.write(messages);
        self.services.bus.publish_stored(&events, &self.plugin_id);
        let ops = std::mem::take(&mut self.screen_ops);
        screens::apply_kept(&self.services, &self.plugin_id, ops);
        files::apply_kept(&self.services, &self.plugin_id, std::mem::take(&mut self.file_ops));
        audit::apply_kept(&self.services, &self.plugin_id, std::mem::take(&mut self.audit_held));
        Ok(())
    }

    /// What must happen once this call's changes are kept (its screen
    /// items applied), taken out of the call; None when nothing.
    pub fn take_kept_effect(&mut self) -> Option<Box<dyn FnOnce() + Send>> {
        if self.screen_ops.is_empty() && self.file_ops.is_empty() && self.audit_held.is_empty() {
            return None;
        }
        let ops = std::mem::take(&mut self.screen_ops);
        let file_ops = std::mem::take(&mut self.file_ops);
        let audit_held = std::mem::take(&mut self.audit_held);
        let services = self.services.clone();
        let plugin = self.plugin_id.clone();
        Some(Box::new(move || {
            screens::apply_kept(&services, &plugin, ops);
            files::apply_kept(&services, &plugin, file_ops);
            audit::apply_kept(&services, &plugin, audit_held);
        }))
    }

    /// The call returned, on its plugin's lane: keep its SQL changes in
    /// the lane's open group. Returns the call's events when the call must
    /// wait for that group's commit before it is answered (its events are
    /// stored and sent then, after those of the calls before it), `None`
    /// when it touched no data and published nothing (it is answered now).
    /// A change that cannot be kept fails the call.
    pub fn join_group(&mut self) -> wasmtime::Result<Option<(Vec<NewEvent>, Vec<crate::notify::NewMessage>)>> {
        self.out_of_time(true)?;
        let events = std::mem::take(&mut self.events);
        let messages = std::mem::take(&mut self.messages);
        match self.sql_unit.take() {
            Some(unit) => match unit.join_group(true) {
                Ok(_) => Ok(Some((events, messages))),
                Err(_) if self.limit_hit.is_some() => Err(self.limit_hit.take().expect("checked").into()),
                Err(e) if e.to_string().contains(crate::storage::postgres::QUOTA_MARK) => Err(self.quota_reached(&e.to_string()).into()),
                Err(e) => wasmtime::bail!("plugin `{}`: saving the call's SQL changes failed: {e}", self.plugin_id),
            },
            None if events.is_empty() && messages.is_empty() => Ok(None),
            None => Ok(Some((events, messages))),
        }
    }

    /// The call's changes were undone because they left its database
    /// past its quota (PostgreSQL, measured when the call ends).
    fn quota_reached(&self, detail: &str) -> LimitReached {
        let detail = detail.split(crate::storage::postgres::QUOTA_MARK).nth(1).unwrap_or("").trim();
        LimitReached {
            limit: "storage_mib",
            message: format!(
                "plugin `{}`: its database reached its storage quota of {} MiB (limit storage_mib; {detail}); nothing of this call was written",
                self.plugin_id, self.limits.storage_mib
            ),
        }
    }

    /// The call trapped: roll back its SQL changes and drop its events and
    /// messages.
    pub fn roll_back(&mut self) {
        self.events.clear();
        self.screen_ops.clear();
        self.file_ops.clear();
        self.audit_held.clear();
        self.messages.clear();
        if let Some(unit) = self.sql_unit.take()
            && let Err(e) = unit.join_group(false)
        {
            tracing::error!(plugin = %self.plugin_id, error = %e, "rolling back a failed call");
        }
    }

    /// A storage failure met by this call. A store that cannot be reached
    /// (PostgreSQL down or cut off) fails the whole call, whatever the
    /// plugin makes of the error: it is answered 503 naming the store and
    /// nothing of it is kept, instead of an answer made without its data.
    fn store_failed(&mut self, e: StorageError) -> Error {
        if let StorageError::Backend(m) = &e
            && m.contains(crate::storage::postgres::UNREACHABLE_MARK)
        {
            self.limit_hit.get_or_insert_with(|| store_unreachable(&self.plugin_id));
        }
        storage_err(e)
    }

    /// Would writing `new_len` bytes under `key` (None: deleting it) take
    /// the namespace past its quota? Growth is refused; shrinking never is.
    fn check_kv_quota(&mut self, key: &str, new_len: Option<usize>) -> Result<(), Error> {
        let Some(new_len) = new_len else { return Ok(()) };
        let storage = self.services.storage.clone();
        let used = storage.kv_usage(&self.plugin_id).map_err(|e| self.store_failed(e))?;
        let before = storage.kv_get(&self.plugin_id, key).map_err(|e| self.store_failed(e))?.map_or(0, |v| (key.len() + v.len()) as u64);
        let after = (key.len() + new_len) as u64;
        let quota = self.limits.kv_mib.saturating_mul(1024 * 1024);
        if after > before && used.saturating_sub(before) + after > quota {
            return Err(Error::Limit(format!(
                "plugin `{}`: its key-value storage reached its quota of {} MiB (limit kv_mib; {used} bytes in use)",
                self.plugin_id, self.limits.kv_mib
            )));
        }
        Ok(())
    }

    fn check_size(&self, what: &str, n: usize) -> Result<(), Error> {
        if n > self.limits.value_bytes {
            Err(Error::Limit(format!("{what} is {n} bytes; the limit is {} bytes (limit value_bytes)", self.limits.value_bytes)))
        } else {
            Ok(())
        }
    }
}

/// Why a call whose store could not be reached failed (503 on the HTTP
/// side; the log has the server's address and the cause).
pub fn store_unreachable(plugin: &str) -> LimitReached {
    LimitReached {
        limit: "store",
        message: format!("plugin `{plugin}`: its data store, the district's PostgreSQL database, cannot be reached right now; nothing of this request was kept, try again in a moment"),
    }
}

fn storage_err(e: StorageError) -> Error {
    match e {
        StorageError::Invalid(m) => Error::Invalid(m),
        StorageError::Backend(m) => {
            tracing::error!(error = %m, "storage failure in a plugin call");
            Error::Internal("storage failure; see the host log".into())
        }
    }
}

macro_rules! guard {
    ($self:ident, $cap:ident) => {
        if let Err(e) = $self.enter(Capability::$cap)? {
            return Ok(Err(e));
        }
    };
}

impl types::Host for CallState {}

// One module per WIT interface: its host side, its limits, its helpers.
pub mod audit;
mod calendar;
mod clock;
mod config;
mod events;
pub mod files;
mod hall;
pub mod http;
mod kv;
mod log;
mod notify;
mod pseudonyms;
mod residents;
pub mod screens;
pub mod services;
mod sql;
