//! The host's own tables (staff, sessions, devices, grants, the audit log…)
//! of one hall in PostgreSQL, so that every host of the hall shares them.
//!
//! They live in a schema per hall, `hh_<hall>`, which no other hall's host
//! and no plugin's role may use (the plugins' schemas are `h_<hall>__<id>`,
//! never `hh_`). The schema is made and migrated when a host starts, with
//! the same migration list as the SQLite file (`host/migrations/`): each
//! statement translated by [`super::postgres::translate`], except where a
//! PostgreSQL variant beside the SQLite file replaces the migration
//! (`NNNN_name.pg.sql`: the audit log's append-only triggers, whose syntax
//! the two engines do not share, and the column `window`, a reserved word
//! in PostgreSQL, quoted). Two hosts starting at once migrate one
//! after the other (an advisory lock of the hall).

use super::plugin_db::SqlValue;
use super::postgres::{PgTarget, describe, off_runtime, translate};
use super::{Result, StorageError};
use parking_lot::Mutex;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// Connections kept for reuse.
const POOL: usize = 8;
/// Prepared statements kept per connection (the host's statements are few).
const STATEMENT_CACHE: usize = 256;

/// Migrations whose statements cannot be shared: the PostgreSQL text
/// replaces the SQLite file's for that migration.
const PG_VARIANTS: &[(&str, &str)] = &[
    ("0002_staff", include_str!("../../migrations/0002_staff.pg.sql")),
    ("0003_security", include_str!("../../migrations/0003_security.pg.sql")),
];

/// The schema of the host tables of `hall` (checked by `[store]`: lower-case
/// letters and digits).
pub fn schema_name(hall: &str) -> String {
    let hall: String = hall.chars().filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit()).collect();
    format!("hh_{hall}")
}

pub(super) struct Conn {
    pub(super) client: Client,
    statements: HashMap<String, Statement>,
    /// When it went back to the pool.
    idle_since: std::time::Instant,
}

/// A connection idle longer than this is checked before it is used: the
/// server may have been restarted meanwhile, and the first request after
/// that should not be the one that finds out.
const CHECK_IDLE: std::time::Duration = std::time::Duration::from_millis(500);

pub struct HostPg {
    config: postgres::Config,
    hall: String,
    schema: String,
    pool: Mutex<Vec<Conn>>,
    /// Statements of the common dialect as PostgreSQL reads them.
    translated: Mutex<HashMap<String, String>>,
}

fn err(e: postgres::Error) -> StorageError {
    StorageError::Backend(describe(&e))
}

impl HostPg {
    /// Open the hall's host tables, making and migrating its schema first.
    pub fn open(target: &PgTarget) -> Result<HostPg> {
        let config: postgres::Config = target.url.parse().map_err(|e: postgres::Error| StorageError::Invalid(format!("[store] postgres_url: {e}")))?;
        let schema = schema_name(&target.hall);
        let db = HostPg { config, hall: target.hall.clone(), schema, pool: Mutex::new(Vec::new()), translated: Mutex::new(HashMap::new()) };
        db.with(|c| db.migrate(&mut c.client))?;
        Ok(db)
    }

