//! The host side of every capability a plugin can import.
//!
//! Each call checks the plugin's grants first: a capability the admin did not
//! grant answers `error::denied` (or traps, for the functions whose WIT
//! signature has no error case), so an ungranted plugin can never reach the
//! data behind it. Every call also counts against the per-call host-call
//! limit, so a plugin flooding the host is stopped with a clear trap.

use super::bindings::linli::plugin::{calendar, clock, config, events, kv, log, pseudonyms, residents, sql, types};
use super::bindings::types::Error;
use super::limits::{Budgets, LimitReached, Limits};
use crate::bus::EventBus;
use crate::storage::sqlite::{MAX_SQL_ROWS, PluginSql, SqlUnit};
use crate::storage::{NewEvent, Storage, StorageError};
use std::collections::BTreeSet;
use std::sync::Arc;
use wasmtime::StoreLimits;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Events one call may publish (they are held until the call returns).
pub const MAX_EVENTS_PER_CALL: usize = 1_000;

/// Capabilities a plugin can ask for, by their manifest names.
pub const KNOWN_CAPABILITIES: &[&str] = &["kv", "sql", "events", "clock", "log", "config", "residents", "pseudonyms", "calendar"];

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
}

impl HostServices {
    /// The budgets of plugin `id` (made on first use).
    pub fn budgets_of(&self, id: &str) -> Arc<Budgets> {
        self.budgets.lock().entry(id.to_owned()).or_default().clone()
    }
}

/// The resident database, its keys and the audit log.
pub struct ResidentRecords {
    pub db: Arc<crate::storage::sqlite::SqliteStorage>,
    pub vault: Arc<crate::residents::Vault>,
}

/// The state of one store: one call into one plugin.
pub struct CallState {
    pub plugin_id: Arc<str>,
    pub grants: Arc<BTreeSet<String>>,
    pub limits: Limits,
    pub services: Arc<HostServices>,
    pub sql: Option<Arc<PluginSql>>,
    /// The call's SQL transaction, from its first statement to its end.
    pub sql_unit: Option<SqlUnit>,
    /// Events published by this call, stored and sent when it returns.
    pub events: Vec<NewEvent>,
    pub config_json: Arc<str>,
    /// The verified caller of the request being handled (None for events
    /// and ticks: nobody to act on behalf of).
    pub caller: Option<crate::auth::Caller>,
    pub host_calls: u32,
    /// When the call's time (`limits.time_ms`) is up. The sandbox stops the
    /// plugin's own instructions then (epoch interruption); the host stops
    /// its work for the plugin then too: no host call starts after it, and
    /// a SQL statement still running is interrupted.
    pub deadline: std::time::Instant,
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
    fn enter(&mut self, cap: &str) -> wasmtime::Result<Result<(), Error>> {
        self.count()?;
        if self.grants.contains(cap) {
            Ok(Ok(()))
        } else {
            Ok(Err(Error::Denied(format!("capability `{cap}` was not granted to plugin `{}`", self.plugin_id))))
        }
    }

    /// For functions without an error case: trap when not granted.
    fn enter_or_trap(&mut self, cap: &str) -> wasmtime::Result<()> {
        match self.enter(cap)? {
            Ok(()) => Ok(()),
            Err(Error::Denied(msg)) => wasmtime::bail!(msg),
            Err(_) => Ok(()),
        }
    }

    /// The call returned: commit its SQL changes, then store and send its
    /// events (only now, so that no event announces a change that was
    /// rolled back). A failed commit fails the call.
    pub fn commit(&mut self) -> wasmtime::Result<()> {
        let events = std::mem::take(&mut self.events);
        match self.sql_unit.take() {
            // Stored (with the events) once its group is committed.
            Some(unit) => {
                if let Err(e) = unit.finish(true, events) {
                    if let Some(hit) = self.limit_hit.take() {
                        return Err(hit.into());
                    }
                    wasmtime::bail!("plugin `{}`: saving the call's SQL changes failed: {e}", self.plugin_id);
                }
            }
            None => self.services.bus.publish_stored(&events, &self.plugin_id),
        }
        Ok(())
    }

