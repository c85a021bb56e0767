//! Schema migrations of the host's stores, and `linli migrate`.
//!
//! Each store keeps the migrations applied to it in a `schema_migrations`
//! table: the migration's name, when, and the linli version that applied it.
//! A store holding a migration this program does not know was upgraded by a
//! newer linli: the host refuses to start on it (naming that version)
//! instead of running old code on a schema it does not understand.
//!
//! The stores:
//! - the SQLite file `DATA/linli.db` (every host has one): the list in
//!   `host/migrations/` ([`super::sqlite::MIGRATIONS`]);
//! - with `[store] backend = "postgres"`, the district's shared schema
//!   `linli` (key-value data, event log, plugin roles): [`POSTGRES`]; and
//!   the hall's host tables, schema `hh_<hall>` (staff, sessions, audit…):
//!   the SQLite file's list, applied by [`super::host_pg::HostPg::open`].
//!
//! A host applies what is pending when it starts (one host alone needs
//! nothing else); `linli migrate` does it on its own, so that a district
//! upgrades its schema once, before restarting its hosts one by one, and
//! `linli migrate --check` tells a deploy script whether anything is
//! pending.

use super::postgres::{PgTarget, describe, off_runtime};
use super::{Result, StorageError};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::Path;

/// This program's version, recorded with every migration it applies.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The district's shared schema `linli` in PostgreSQL. `0001_district` is
/// what the hosts made before migrations were recorded there (every
/// statement `IF NOT EXISTS`, so on such a database it only records
/// itself); a change comes as a new entry at the end, never an edit.
pub const POSTGRES: &[(&str, &str)] = &[(
    "0001_district",
    "CREATE SCHEMA IF NOT EXISTS linli;
     REVOKE ALL ON SCHEMA linli FROM PUBLIC;
     CREATE TABLE IF NOT EXISTS linli.kv (
         hall TEXT NOT NULL, ns TEXT NOT NULL, key TEXT COLLATE \"C\" NOT NULL, value BYTEA NOT NULL,
         PRIMARY KEY (hall, ns, key));
     CREATE TABLE IF NOT EXISTS linli.event_ids (hall TEXT PRIMARY KEY, last_id BIGINT NOT NULL);
     CREATE TABLE IF NOT EXISTS linli.events (
         hall TEXT NOT NULL, id BIGINT NOT NULL, topic TEXT NOT NULL, payload TEXT NOT NULL,
         source TEXT NOT NULL, time BIGINT NOT NULL, PRIMARY KEY (hall, id));
     CREATE INDEX IF NOT EXISTS events_time ON linli.events (hall, time);
     CREATE TABLE IF NOT EXISTS linli.plugin_roles (
         role TEXT PRIMARY KEY, schema TEXT NOT NULL, password TEXT NOT NULL,
         created_at TIMESTAMPTZ NOT NULL DEFAULT now());",
)];

/// The advisory lock the hosts take while making the shared schema
/// (`pg_store`, plugin roles): migrating takes it too, so a host starting
/// during `linli migrate` waits instead of racing it.
const PG_SCHEMA_LOCK: i64 = 7163221;

/// What a store has and lacks.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Applied, in the order of the list.
    pub applied: Vec<&'static str>,
    /// Not applied yet, in the order they will be.
    pub pending: Vec<&'static str>,
}

impl Status {
    fn of(list: &'static [(&'static str, &'static str)], recorded: &[String]) -> Status {
        let (applied, pending) = list.iter().map(|(n, _)| *n).partition(|n| recorded.iter().any(|r| r == n));
        Status { applied, pending }
    }
}

