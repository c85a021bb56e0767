//! The plugins' SQL on PostgreSQL (a district: many halls and several hosts
//! on one database server).
//!
//! Each plugin of each hall gets a schema of its own, owned by a login
//! role of its own (`linli_<hall>_<plugin>`), and its statements run on a
//! connection made *as that role*: no statement of one plugin can reach
//! another plugin's tables or the host's, because the database itself
//! refuses it (a connection that switched roles with `SET ROLE` could
//! switch back; a login cannot). The role's password is made once, at
//! random, and kept in `linli.plugin_roles`, which only the host's own
//! role can read, so every host of the district finds it.
//!
//! What the SQLite backend guarantees holds here too:
//! - **One dialect**: a plugin writes the SQL both backends run (see
//!   [`translate`]: `?1` placeholders, SQLite's type names, and
//!   `INTEGER PRIMARY KEY` ids are translated; parameters are converted to
//!   the type PostgreSQL infers for them, results back to the plugin's five
//!   value kinds).
//! - **Units of work**: a call is a savepoint inside its lane's group
//!   transaction, and each statement another one inside it, so a statement
//!   that fails (a unique key taken) is undone alone and the call goes on,
//!   as on SQLite.
//! - **The lane across hosts**: a group's transaction first takes a
//!   transaction-scoped advisory lock of its hall and plugin, so the calls
//!   of one plugin never interleave on its data even when two hosts serve
//!   them; "check, then write" needs no locking in the plugin.
//! - **Limits**: each statement runs under `statement_timeout` set to what
//!   is left of the call's time (`time_ms`); a call that leaves the schema
//!   larger than its quota (`storage_mib`) is undone.

use super::plugin_db::{SqlFailure, SqlValue};
use super::{Result, StorageError};
use parking_lot::Mutex;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Instant;

type BoxError = Box<dyn StdError + Sync + Send>;

/// Where a district keeps its data (`[store]` in `linli.toml`).
#[derive(Debug, Clone)]
pub struct PgTarget {
    /// libpq-style connection string of the host's own role (which may
    /// create roles and schemas): `host=… port=… user=… password=… dbname=…`
    /// or `postgresql://…`.
    pub url: String,
    /// The hall's id (`[a-z][a-z0-9]*`), part of every schema and role name.
    pub hall: String,
}

/// `LINLI_PG_COST=…` leaves parts out, to measure what each costs
/// (`linli-bench --store postgres`): `quota` (the size check after a
/// writing call), `savepoints` (the savepoint around each statement).
/// Never for a hall: without them a plugin can pass its quota, and a
/// failed statement fails the rest of its call.
fn cost_off(part: &str) -> bool {
    static OFF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    OFF.get_or_init(|| std::env::var("LINLI_PG_COST").unwrap_or_default()).split(',').any(|p| p.trim() == part)
}

/// Prepared statements kept per connection (the statement cache).
const STATEMENT_CACHE: usize = 512;

/// A plugin's SQL in PostgreSQL: its schema, its role and the lane's open
/// group transaction.
pub struct PgPluginSql {
    plugin: String,
    schema: String,
    /// The plugin's own login (user and password set).
    login: postgres::Config,
    /// The host's own login (for the plugins page's usage figure).
    admin: postgres::Config,
    /// The advisory lock of this hall's plugin (the lane across hosts).
    lock_key: i64,
    quota_bytes: u64,
    shared: Arc<Mutex<Shared>>,
    /// Its groups and commits (shared with the SQLite backend).
    pub book: super::plugin_db::GroupBook,
    warned: Mutex<std::collections::HashSet<String>>,
}

struct Shared {
    client: Option<Client>,
    statements: HashMap<String, Statement>,
    group: Option<Group>,
    /// The schema's size as last measured (bytes).
    last_size: u64,
    /// A call was undone for the quota: the space its rows took is given
    /// back (VACUUM) once the group's transaction has ended.
    vacuum: bool,
    /// Writing done since the schema's size was last measured: statement
    /// time and rows (see [`QUOTA_CHECK`]).
    unchecked: (std::time::Duration, u64),
    checked_at: Option<Instant>,
}

/// When a writing call's end measures the schema's size: once this much
/// statement time of writes, or this many rows changed, have gone by
/// since the last measurement, or this long (the measurement reads every
/// table's size and was half the server's work per queue request when
/// made after every call). A plugin can pass its quota by at most what it
/// writes within these bounds (a few MiB); the call that finds it past is
/// undone, and so is every later call that grows it.
const QUOTA_CHECK: (std::time::Duration, u64, std::time::Duration) =
    (std::time::Duration::from_millis(20), 1000, std::time::Duration::from_secs(1));

struct Group {
    group_no: u64,
    calls: u32,
    opened: Instant,
    lost: Option<String>,
}

/// One call's hold on the plugin's connection (see
/// [`super::sqlite::SqlUnit`], whose contract this follows).
pub struct PgUnit {
    guard: Option<parking_lot::ArcMutexGuard<parking_lot::RawMutex, Shared>>,
    db: Arc<PgPluginSql>,
    deadline: Option<Instant>,
    /// A statement's savepoint is still open (released before the next).
    stmt_open: bool,
    /// The call changed data (its end checks the quota).
    wrote: bool,
    /// Time its writing statements took, and the rows they changed.
    write_work: (std::time::Duration, u64),
}

/// Names a plugin id or hall id may turn into: lower-case letters, digits
/// and `_` (a plugin id's `-` becomes `_`; ids never contain `_`, so two
/// ids never meet in one name).
fn ident(s: &str) -> String {
    s.chars().map(|c| if c == '-' { '_' } else { c.to_ascii_lowercase() }).filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

/// The schema of `plugin` in `hall`.
pub fn schema_name(hall: &str, plugin: &str) -> String {
    format!("h_{}__{}", ident(hall), ident(plugin))
}

/// The login role of `plugin` in `hall`.
pub fn role_name(hall: &str, plugin: &str) -> String {
    format!("linli_{}__{}", ident(hall), ident(plugin))
}

fn lock_key(hall: &str, plugin: &str) -> i64 {
    use sha2::Digest;
    let d = sha2::Sha256::digest(format!("linli-lane\0{hall}\0{plugin}").as_bytes());
    i64::from_be_bytes(d[..8].try_into().expect("8 bytes"))
}

fn random_password() -> String {
    use rand_core::RngCore;
    let mut b = [0u8; 24];
    rand_core::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

fn pg_err(e: postgres::Error) -> StorageError {
    StorageError::Backend(describe(&e))
}

/// A PostgreSQL error on one line: its message, and its detail and hint
/// when the server gave them.
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = db.message().to_owned();
            if let Some(d) = db.detail() {
                s.push_str(" (");
                s.push_str(d);
                s.push(')');
            }
            if let Some(h) = db.hint() {
                s.push_str("; hint: ");
                s.push_str(h);
            }
            s
        }
        None => e.to_string(),
    }
}

/// Run `f` where a blocking client may run: the synchronous client runs
/// its own small runtime, which cannot start inside the host's (a plugin
/// loaded by the server, the plugins page), so there it runs on a thread
/// of its own.
pub(super) fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    match tokio::runtime::Handle::try_current() {
        Err(_) => f(),
        // On a worker of the multi-threaded runtime (a quick plugin call
        // run inline, a handler): leave the runtime's context for the call
        // instead of starting a thread for it, which cost about 150 µs of
        // host CPU per read (`linli-bench --only http --store both`).
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        Ok(_) => std::thread::scope(|scope| std::thread::Builder::new().name("linli-pg".into()).spawn_scoped(scope, f).expect("a thread").join().expect("no panic")),
    }
}

/// Marks, in an error's text, a failure to reach PostgreSQL at all (the
/// server down or restarting, the link cut, the connection lost), as
/// opposed to a statement the server refused. A plugin call that meets it
/// fails as a whole with "the store cannot be reached" (503), whatever the
/// plugin makes of the error, and nothing of the call is kept; the text
/// travels through the lane's commit results, which are strings.
pub const UNREACHABLE_MARK: &str = "[PostgreSQL unreachable]";