    /// The call returned, on its plugin's lane: keep its SQL changes and
    /// events in the lane's open group, to be committed and sent with it.
    /// Returns whether the call must wait for that commit before it is
    /// answered (false: it touched no data and no group was open, so its
    /// events went out now). A change that cannot be kept fails the call.
    pub fn join_group(&mut self) -> wasmtime::Result<bool> {
        let events = std::mem::take(&mut self.events);
        match (self.sql_unit.take(), &self.sql) {
            (Some(unit), _) => match unit.join_group(true, events) {
                Ok(kept) => Ok(kept),
                Err(_) if self.limit_hit.is_some() => Err(self.limit_hit.take().expect("checked").into()),
                Err(e) => wasmtime::bail!("plugin `{}`: saving the call's SQL changes failed: {e}", self.plugin_id),
            },
            // No SQL in this call: its events still go out after those of
            // the calls before it.
            (None, Some(_)) if events.is_empty() => Ok(false),
            (None, Some(db)) => match db.add_to_group(events) {
                Ok(()) => Ok(true),
                Err(e) => wasmtime::bail!("plugin `{}`: keeping the call's events failed: {e}", self.plugin_id),
            },
            (None, None) => {
                self.services.bus.publish_stored(&events, &self.plugin_id);
                Ok(false)
            }
        }
    }

    /// The call trapped: roll back its SQL changes and drop its events.
    pub fn roll_back(&mut self) {
        self.events.clear();
        if let Some(unit) = self.sql_unit.take()
            && let Err(e) = unit.join_group(false, Vec::new())
        {
            tracing::error!(plugin = %self.plugin_id, error = %e, "rolling back a failed call");
        }
    }