/// The refusal for a store upgraded by a newer linli: names the version
/// (when it was recorded) and the migrations this program does not know.
fn newer(store: &str, unknown: &[(String, Option<String>)]) -> StorageError {
    let names: Vec<&str> = unknown.iter().map(|(n, _)| n.as_str()).collect();
    let names = names.join(", ");
    let mut versions: Vec<&str> = unknown.iter().filter_map(|(_, v)| v.as_deref()).collect();
    versions.sort_by_key(|v| std::cmp::Reverse(version_key(v)));
    match versions.first() {
        Some(v) => StorageError::Invalid(format!(
            "{store} 的结构已由更新的 linli {v} 升级（本程序 linli {VERSION} 不认识迁移 {names}），请先把本机的 linli 升级到 {v} 或更新版本 / \
             {store} was migrated by a newer version, linli {v} (this linli {VERSION} does not know migration {names}): upgrade linli to {v} or later before starting it"
        )),
        None => StorageError::Invalid(format!(
            "{store} 的结构已由更新版本的 linli 升级（本程序 linli {VERSION} 不认识迁移 {names}），请先升级本机的 linli / \
             {store} was migrated by a newer version of linli (this linli {VERSION} does not know migration {names}): upgrade linli before starting it"
        )),
    }
}

/// `1.10.2` sorts after `1.9.0`.
fn version_key(v: &str) -> Vec<u64> {
    v.split(['.', '-', '+']).map(|p| p.parse().unwrap_or(0)).collect()
}

/// Recorded migrations the list does not have.
fn unknown(list: &[(&str, &str)], recorded: &[(String, Option<String>)]) -> Vec<(String, Option<String>)> {
    recorded.iter().filter(|(n, _)| !list.iter().any(|(m, _)| m == n)).cloned().collect()
}

// ---- SQLite ----

/// The rows of `schema_migrations` (name, version), none when the table is
/// not there yet; a table from before versions were recorded gives `None`
/// for each.
fn sqlite_recorded(conn: &Connection) -> rusqlite::Result<Vec<(String, Option<String>)>> {
    let exists = conn.query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", [], |_| Ok(())).optional()?.is_some();
    if !exists {
        return Ok(vec![]);
    }
    let sql = if sqlite_has_version(conn)? { "SELECT name, version FROM schema_migrations" } else { "SELECT name, NULL FROM schema_migrations" };
    conn.prepare(sql)?.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
}

fn sqlite_has_version(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare("SELECT 1 FROM pragma_table_info('schema_migrations') WHERE name = 'version'")?.exists([])
}

/// What the database behind `conn` has of `list`; `Err` when a newer linli
/// migrated it.
pub fn sqlite_status(conn: &Connection, list: &'static [(&'static str, &'static str)], store: &str) -> Result<Status> {
    let recorded = sqlite_recorded(conn)?;
    let unknown = unknown(list, &recorded);
    if !unknown.is_empty() {
        return Err(newer(store, &unknown));
    }
    Ok(Status::of(list, &recorded.into_iter().map(|(n, _)| n).collect::<Vec<_>>()))
}

/// [`sqlite_status`] of the file at `path`, read-only (a file not made yet
/// has everything pending; nothing is created).
pub fn sqlite_status_at(path: &Path) -> Result<Status> {
    let list = super::sqlite::MIGRATIONS;
    if !path.exists() {
        return Ok(Status { applied: vec![], pending: list.iter().map(|(n, _)| *n).collect() });
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    sqlite_status(&conn, list, &format!("SQLite {}", path.display()))
}

/// How many migrations the SQLite file has in this version.
pub fn sqlite_count() -> usize {
    super::sqlite::MIGRATIONS.len()
}

/// Apply what is pending to the file at `path` (made when missing, in WAL
/// mode as the host keeps it); returns the names applied.
pub fn sqlite_apply_at(path: &Path) -> Result<Vec<&'static str>> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    sqlite_apply(&conn, super::sqlite::MIGRATIONS, &format!("SQLite {}", path.display()))
}