    pub fn hall(&self) -> &str {
        &self.hall
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    fn migrate(&self, c: &mut Client) -> Result<()> {
        let schema = &self.schema;
        let mut tx = c.transaction().map_err(err)?;
        // One host of the hall migrates at a time; the others wait, then
        // find the work done.
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('linli-host-schema/' || $1))", &[&schema]).map_err(err)?;
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema};
             REVOKE ALL ON SCHEMA {schema} FROM PUBLIC;
             SET LOCAL search_path TO {schema};
             CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL, version TEXT);"
        ))
        .map_err(err)?;
        // A schema a newer linli migrated: this older program refuses it
        // rather than run on tables it does not know (the other hosts of
        // the hall are upgraded first).
        let recorded: Vec<(String, Option<String>)> = tx.query("SELECT name, version FROM schema_migrations ORDER BY name", &[]).map_err(err)?.iter().map(|r| (r.get(0), r.get(1))).collect();
        let unknown: Vec<&(String, Option<String>)> = recorded.iter().filter(|(n, _)| !super::sqlite::MIGRATIONS.iter().any(|(m, _)| m == n)).collect();
        if let Some((_, version)) = unknown.iter().find(|(_, v)| v.is_some()).or(unknown.first()).copied() {
            let names = unknown.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ");
            let by = version.as_deref().map_or("a newer linli".to_owned(), |v| format!("linli {v}"));
            let this = env!("CARGO_PKG_VERSION");
            return Err(StorageError::Invalid(format!(
                "本厅的主机数据（PostgreSQL 模式 {schema}）已由更新版本的 linli 升级（本程序 linli {this} 不认识迁移 {names}），请先升级本机的 linli / \
                 the hall's host tables (PostgreSQL schema {schema}) were migrated by {by} (this linli {this} does not know migration {names}): upgrade linli before starting it"
            )));
        }
        for (name, sql) in super::sqlite::MIGRATIONS {
            let done = tx.query_opt("SELECT name FROM schema_migrations WHERE name = $1", &[name]).map_err(err)?;
            if done.is_some() {
                continue;
            }
            let text = match PG_VARIANTS.iter().find(|(n, _)| n == name) {
                Some((_, pg)) => pg.to_string(),
                None => statements(sql)
                    .iter()
                    .map(|s| translate(s).map(|t| format!("{t};\n")))
                    .collect::<std::result::Result<String, String>>()
                    .map_err(|e| StorageError::Backend(format!("migration {name}: {e}")))?,
            };
            tx.batch_execute(&text).map_err(|e| StorageError::Backend(format!("migration {name} on PostgreSQL: {}", describe(&e))))?;
            tx.execute("INSERT INTO schema_migrations (name, applied_at, version) VALUES ($1, extract(epoch from now())::bigint, $2)", &[name, &env!("CARGO_PKG_VERSION")]).map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Run `f` on a pooled connection whose search path is the hall's
    /// schema (made when none is free; dropped when it failed, so a
    /// restarted server is reconnected to).
    /// (Called from the HTTP handlers too, sessions and devices: `off_runtime`
    /// leaves the runtime's context, so the wait for the server does not
    /// hold one of its few workers.)
    pub(super) fn with<T: Send>(&self, f: impl FnOnce(&mut Conn) -> Result<T> + Send) -> Result<T> {
        off_runtime(|| {
            let taken = self.pool.lock().pop();
            let alive = |c: &mut Conn| !c.client.is_closed() && (c.idle_since.elapsed() < CHECK_IDLE || c.client.is_valid(std::time::Duration::from_secs(2)).is_ok());
            let taken = match taken {
                Some(mut c) => {
                    if alive(&mut c) {
                        Some(c)
                    } else {
                        // A dead one: the others in the pool are as old.
                        self.pool.lock().clear();
                        None
                    }
                }
                None => None,
            };
            let mut conn = match taken {
                Some(c) => c,
                None => {
                    let mut cfg = self.config.clone();
                    cfg.connect_timeout(std::time::Duration::from_secs(5));
                    cfg.application_name("linli host");
                    let mut client = cfg.connect(NoTls).map_err(|e| StorageError::Backend(format!("connecting to PostgreSQL: {}", describe(&e))))?;
                    client.batch_execute(&format!("SET search_path TO {}", self.schema)).map_err(err)?;
                    Conn { client, statements: HashMap::new(), idle_since: std::time::Instant::now() }
                }
            };
            let r = f(&mut conn);
            conn.idle_since = std::time::Instant::now();
            if !conn.client.is_closed() {
                let mut pool = self.pool.lock();
                if pool.len() < POOL {
                    pool.push(conn);
                }
            }
            r
        })
    }

    /// One transaction: committed when `f` returns Ok, rolled back else.
    /// A read runs its statements as they come (each sees what was
    /// committed when it began), as the SQLite readers do.
    pub(super) fn transaction<T: Send>(&self, write: bool, f: impl FnOnce(&mut Conn, &HostPg) -> Result<T> + Send) -> Result<T> {
        self.with(|c| {
            if !write {
                return f(c, self);
            }
            c.client.batch_execute("BEGIN").map_err(err)?;
            match f(c, self) {
                Ok(v) => {
                    c.client.batch_execute("COMMIT").map_err(err)?;
                    Ok(v)
                }
                Err(e) => {
                    if let Err(re) = c.client.batch_execute("ROLLBACK") {
                        tracing::warn!(error = %describe(&re), "rolling back a host transaction");
                    }
                    Err(e)
                }
            }
        })
    }

    fn statement(&self, c: &mut Conn, sql: &str) -> Result<Statement> {
        if let Some(st) = c.statements.get(sql) {
            return Ok(st.clone());
        }
        let pg = {
            let mut t = self.translated.lock();
            match t.get(sql) {
                Some(s) => s.clone(),
                None => {
                    let s = translate(sql).map_err(|e| StorageError::Invalid(format!("host SQL `{}`: {e}", sql.trim())))?;
                    t.insert(sql.to_owned(), s.clone());
                    s
                }
            }
        };
        let st = c.client.prepare(&pg).map_err(|e| StorageError::Backend(format!("{} (in `{}`)", describe(&e), pg.trim())))?;
        if c.statements.len() >= STATEMENT_CACHE {
            c.statements.clear();
        }
        c.statements.insert(sql.to_owned(), st.clone());
        Ok(st)
    }

    pub(super) fn execute(&self, c: &mut Conn, sql: &str, params: &[SqlValue]) -> Result<u64> {
        let st = self.statement(c, sql)?;
        let ps: Vec<P<'_>> = params.iter().map(P).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = ps.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        c.client.execute(&st, &refs).map_err(err)
    }

    pub(super) fn query(&self, c: &mut Conn, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>> {
        let st = self.statement(c, sql)?;
        let ps: Vec<P<'_>> = params.iter().map(P).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = ps.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = c.client.query(&st, &refs).map_err(err)?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.try_get::<_, V>(i).map(|V(v)| v).map_err(|e| StorageError::Backend(format!("column {}: {e}", r.columns()[i].name()))))
                    .collect()
            })
            .collect()
    }

    /// Run statements as they are (a test's or maintenance's own SQL).
    pub fn batch(&self, sql: &str) -> Result<()> {
        self.with(|c| c.client.batch_execute(sql).map_err(err))
    }
}