    /// Would writing `new_len` bytes under `key` (None: deleting it) take
    /// the namespace past its quota? Growth is refused; shrinking never is.
    fn check_kv_quota(&self, key: &str, new_len: Option<usize>) -> Result<(), Error> {
        let Some(new_len) = new_len else { return Ok(()) };
        let storage = &self.services.storage;
        let used = storage.kv_usage(&self.plugin_id).map_err(storage_err)?;
        let before = storage.kv_get(&self.plugin_id, key).map_err(storage_err)?.map_or(0, |v| (key.len() + v.len()) as u64);
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
    ($self:ident, $cap:literal) => {
        if let Err(e) = $self.enter($cap)? {
            return Ok(Err(e));
        }
    };
}

impl types::Host for CallState {}

impl kv::Host for CallState {
    fn get(&mut self, key: String) -> HostResult<Option<Vec<u8>>> {
        guard!(self, "kv");
        Ok(self.services.storage.kv_get(&self.plugin_id, &key).map_err(storage_err))
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> HostResult<()> {
        guard!(self, "kv");
        if let Err(e) = self.check_size("value", value.len() + key.len()) {
            return Ok(Err(e));
        }
        if let Err(e) = self.check_kv_quota(&key, Some(value.len())) {
            return Ok(Err(e));
        }
        Ok(self.services.storage.kv_set(&self.plugin_id, &key, &value).map_err(storage_err))
    }

    fn delete(&mut self, key: String) -> HostResult<bool> {
        guard!(self, "kv");
        Ok(self.services.storage.kv_delete(&self.plugin_id, &key).map_err(storage_err))
    }

    fn scan(&mut self, prefix: String, after: Option<String>, limit: u32) -> HostResult<Vec<(String, Vec<u8>)>> {
        guard!(self, "kv");
        let limit = limit.min(1000);
        let mut rows = match self.services.storage.kv_scan(&self.plugin_id, &prefix, after.as_deref(), limit) {
            Ok(rows) => rows,
            Err(e) => return Ok(Err(storage_err(e))),
        };
        // Like a query: at most four values' worth per page, so a scan of
        // large values cannot make the host copy hundreds of MiB into a
        // call. The plugin goes on from the last key it got.
        let budget = self.limits.value_bytes * 4;
        let mut bytes = 0;
        let keep = rows
            .iter()
            .position(|(k, v)| {
                bytes += k.len() + v.len();
                bytes > budget
            })
            .map_or(rows.len(), |i| i.max(1));
        rows.truncate(keep);
        Ok(Ok(rows))
    }

    fn compare_and_swap(&mut self, key: String, expected: Option<Vec<u8>>, new: Option<Vec<u8>>) -> HostResult<bool> {
        guard!(self, "kv");
        if let Err(e) = self.check_size("value", new.as_ref().map_or(0, |v| v.len()) + key.len()) {
            return Ok(Err(e));
        }
        if let Err(e) = self.check_kv_quota(&key, new.as_ref().map(Vec::len)) {
            return Ok(Err(e));
        }
        Ok(self
            .services
            .storage
            .kv_cas(&self.plugin_id, &key, expected.as_deref(), new.as_deref())
            .map_err(storage_err))
    }

    fn increment(&mut self, key: String, delta: i64) -> HostResult<i64> {
        guard!(self, "kv");
        // A counter is at most 20 digits.
        if let Err(e) = self.check_kv_quota(&key, Some(20)) {
            return Ok(Err(e));
        }
        Ok(self.services.storage.kv_increment(&self.plugin_id, &key, delta).map_err(storage_err))
    }
}

fn to_sql(v: &sql::Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        sql::Value::Null => V::Null,
        sql::Value::Integer(i) => V::Integer(*i),
        sql::Value::Real(f) => V::Real(*f),
        sql::Value::Text(s) => V::Text(s.clone()),
        sql::Value::Blob(b) => V::Blob(b.clone()),
    }
}

fn from_sql(v: rusqlite::types::ValueRef<'_>) -> sql::Value {
    use rusqlite::types::ValueRef as V;
    match v {
        V::Null => sql::Value::Null,
        V::Integer(i) => sql::Value::Integer(i),
        V::Real(f) => sql::Value::Real(f),
        V::Text(t) => sql::Value::Text(String::from_utf8_lossy(t).into_owned()),
        V::Blob(b) => sql::Value::Blob(b.to_vec()),
    }
}

/// A statement's failure, as the plugin is told it: the limits by name,
/// everything else (syntax, constraints) as the plugin's own mistake.
fn sql_err(e: rusqlite::Error, plugin: &str, limits: &Limits, statement: &str) -> Error {
    use rusqlite::ErrorCode;
    let code = match &e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        _ => None,
    };
    match code {
        Some(ErrorCode::OperationInterrupted) => Error::Limit(format!(
            "plugin `{plugin}`: SQL statement ran past the call's time limit of {} ms and was stopped (limit time_ms): {}",
            limits.time_ms,
            statement_head(statement)
        )),
        Some(ErrorCode::DiskFull) => Error::Limit(format!(
            "plugin `{plugin}`: its database reached its storage quota of {} MiB (limit storage_mib); nothing of this statement was written: {}",
            limits.storage_mib,
            statement_head(statement)
        )),
        Some(ErrorCode::AuthorizationForStatementDenied) => Error::Denied(format!(
            "plugin `{plugin}`: this statement is not allowed for plugins (PRAGMAs that change the database, ATTACH, extensions): {}",
            statement_head(statement)
        )),
        Some(ErrorCode::OutOfMemory) => Error::Limit(format!(
            "plugin `{plugin}`: SQL statement needed more memory than the host allows: {}",
            statement_head(statement)
        )),
        _ => Error::Invalid(e.to_string()),
    }
}

/// The start of a statement, on one line, for an error message.
fn statement_head(statement: &str) -> String {
    let one_line = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut head: String = one_line.chars().take(120).collect();
    if head.len() < one_line.len() {
        head.push('…');
    }
    head
}

impl CallState {
    /// The call's connection, inside its transaction (opened on first use).
    fn sql_unit(&mut self, statement_bytes: usize) -> Result<&mut SqlUnit, Error> {
        self.check_size("statement", statement_bytes)?;
        if self.sql_unit.is_none() {
            let db = self.sql.as_ref().ok_or_else(|| Error::Internal("the plugin's SQL database is not open".into()))?;
            self.sql_unit = Some(db.begin_until(Some(self.deadline)).map_err(|e| Error::Invalid(e.to_string()))?);
        }
        let unit = self.sql_unit.as_mut().expect("opened above");
        if unit.is_autocommit() {
            // SQLite rolled the call's transaction back (an interrupted
            // write, a full disk): a further statement would run outside
            // it and be kept even though the call fails.
            return Err(Error::Invalid(format!(
                "plugin `{}`: this call's SQL transaction was rolled back after an earlier error; the call cannot write any more",
                self.plugin_id
            )));
        }
        Ok(unit)
    }
}