/// Apply what is pending of `list`, each migration in a transaction of its
/// own together with its record; returns the names applied. Another
/// process migrating the same file at once (a host starting during
/// `linli migrate`) waits for the write lock and then finds the work done.
pub fn sqlite_apply(conn: &Connection, list: &'static [(&'static str, &'static str)], store: &str) -> Result<Vec<&'static str>> {
    // The record table, and its version column on a file from before it
    // (in one write transaction: two processes must not both add it).
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let made = (|| {
        conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL, version TEXT)")?;
        if !sqlite_has_version(conn)? {
            conn.execute_batch("ALTER TABLE schema_migrations ADD COLUMN version TEXT")?;
        }
        Ok::<_, rusqlite::Error>(())
    })();
    finish(conn, made.map_err(StorageError::from))?;
    let status = sqlite_status(conn, list, store)?;
    let mut applied = Vec::new();
    for name in status.pending {
        let sql = list.iter().find(|(n, _)| *n == name).map(|(_, s)| *s).unwrap_or_default();
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let step = (|| {
            // Applied meanwhile by another process holding the lock before us.
            if conn.query_row("SELECT 1 FROM schema_migrations WHERE name = ?1", [name], |_| Ok(())).optional()?.is_some() {
                return Ok(false);
            }
            conn.execute_batch(sql)?;
            conn.execute("INSERT INTO schema_migrations (name, applied_at, version) VALUES (?1, strftime('%s','now'), ?2)", params![name, VERSION])?;
            Ok(true)
        })();
        let step = step.map_err(|e: rusqlite::Error| StorageError::Backend(format!("migration {name}: {e}")));
        if finish(conn, step)? {
            applied.push(name);
        }
    }
    Ok(applied)
}

/// Commit after `Ok`, roll back after `Err` (and pass it on).
fn finish<T>(conn: &Connection, r: Result<T>) -> Result<T> {
    match r {
        Ok(v) => {
            conn.execute_batch("COMMIT")?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

// ---- PostgreSQL ----

/// Where a PostgreSQL store is, for people: server, port, database and
/// hall (never the password).
pub fn describe_target(target: &PgTarget) -> String {
    match target.url.parse::<postgres::Config>() {
        Ok(c) => {
            let host = c
                .get_hosts()
                .first()
                .map(|h| match h {
                    postgres::config::Host::Tcp(s) => s.clone(),
                    postgres::config::Host::Unix(p) => p.display().to_string(),
                })
                .unwrap_or_else(|| "localhost".into());
            let port = c.get_ports().first().copied().unwrap_or(5432);
            let db = c.get_dbname().or(c.get_user()).unwrap_or("postgres");
            format!("PostgreSQL {host}:{port}/{db}")
        }
        Err(_) => "PostgreSQL".into(),
    }
}

fn pg_connect(target: &PgTarget) -> Result<postgres::Client> {
    let mut config: postgres::Config = target.url.parse().map_err(|e: postgres::Error| StorageError::Invalid(format!("[store] postgres_url: {e}")))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(5));
    }
    config.application_name("linli migrate");
    config
        .connect(postgres::NoTls)
        .map_err(|e| StorageError::Backend(format!("connecting to {}: {}", describe_target(target), describe(&e))))
}

fn pg_err(what: &str) -> impl Fn(postgres::Error) -> StorageError + '_ {
    move |e| StorageError::Backend(format!("{what}: {}", describe(&e)))
}