impl Drop for HostPg {
    fn drop(&mut self) {
        let conns = std::mem::take(&mut *self.pool.lock());
        // The blocking client's runtime cannot be dropped inside the host's.
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::Builder::new().name("linli-pg-close".into()).spawn(move || drop(conns));
        }
    }
}

/// A migration's statements: `--` comments dropped, split at `;` (the
/// shared migrations hold no `;` inside a string or a trigger body).
fn statements(sql: &str) -> Vec<String> {
    let text: String = sql.lines().map(|l| l.split("--").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    text.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// A value as a parameter of the type PostgreSQL inferred for it.
#[derive(Debug)]
struct P<'a>(&'a SqlValue);

impl ToSql for P<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> std::result::Result<IsNull, BoxError> {
        match self.0 {
            SqlValue::Null => Ok(IsNull::Yes),
            SqlValue::Integer(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::UNKNOWN => i.to_string().as_str().to_sql(&Type::TEXT, out),
                _ => Err(format!("an integer was given for a parameter of type {ty}").into()),
            },
            SqlValue::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                _ => Err(format!("a real number was given for a parameter of type {ty}").into()),
            },
            SqlValue::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => s.as_str().to_sql(&Type::TEXT, out),
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                _ => Err(format!("text was given for a parameter of type {ty}").into()),
            },
            SqlValue::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => Err(format!("bytes were given for a parameter of type {ty}").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A column read back as one of the five kinds.
struct V(SqlValue);

impl<'a> FromSql<'a> for V {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, BoxError> {
        Ok(V(match *ty {
            Type::INT8 => SqlValue::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => SqlValue::Integer(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => SqlValue::Integer(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => SqlValue::Integer(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => SqlValue::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => SqlValue::Real(f32::from_sql(ty, raw)?.into()),
            Type::BYTEA => SqlValue::Blob(raw.to_vec()),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => SqlValue::Text(String::from_utf8(raw.to_vec())?),
            _ => return Err(format!("type {ty} is not read by the host; cast it in the query").into()),
        }))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, BoxError> {
        Ok(V(SqlValue::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_split_into_statements_without_comments() {
        let s = super::statements("-- a; comment\nCREATE TABLE a (x INTEGER); -- b\n\nCREATE INDEX i ON a (x);\n");
        assert_eq!(s, vec!["CREATE TABLE a (x INTEGER)".to_string(), "CREATE INDEX i ON a (x)".to_string()]);
    }

    #[test]
    fn every_shared_migration_translates() {
        for (name, sql) in crate::storage::sqlite::MIGRATIONS {
            for s in super::statements(sql) {
                if !super::PG_VARIANTS.iter().any(|(n, _)| n == name) {
                    let t = crate::storage::postgres::translate(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert!(!t.contains("AUTOINCREMENT") && !t.contains("ROWID") && !t.contains(" BLOB"), "{name}: {t}");
                }
            }
        }
    }
}