impl CallState {
    /// Trace each statement's time, and warn (once per statement) about one
    /// that SQLite has to compile again on every run: a bound parameter
    /// where the planner looks at values (for example `LIMIT ?` inside a
    /// subquery) defeats the statement cache and costs tens of µs a run.
    fn observe_sql(&self, statement: &str, started: std::time::Instant, reprepared: i32) {
        tracing::trace!(plugin = %self.plugin_id, micros = started.elapsed().as_micros() as u64, reprepared, statement);
        if reprepared > 1
            && let Some(db) = &self.sql
            && db.first_warning(statement)
        {
            tracing::warn!(
                plugin = %self.plugin_id,
                statement = %statement.split_whitespace().collect::<Vec<_>>().join(" "),
                "SQL statement is recompiled on every run ({reprepared} times so far); write values the planner \
                 depends on (such as LIMIT in a subquery) as literals"
            );
        }
    }
}

impl CallState {
    /// [`sql_err`], and when the failure took the call's transaction with
    /// it, the cause kept for the calls that share it.
    fn sql_failed(&mut self, e: rusqlite::Error, statement: &str) -> Error {
        let err = sql_err(e, &self.plugin_id, &self.limits, statement);
        if let Error::Limit(m) = &err
            && m.contains("(limit storage_mib)")
        {
            self.limit_hit = Some(LimitReached { limit: "storage_mib", message: m.clone() });
        }
        if let Some(unit) = self.sql_unit.as_mut() {
            let text = match &err {
                Error::Limit(m) | Error::Invalid(m) | Error::Denied(m) | Error::Internal(m) => m.clone(),
            };
            unit.note_rollback(&text);
        }
        err
    }
}

impl sql::Host for CallState {
    fn execute(&mut self, statement: String, params: Vec<sql::Value>) -> HostResult<u64> {
        guard!(self, "sql");
        let c = match self.sql_unit(statement.len()) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let params: Vec<_> = params.iter().map(to_sql).collect();
        let started = std::time::Instant::now();
        let r = c.prepare_cached(&statement).and_then(|mut st| {
            let n = st.execute(rusqlite::params_from_iter(params))?;
            Ok((n as u64, st.get_status(rusqlite::StatementStatus::RePrepare)))
        });
        let r = r.map(|(n, reprepared)| {
            self.observe_sql(&statement, started, reprepared);
            n
        });
        Ok(r.map_err(|e| self.sql_failed(e, &statement)))
    }

    fn query(&mut self, statement: String, params: Vec<sql::Value>) -> HostResult<sql::Rows> {
        guard!(self, "sql");
        let budget = self.limits.value_bytes * 4;
        let plugin_id = self.plugin_id.clone();
        let c = match self.sql_unit(statement.len()) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let params: Vec<_> = params.iter().map(to_sql).collect();
        let started = std::time::Instant::now();
        let mut reprepared = 0;
        let run = || -> rusqlite::Result<Result<sql::Rows, Error>> {
            let mut st = c.prepare_cached(&statement)?;
            let columns: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
            let n = columns.len();
            let mut rows = st.query(rusqlite::params_from_iter(params))?;
            let mut out = Vec::new();
            let mut bytes = 0usize;
            while let Some(row) = rows.next()? {
                let mut vals = Vec::with_capacity(n);
                for i in 0..n {
                    let v = from_sql(row.get_ref(i)?);
                    bytes += match &v {
                        sql::Value::Text(s) => s.len(),
                        sql::Value::Blob(b) => b.len(),
                        _ => 8,
                    };
                    vals.push(v);
                }
                out.push(vals);
                if out.len() > MAX_SQL_ROWS || bytes > budget {
                    return Ok(Err(Error::Limit(format!(
                        "plugin `{}`: query returned more than {MAX_SQL_ROWS} rows or {budget} bytes; aggregate in SQL or page with LIMIT: {}",
                        plugin_id,
                        statement_head(&statement)
                    ))));
                }
            }
            drop(rows);
            reprepared = st.get_status(rusqlite::StatementStatus::RePrepare);
            Ok(Ok(sql::Rows { columns, rows: out }))
        };
        let r = run();
        if r.is_ok() {
            self.observe_sql(&statement, started, reprepared);
        }
        Ok(r.map_err(|e| self.sql_failed(e, &statement)).and_then(|r| r))
    }