/// Whether `e` means PostgreSQL could not be reached or the connection was
/// lost: refused or timed-out connections, I/O errors, a closed
/// connection, a session ended by the server (`57P01` shutdown or
/// `pg_terminate_backend`, `57P02` crash, `57P03` starting up or shutting
/// down) and connection exceptions (class `08`).
pub fn is_unreachable(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        let c = code.code();
        return c.starts_with("08") || matches!(c, "57P01" | "57P02" | "57P03");
    }
    let text = e.to_string();
    ["error connecting to server", "error communicating with the server", "timeout waiting for server", "connection closed"].iter().any(|k| text.starts_with(k))
}

/// An error's text for the log and the call: marked (see
/// [`UNREACHABLE_MARK`]) when the server could not be reached.
pub fn error_text(what: &str, e: &postgres::Error) -> String {
    if is_unreachable(e) { format!("{UNREACHABLE_MARK} {what}: {}", describe(e)) } else { format!("{what}: {}", describe(e)) }
}

/// The longest a connection attempt waits when the connection string sets
/// no `connect_timeout`.
const CONNECT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Connect, with a bounded wait, without TLS (the database is reached on
/// the hall's or district's own network, or a Unix socket). The wait is
/// at most what is left until `deadline` (a call's time limit), so a call
/// whose store cannot be reached is refused within its time instead of
/// hanging. TCP keepalives and a user timeout make a link that went
/// silent (a host cut off, the server's machine gone) fail in seconds
/// instead of the kernel's two hours, unless the connection string chose
/// otherwise.
pub(super) fn connect_until(config: &postgres::Config, deadline: Option<Instant>) -> std::result::Result<Client, postgres::Error> {
    let mut c = config.clone();
    let mut wait = c.get_connect_timeout().copied().unwrap_or(CONNECT_WAIT);
    if let Some(d) = deadline {
        wait = wait.min(d.saturating_duration_since(Instant::now())).max(std::time::Duration::from_millis(50));
    }
    c.connect_timeout(wait);
    if c.get_keepalives_idle() == std::time::Duration::from_secs(2 * 60 * 60) {
        c.keepalives(true).keepalives_idle(std::time::Duration::from_secs(10)).keepalives_interval(std::time::Duration::from_secs(2)).keepalives_retries(3);
    }
    if c.get_tcp_user_timeout().is_none() {
        c.tcp_user_timeout(std::time::Duration::from_secs(10));
    }
    c.connect(NoTls)
}

fn connect(config: &postgres::Config) -> std::result::Result<Client, postgres::Error> {
    connect_until(config, None)
}

impl PgPluginSql {
    /// Make (once) and open the schema and role of `plugin` in the target's
    /// hall, with a quota of `quota_bytes`.
    pub fn open(target: &PgTarget, plugin: &str, quota_bytes: u64) -> Result<Self> {
        off_runtime(|| Self::open_here(target, plugin, quota_bytes))
    }

    fn open_here(target: &PgTarget, plugin: &str, quota_bytes: u64) -> Result<Self> {
        let admin: postgres::Config = target.url.parse().map_err(|e: postgres::Error| StorageError::Invalid(format!("[store] postgres_url: {e}")))?;
        let schema = schema_name(&target.hall, plugin);
        let role = role_name(&target.hall, plugin);
        let mut client = connect(&admin).map_err(|e| StorageError::Backend(format!("connecting to PostgreSQL as the host: {}", describe(&e))))?;
        let password = provision(&mut client, &schema, &role).map_err(|e| StorageError::Backend(format!("making schema {schema} and role {role}: {}", describe(&e))))?;
        let mut login = admin.clone();
        login.user(&role);
        login.password(password.as_bytes());
        login.application_name(&format!("linli plugin {plugin}"));
        Ok(PgPluginSql {
            plugin: plugin.to_owned(),
            schema,
            login,
            admin,
            lock_key: lock_key(&target.hall, plugin),
            quota_bytes,
            shared: Arc::new(Mutex::new(Shared { client: None, statements: HashMap::new(), group: None, last_size: 0, vacuum: false, unchecked: (std::time::Duration::ZERO, 0), checked_at: None })),
            book: Default::default(),
            warned: Mutex::default(),
        })
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Take the connection for one call that must end by `deadline`: join
    /// the open group's transaction (or open one, taking the plugin's lock)
    /// and set the call's savepoint.
    pub fn begin_until(self: &Arc<Self>, deadline: Option<Instant>) -> Result<PgUnit> {
        let mut g = self.shared.lock_arc();
        if g.group.as_ref().is_some_and(|gr| gr.lost.is_some()) {
            return Err(StorageError::Backend("the plugin's open transaction was rolled back; the call can be tried again".into()));
        }
        if g.group.is_none() {
            // A connection kept from before may be dead without knowing it
            // (PostgreSQL restarted, the link cut while it was idle): its
            // first statement fails. Opening the group changes nothing, so
            // that failure is tried once more on a new connection, and the
            // first call after a restart works instead of failing.
            let mut fresh = false;
            loop {
                if g.client.as_ref().is_none_or(|c| c.is_closed()) {
                    g.statements.clear();
                    g.client = None;
                    let c = connect_until(&self.login, deadline)
                        .map_err(|e| StorageError::Backend(error_text(&format!("plugin `{}`: connecting to PostgreSQL", self.plugin), &e)))?;
                    g.client = Some(c);
                    fresh = true;
                }
                let wait = remaining_ms(deadline);
                let client = g.client.as_mut().expect("connected above");
                // The lane across hosts: the lock is held until the group's
                // COMMIT or ROLLBACK; waiting for it counts against the call.
                let open = format!("BEGIN; SET LOCAL statement_timeout = {wait}; SELECT pg_advisory_xact_lock({})", self.lock_key);
                match client.batch_execute(&open) {
                    Ok(()) => break,
                    Err(e) => {
                        let _ = client.batch_execute("ROLLBACK");
                        if is_unreachable(&e) {
                            g.client = None;
                            g.statements.clear();
                            if !fresh {
                                continue;
                            }
                        }
                        return Err(StorageError::Backend(error_text(&format!("plugin `{}`: opening its transaction", self.plugin), &e)));
                    }
                }
            }
            let group_no = self.book.open();
            g.group = Some(Group { group_no, calls: 0, opened: Instant::now(), lost: None });
        }
        let Some(client) = g.client.as_mut() else {
            let msg = format!("{UNREACHABLE_MARK} plugin `{}`: the connection to PostgreSQL was lost", self.plugin);
            g.group.as_mut().expect("open").lost.get_or_insert(msg.clone());
            return Err(StorageError::Backend(msg));
        };
        if let Err(e) = client.batch_execute("SAVEPOINT linli_call") {
            let msg = error_text(&format!("plugin `{}`", self.plugin), &e);
            g.group.as_mut().expect("open").lost.get_or_insert(msg.clone());
            return Err(StorageError::Backend(msg));
        }
        Ok(PgUnit { guard: Some(g), db: self.clone(), deadline, stmt_open: false, wrote: false, write_work: (std::time::Duration::ZERO, 0) })
    }

    pub fn group_is_full(&self) -> bool {
        let g = self.shared.lock();
        g.group.as_ref().is_some_and(|group| {
            group.calls >= super::sqlite::GROUP_MAX_CALLS
                || group.opened.elapsed() >= super::sqlite::GROUP_MAX_AGE
                || !super::sqlite::group_commit_enabled()
                || group.lost.is_some()
        })
    }

    /// Commit the open group, if any (see [`super::sqlite::PluginSql::commit_group`]).
    pub fn commit_group(&self) -> Option<std::result::Result<(), String>> {
        let mut g = self.shared.lock();
        let group = g.group.take()?;
        let client = g.client.as_mut();
        let result = match (client, group.lost) {
            (Some(c), Some(lost)) => {
                let _ = c.batch_execute("ROLLBACK");
                Err(lost)
            }
            (None, Some(lost)) => Err(lost),
            (None, None) => Err(format!("{UNREACHABLE_MARK} the connection to PostgreSQL was lost")),
            (Some(c), None) if group.calls == 0 => c.batch_execute("ROLLBACK").map_err(|e| error_text("rolling back", &e)),
            (Some(c), None) => c.batch_execute("COMMIT").map_err(|e| {
                let _ = c.batch_execute("ROLLBACK");
                // A commit whose answer was lost may have been kept: the
                // call is refused all the same ("try again"), and a client
                // retrying with its idempotency key gets what was kept.
                error_text("committing", &e)
            }),
        };
        if result.is_err() && g.client.as_ref().is_some_and(|c| c.is_closed()) {
            g.client = None;
        }
        if std::mem::take(&mut g.vacuum)
            && let Some(c) = g.client.as_mut()
        {
            // PostgreSQL keeps the pages an undone insert took; VACUUM cuts
            // the empty ones off the end, so the schema's size is its data
            // again and the plugin's next small write is not refused.
            let tables: Vec<String> = c.query("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()", &[]).map(|rows| rows.iter().map(|r| r.get(0)).collect()).unwrap_or_default();
            for t in tables {
                if let Err(e) = c.batch_execute(&format!("VACUUM \"{}\"", t.replace('"', "\"\""))) {
                    tracing::warn!(plugin = %self.plugin, error = %describe(&e), "VACUUM after a call undone for the quota");
                }
            }
            if let Ok(r) = c.query_one(SIZE_OF_SCHEMA, &[&self.schema]) {
                g.last_size = r.get::<_, i64>(0).max(0) as u64;
            }
        }
        drop(g);
        self.book.settle(group.group_no, result.is_ok(), group.calls);
        Some(result)
    }

    /// The schema's size in bytes (tables, their indexes and TOAST) and
    /// its quota, read on a connection of the host's own.
    pub fn usage(&self) -> (u64, u64) {
        let used = off_runtime(|| {
            connect(&self.admin).and_then(|mut c| c.query_one(SIZE_OF_SCHEMA, &[&self.schema])).map(|r| r.get::<_, i64>(0).max(0) as u64).unwrap_or(0)
        });
        (used, self.quota_bytes)
    }

    pub fn first_warning(&self, statement: &str) -> bool {
        let mut w = self.warned.lock();
        w.len() < 1000 && w.insert(statement.to_owned())
    }

    /// Run `f` on the plugin's connection outside any call (maintenance,
    /// tests), once no group's transaction is open.
    pub fn with<T>(&self, f: impl FnOnce(&mut Client) -> std::result::Result<T, postgres::Error>) -> Result<T> {
        loop {
            let mut g = self.shared.lock();
            match &g.group {
                None => {
                    if g.client.as_ref().is_none_or(|c| c.is_closed()) {
                        g.client = Some(connect(&self.login).map_err(|e| StorageError::Backend(error_text("connecting to PostgreSQL", &e)))?);
                        g.statements.clear();
                    }
                    return f(g.client.as_mut().expect("connected")).map_err(pg_err);
                }
                Some(group) => {
                    let group_no = group.group_no;
                    drop(g);
                    self.book.wait_for(group_no);
                }
            }
        }
    }
}

impl Drop for PgPluginSql {
    fn drop(&mut self) {
        // A client's runtime may not be dropped inside the host's (a plugin
        // replaced by a request): it goes on a thread of its own.
        if let Some(c) = self.shared.lock().client.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            let _ = std::thread::Builder::new().name("linli-pg-close".into()).spawn(move || drop(c));
        }
    }
}

const SIZE_OF_SCHEMA: &str = "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::int8 FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')";

/// Make the role and schema unless they exist; returns the role's password.
/// Hosts starting together take turns (an advisory lock).
fn provision(client: &mut Client, schema: &str, role: &str) -> std::result::Result<String, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(7163221); \
         CREATE SCHEMA IF NOT EXISTS linli; \
         REVOKE ALL ON SCHEMA linli FROM PUBLIC; \
         CREATE TABLE IF NOT EXISTS linli.plugin_roles (role TEXT PRIMARY KEY, schema TEXT NOT NULL, password TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )?;
    let known: Option<String> = tx.query_opt("SELECT password FROM linli.plugin_roles WHERE role = $1", &[&role])?.map(|r| r.get(0));
    let exists = tx.query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&role])?.is_some();
    let password = match known {
        Some(p) if exists => p,
        _ => {
            let p = random_password();
            let verb = if exists { "ALTER" } else { "CREATE" };
            // Identifiers are made of [a-z0-9_] only (see `ident`); the
            // password is hex: nothing here needs more quoting than this.
            tx.batch_execute(&format!(
                "{verb} ROLE \"{role}\" LOGIN PASSWORD '{p}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 32"
            ))?;
            tx.execute(
                "INSERT INTO linli.plugin_roles (role, schema, password) VALUES ($1, $2, $3) ON CONFLICT (role) DO UPDATE SET password = excluded.password",
                &[&role, &schema, &p],
            )?;
            p
        }
    };
    // A host cut off in the middle of a group (its session idle in the
    // transaction, the plugin's lock held) stops the plugin's calls on
    // every other host until the server ends that session: 15 s, longer
    // than any pause between a call's statements at the default time limit.
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\" AUTHORIZATION \"{role}\"; \
         ALTER ROLE \"{role}\" SET search_path = \"{schema}\"; \
         ALTER ROLE \"{role}\" SET idle_in_transaction_session_timeout = '15s'; \
         ALTER ROLE \"{role}\" SET statement_timeout = '30s'; \
         ALTER ROLE \"{role}\" SET lock_timeout = '30s'"
    ))?;
    tx.commit()?;
    // Temporary tables would escape the schema's quota; a database the host
    // does not own keeps its default (the check says so in the log).
    let db = current_db(client)?;
    if let Err(e) = client.batch_execute(&format!("REVOKE TEMPORARY ON DATABASE \"{db}\" FROM PUBLIC")) {
        tracing::warn!(error = %describe(&e), "could not revoke TEMPORARY from PUBLIC; plugins may create temporary tables outside their quota");
    }
    Ok(password)
}