/// The rows of `<schema>.schema_migrations` (none when it is not there).
fn pg_recorded(c: &mut impl postgres::GenericClient, schema: &str) -> std::result::Result<Vec<(String, Option<String>)>, postgres::Error> {
    let table = format!("{schema}.schema_migrations");
    let exists: bool = c.query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])?.get(0);
    if !exists {
        return Ok(vec![]);
    }
    // `schema` is `linli` or `hh_<hall>` (lower-case letters, digits, `_`).
    Ok(c.query(&format!("SELECT name, version FROM {table}"), &[])?.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The PostgreSQL schemas of a hall's host and what each has: the
/// district's shared `linli` ([`POSTGRES`]) and the hall's `hh_<hall>`
/// (the SQLite file's list), each as (schema, its migrations).
fn pg_schemas(target: &PgTarget) -> [(String, &'static [(&'static str, &'static str)]); 2] {
    [("linli".to_owned(), POSTGRES), (super::host_pg::schema_name(&target.hall), super::sqlite::MIGRATIONS)]
}

/// What each PostgreSQL schema of the hall has (read only): (schema,
/// status). `Err` when a newer linli migrated one, or the server cannot be
/// reached.
pub fn postgres_status(target: &PgTarget) -> Result<Vec<(String, Status)>> {
    off_runtime(|| {
        let mut c = pg_connect(target)?;
        let mut out = Vec::new();
        for (schema, list) in pg_schemas(target) {
            let recorded = pg_recorded(&mut c, &schema).map_err(pg_err(&format!("reading {schema}.schema_migrations")))?;
            let unknown = unknown(list, &recorded);
            if !unknown.is_empty() {
                return Err(newer(&format!("{} (schema {schema})", describe_target(target)), &unknown));
            }
            out.push((schema, Status::of(list, &recorded.into_iter().map(|(n, _)| n).collect::<Vec<_>>())));
        }
        Ok(out)
    })
}

/// Apply what is pending in both schemas of the hall (`linli migrate`):
/// [`postgres_apply`], then the hall's host tables as a starting host
/// migrates them. Returns (schema, applied, migrations in all).
pub fn postgres_apply_all(target: &PgTarget) -> Result<Vec<(String, Vec<&'static str>, usize)>> {
    let shared = postgres_apply(target)?;
    let before = postgres_status(target)?;
    super::host_pg::HostPg::open(target)?;
    let after = postgres_status(target)?;
    let mut out = vec![("linli".to_owned(), shared, POSTGRES.len())];
    for ((schema, b), (_, a)) in before.into_iter().zip(after).skip(1) {
        let applied = b.pending.into_iter().filter(|n| !a.pending.contains(n)).collect();
        out.push((schema, applied, a.applied.len() + a.pending.len()));
    }
    Ok(out)
}

/// Apply what is pending of [`POSTGRES`], all in one transaction under the
/// schema lock the hosts take; returns the names applied. Refuses (before
/// changing anything) a database a newer linli migrated: the shared schema
/// or the hall's host tables (which [`super::host_pg::HostPg::open`]
/// migrates next, when the host starts).
pub fn postgres_apply(target: &PgTarget) -> Result<Vec<&'static str>> {
    off_runtime(|| {
        let mut c = pg_connect(target)?;
        let store = describe_target(target);
        let hall_schema = super::host_pg::schema_name(&target.hall);
        let hall_recorded = pg_recorded(&mut c, &hall_schema).map_err(pg_err(&format!("reading {hall_schema}.schema_migrations")))?;
        let hall_unknown = unknown(super::sqlite::MIGRATIONS, &hall_recorded);
        if !hall_unknown.is_empty() {
            return Err(newer(&format!("{store} (schema {hall_schema})"), &hall_unknown));
        }
        let mut tx = c.transaction().map_err(pg_err("beginning the migration"))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PG_SCHEMA_LOCK]).map_err(pg_err("waiting for the schema lock"))?;
        tx.batch_execute(
            "CREATE SCHEMA IF NOT EXISTS linli;
             REVOKE ALL ON SCHEMA linli FROM PUBLIC;
             CREATE TABLE IF NOT EXISTS linli.schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL, version TEXT)",
        )
        .map_err(pg_err("making linli.schema_migrations"))?;
        let recorded = pg_recorded(&mut tx, "linli").map_err(pg_err("reading linli.schema_migrations"))?;
        let unknown = unknown(POSTGRES, &recorded);
        if !unknown.is_empty() {
            return Err(newer(&format!("{store} (schema linli)"), &unknown));
        }
        let status = Status::of(POSTGRES, &recorded.into_iter().map(|(n, _)| n).collect::<Vec<_>>());
        for name in &status.pending {
            let sql = POSTGRES.iter().find(|(n, _)| n == name).map(|(_, s)| *s).unwrap_or_default();
            tx.batch_execute(sql).map_err(|e| StorageError::Backend(format!("migration {name} on {store}: {}", describe(&e))))?;
            tx.execute("INSERT INTO linli.schema_migrations (name, applied_at, version) VALUES ($1, extract(epoch from now())::bigint, $2)", &[name, &VERSION])
                .map_err(pg_err("recording a migration"))?;
        }
        tx.commit().map_err(pg_err("committing the migration"))?;
        Ok(status.pending)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &[(&str, &str)] = &[("0001_a", "CREATE TABLE a (x INTEGER)"), ("0002_b", "CREATE TABLE b (y INTEGER)")];
    const LONGER: &[(&str, &str)] = &[("0001_a", "CREATE TABLE a (x INTEGER)"), ("0002_b", "CREATE TABLE b (y INTEGER)"), ("0003_c", "CREATE TABLE c (z INTEGER)")];

    #[test]
    fn pending_migrations_are_listed_applied_once_and_recorded_with_the_version() {
        let conn = Connection::open_in_memory().unwrap();
        let s = sqlite_status(&conn, LIST, "t").unwrap();
        assert_eq!((s.applied, s.pending), (vec![], vec!["0001_a", "0002_b"]));
        assert_eq!(sqlite_apply(&conn, LIST, "t").unwrap(), vec!["0001_a", "0002_b"]);
        assert_eq!(sqlite_apply(&conn, LIST, "t").unwrap(), Vec::<&str>::new(), "nothing twice");
        let v: String = conn.query_row("SELECT version FROM schema_migrations WHERE name = '0002_b'", [], |r| r.get(0)).unwrap();
        assert_eq!(v, VERSION);
        assert_eq!(sqlite_apply(&conn, LONGER, "t").unwrap(), vec!["0003_c"], "a newer list applies only its new one");
    }

    #[test]
    fn a_file_migrated_by_a_newer_version_is_refused_naming_that_version() {
        let conn = Connection::open_in_memory().unwrap();
        sqlite_apply(&conn, LONGER, "t").unwrap();
        conn.execute("UPDATE schema_migrations SET version = '1.10.0' WHERE name = '0003_c'", []).unwrap();
        let e = sqlite_apply(&conn, LIST, "SQLite x.db").unwrap_err().to_string();
        assert!(e.contains("linli 1.10.0") && e.contains("0003_c") && e.contains("SQLite x.db") && e.contains(VERSION), "{e}");
        assert!(sqlite_status(&conn, LIST, "t").is_err());
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'c'", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 1, "nothing dropped");
    }

    #[test]
    fn a_record_table_from_before_versions_gets_the_column_and_keeps_its_rows() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL); CREATE TABLE a (x INTEGER); INSERT INTO schema_migrations VALUES ('0001_a', 1)").unwrap();
        assert_eq!(sqlite_apply(&conn, LIST, "t").unwrap(), vec!["0002_b"]);
        let s = sqlite_status(&conn, LIST, "t").unwrap();
        assert_eq!(s.applied, vec!["0001_a", "0002_b"]);
        // An unknown migration from before versions: refused, no version named.
        conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES ('0009_z', 2)", []).unwrap();
        let e = sqlite_status(&conn, LIST, "t").unwrap_err().to_string();
        assert!(e.contains("newer version of linli") && e.contains("0009_z"), "{e}");
    }

    #[test]
    fn a_failing_migration_leaves_nothing_half_done() {
        const BAD: &[(&str, &str)] = &[("0001_a", "CREATE TABLE a (x INTEGER)"), ("0002_bad", "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1)")];
        let conn = Connection::open_in_memory().unwrap();
        let e = sqlite_apply(&conn, BAD, "t").unwrap_err().to_string();
        assert!(e.contains("migration 0002_bad") && e.contains("nowhere"), "{e}");
        let s = sqlite_status(&conn, BAD, "t").unwrap();
        assert_eq!((s.applied, s.pending), (vec!["0001_a"], vec!["0002_bad"]));
        let b: i64 = conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'b'", [], |r| r.get(0)).unwrap();
        assert_eq!(b, 0, "the failed migration's table is rolled back");
    }

    #[test]
    fn versions_compare_as_numbers() {
        assert!(version_key("1.10.0") > version_key("1.9.3"));
        let e = newer("s", &[("x".into(), Some("1.9.3".into())), ("y".into(), Some("1.10.0".into()))]).to_string();
        assert!(e.contains("linli 1.10.0 (this"), "{e}");
    }
}