    fn transaction(&mut self, statements: Vec<(String, Vec<sql::Value>)>) -> HostResult<Vec<u64>> {
        guard!(self, "sql");
        let total: usize = statements.iter().map(|(s, _)| s.len()).sum();
        let c = match self.sql_unit(total) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        // All or nothing inside the call's own transaction: a savepoint.
        let mut failed_at = 0;
        let mut run = || -> rusqlite::Result<Vec<u64>> {
            let sp = c.savepoint()?;
            let mut counts = Vec::with_capacity(statements.len());
            for (i, (stmt, params)) in statements.iter().enumerate() {
                failed_at = i;
                let params: Vec<_> = params.iter().map(to_sql).collect();
                counts.push(sp.prepare_cached(stmt)?.execute(rusqlite::params_from_iter(params))? as u64);
            }
            sp.commit()?;
            Ok(counts)
        };
        let r = run();
        let statement = statements.get(failed_at).map_or("", |(s, _)| s.as_str());
        let statement = statement.to_owned();
        Ok(r.map_err(|e| self.sql_failed(e, &statement)))
    }
}

impl events::Host for CallState {
    fn publish(&mut self, topic: String, payload: String) -> HostResult<u64> {
        guard!(self, "events");
        let own = format!("{}.", self.plugin_id);
        if !topic.starts_with(&own) || topic.len() == own.len() {
            return Ok(Err(Error::Invalid(format!("topic `{topic}` must start with `{own}`"))));
        }
        if let Err(e) = self.check_size("payload", payload.len()) {
            return Ok(Err(e));
        }
        // Checked without building the value.
        if serde_json::from_str::<serde::de::IgnoredAny>(&payload).is_err() {
            return Ok(Err(Error::Invalid("payload is not valid JSON".into())));
        }
        if self.events.len() >= MAX_EVENTS_PER_CALL {
            return Ok(Err(Error::Limit(format!("plugin `{}`: more than {MAX_EVENTS_PER_CALL} events in one call", self.plugin_id))));
        }
        let bytes = topic.len() + payload.len();
        if self.event_bytes + bytes > self.limits.event_bytes_per_call {
            return Ok(Err(Error::Limit(format!(
                "plugin `{}`: events of one call may take {} bytes in all (limit event_bytes_per_call); this one would make {}",
                self.plugin_id,
                self.limits.event_bytes_per_call,
                self.event_bytes + bytes
            ))));
        }
        let now = self.services.clock.now_ms();
        if !self.budgets.event_bytes.spend(now, bytes as u64, self.limits.event_bytes_per_minute as u64) {
            return Ok(Err(Error::Limit(format!(
                "plugin `{}`: published more than {} bytes of events this minute (limit event_bytes_per_minute); try again next minute",
                self.plugin_id, self.limits.event_bytes_per_minute
            ))));
        }
        self.event_bytes += bytes;
        // Stored and sent when the call returns, with its SQL changes.
        self.events.push(NewEvent { topic, payload, time: now });
        Ok(Ok(self.events.len() as u64))
    }
}

impl clock::Host for CallState {
    fn now(&mut self) -> wasmtime::Result<i64> {
        self.enter_or_trap("clock")?;
        Ok(self.services.clock.now_ms())
    }

    fn utc_offset_minutes(&mut self) -> wasmtime::Result<i32> {
        self.enter_or_trap("clock")?;
        Ok(self.services.utc_offset_minutes)
    }
}