fn current_db(client: &mut Client) -> std::result::Result<String, postgres::Error> {
    Ok(client.query_one("SELECT current_database()", &[])?.get(0))
}

/// Milliseconds left until `deadline` (at least 1; 30 s when none).
fn remaining_ms(deadline: Option<Instant>) -> u64 {
    match deadline {
        Some(d) => (d.saturating_duration_since(Instant::now()).as_millis() as u64).max(1),
        None => 30_000,
    }
}

fn failure(e: postgres::Error) -> SqlFailure {
    use postgres::error::SqlState;
    let msg = describe(&e);
    match e.code() {
        Some(c) if *c == SqlState::QUERY_CANCELED => SqlFailure::Interrupted,
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => SqlFailure::Denied(msg),
        Some(c) if *c == SqlState::DISK_FULL => SqlFailure::QuotaFull,
        Some(c) if *c == SqlState::OUT_OF_MEMORY || *c == SqlState::PROGRAM_LIMIT_EXCEEDED => SqlFailure::OutOfMemory,
        _ if is_unreachable(&e) => SqlFailure::Broken(format!("{UNREACHABLE_MARK} the connection to PostgreSQL was lost: {msg}")),
        _ => SqlFailure::Other(msg),
    }
}

impl Drop for PgUnit {
    fn drop(&mut self) {
        if self.guard.is_some() {
            let _ = self.end(false);
        }
    }
}

impl PgUnit {
    fn shared(&mut self) -> &mut Shared {
        self.guard.as_mut().expect("a unit is used only until it ends")
    }

    /// The group was lost (the connection dropped, the server restarted):
    /// no statement may run any more.
    pub fn is_broken(&self) -> bool {
        let g = self.guard.as_ref().expect("a unit is used only until it ends");
        g.group.as_ref().is_none_or(|gr| gr.lost.is_some()) || g.client.as_ref().is_none_or(|c| c.is_closed())
    }

    pub fn note_rollback(&mut self, cause: &str) {
        let g = self.shared();
        if g.client.as_ref().is_none_or(|c| c.is_closed())
            && let Some(group) = g.group.as_mut()
        {
            group.lost.get_or_insert_with(|| format!("the transaction was rolled back: {cause}"));
        }
    }

    /// Open the statement's savepoint (releasing the previous one) and set
    /// its time limit: one round trip.
    fn before_statement(&mut self) -> std::result::Result<(), SqlFailure> {
        let wait = remaining_ms(self.deadline);
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(SqlFailure::Interrupted);
        }
        let release = if self.stmt_open { "RELEASE linli_stmt; " } else { "" };
        let batch = if cost_off("savepoints") {
            format!("SET LOCAL statement_timeout = {wait}")
        } else {
            format!("{release}SET LOCAL statement_timeout = {wait}; SAVEPOINT linli_stmt")
        };
        let g = self.shared();
        let client = g.client.as_mut().ok_or_else(|| SqlFailure::Broken(format!("{UNREACHABLE_MARK} not connected")))?;
        client.batch_execute(&batch).map_err(failure)?;
        self.stmt_open = !cost_off("savepoints");
        Ok(())
    }

    /// Undo the failed statement alone (the call goes on, as on SQLite).
    fn after_failure(&mut self, f: SqlFailure) -> SqlFailure {
        self.stmt_open = false;
        let g = self.shared();
        if let Some(c) = g.client.as_mut()
            && let Err(e) = c.batch_execute("ROLLBACK TO linli_stmt; RELEASE linli_stmt")
        {
            let msg = error_text("undoing a failed statement", &e);
            if let Some(group) = g.group.as_mut() {
                group.lost.get_or_insert(msg);
            }
        }
        if let SqlFailure::Broken(m) = &f
            && let Some(group) = self.shared().group.as_mut()
        {
            group.lost.get_or_insert(m.clone());
        }
        f
    }

    fn prepared(&mut self, statement: &str) -> std::result::Result<Statement, SqlFailure> {
        let g = self.shared();
        if let Some(s) = g.statements.get(statement) {
            return Ok(s.clone());
        }
        guard(statement).map_err(SqlFailure::Denied)?;
        let translated = translate(statement).map_err(SqlFailure::Other)?;
        let client = g.client.as_mut().ok_or_else(|| SqlFailure::Broken(format!("{UNREACHABLE_MARK} not connected")))?;
        let st = client.prepare(&translated).map_err(failure)?;
        if g.statements.len() >= STATEMENT_CACHE {
            g.statements.clear();
        }
        g.statements.insert(statement.to_owned(), st.clone());
        Ok(st)
    }

    /// Prepare (or take from the cache), bind and run a statement that
    /// changes data: the rows it changed and how long it took.
    fn run_change(&mut self, statement: &str, params: &[SqlValue]) -> std::result::Result<(u64, std::time::Duration), SqlFailure> {
        let st = self.prepared(statement)?;
        check_arity(&st, params)?;
        let g = self.shared();
        let client = g.client.as_mut().ok_or_else(|| SqlFailure::Broken(format!("{UNREACHABLE_MARK} not connected")))?;
        let ps: Vec<Param<'_>> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = ps.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let t = Instant::now();
        client.execute(&st, &refs).map_err(failure).map(|n| (n, t.elapsed()))
    }

    /// Run one statement; returns the rows it changed.
    pub fn execute(&mut self, statement: &str, params: &[SqlValue]) -> std::result::Result<u64, SqlFailure> {
        self.before_statement()?;
        let r = self.run_change(statement, params);
        match r {
            Ok((n, took)) => {
                self.wrote = true;
                self.write_work.0 += took;
                self.write_work.1 += n;
                Ok(n)
            }
            Err(f) => Err(self.after_failure(f)),
        }
    }

    /// Run one query, handing each row to `on_row` (which stops it by
    /// returning `Break`); returns the column names.
    pub fn query(
        &mut self,
        statement: &str,
        params: &[SqlValue],
        on_row: &mut dyn FnMut(Vec<SqlValue>) -> std::ops::ControlFlow<()>,
    ) -> std::result::Result<Vec<String>, SqlFailure> {
        use postgres::fallible_iterator::FallibleIterator;
        self.before_statement()?;
        let r = self.prepared(statement).and_then(|st| {
            check_arity(&st, params)?;
            let columns: Vec<String> = st.columns().iter().map(|c| c.name().to_owned()).collect();
            let writes = !is_read_only(statement);
            let g = self.shared();
            let client = g.client.as_mut().ok_or_else(|| SqlFailure::Broken(format!("{UNREACHABLE_MARK} not connected")))?;
            let ps: Vec<Param<'_>> = params.iter().map(Param).collect();
            let t = Instant::now();
            let mut rows = client.query_raw(&st, ps.iter().map(|p| p as &dyn ToSql)).map_err(failure)?;
            let n = columns.len();
            let mut count = 0u64;
            while let Some(row) = rows.next().map_err(failure)? {
                let mut vals = Vec::with_capacity(n);
                for (i, name) in columns.iter().enumerate() {
                    let Cell(v) = row.try_get::<_, Cell>(i).map_err(|e| SqlFailure::Other(format!("column {name}: {e}")))?;
                    vals.push(v);
                }
                count += 1;
                if on_row(vals).is_break() {
                    break;
                }
            }
            Ok((columns, writes, t.elapsed(), count))
        });
        match r {
            Ok((cols, writes, took, count)) => {
                if writes {
                    self.wrote = true;
                    self.write_work.0 += took;
                    self.write_work.1 += count;
                }
                Ok(cols)
            }
            Err(f) => Err(self.after_failure(f)),
        }
    }

    /// Run `statements` all or nothing; on failure, the index of the one
    /// that failed.
    pub fn transaction(&mut self, statements: &[(String, Vec<SqlValue>)]) -> std::result::Result<Vec<u64>, (usize, SqlFailure)> {
        self.before_statement().map_err(|f| (0, f))?;
        let mut counts = Vec::with_capacity(statements.len());
        for (i, (stmt, params)) in statements.iter().enumerate() {
            let r = self.run_change(stmt, params);
            match r {
                Ok((n, took)) => {
                    self.write_work.0 += took;
                    self.write_work.1 += n;
                    counts.push(n)
                }
                Err(f) => return Err((i, self.after_failure(f))),
            }
        }
        self.wrote = true;
        Ok(counts)
    }

    pub fn join_group(mut self, keep: bool) -> Result<bool> {
        self.end(keep)
    }

    pub fn finish(self, commit: bool) -> Result<()> {
        let db = self.db.clone();
        let kept = self.join_group(commit);
        super::plugin_db::finished(kept, db.commit_group())
    }

    fn end(&mut self, keep: bool) -> Result<bool> {
        let wrote = self.wrote;
        let work = self.write_work;
        let quota = self.db.quota_bytes;
        let schema = self.db.schema.clone();
        let mut g = self.guard.take().expect("a unit ends once");
        let lost = g.group.as_ref().and_then(|gr| gr.lost.clone());
        if g.client.as_ref().is_none_or(|c| c.is_closed()) || lost.is_some() {
            let err = lost.unwrap_or_else(|| format!("{UNREACHABLE_MARK} the connection to PostgreSQL was lost"));
            if let Some(group) = g.group.as_mut() {
                group.lost.get_or_insert(err.clone());
            }
            return if keep { Err(StorageError::Backend(err)) } else { Ok(false) };
        }
        let mut over = None;
        if keep && wrote {
            g.unchecked.0 += work.0;
            g.unchecked.1 += work.1;
        }
        let due = g.unchecked.0 >= QUOTA_CHECK.0 || g.unchecked.1 >= QUOTA_CHECK.1 || g.checked_at.is_none_or(|t| t.elapsed() >= QUOTA_CHECK.2);
        if keep && wrote && due && !cost_off("quota") {
            g.unchecked = (std::time::Duration::ZERO, 0);
            g.checked_at = Some(Instant::now());
            // The quota: a call that leaves the schema larger than it may
            // be, and larger than before, is undone.
            let client = g.client.as_mut().expect("checked above");
            match client.query_one(SIZE_OF_SCHEMA, &[&schema]) {
                Ok(r) => {
                    let size = r.get::<_, i64>(0).max(0) as u64;
                    if size > quota && size > g.last_size {
                        over = Some(size);
                    } else {
                        g.last_size = size;
                    }
                }
                Err(e) => tracing::warn!(error = %describe(&e), "measuring a plugin schema's size"),
            }
        }
        let client = g.client.as_mut().expect("checked above");
        if keep && over.is_none() {
            match client.batch_execute("RELEASE linli_call") {
                Ok(()) => {
                    g.group.as_mut().expect("a unit belongs to the open group").calls += 1;
                    return Ok(true);
                }
                Err(e) => {
                    // Marked when the server is gone, so the call is refused
                    // as "store unreachable", and the group is lost with it.
                    let msg = error_text("keeping the call's changes", &e);
                    let _ = client.batch_execute("ROLLBACK TO linli_call; RELEASE linli_call");
                    if let Some(group) = g.group.as_mut() {
                        group.lost.get_or_insert(msg.clone());
                    }
                    return Err(StorageError::Backend(msg));
                }
            }
        }
        if let Err(e) = client.batch_execute("ROLLBACK TO linli_call; RELEASE linli_call") {
            let msg = error_text("undoing the call", &e);
            tracing::error!(error = %msg, "rolling back a failed call's savepoint");
            if let Some(group) = g.group.as_mut() {
                group.lost.get_or_insert(msg);
            }
        }
        if over.is_some() {
            g.vacuum = true;
        }
        match over {
            Some(size) => Err(StorageError::Invalid(format!("{QUOTA_MARK} {size} bytes used, {quota} allowed"))),
            None => Ok(false),
        }
    }
}