impl log::Host for CallState {
    fn log(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        self.enter_or_trap("log")?;
        // The host's log is shared by every plugin and the host itself: a
        // plugin's lines are capped per call and per minute, and control
        // characters (a forged line, terminal escapes) are shown escaped.
        let plugin = &*self.plugin_id;
        let within_call = self.log_bytes < self.limits.log_bytes_per_call;
        self.log_bytes += message.len().min(4096);
        if !within_call {
            return Ok(());
        }
        let mut shown = String::with_capacity(message.len().min(4096));
        for c in message.chars().take(4096) {
            if c.is_control() {
                shown.extend(c.escape_default());
            } else {
                shown.push(c);
            }
        }
        let message = shown;
        if self.log_bytes >= self.limits.log_bytes_per_call {
            tracing::warn!(plugin, "plugin wrote more than {} bytes of log in one call (limit log_bytes_per_call); its further lines in this call are dropped", self.limits.log_bytes_per_call);
        }
        let now = self.services.clock.now_ms();
        if let Err(first) = self.budgets.log_lines.try_spend(now, 1, u64::from(self.limits.log_lines_per_minute)) {
            if first {
                tracing::warn!(plugin, "plugin wrote more than {} log lines this minute (limit log_lines_per_minute); its further lines this minute are dropped", self.limits.log_lines_per_minute);
            }
            return Ok(());
        }
        match level {
            log::Level::Trace => tracing::trace!(plugin, "{message}"),
            log::Level::Debug => tracing::debug!(plugin, "{message}"),
            log::Level::Info => tracing::info!(plugin, "{message}"),
            log::Level::Warn => tracing::warn!(plugin, "{message}"),
            log::Level::Error => tracing::error!(plugin, "{message}"),
        }
        Ok(())
    }
}

impl config::Host for CallState {
    fn get(&mut self) -> wasmtime::Result<String> {
        self.enter_or_trap("config")?;
        Ok(self.config_json.to_string())
    }
}

/// What a caller may do with resident records.
#[derive(PartialEq)]
enum ResidentAccess {
    Full,
    Masked,
}

impl CallState {
    fn resident_access(&self, write: bool) -> Result<(ResidentAccess, &crate::auth::Caller), Error> {
        let Some(caller) = self.caller.as_ref().filter(|c| matches!(c.kind, crate::auth::CallerKind::Staff)) else {
            return Err(Error::Denied("resident records are read and written only on behalf of signed-in staff".into()));
        };
        let has = |roles: &[&str]| caller.is_admin() || caller.roles.iter().any(|r| roles.contains(&r.as_str()));
        if write {
            return if has(&["clerk", "guide"]) { Ok((ResidentAccess::Full, caller)) } else { Err(Error::Denied("this role may not change resident records".into())) };
        }
        if has(&["clerk", "guide", "supervisor"]) {
            Ok((ResidentAccess::Full, caller))
        } else if has(&["volunteer"]) {
            Ok((ResidentAccess::Masked, caller))
        } else {
            Err(Error::Denied("this role may not read resident records".into()))
        }
    }

    fn audit(&self, caller: &crate::auth::Caller, action: &str, target: &str) {
        if let Some(r) = &self.services.residents {
            let detail = format!("via plugin {}", self.plugin_id);
            if let Err(e) = crate::audit::record(&r.db, r.vault.audit_chain(), caller, self.services.clock.now_ms(), action, Some(target), Some(&detail)) {
                tracing::error!(error = %e, "could not write the audit log");
            }
        }
    }
}

fn to_wit(r: crate::residents::Resident, access: &ResidentAccess) -> residents::Resident {
    let masked = *access == ResidentAccess::Masked;
    residents::Resident {
        id: r.id as u64,
        name: if masked { linli_shared::mask::name(&r.name) } else { r.name },
        id_number: r.id_number.map(|v| if masked { linli_shared::mask::id_number(&v) } else { v }),
        phone: r.phone.map(|v| if masked { linli_shared::mask::phone(&v) } else { v }),
        address: if masked { None } else { r.address },
        tags: r.tags,
    }
}

macro_rules! records {
    ($self:ident) => {
        match &$self.services.residents {
            Some(r) => (r.db.clone(), r.vault.clone()),
            None => return Ok(Err(Error::Internal("resident records are not available in this host".into()))),
        }
    };
}