/// Starts the error of a call undone for its quota (the capability names
/// the limit from it).
pub const QUOTA_MARK: &str = "storage quota exceeded:";

fn check_arity(st: &Statement, params: &[SqlValue]) -> std::result::Result<(), SqlFailure> {
    let want = st.params().len();
    if want != params.len() {
        return Err(SqlFailure::Other(format!("the statement has {want} parameters but {} values were given", params.len())));
    }
    Ok(())
}

/// Does this statement only read (a plain SELECT, or WITH … SELECT)?
fn is_read_only(statement: &str) -> bool {
    let head: String = statement.trim_start().chars().take(6).collect::<String>().to_ascii_uppercase();
    head.starts_with("SELECT") || (head.starts_with("WITH") && !statement.to_ascii_uppercase().contains("INSERT") && !statement.to_ascii_uppercase().contains("UPDATE") && !statement.to_ascii_uppercase().contains("DELETE"))
}

// ---------------------------------------------------------------------------
// Values: the plugin's five kinds, converted to and from the type
// PostgreSQL infers for a parameter or gives a column.

#[derive(Debug)]
struct Param<'a>(&'a SqlValue);

fn text_types(ty: &Type) -> bool {
    matches!(*ty, Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN)
}

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> std::result::Result<IsNull, BoxError> {
        match self.0 {
            SqlValue::Null => Ok(IsNull::Yes),
            SqlValue::Integer(i) => integer_to(*i, ty, out),
            SqlValue::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                Type::NUMERIC => numeric_to(&format!("{f}"), out),
                Type::INT8 | Type::INT4 | Type::INT2 if f.fract() == 0.0 && f.abs() < 9.0e15 => integer_to(*f as i64, ty, out),
                _ if text_types(ty) => format!("{f}").as_str().to_sql(ty, out),
                _ => Err(format!("a real number was given for a parameter of type {ty}").into()),
            },
            SqlValue::Text(s) => match *ty {
                _ if text_types(ty) => s.as_str().to_sql(ty, out),
                Type::JSON => s.as_str().to_sql(&Type::TEXT, out),
                Type::JSONB => {
                    out.extend_from_slice(&[1]);
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::INT8 | Type::INT4 | Type::INT2 | Type::BOOL => match s.trim().parse::<i64>() {
                    Ok(i) => integer_to(i, ty, out),
                    Err(_) => Err(format!("the text `{}` was given for a parameter of type {ty}", head(s)).into()),
                },
                Type::FLOAT8 | Type::FLOAT4 | Type::NUMERIC => match s.trim().parse::<f64>() {
                    Ok(f) => Param(&SqlValue::Real(f)).to_sql(ty, out),
                    Err(_) => Err(format!("the text `{}` was given for a parameter of type {ty}", head(s)).into()),
                },
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                _ => Err(format!("text was given for a parameter of type {ty}").into()),
            },
            SqlValue::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ if text_types(ty) => match std::str::from_utf8(b) {
                    Ok(s) => s.to_sql(ty, out),
                    Err(_) => Err("bytes that are not UTF-8 were given for a text parameter".into()),
                },
                _ => Err(format!("bytes were given for a parameter of type {ty}").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn head(s: &str) -> String {
    s.chars().take(40).collect()
}

fn integer_to(i: i64, ty: &Type, out: &mut bytes::BytesMut) -> std::result::Result<IsNull, BoxError> {
    match *ty {
        Type::INT8 => i.to_sql(ty, out),
        Type::INT4 => i32::try_from(i).map_err(|_| format!("{i} does not fit a parameter of type integer"))?.to_sql(ty, out),
        Type::INT2 => i16::try_from(i).map_err(|_| format!("{i} does not fit a parameter of type smallint"))?.to_sql(ty, out),
        Type::FLOAT8 => (i as f64).to_sql(ty, out),
        Type::FLOAT4 => (i as f32).to_sql(ty, out),
        Type::BOOL => (i != 0).to_sql(ty, out),
        Type::NUMERIC => numeric_to(&i.to_string(), out),
        Type::OID => u32::try_from(i).map_err(|_| format!("{i} is not an oid"))?.to_sql(ty, out),
        _ if text_types(ty) => i.to_string().as_str().to_sql(ty, out),
        _ => Err(format!("an integer was given for a parameter of type {ty}").into()),
    }
}

/// PostgreSQL's binary NUMERIC from a plain decimal (`-12.345`).
fn numeric_to(decimal: &str, out: &mut bytes::BytesMut) -> std::result::Result<IsNull, BoxError> {
    let (neg, digits) = match decimal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, decimal),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty() || !int_part.chars().chain(frac_part.chars()).all(|c| c.is_ascii_digit()) {
        return Err(format!("`{decimal}` is not a number").into());
    }
    let int_part = int_part.trim_start_matches('0');
    // Groups of four decimal digits, aligned on the decimal point.
    let pad_left = (4 - int_part.len() % 4) % 4;
    let int_padded = format!("{}{}", "0".repeat(pad_left), int_part);
    let pad_right = (4 - frac_part.len() % 4) % 4;
    let frac_padded = format!("{}{}", frac_part, "0".repeat(pad_right));
    let mut groups: Vec<i16> = Vec::new();
    for chunk in int_padded.as_bytes().chunks(4).chain(frac_padded.as_bytes().chunks(4)) {
        groups.push(std::str::from_utf8(chunk).map_err(|e| e.to_string())?.parse::<i16>().map_err(|e| e.to_string())?);
    }
    let mut weight = (int_padded.len() / 4) as i16 - 1;
    // Drop leading and trailing zero groups (weight follows the first kept).
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let dscale = frac_part.len() as u16;
    out.extend_from_slice(&(groups.len() as i16).to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&(if neg && !groups.is_empty() { 0x4000u16 } else { 0 }).to_be_bytes());
    out.extend_from_slice(&dscale.to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    Ok(IsNull::No)
}

/// A binary NUMERIC as an integer when it has no fraction and fits, else
/// a real (as SQLite gives `SUM` of integers and `AVG`).
fn numeric_from(raw: &[u8]) -> std::result::Result<SqlValue, BoxError> {
    let rd = |i: usize| -> std::result::Result<u16, BoxError> {
        raw.get(i..i + 2).map(|b| u16::from_be_bytes([b[0], b[1]])).ok_or_else(|| "short NUMERIC".into())
    };
    let n = rd(0)? as usize;
    let weight = rd(2)? as i16;
    let sign = rd(4)?;
    let dscale = rd(6)?;
    if sign == 0xC000 {
        return Ok(SqlValue::Real(f64::NAN));
    }
    let mut int: i128 = 0;
    let mut frac = 0f64;
    for k in 0..n {
        let d = rd(8 + 2 * k)? as i128;
        let power = i32::from(weight) - k as i32;
        if power >= 0 {
            int = int.saturating_mul(10_000i128.saturating_pow(0)).saturating_add(d.saturating_mul(10_000i128.saturating_pow(power as u32)));
        } else {
            frac += d as f64 * 10_000f64.powi(power);
        }
    }
    let neg = sign == 0x4000;
    if dscale == 0 && frac == 0.0 && let Ok(i) = i64::try_from(if neg { -int } else { int }) {
        return Ok(SqlValue::Integer(i));
    }
    let v = int as f64 + frac;
    Ok(SqlValue::Real(if neg { -v } else { v }))
}

struct Cell(SqlValue);

impl<'a> FromSql<'a> for Cell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, BoxError> {
        let v = match *ty {
            Type::INT8 => SqlValue::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => SqlValue::Integer(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => SqlValue::Integer(i16::from_sql(ty, raw)?.into()),
            Type::OID => SqlValue::Integer(u32::from_sql(ty, raw)?.into()),
            Type::BOOL => SqlValue::Integer(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => SqlValue::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => SqlValue::Real(f32::from_sql(ty, raw)?.into()),
            Type::NUMERIC => numeric_from(raw)?,
            Type::BYTEA => SqlValue::Blob(raw.to_vec()),
            Type::JSON => SqlValue::Text(String::from_utf8(raw.to_vec())?),
            Type::JSONB => SqlValue::Text(String::from_utf8(raw.get(1..).unwrap_or_default().to_vec())?),
            _ if text_types(ty) => SqlValue::Text(String::from_utf8(raw.to_vec())?),
            _ => return Err(format!("type {ty} is not one of the plugin SQL's (integer, real, text, blob); convert it in the query").into()),
        };
        Ok(Cell(v))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, BoxError> {
        Ok(Cell(SqlValue::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

// ---------------------------------------------------------------------------
// The dialect: what the host changes in a plugin's statement for PostgreSQL.

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Space(String),
    /// Anything else, copied as it is (strings, quoted names, comments,
    /// punctuation).
    Other(String),
    Param(u32),
}

fn tokenize(sql: &str) -> std::result::Result<Vec<Tok>, String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut max_param = 0u32;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_ascii_alphabetic() || c == '_' || !c.is_ascii() && c.is_alphabetic() {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '$' || !chars[i].is_ascii() && chars[i].is_alphanumeric()) {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else if c.is_whitespace() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            out.push(Tok::Space(chars[start..i].iter().collect()));
        } else if c == '\'' || c == '"' || c == '`' {
            // A string or a quoted name; a doubled quote stays inside.
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(format!("unterminated {c} quote")),
                    Some(&q) if q == c && chars.get(i + 1) == Some(&c) => i += 2,
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            let text: String = chars[start..i].iter().collect();
            // SQLite also takes `name` for a name; PostgreSQL only "name".
            out.push(Tok::Other(if c == '`' { format!("\"{}\"", &text[1..text.len() - 1]) } else { text }));
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            out.push(Tok::Space(" ".into()));
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i = (i + 2).min(chars.len());
            out.push(Tok::Space(" ".into()));
        } else if c == '?' {
            i += 1;
            let d0 = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let n = if i > d0 {
                chars[d0..i].iter().collect::<String>().parse::<u32>().map_err(|_| "a parameter number is too large".to_string())?
            } else {
                max_param + 1
            };
            if n == 0 || n > 32_766 {
                return Err(format!("parameter ?{n} is out of range"));
            }
            max_param = max_param.max(n);
            out.push(Tok::Param(n));
        } else if (c == ':' || c == '@') && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic()) {
            return Err("named parameters (:name, @name) are not part of the plugin SQL dialect; use ?1, ?2…".into());
        } else {
            i += 1;
            out.push(Tok::Other(c.to_string()));
        }
    }
    Ok(out)
}

/// Rewrite a statement of the plugin SQL dialect for PostgreSQL:
/// - `?`, `?N` → `$N`;
/// - type names: `INTEGER` → `BIGINT` (SQLite's integers are 64-bit),
///   `REAL` → `DOUBLE PRECISION`, `BLOB` → `BYTEA`;
/// - in `CREATE TABLE`: `INTEGER PRIMARY KEY [AUTOINCREMENT]` (SQLite's
///   row id) → an identity column, and `WITHOUT ROWID`/`STRICT` dropped;
/// - `` `name` `` → `"name"`.
///
/// Everything else must already be what both run (`ON CONFLICT … DO`
/// instead of `INSERT OR …`, `RETURNING`, `COALESCE`…): see the SDK's
/// `sql` module for the dialect.
pub fn translate(sql: &str) -> std::result::Result<String, String> {
    let toks = tokenize(sql)?;
    let words: Vec<(usize, String)> = toks.iter().enumerate().filter_map(|(i, t)| if let Tok::Word(w) = t { Some((i, w.to_ascii_uppercase())) } else { None }).collect();
    let is_create_table = words.first().is_some_and(|(_, w)| w == "CREATE")
        && words.iter().skip(1).take(3).any(|(_, w)| w == "TABLE");
    let mut out = String::with_capacity(sql.len() + 16);
    let mut skip_until = 0usize;
    // Index in `words` of each token that is a word.
    let mut word_at = HashMap::new();
    for (k, (i, _)) in words.iter().enumerate() {
        word_at.insert(*i, k);
    }
    let next_word = |k: usize, n: usize| words.get(k + n).map(|(_, w)| w.as_str());
    for (i, t) in toks.iter().enumerate() {
        if i < skip_until {
            continue;
        }
        match t {
            Tok::Param(n) => {
                out.push('$');
                out.push_str(&n.to_string());
            }
            Tok::Word(w) => {
                let k = word_at[&i];
                let upper = &words[k].1;
                match upper.as_str() {
                    "INTEGER" | "INT" if is_create_table && next_word(k, 1) == Some("PRIMARY") && next_word(k, 2) == Some("KEY") => {
                        out.push_str("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
                        // Skip PRIMARY KEY (and AUTOINCREMENT) as written.
                        let mut last = words[k + 2].0;
                        if next_word(k, 3) == Some("AUTOINCREMENT") {
                            last = words[k + 3].0;
                        }
                        skip_until = last + 1;
                    }
                    "INTEGER" => out.push_str("BIGINT"),
                    "REAL" => out.push_str("DOUBLE PRECISION"),
                    "BLOB" => out.push_str("BYTEA"),
                    "AUTOINCREMENT" if is_create_table => {}
                    "WITHOUT" if is_create_table && next_word(k, 1) == Some("ROWID") => {
                        skip_until = words[k + 1].0 + 1;
                    }
                    "STRICT" if is_create_table && k + 1 == words.len() => {}
                    _ => out.push_str(w),
                }
            }
            Tok::Space(s) | Tok::Other(s) => out.push_str(s),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_types_are_translated() {
        assert_eq!(translate("SELECT a FROM t WHERE b = ?1 AND c = ?2").unwrap(), "SELECT a FROM t WHERE b = $1 AND c = $2");
        assert_eq!(translate("INSERT INTO t VALUES (?, ?, ?)").unwrap(), "INSERT INTO t VALUES ($1, $2, $3)");
        assert_eq!(translate("SELECT '?1', \"a?\" FROM t WHERE x = ?").unwrap(), "SELECT '?1', \"a?\" FROM t WHERE x = $1");
        assert_eq!(
            translate("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, n integer NOT NULL, r REAL, b BLOB) WITHOUT ROWID").unwrap(),
            "CREATE TABLE IF NOT EXISTS t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT NOT NULL, r DOUBLE PRECISION, b BYTEA) "
        );
        assert_eq!(translate("SELECT CAST(x AS INTEGER) FROM t -- a ?comment\n").unwrap(), "SELECT CAST(x AS BIGINT) FROM t  \n");
        assert!(translate("SELECT :name").unwrap_err().contains("named parameters"));
        assert!(translate("SELECT 'open").unwrap_err().contains("unterminated"));
        // Reused numbers stay; a bare ? after ?3 is ?4 (as SQLite counts).
        assert_eq!(translate("SELECT ?3, ?1, ?").unwrap(), "SELECT $3, $1, $4");
    }

    #[test]
    fn numerics_round_trip() {
        for (text, want) in [("0", SqlValue::Integer(0)), ("12345678", SqlValue::Integer(12_345_678)), ("-42", SqlValue::Integer(-42)), ("1.5", SqlValue::Real(1.5)), ("-0.0625", SqlValue::Real(-0.0625)), ("10000.0001", SqlValue::Real(10000.0001))] {
            let mut b = bytes::BytesMut::new();
            numeric_to(text, &mut b).unwrap();
            assert_eq!(numeric_from(&b).unwrap(), want, "{text}");
        }
    }
}

// ---------------------------------------------------------------------------
// What a plugin may run on PostgreSQL at all. The plugin's role already
// cannot reach other schemas; these are what a role can still do to the
// server or to the other plugins without any table: take another plugin's
// lane lock (`pg_advisory_lock`), sleep, cancel sessions, write large
// objects outside its quota, run code the host never sees (functions, `DO`,
// `EXECUTE`), send notifications, change settings. Checked once per
// statement text, before it is prepared.

/// The statements the dialect has.
const ALLOWED_FIRST_WORDS: &[&str] = &["SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES", "CREATE", "DROP", "ALTER"];
/// What may follow CREATE / DROP / ALTER.
const ALLOWED_OBJECTS: &[&str] = &["TABLE", "INDEX", "UNIQUE", "VIEW"];
/// Function families a plugin may not call.
const DENIED_FUNCTION_PREFIXES: &[&str] = &["pg_", "lo_", "dblink", "set_config", "query_to_xml", "table_to_xml", "cursor_to_xml", "txid_", "current_setting"];

/// `Err` names what the statement may not do.
pub fn guard(statement: &str) -> std::result::Result<(), String> {
    let toks = tokenize(statement)?;
    let t: Vec<&Tok> = toks.iter().filter(|t| !matches!(t, Tok::Space(_))).collect();
    let word = |i: usize| -> Option<String> { if let Some(Tok::Word(w)) = t.get(i) { Some(w.to_ascii_uppercase()) } else { None } };
    let first = word(0).unwrap_or_default();
    if !ALLOWED_FIRST_WORDS.contains(&first.as_str()) {
        return Err(format!("`{}` statements are not part of the plugin SQL dialect (SELECT, INSERT, UPDATE, DELETE, WITH, CREATE/ALTER/DROP TABLE, INDEX or VIEW)", first.to_ascii_lowercase()));
    }
    if matches!(first.as_str(), "CREATE" | "DROP" | "ALTER") {
        let mut k = 1;
        // CREATE TEMP/TEMPORARY TABLE: refused (outside the quota);
        // CREATE OR REPLACE VIEW is fine.
        if word(k).as_deref() == Some("OR") && word(k + 1).as_deref() == Some("REPLACE") {
            k += 2;
        }
        let object = word(k).unwrap_or_default();
        if !ALLOWED_OBJECTS.contains(&object.as_str()) {
            return Err(format!("`{} {}` is not part of the plugin SQL dialect (tables, indexes and views only)", first.to_ascii_lowercase(), object.to_ascii_lowercase()));
        }
    }
    for (i, tok) in t.iter().enumerate() {
        let name = match tok {
            Tok::Word(w) => w.to_ascii_lowercase(),
            // A quoted name called as a function: "pg_sleep"(1).
            Tok::Other(o) if o.starts_with('"') => o.trim_matches('"').to_ascii_lowercase(),
            _ => continue,
        };
        let called = matches!(t.get(i + 1), Some(Tok::Other(o)) if o == "(");
        if called && DENIED_FUNCTION_PREFIXES.iter().any(|p| name.starts_with(p)) {
            return Err(format!("the function {name}() is not for plugins"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Portability: what a statement run on SQLite would not do on PostgreSQL.

/// SQLite functions PostgreSQL does not have (or has with another
/// meaning), and what to write instead.
const SQLITE_ONLY_FUNCTIONS: &[(&str, &str)] = &[
    ("printf", "format the value in the plugin (or CASE for zero padding)"),
    ("format", "format the value in the plugin"),
    ("strftime", "keep times as INTEGER milliseconds from the host's clock and format them in the plugin"),
    ("date", "keep dates as TEXT 'YYYY-MM-DD' made in the plugin"),
    ("time", "keep times as INTEGER milliseconds from the host's clock"),
    ("datetime", "keep times as INTEGER milliseconds from the host's clock"),
    ("julianday", "keep times as INTEGER milliseconds from the host's clock"),
    ("unixepoch", "keep times as INTEGER milliseconds from the host's clock"),
    ("randomblob", "make random tokens in the plugin (getrandom)"),
    ("zeroblob", "make the bytes in the plugin"),
    ("hex", "encode in the plugin"),
    ("unhex", "decode in the plugin"),
    ("ifnull", "write COALESCE(a, b)"),
    ("iif", "write CASE WHEN … THEN … ELSE … END"),
    ("group_concat", "aggregate in the plugin"),
    ("instr", "compare in the plugin, or use LIKE"),
    ("total", "write COALESCE(SUM(x), 0)"),
    ("typeof", "know the column's type from the schema"),
    ("last_insert_rowid", "write INSERT … RETURNING id"),
    ("changes", "use the count execute returns"),
    ("total_changes", "use the count execute returns"),
    ("likelihood", "leave it out"),
    ("unlikely", "leave it out"),
    ("likely", "leave it out"),
    ("glob", "write LIKE"),
    ("char", "make the text in the plugin"),
    ("quote", "pass values as parameters"),
    ("json_extract", "read the JSON in the plugin"),
    ("json_object", "build the JSON in the plugin"),
];

/// Words PostgreSQL reserves that SQLite takes as names.
const PG_RESERVED: &[&str] = &[
    "window", "user", "array", "both", "leading", "trailing", "only", "fetch", "placing", "symmetric", "asymmetric", "variadic",
    "lateral", "similar", "binary", "freeze", "verbose", "authorization", "current_role", "session_user", "analyse",
];

/// The tokens directly inside the parentheses that open `toks` and close
/// at its end (not those of parentheses nested in them).
fn inside<'a>(toks: &'a [&'a Tok]) -> impl Iterator<Item = &'a Tok> + 'a {
    let mut depth = 0;
    toks.iter().filter_map(move |tok| {
        match tok {
            Tok::Other(o) if o == "(" => depth += 1,
            Tok::Other(o) if o == ")" => depth -= 1,
            _ if depth == 1 => return Some(*tok),
            _ => {}
        }
        None
    })
}

/// Why `statement` (written for SQLite) would fail or mean something else
/// on PostgreSQL, with what to write instead; `None` when it is in the
/// dialect both run (as far as the statement alone tells).
pub fn portability(statement: &str) -> Option<String> {
    let toks = match tokenize(statement) {
        Ok(t) => t,
        Err(e) => return Some(e),
    };
    // The tokens that matter (no spaces), words upper-cased.
    let t: Vec<&Tok> = toks.iter().filter(|t| !matches!(t, Tok::Space(_))).collect();
    let word = |i: usize| -> Option<String> { if let Some(Tok::Word(w)) = t.get(i) { Some(w.to_ascii_uppercase()) } else { None } };
    let is = |i: usize, s: &str| matches!(t.get(i), Some(Tok::Other(o)) if o == s);
    let close_of = |open: usize| -> Option<usize> {
        let mut depth = 0;
        for (j, tok) in t.iter().enumerate().skip(open) {
            match tok {
                Tok::Other(o) if o == "(" => depth += 1,
                Tok::Other(o) if o == ")" => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(j);
                    }
                }
                _ => {}
            }
        }
        None
    };
    if word(0).as_deref() == Some("REPLACE") || (word(0).as_deref() == Some("INSERT") && word(1).as_deref() == Some("OR")) {
        return Some("INSERT OR … and REPLACE are SQLite's: write INSERT … ON CONFLICT (…) DO NOTHING or DO UPDATE SET …".into());
    }
    for i in 0..t.len() {
        let Some(w) = word(i) else { continue };
        let lower = w.to_ascii_lowercase();
        let prev_dot = i > 0 && is(i - 1, ".");
        // A function call.
        if is(i + 1, "(") && !prev_dot {
            if let Some((_, instead)) = SQLITE_ONLY_FUNCTIONS.iter().find(|(f, _)| *f == lower) {
                return Some(format!("{lower}() is SQLite's, PostgreSQL has no such function: {instead}"));
            }
            // SUM(a = b): a condition is an integer in SQLite only.
            if matches!(lower.as_str(), "sum" | "avg" | "total")
                && word(i + 2).as_deref() != Some("CASE")
                && let Some(end) = close_of(i + 1)
            {
                let condition = inside(&t[i + 1..=end]).any(|tok| match tok {
                    Tok::Other(o) => matches!(o.as_str(), "=" | "<" | ">" | "!"),
                    Tok::Word(x) => matches!(x.to_ascii_uppercase().as_str(), "IS" | "IN" | "AND" | "OR" | "NOT" | "LIKE" | "BETWEEN"),
                    _ => false,
                });
                if condition {
                    return Some(format!("{w}() of a condition counts it only in SQLite: write {w}(CASE WHEN … THEN 1 ELSE 0 END)"));
                }
            }
            if (lower == "max" || lower == "min") && let Some(end) = close_of(i + 1) {
                let commas = inside(&t[i + 1..=end]).filter(|tok| matches!(tok, Tok::Other(o) if o == ","));
                if commas.count() > 0 {
                    return Some(format!("{w}(a, b) of several values is SQLite's: write CASE WHEN a > b THEN a ELSE b END"));
                }
            }
        }
        // A reserved word used as a name.
        if PG_RESERVED.contains(&lower.as_str()) && !prev_dot {
            let window_clause = lower == "window" && word(i + 1).is_some() && word(i + 2).as_deref() == Some("AS");
            if !window_clause {
                return Some(format!("`{lower}` is a reserved word in PostgreSQL: write it in double quotes (\"{lower}\") everywhere, or choose another name"));
            }
        }
        // An integer where PostgreSQL wants a condition (WHERE 1).
        if matches!(w.as_str(), "WHERE" | "AND" | "OR" | "HAVING" | "ON" | "NOT")
            && let Some(Tok::Other(d)) = t.get(i + 1)
            && d.chars().all(|c| c.is_ascii_digit())
        {
            let mut j = i + 1;
            while matches!(t.get(j), Some(Tok::Other(d)) if d.chars().all(|c| c.is_ascii_digit())) {
                j += 1;
            }
            let ends = match t.get(j) {
                None => true,
                Some(Tok::Other(o)) => o == ")" || o == ";",
                Some(Tok::Word(x)) => matches!(x.to_ascii_uppercase().as_str(), "AND" | "OR" | "GROUP" | "ORDER" | "LIMIT" | "HAVING" | "UNION" | "RETURNING"),
                _ => false,
            };
            if ends {
                return Some(format!("{w} followed by a number is not a condition in PostgreSQL: write 1 = 1 (true) or 1 = 0 (false)"));
            }
        }
        // A subquery in FROM or JOIN without a name.
        if (w == "FROM" || w == "JOIN") && is(i + 1, "(") && word(i + 2).as_deref() == Some("SELECT")
            && let Some(end) = close_of(i + 1)
        {
            let named = match word(end + 1).as_deref() {
                Some("AS") => true,
                Some(x) => !matches!(x, "WHERE" | "GROUP" | "ORDER" | "LIMIT" | "JOIN" | "LEFT" | "INNER" | "CROSS" | "UNION" | "ON" | "RETURNING" | "HAVING"),
                None => matches!(t.get(end + 1), Some(Tok::Other(o)) if o.starts_with('"')),
            };
            if !named {
                return Some("a subquery in FROM needs a name in PostgreSQL: write FROM (SELECT …) AS s".into());
            }
        }
        // An upsert whose SET reads the column it sets, unqualified.
        if w == "DO" && word(i + 1).as_deref() == Some("UPDATE") && word(i + 2).as_deref() == Some("SET") {
            let mut j = i + 3;
            while j < t.len() {
                let Some(col) = word(j) else { break };
                if !is(j + 1, "=") {
                    break;
                }
                let mut k = j + 2;
                let mut depth = 0;
                while k < t.len() {
                    match t[k] {
                        Tok::Other(o) if o == "(" => depth += 1,
                        Tok::Other(o) if o == ")" => depth -= 1,
                        Tok::Other(o) if o == "," && depth == 0 => break,
                        Tok::Word(x) if depth == 0 && matches!(x.to_ascii_uppercase().as_str(), "WHERE" | "RETURNING") => break,
                        Tok::Word(x) if x.eq_ignore_ascii_case(&col) && !is(k - 1, ".") => {
                            return Some(format!(
                                "in DO UPDATE SET, `{}` alone is ambiguous in PostgreSQL: write the table's name before it (tablename.{0}) or excluded.{0}",
                                col.to_ascii_lowercase()
                            ));
                        }
                        _ => {}
                    }
                    k += 1;
                }
                if !is(k, ",") {
                    break;
                }
                j = k + 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod guard_tests {
    use super::guard;

    #[test]
    fn what_a_plugin_may_not_run_on_the_server_is_refused() {
        for sql in [
            "SELECT pg_advisory_lock(1)",
            "SELECT pg_catalog.pg_sleep(5)",
            "SELECT \"pg_terminate_backend\"(1)",
            "SELECT lo_create(0)",
            "SELECT set_config('role', 'linli', false)",
            "DO $$ BEGIN PERFORM 1; END $$",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "CREATE TEMP TABLE x (a INTEGER)",
            "CREATE TRIGGER t AFTER INSERT ON t EXECUTE FUNCTION f()",
            "NOTIFY linli_events",
            "LISTEN x",
            "COPY t TO STDOUT",
            "SET ROLE linli",
            "RESET ROLE",
            "VACUUM t",
            "PREPARE p AS SELECT 1",
            "CALL p()",
            "LOCK TABLE t",
        ] {
            assert!(guard(sql).is_err(), "{sql}");
        }
        for sql in [
            "SELECT COUNT(*) FROM t WHERE a = ?1",
            "WITH c AS (SELECT 1 AS n) INSERT INTO t SELECT n FROM c",
            "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)",
            "CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a)",
            "CREATE INDEX i ON t (a) WHERE status = 'x'",
            "ALTER TABLE t ADD COLUMN b TEXT",
            "DROP INDEX IF EXISTS i",
            "DELETE FROM t WHERE id = ?1 RETURNING id",
            "SELECT 'pg_sleep(1)', \"pg_x\" FROM t",
        ] {
            assert_eq!(guard(sql), Ok(()), "{sql}");
        }
    }
}

#[cfg(test)]
mod portability_tests {
    use super::portability;

    #[test]
    fn what_postgresql_would_not_run_is_named() {
        for (sql, says) in [
            ("INSERT OR IGNORE INTO t VALUES (1)", "ON CONFLICT"),
            ("SELECT printf('%03d', n) FROM t", "printf()"),
            ("SELECT lower(hex(randomblob(16)))", "hex()"),
            ("SELECT IFNULL(a, 0) FROM t", "COALESCE"),
            ("SELECT MAX(a, b) FROM t", "CASE WHEN"),
            ("SELECT * FROM tickets WHERE window = ?1", "\"window\""),
            ("SELECT user FROM t", "\"user\""),
            ("SELECT * FROM t WHERE 1", "1 = 1"),
            ("SELECT * FROM t WHERE a = 1 AND 1 ORDER BY a", "1 = 1"),
            ("SELECT n FROM (SELECT 1 AS n)", "needs a name"),
            ("INSERT INTO c (k, n) VALUES (?1, 1) ON CONFLICT (k) DO UPDATE SET n = n + 1", "c.n"),
            ("SELECT :name", "named parameters"),
            ("SELECT SUM(status = 'finished') AS served FROM t", "CASE WHEN"),
            ("SELECT SUM(a IS NOT NULL AND b > 0) FROM t", "CASE WHEN"),
        ] {
            let r = portability(sql).unwrap_or_else(|| panic!("not flagged: {sql}"));
            assert!(r.contains(says) || r.replace("tablename", "c").contains(says), "{sql}: {r}");
        }
        for sql in [
            "SELECT MAX(n) FROM t WHERE \"window\" = ?1 AND status IN ('called', 'serving')",
            "INSERT INTO c (k, n) VALUES (?1, 1) ON CONFLICT (k) DO UPDATE SET n = c.n + 1, m = excluded.m",
            "SELECT n FROM (SELECT 1 AS n) AS s WHERE 1 = 1",
            "SELECT COALESCE(SUM(n), 0), 'window' FROM t -- window\n",
            "SELECT rank() OVER w FROM t WINDOW w AS (ORDER BY n)",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB) WITHOUT ROWID",
            "SELECT SUM(CASE WHEN status = 'finished' THEN 1 ELSE 0 END), SUM(n * (m + 1)), AVG(ABS(a - (b))) FROM t",
        ] {
            assert_eq!(portability(sql), None, "{sql}");
        }
    }
}