impl residents::Host for CallState {
    fn find(&mut self, id_number: Option<String>, phone: Option<String>) -> HostResult<Vec<residents::Resident>> {
        guard!(self, "residents");
        let (access, caller) = match self.resident_access(false) {
            Ok((a, c)) => (a, c.clone()),
            Err(e) => return Ok(Err(e)),
        };
        let (db, vault) = records!(self);
        match crate::residents::find(&db, &vault, id_number.as_deref(), phone.as_deref()) {
            Ok(list) => {
                for r in &list {
                    self.audit(&caller, "residents.read", &format!("resident:{}", r.id));
                }
                Ok(Ok(list.into_iter().map(|r| to_wit(r, &access)).collect()))
            }
            Err(e) => Ok(Err(storage_err(e))),
        }
    }

    fn get(&mut self, id: u64) -> HostResult<Option<residents::Resident>> {
        guard!(self, "residents");
        let (access, caller) = match self.resident_access(false) {
            Ok((a, c)) => (a, c.clone()),
            Err(e) => return Ok(Err(e)),
        };
        let (db, vault) = records!(self);
        match crate::residents::get(&db, &vault, id as i64) {
            Ok(r) => {
                self.audit(&caller, "residents.read", &format!("resident:{id}"));
                Ok(Ok(r.map(|r| to_wit(r, &access))))
            }
            Err(e) => Ok(Err(storage_err(e))),
        }
    }

    fn save(&mut self, entry: residents::Resident) -> HostResult<u64> {
        guard!(self, "residents");
        let caller = match self.resident_access(true) {
            Ok((_, c)) => c.clone(),
            Err(e) => return Ok(Err(e)),
        };
        let (db, vault) = records!(self);
        let r = crate::residents::Resident {
            id: entry.id as i64,
            name: entry.name,
            id_number: entry.id_number,
            phone: entry.phone,
            address: entry.address,
            tags: entry.tags,
        };
        match crate::residents::save(&db, &vault, &r, self.services.clock.now_ms()) {
            Ok(id) => {
                self.audit(&caller, if r.id > 0 { "residents.update" } else { "residents.save" }, &format!("resident:{id}"));
                Ok(Ok(id as u64))
            }
            Err(e) => Ok(Err(storage_err(e))),
        }
    }
}

impl pseudonyms::Host for CallState {
    fn of(&mut self, kind: String, value: String) -> wasmtime::Result<String> {
        self.enter_or_trap("pseudonyms")?;
        Ok(self.services.vault.pseudonym(&self.plugin_id, &kind, &value))
    }
}

fn date_arg(field: &str, value: &str) -> Result<linli_shared::calendar::Date, Error> {
    linli_shared::calendar::Date::parse(value).map_err(|e| Error::Invalid(format!("{field}: {e}")))
}

impl calendar::Host for CallState {
    fn is_working_day(&mut self, date: String) -> HostResult<bool> {
        guard!(self, "calendar");
        let cal = self.services.calendar.read().clone();
        Ok(date_arg("date", &date).and_then(|d| cal.is_working_day(d).map_err(Error::Invalid)))
    }

    fn add_working_days(&mut self, date: String, days: i32) -> HostResult<String> {
        guard!(self, "calendar");
        let cal = self.services.calendar.read().clone();
        Ok(date_arg("date", &date).and_then(|d| cal.add_working_days(d, days).map(|d| d.to_string()).map_err(Error::Invalid)))
    }

    fn working_days_between(&mut self, from: String, to: String) -> HostResult<i32> {
        guard!(self, "calendar");
        let cal = self.services.calendar.read().clone();
        Ok(date_arg("from", &from).and_then(|a| date_arg("to", &to).map(|b| (a, b))).and_then(|(a, b)| cal.working_days_between(a, b).map_err(Error::Invalid)))
    }

    fn today(&mut self) -> wasmtime::Result<String> {
        self.enter_or_trap("calendar")?;
        Ok(linli_shared::calendar::Date::of_ms(self.services.clock.now_ms(), self.services.utc_offset_minutes).to_string())
    }
}
